"""Entrar, salir y restablecer la contraseña."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensiones import db, limiter
from ..seguridad import ruta_local
from .formularios import FormularioEntrar, FormularioRecuperar, FormularioRestablecer
from .servicios import DatosInvalidos, abrir_sesion, autenticar, cerrar_sesion, buscar_por_correo, enviar_enlace_restablecer, usuario_de_token

bp = Blueprint("cuentas", __name__)


def _limite_ingreso():
    return current_app.config["LIMITE_INGRESO"]


def _destino_seguro(destino: str | None) -> str:
    """Solo rutas de este sitio (evita redirecciones abiertas)."""
    return ruta_local(destino) or url_for("organizacion.inicio")


@bp.route("/entrar", methods=["GET", "POST"])
@limiter.limit(_limite_ingreso, methods=["POST"])
def entrar():
    if current_user.is_authenticated:
        return redirect(_destino_seguro(request.args.get("next")))
    formulario = FormularioEntrar()
    if formulario.validate_on_submit():
        usuario = autenticar(formulario.correo.data, formulario.clave.data)
        if usuario:
            abrir_sesion(usuario)
            login_user(usuario, remember=formulario.recordar.data)
            db.session.commit()
            return redirect(_destino_seguro(request.args.get("next")))
        db.session.rollback()
        flash(_("Correo o contraseña incorrectos."), "error")
        return render_template("cuentas/entrar.html", formulario=formulario), 401
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("cuentas/entrar.html", formulario=formulario), codigo


@bp.post("/salir")
@login_required
def salir():
    cerrar_sesion(current_user)
    db.session.commit()
    logout_user()
    flash(_("Ha cerrado la sesión."), "info")
    return redirect(url_for("publico.inicio"))


@bp.route("/recuperar", methods=["GET", "POST"])
@limiter.limit(_limite_ingreso, methods=["POST"])
def recuperar():
    formulario = FormularioRecuperar()
    if formulario.validate_on_submit():
        usuario = buscar_por_correo(formulario.correo.data)
        if usuario and usuario.activo:
            enviar_enlace_restablecer(usuario)
            db.session.commit()
        # La misma respuesta exista o no la cuenta: no revela qué correos están registrados.
        flash(_("Si hay una cuenta con ese correo, le enviamos un enlace para elegir una contraseña nueva."), "info")
        return redirect(url_for("cuentas.entrar"))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("cuentas/recuperar.html", formulario=formulario), codigo


@bp.route("/restablecer/<token>", methods=["GET", "POST"])
@limiter.limit(_limite_ingreso, methods=["POST"])
def restablecer(token):
    try:
        usuario = usuario_de_token(token)
    except DatosInvalidos as error:
        return render_template("error.html", codigo=400, titulo=_("Enlace no válido"), mensaje=str(error)), 400
    formulario = FormularioRestablecer()
    if formulario.validate_on_submit():
        usuario.fijar_clave(formulario.clave.data)
        db.session.commit()
        flash(_("Contraseña cambiada. Ya puede entrar con la nueva."), "info")
        return redirect(url_for("cuentas.entrar"))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("cuentas/restablecer.html", formulario=formulario, usuario=usuario), codigo


from . import claves  # noqa: E402,F401  (registra las rutas de las claves de API)
