"""Oficina de organizadores (/organizacion/): construir y gestionar eventos sin tocar archivos."""
from flask import Blueprint

from ..extensiones import login

bp = Blueprint("organizacion", __name__)


@bp.before_request
def exigir_sesion():
    from flask_login import current_user
    if not current_user.is_authenticated:
        return login.unauthorized()


from . import eventos, sesiones, mesas, guias, materiales, equipo, inscripciones, asistencia, credenciales, sintesis, \
    comunicaciones, encuesta, encuesta_resultados  # noqa: E402,F401  (registran rutas)
from . import inscripciones_en_bloque  # noqa: E402,F401  (acciones en bloque de la lista de inscripciones)
