"""Lo común a las rutas de la API que escriben: quién llama (sesión o clave de API), CSRF y cuerpo JSON."""
from flask import abort, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from ..entrada import leer_json


def exigir_cuenta() -> None:
    if not current_user.is_authenticated:
        abort(401, description=_("Inicie sesión o use una clave de API (cabecera «Authorization: Bearer …»)."))


def exigir_csrf_si_hay_sesion() -> None:
    """La cookie de sesión viaja sola en peticiones de otros sitios; la clave de API no."""
    if g.get("por_token"):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError as error:
        raise CSRFError(str(error)) from None


def cuerpo_json() -> dict:
    datos = leer_json() if request.is_json else None
    if not isinstance(datos, dict):
        abort(400, description=_("El cuerpo debe ser un objeto JSON."))
    return datos
