"""Cifras del resumen de la oficina: las de cada evento en la lista de inicio y el tablero de la página de
resumen de un evento (inscripciones por estado y por mesa frente al cupo, acreditaciones de hoy, correo
sin enviar, plazo de inscripción y próximas sesiones).

Todo sale de consultas agrupadas: la lista de inicio hace las mismas consultas con un evento que con
cien. «Hoy» es el día de la zona de cada evento (`zonas.hoy_en`), nunca el de UTC ni el del proceso.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from .. import zonas
from ..extensiones import db
from ..inscripciones.servicios import Disponibilidad, disponibilidades
from ..modelos import Asistencia, CorreoSaliente, Mesa, Sesion

PROXIMAS_SESIONES = 5


@dataclass(frozen=True)
class Cifras:
    """Las cifras clave de un evento (inicio de la oficina y cabecera del resumen)."""
    inscripciones: Disponibilidad
    acreditadas: int  # entradas al evento (no a una sesión), desde siempre
    acreditadas_hoy: int  # …registradas hoy, en la zona del evento
    correos_pendientes: int
    correos_fallidos: int


@dataclass(frozen=True)
class FilaMesa:
    mesa: Mesa | None  # None: confirmadas sin mesa
    confirmadas: int

    @property
    def cupo(self) -> int | None:
        return self.mesa.cupo if self.mesa is not None else None

    @property
    def libres(self) -> int | None:
        return None if self.cupo is None else max(0, self.cupo - self.confirmadas)


@dataclass(frozen=True)
class Resumen:
    cifras: Cifras
    hoy: date  # en la zona del evento
    estado_inscripcion: str  # el de la página pública: models.evento.estado_de_inscripcion
    por_mesa: list[FilaMesa]
    proximas: list[Sesion]  # en curso o por empezar, de primer nivel
    momento: datetime

    def en_curso(self, sesion: Sesion) -> bool:
        return sesion.inicio <= self.momento < sesion.fin


def cifras_de_eventos(eventos) -> dict[int, Cifras]:
    """Las cifras clave de cada evento, en tres consultas sean cuantos sean los eventos."""
    eventos = list(eventos)
    if not eventos:
        return {}
    inscripciones = disponibilidades(eventos)
    acreditadas = _acreditadas(eventos)
    correos = _correos_sin_enviar([e.id for e in eventos])
    return {e.id: Cifras(inscripciones[e.id], *acreditadas.get(e.id, (0, 0)),
                         correos.get((e.id, "pendiente"), 0), correos.get((e.id, "fallido"), 0)) for e in eventos}


def resumen_de_evento(evento, proximas: int = PROXIMAS_SESIONES) -> Resumen:
    momento = zonas.ahora()
    cifras = cifras_de_eventos([evento])[evento.id]
    por_mesa = [FilaMesa(m, cifras.inscripciones.por_mesa.get(m.id, 0)) for m in evento.mesas]
    sin_mesa = cifras.inscripciones.confirmadas - sum(f.confirmadas for f in por_mesa)
    if por_mesa and sin_mesa:
        por_mesa.append(FilaMesa(None, sin_mesa))
    sesiones = db.session.execute(
        select(Sesion).where(Sesion.evento_id == evento.id, Sesion.padre_id.is_(None), Sesion.fin > momento)
        .order_by(Sesion.inicio, Sesion.orden, Sesion.id).limit(proximas)).scalars().all()
    return Resumen(cifras=cifras, hoy=zonas.hoy_en(evento.zona_horaria),
                   estado_inscripcion=evento.estado_inscripcion(momento), por_mesa=por_mesa, proximas=sesiones,
                   momento=momento)


def _acreditadas(eventos) -> dict[int, tuple[int, int]]:
    """{evento_id: (entradas al evento, de ellas hoy)}. El día de hoy empieza a una hora UTC distinta en cada
    zona: una condición por zona (no por evento) dentro de la misma consulta agrupada."""
    por_zona: dict[str, list[int]] = {}
    for evento in eventos:
        por_zona.setdefault(evento.zona_horaria, []).append(evento.id)
    de_hoy = []
    for zona, ids in por_zona.items():
        hoy = zonas.hoy_en(zona)
        de_hoy.append(and_(Asistencia.evento_id.in_(ids),
                           Asistencia.registrada_en >= zonas.inicio_del_dia(hoy, zona),
                           Asistencia.registrada_en < zonas.inicio_del_dia(hoy + timedelta(days=1), zona)))
    filas = db.session.execute(
        select(Asistencia.evento_id, func.count(), func.sum(case((or_(*de_hoy), 1), else_=0)))
        .where(Asistencia.evento_id.in_([e.id for e in eventos]), Asistencia.alcance == 0)
        .group_by(Asistencia.evento_id)).all()
    return {evento_id: (total, int(hoy or 0)) for evento_id, total, hoy in filas}


def _correos_sin_enviar(ids: list[int]) -> dict[tuple[int, str], int]:
    filas = db.session.execute(
        select(CorreoSaliente.evento_id, CorreoSaliente.estado, func.count())
        .where(CorreoSaliente.evento_id.in_(ids), CorreoSaliente.estado.in_(("pendiente", "fallido")))
        .group_by(CorreoSaliente.evento_id, CorreoSaliente.estado)).all()
    return {(evento_id, estado): n for evento_id, estado, n in filas}
