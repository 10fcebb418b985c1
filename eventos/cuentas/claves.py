"""Claves de API de cada persona (/cuentas/claves-api): crearlas, verlas y revocarlas.

Cada persona gestiona solo las suyas; una clave actúa con los permisos de su dueña (p. ej. acreditar en
los eventos donde es del equipo de acreditación). La clave en claro se muestra una sola vez, al crearla:
la base de datos guarda solo su resumen. Se gestionan con la sesión iniciada con contraseña, nunca con
otra clave (quien tenga una clave robada no puede crearse otra que sobreviva a la revocación).
"""
from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..entrada import Formulario
from ..extensiones import db
from ..modelos import TokenApi
from ..zonas import ahora
from .rutas import bp

MAXIMO_VIGENTES = 20


class FormularioClaveApi(Formulario):
    nombre = StringField(_l("Nombre de la clave"), validators=[
        DataRequired(_l("Escriba un nombre que le ayude a reconocerla.")), Length(max=120)])


class FormularioRevocar(Formulario):
    """Solo el token CSRF."""


def _pagina(formulario, clave_nueva: str | None = None, registro_nuevo=None, codigo: int = 200):
    claves = db.session.execute(select(TokenApi).where(TokenApi.usuario_id == current_user.id)
                                .order_by(TokenApi.revocado_en.is_not(None), TokenApi.creado_en.desc(),
                                          TokenApi.id.desc())).scalars().all()
    respuesta = make_response(render_template(
        "cuentas/claves.html", formulario=formulario, claves=claves, clave_nueva=clave_nueva,
        registro_nuevo=registro_nuevo, revocar=FormularioRevocar(), zona=g.get("zona_visitante") or "UTC",
        maximo=MAXIMO_VIGENTES), codigo)
    respuesta.headers["Cache-Control"] = "private, no-store"  # la clave recién creada no se guarda en ningún sitio
    return respuesta


@bp.get("/claves-api")
@login_required
def claves_api():
    return _pagina(FormularioClaveApi(formdata=None))


@bp.post("/claves-api")
@login_required
def crear_clave_api():
    formulario = FormularioClaveApi()
    if not formulario.validate_on_submit():
        return _pagina(formulario, codigo=400)
    vigentes = db.session.scalar(select(func.count()).where(TokenApi.usuario_id == current_user.id,
                                                             TokenApi.revocado_en.is_(None)))
    if vigentes >= MAXIMO_VIGENTES:
        formulario.form_errors.append(ngettext(
            "Ya tiene %(num)d clave vigente: revóquela si no la usa antes de crear otra.",
            "Ya tiene %(num)d claves vigentes: revoque alguna que no use antes de crear otra.", MAXIMO_VIGENTES))
        return _pagina(formulario, codigo=400)
    registro, clave = TokenApi.crear(current_user, formulario.nombre.data.strip())
    db.session.commit()
    # Se responde con la página (no con una redirección) para mostrar la clave una vez sin guardarla.
    return _pagina(FormularioClaveApi(formdata=None), clave_nueva=clave, registro_nuevo=registro, codigo=201)


@bp.post("/claves-api/<int:clave_id>/revocar")
@login_required
def revocar_clave_api(clave_id):
    registro = db.session.get(TokenApi, clave_id)
    if registro is None or registro.usuario_id != current_user.id:
        abort(404)
    if not FormularioRevocar().validate_on_submit():
        abort(400)
    if registro.revocado_en is None:
        registro.revocado_en = ahora()
        db.session.commit()
        flash(_("Clave «%(nombre)s» revocada: ya no sirve para usar la API.", nombre=registro.nombre), "info")
    else:
        flash(_("Esa clave ya estaba revocada."), "info")
    return redirect(url_for("cuentas.claves_api"), 303)
