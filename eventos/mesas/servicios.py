"""Reglas de las respuestas de las mesas, compartidas por el espacio de moderación, la API y la síntesis.

Guardar es «escribí sobre la versión N»: si la respuesta ya va por otra versión, nada se pisa y quien
guarda recibe un `Conflicto` con el texto actual para fusionar. Cada guardado queda en el historial;
los guardados seguidos de una misma persona (el autoguardado mientras escribe) se agrupan en una
entrada por racha de edición, para que el historial cuente versiones legibles y no pulsaciones.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import zonas
from ..extensiones import db
from ..modelos import Bloque, Guia, Mesa, Pregunta, Respuesta, Usuario, VersionRespuesta

MAX_TEXTO = 20_000
MAX_PUNTOS = 50
MAX_PUNTO = 500
MAX_INTERVENCIONES = 10_000
RACHA = timedelta(minutes=5)


class RespuestaInvalida(ValueError):
    """Datos que no se pueden guardar; el mensaje (en el idioma de la petición) dice por qué."""


class Conflicto(Exception):
    def __init__(self, actual: Respuesta):
        super().__init__("conflicto de versión")
        self.actual = actual


@dataclass
class Contenido:
    texto: str
    puntos_clave: list[str]
    intervenciones: int | None


def validar(texto, puntos_clave, intervenciones) -> Contenido:
    if not isinstance(texto, str):
        raise RespuestaInvalida(_("La respuesta debe ser texto."))
    texto = texto.replace("\r\n", "\n").strip()
    if len(texto) > MAX_TEXTO:
        raise RespuestaInvalida(_("La respuesta admite hasta %(n)d caracteres.", n=MAX_TEXTO))
    if puntos_clave is None:
        puntos_clave = []
    if not isinstance(puntos_clave, list) or not all(isinstance(p, str) for p in puntos_clave):
        raise RespuestaInvalida(_("Los puntos clave deben ser una lista de textos."))
    puntos = [" ".join(p.split()) for p in puntos_clave]
    puntos = [p for p in puntos if p]
    if len(puntos) > MAX_PUNTOS or any(len(p) > MAX_PUNTO for p in puntos):
        raise RespuestaInvalida(_("Hasta %(n)d puntos clave de %(c)d caracteres cada uno.", n=MAX_PUNTOS, c=MAX_PUNTO))
    if intervenciones in ("", None):
        intervenciones = None
    elif isinstance(intervenciones, str) and intervenciones.strip().isdigit():
        intervenciones = int(intervenciones.strip())
    if intervenciones is not None and (isinstance(intervenciones, bool) or not isinstance(intervenciones, int)
                                       or not 0 <= intervenciones <= MAX_INTERVENCIONES):
        raise RespuestaInvalida(_("Las intervenciones deben ser un número entero entre 0 y %(n)d.", n=MAX_INTERVENCIONES))
    return Contenido(texto, puntos, intervenciones)


def preguntas_de_mesa(mesa: Mesa) -> list[tuple[Guia, list[tuple[Bloque, list[Pregunta]]]]]:
    """Las guías que responde la mesa (la del evento y las de sus sesiones), con bloques y preguntas en orden."""
    return [(guia, [(bloque, list(bloque.preguntas)) for bloque in guia.bloques])
            for guia in mesa.evento.guias_de_mesa(mesa)]


def pregunta_de_mesa(mesa: Mesa, pregunta_id: int) -> Pregunta | None:
    for _guia, bloques in preguntas_de_mesa(mesa):
        for _bloque, preguntas in bloques:
            for pregunta in preguntas:
                if pregunta.id == pregunta_id:
                    return pregunta
    return None


def respuestas_de_mesa(mesa_id: int) -> dict[int, Respuesta]:
    filas = db.session.execute(select(Respuesta).where(Respuesta.mesa_id == mesa_id)).scalars()
    return {r.pregunta_id: r for r in filas}


def actual(mesa_id: int, pregunta_id: int) -> Respuesta | None:
    return db.session.execute(select(Respuesta).where(Respuesta.mesa_id == mesa_id,
                                                      Respuesta.pregunta_id == pregunta_id)).scalar_one_or_none()


def guardar(mesa_id: int, pregunta_id: int, contenido: Contenido, version: int, usuario: Usuario) -> Respuesta:
    """Guarda sobre `version` (0 si la respuesta aún no existía) y devuelve la respuesta con la versión nueva.

    Un UPDATE condicionado a la versión (o el INSERT con la restricción única, la primera vez) decide
    en la base de datos quién llega primero: dos guardados simultáneos sobre la misma versión nunca
    se aceptan los dos.
    """
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise RespuestaInvalida(_("Falta la versión sobre la que se escribió (un número entero)."))
    momento = zonas.ahora()
    valores = {"texto": contenido.texto, "puntos_clave": contenido.puntos_clave,
               "intervenciones": contenido.intervenciones, "actualizada_en": momento,
               "actualizada_por_id": usuario.id}
    try:
        if version == 0:
            respuesta_id = db.session.execute(insert(Respuesta).values(
                mesa_id=mesa_id, pregunta_id=pregunta_id, version=1, **valores).returning(Respuesta.id)).scalar_one()
        else:
            respuesta_id = db.session.execute(
                update(Respuesta).where(Respuesta.mesa_id == mesa_id, Respuesta.pregunta_id == pregunta_id,
                                        Respuesta.version == version)
                .values(version=Respuesta.version + 1, **valores).returning(Respuesta.id)).scalar_one_or_none()
    except IntegrityError:
        respuesta_id = None
    if respuesta_id is None:
        db.session.rollback()
        vigente = actual(mesa_id, pregunta_id)
        if vigente is None:  # pidió escribir sobre una versión de algo que no existe
            raise RespuestaInvalida(_("Esa respuesta todavía no existe: guárdela con la versión 0."))
        raise Conflicto(vigente)
    _anotar_historial(respuesta_id, version + 1, contenido, usuario.id, momento)
    db.session.commit()
    return db.session.get(Respuesta, respuesta_id, populate_existing=True)


def _anotar_historial(respuesta_id, version, contenido: Contenido, usuario_id, momento) -> None:
    ultima = db.session.execute(select(VersionRespuesta).where(VersionRespuesta.respuesta_id == respuesta_id)
                                .order_by(VersionRespuesta.version.desc()).limit(1)).scalar_one_or_none()
    datos = {"version": version, "texto": contenido.texto, "puntos_clave": contenido.puntos_clave,
             "intervenciones": contenido.intervenciones, "guardada_en": momento}
    if ultima is not None and ultima.usuario_id == usuario_id and momento - ultima.guardada_en < RACHA:
        for campo, valor in datos.items():  # la misma racha de escritura: se actualiza su entrada
            setattr(ultima, campo, valor)
    else:
        db.session.add(VersionRespuesta(respuesta_id=respuesta_id, usuario_id=usuario_id, **datos))


@dataclass
class Matriz:
    """Preguntas (en el orden de la guía) × mesas (en su orden), con la respuesta de cada cruce."""
    evento: object
    guias: list  # [(guia, [(bloque, [pregunta])])]
    mesas: list[Mesa]
    respuestas: dict[tuple[int, int], Respuesta]  # (mesa_id, pregunta_id) -> respuesta

    @property
    def preguntas(self) -> list[Pregunta]:
        return [p for _g, bloques in self.guias for _b, preguntas in bloques for p in preguntas]

    def respuesta(self, mesa: Mesa, pregunta: Pregunta) -> Respuesta | None:
        return self.respuestas.get((mesa.id, pregunta.id))


def matriz(evento, bloque_id: int | None = None, mesa_id: int | None = None) -> Matriz:
    """La síntesis entre mesas, con filtros opcionales por bloque/ronda y por mesa. Tres consultas:
    guías con bloques y preguntas, mesas, y respuestas con su autor."""
    from sqlalchemy.orm import joinedload, selectinload
    guias = db.session.execute(
        select(Guia).where(Guia.evento_id == evento.id).order_by(Guia.orden, Guia.id)
        .options(selectinload(Guia.bloques).selectinload(Bloque.preguntas))).scalars().all()
    mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id)
                               .order_by(Mesa.orden, Mesa.id)).scalars().all()
    if mesa_id is not None:
        mesas = [m for m in mesas if m.id == mesa_id]
    estructura = []
    for guia in guias:
        bloques = [(b, list(b.preguntas)) for b in guia.bloques if bloque_id is None or b.id == bloque_id]
        if bloques:
            estructura.append((guia, bloques))
    ids_mesas = [m.id for m in mesas]
    respuestas = {}
    if ids_mesas:
        filas = db.session.execute(select(Respuesta).where(Respuesta.mesa_id.in_(ids_mesas))
                                   .options(joinedload(Respuesta.actualizada_por))).scalars()
        respuestas = {(r.mesa_id, r.pregunta_id): r for r in filas}
    return Matriz(evento, estructura, mesas, respuestas)
