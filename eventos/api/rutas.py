"""API JSON v1 (lectura pública de eventos publicados)."""
import orjson
from flask import Blueprint, abort, jsonify
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import dependencias, instantanea
from ..cache import respuesta_condicional
from ..extensiones import db
from ..modelos import Evento
from ..inscripciones.servicios import disponibilidad, disponibilidades
from . import serializar

bp = Blueprint("api", __name__)


@bp.after_request
def como_identificarse(respuesta):
    """Un 401 dice con qué identificarse (RFC 9110): la clave de API."""
    if respuesta.status_code == 401:
        respuesta.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return respuesta


@bp.get("/salud")
def salud():
    """Para el balanceador o el monitor: el proceso responde (no consulta la base de datos)."""
    return jsonify({"estado": "ok"})


@bp.get("/preparado")
def preparado():
    """Para el balanceador: este proceso llega a la base de datos y a Redis (si lo hay). 503, con la razón,
    si alguno no responde. Nunca se guarda en una caché."""
    servicios = dependencias.comprobar()
    listo = all(servicio["estado"] != "fallo" for servicio in servicios.values())
    respuesta = jsonify({"estado": "ok" if listo else "fallo", "servicios": servicios})
    respuesta.status_code = 200 if listo else 503
    respuesta.headers["Cache-Control"] = "no-store"
    return respuesta


@bp.get("/eventos")
def eventos():
    consulta = Evento.consulta_publicados().options(selectinload(Evento.sesiones)).order_by(Evento.fecha_inicio)
    lista = db.session.execute(consulta).scalars().all()
    cifras = disponibilidades(lista)
    return jsonify({"eventos": [serializar.evento_resumen(e, cifras[e.id]) for e in lista]})


@bp.get("/eventos/<slug>")
def evento(slug):
    fila = Evento.version_publicada(slug) or abort(
        404, description=_("No hay ningún evento publicado con ese identificador."))

    def generar() -> bytes:
        evento = instantanea.de_version(fila.programa)
        # orjson escribe este documento (cientos de KB en un foro grande) unas cinco veces más rápido que json.
        return orjson.dumps(serializar.evento_completo(evento, disponibilidad(evento)))

    # La versión de las inscripciones cambia los recuentos; el estado de la inscripción, «abierta».
    return respuesta_condicional(("api.evento", *fila), generar, tipo="application/json")


from . import acreditacion, descripcion, respuestas  # noqa: E402,F401  (registran sus rutas en este blueprint)
