"""API JSON v1 (lectura pública de eventos publicados)."""
from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..extensiones import db
from ..modelos import Evento
from . import serializar

bp = Blueprint("api", __name__)


@bp.get("/eventos")
def eventos():
    consulta = Evento.consulta_publicados().options(selectinload(Evento.sesiones)).order_by(Evento.fecha_inicio)
    lista = db.session.execute(consulta).scalars().all()
    return jsonify({"eventos": [serializar.evento_resumen(e) for e in lista]})


@bp.get("/eventos/<slug>")
def evento(slug):
    evento = Evento.con_programa(slug)
    if evento is None:
        abort(404, description=_("No hay ningún evento publicado con ese identificador."))
    etag = f"{evento.id}-{evento.version_programa}-{evento.actualizado_en.timestamp():.6f}"
    if request.if_none_match.contains(etag):
        respuesta = jsonify()
        respuesta.status_code = 304
    else:
        respuesta = jsonify(serializar.evento_completo(evento))
    respuesta.set_etag(etag)
    respuesta.headers["Cache-Control"] = "no-cache"
    return respuesta
