"""Cada cambio del programa sube la versión del evento (y la secuencia de la sesión afectada).

La versión invalida las páginas y documentos ya generados (caché, ETag) y alimenta SEQUENCE y
LAST-MODIFIED en iCalendar, sin que cada vista tenga que acordarse de hacerlo.
"""
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .evento import Evento
from .mesas import Bloque, Guia, Mesa, Pregunta
from .programa import Material, Participacion, Persona, Sesion

_CAMPOS_DE_CONTROL = {"version_programa", "actualizado_en", "secuencia"}


def _afectados(obj):
    """(evento, sesión) a los que pertenece un objeto del programa."""
    if isinstance(obj, Sesion):
        return obj.evento, obj
    if isinstance(obj, (Participacion, Material)):
        sesion = obj.sesion
        evento = sesion.evento if sesion is not None else getattr(obj, "evento", None)
        return evento, sesion
    if isinstance(obj, (Persona, Mesa, Guia)):
        return obj.evento, None
    if isinstance(obj, Bloque):
        return (obj.guia.evento if obj.guia else None), None
    if isinstance(obj, Pregunta):
        guia = obj.bloque.guia if obj.bloque else None
        return (guia.evento if guia else None), None
    return None, None


def _cambio_real(sesion_db: Session, obj) -> bool:
    estado = inspect(obj)
    for attr in estado.mapper.column_attrs:
        if attr.key not in _CAMPOS_DE_CONTROL and estado.attrs[attr.key].history.has_changes():
            return True
    return any(estado.attrs[r.key].history.has_changes() for r in estado.mapper.relationships
               if r.secondary is not None)


@event.listens_for(Session, "before_flush")
def subir_versiones(sesion_db: Session, contexto, instancias):
    eventos, sesiones = set(), set()
    with sesion_db.no_autoflush:
        for obj in list(sesion_db.dirty):
            if isinstance(obj, Evento) and _cambio_real(sesion_db, obj):
                eventos.add(obj)
            elif not isinstance(obj, Evento) and _cambio_real(sesion_db, obj):
                evento, sesion = _afectados(obj)
                eventos.add(evento)
                sesiones.add(sesion)
        for obj in list(sesion_db.new) + list(sesion_db.deleted):
            if not isinstance(obj, Evento):
                evento, sesion = _afectados(obj)
                eventos.add(evento)
                sesiones.add(sesion if obj not in sesion_db.new or not isinstance(obj, Sesion) else None)
    for evento in eventos - {None}:
        if evento not in sesion_db.deleted and evento not in sesion_db.new:
            evento.marcar_cambio()
    for sesion in sesiones - {None}:
        if sesion not in sesion_db.deleted and sesion not in sesion_db.new:
            sesion.marcar_cambio()
