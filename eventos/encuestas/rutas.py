"""La encuesta de evaluación de quien participa, desde su enlace personal. Las reglas están en servicios.py.

En una encuesta anónima, el navegador que envió la respuesta guarda su clave de edición en una cookie propia de
esta encuesta y de esta dirección: solo desde él se ve y se cambia la respuesta."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from .. import qr
from ..extensiones import db, limiter
from ..permisos import exigir_boton
from ..texto import fecha_hora_en, lugar_zona
from ..zonas import ahora
from . import participacion, servicios

bp = Blueprint("encuestas", __name__)
VIDA_CLAVE_SIN_CIERRE = timedelta(days=365)


def _limite():
    return current_app.config["LIMITE_INSCRIPCION"]


@bp.after_request
def sin_cache(respuesta):
    """Las páginas de la encuesta llevan respuestas personales: ni cachés compartidas ni copia en el navegador."""
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.errorhandler(RequestEntityTooLarge)
def envio_demasiado_grande(_error):
    """Un envío enorme se corta al leer el formulario, antes de la vista: que diga qué pasó con la encuesta."""
    return render_template("error.html", codigo=413, titulo=_("Respuesta demasiado larga"), mensaje=ngettext(
        "Su respuesta es demasiado larga para enviarla: cada texto admite como máximo %(num)d carácter. "
        "Vuelva atrás, acórtela y envíela de nuevo.",
        "Su respuesta es demasiado larga para enviarla: cada texto admite como máximo %(num)d caracteres. "
        "Vuelva atrás, acórtela y envíela de nuevo.", servicios.LARGO_TEXTO_LARGO)), 413


@bp.route("/inscripcion/<token>/encuesta", methods=["GET", "POST"])
@limiter.limit(_limite, methods=["POST"])
def responder(token):
    inscripcion = qr.inscripcion_del_enlace(token)
    encuesta = servicios.encuesta_de(inscripcion.evento_id)
    try:
        servicios.comprobar(encuesta, inscripcion)
    except servicios.NoPuedeResponder as motivo:
        return _no_disponible(encuesta, token, motivo.mensaje, motivo.codigo)
    clave = request.cookies.get(_nombre_cookie(encuesta))
    anterior = participacion.respuesta_anterior(encuesta, inscripcion, clave)
    if request.method == "POST":
        return _enviar(encuesta, inscripcion, token, clave, cambiando=anterior is not None)
    if anterior is None and encuesta.anonima and servicios.ya_respondio(encuesta, inscripcion.id):
        return _no_disponible(encuesta, token, _(
            "Ya respondió esta encuesta. Como es anónima, su respuesta solo se puede cambiar desde el navegador "
            "con el que la envió."), 200)
    enviado = participacion.campos_de(anterior.valores) if anterior else MultiDict()
    return _formulario(encuesta, token, enviado, {}, cambiando=anterior is not None)


def _enviar(encuesta, inscripcion, token: str, clave: str | None, cambiando: bool):
    exigir_boton()
    try:
        valores = servicios.leer(encuesta, request.form)
    except servicios.RespuestaInvalida as error:
        return _formulario(encuesta, token, request.form, error.errores, cambiando), 400
    try:
        _respuesta, clave_nueva = servicios.guardar(encuesta, inscripcion, valores, clave)
    except servicios.NoPuedeResponder as motivo:
        db.session.rollback()
        return _no_disponible(encuesta, token, motivo.mensaje, motivo.codigo)
    db.session.commit()
    flash(_gracias(encuesta), "info")
    # Al principio del contenido, con el agradecimiento: no a la pregunta a la que llevó un enlace del resumen de
    # errores (sin ancla propia, la redirección heredaría la de la página enviada).
    respuesta = redirect(url_for(".responder", token=token, _anchor="contenido"), 303)
    if clave_nueva:
        _guardar_clave(respuesta, encuesta, clave_nueva, token)
    return respuesta


def _formulario(encuesta, token, enviado: MultiDict, errores: dict[int, str], cambiando: bool):
    filas = {p.id: servicios.filas(p, encuesta.evento_id) for p in encuesta.preguntas
             if p.tipo in ("matriz_sesiones", "matriz_mesas")}
    return render_template("encuestas/responder.html", encuesta=encuesta, evento=encuesta.evento, token=token,
                           enviado=enviado, errores=errores, filas=filas, cambiando=cambiando,
                           largo_corto=servicios.LARGO_TEXTO_CORTO, largo_largo=servicios.LARGO_TEXTO_LARGO)


def _no_disponible(encuesta, token, mensaje: str, codigo: int):
    cerrada = encuesta is not None and encuesta.cierra_en is not None and encuesta.cierra_en <= ahora()
    return render_template("encuestas/no_disponible.html", encuesta=encuesta, token=token, mensaje=mensaje,
                           cerrada=cerrada), codigo


def _nombre_cookie(encuesta) -> str:
    return f"encuesta_{encuesta.id}"


def _guardar_clave(respuesta, encuesta, clave: str, token: str) -> None:
    """La clave de edición de una respuesta anónima, en una cookie que solo vuelve a esta página y dura lo que
    la encuesta siga abierta (o un año si no tiene cierre)."""
    vida = encuesta.cierra_en - ahora() if encuesta.cierra_en else VIDA_CLAVE_SIN_CIERRE
    respuesta.set_cookie(_nombre_cookie(encuesta), clave, max_age=max(int(vida.total_seconds()), 60),
                         path=url_for(".responder", token=token), httponly=True, samesite="Lax",
                         secure=bool(current_app.config.get("HTTPS") or request.is_secure))


def _gracias(encuesta) -> str:
    guardada = _("Gracias: su respuesta quedó guardada.")
    if encuesta.cierra_en is None:
        plazo = _("Puede cambiarla desde este navegador mientras la encuesta siga abierta.") if encuesta.anonima \
            else _("Puede cambiarla mientras la encuesta siga abierta.")
    else:
        datos = {"fecha": fecha_hora_en(encuesta.cierra_en, encuesta.evento.zona_horaria),
                 "lugar": lugar_zona(encuesta.evento.zona_horaria)}
        plazo = _("Puede cambiarla desde este navegador hasta el %(fecha)s (hora de %(lugar)s).", **datos) \
            if encuesta.anonima else _("Puede cambiarla hasta el %(fecha)s (hora de %(lugar)s).", **datos)
    return f"{guardada} {plazo}"
