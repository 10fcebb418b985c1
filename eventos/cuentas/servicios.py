"""Reglas de cuentas: crear usuarios, autenticar y restablecer contraseñas con enlaces firmados."""
from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .. import correo
from ..extensiones import db
from ..modelos import Usuario
from ..zonas import ahora

CLAVE_MINIMA = 10


class DatosInvalidos(ValueError):
    pass


def _firmador() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="restablecer-clave")


def validar_clave(clave: str) -> None:
    if len(clave or "") < CLAVE_MINIMA:
        raise DatosInvalidos(ngettext("La contraseña debe tener al menos %(num)d carácter.",
                                         "La contraseña debe tener al menos %(num)d caracteres.", CLAVE_MINIMA))


def buscar_por_correo(direccion: str) -> Usuario | None:
    return db.session.execute(
        select(Usuario).where(Usuario.correo == Usuario.normalizar_correo(direccion))).scalar_one_or_none()


def crear_usuario(direccion: str, nombre: str, clave: str, es_admin: bool = False) -> Usuario:
    try:
        direccion = validate_email(direccion or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DatosInvalidos(_("«%(correo)s» no es una dirección de correo válida.", correo=direccion)) from None
    nombre = (nombre or "").strip()
    if not nombre or len(nombre) > 200:
        raise DatosInvalidos(_("El nombre es obligatorio (máximo 200 caracteres)."))
    validar_clave(clave)
    if buscar_por_correo(direccion):
        raise DatosInvalidos(_("Ya existe una cuenta con el correo %(correo)s.", correo=direccion))
    usuario = Usuario(correo=direccion, nombre=nombre, es_admin=es_admin)
    usuario.fijar_clave(clave)
    db.session.add(usuario)
    return usuario


def autenticar(direccion: str, clave: str) -> Usuario | None:
    usuario = buscar_por_correo(direccion)
    if usuario is None or not usuario.activo or not usuario.comprobar_clave(clave):
        return None
    usuario.ultimo_acceso = ahora()
    return usuario


def abrir_sesion(usuario: Usuario) -> None:
    """Una sesión nueva en el servidor para esta entrada (y fuera las de esta cuenta que ya caducaron)."""
    from datetime import timedelta

    from ..modelos import SesionUsuario
    duracion = current_app.config.get("REMEMBER_COOKIE_DURATION") or timedelta(days=365)
    db.session.execute(db.delete(SesionUsuario).where(SesionUsuario.usuario_id == usuario.id,
                                                      SesionUsuario.creada_en < ahora() - duracion))
    sesion = SesionUsuario(id=secrets.token_urlsafe(32), usuario_id=usuario.id)
    db.session.add(sesion)
    usuario.sesion_actual = sesion.id


def cerrar_sesion(usuario: Usuario) -> None:
    """Salir borra la sesión en el servidor: ni la cookie de sesión ni la de «recordarme» vuelven a servir."""
    from ..modelos import SesionUsuario
    db.session.execute(db.delete(SesionUsuario).where(SesionUsuario.id == usuario.sesion_actual))


def token_restablecer(usuario: Usuario, invitacion: bool = False) -> str:
    """Enlace para elegir contraseña: una hora si se olvidó, una semana si es una invitación."""
    return _firmador().dumps({"u": usuario.id, "s": usuario.sello, "i": invitacion})


def usuario_de_token(token: str) -> Usuario:
    """El usuario del enlace; el enlace deja de valer al caducar o al cambiar la contraseña."""
    config = current_app.config
    try:
        datos, firmado = _firmador().loads(token, max_age=config["INVITACION_VALIDEZ_SEGUNDOS"], return_timestamp=True)
    except SignatureExpired:
        raise DatosInvalidos(_("El enlace ha caducado. Pida uno nuevo.")) from None
    except BadSignature:
        raise DatosInvalidos(_("El enlace no es válido.")) from None
    if not isinstance(datos, dict):
        raise DatosInvalidos(_("El enlace no es válido."))
    if not datos.get("i") and (ahora() - firmado).total_seconds() > config["RESTABLECER_VALIDEZ_SEGUNDOS"]:
        raise DatosInvalidos(_("El enlace ha caducado. Pida uno nuevo."))
    usuario = db.session.get(Usuario, datos.get("u"))
    if usuario is None or not usuario.activo or usuario.sello != datos.get("s"):
        raise DatosInvalidos(_("El enlace ya se usó o no es válido. Pida uno nuevo."))
    return usuario


def enviar_enlace_restablecer(usuario: Usuario) -> None:
    """Deja el correo con el enlace en la bandeja de salida (sale cuando quien llama confirme)."""
    enlace = url_for("cuentas.restablecer", token=token_restablecer(usuario), _external=True)
    minutos = current_app.config["RESTABLECER_VALIDEZ_SEGUNDOS"] // 60
    texto = render_template("cuentas/correo_restablecer.txt", usuario=usuario, enlace=enlace, minutos=minutos)
    correo.encolar(usuario.correo, _("Restablecer su contraseña"), texto, tipo="restablecer")
