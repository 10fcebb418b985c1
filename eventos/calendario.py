"""iCalendar (RFC 5545) con el paquete `icalendar`: horas con TZID de la zona del evento y su VTIMEZONE."""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from flask import url_for
from icalendar import Calendar, Event as EventoIcal, Timezone

from . import zonas


def sesiones_personales(evento, inscripcion) -> list:
    """Las sesiones de una persona: todo el programa menos las mesas de trabajo ajenas a la suya."""
    mesa_id = inscripcion.mesa_id
    return [s for s in evento.sesiones_raiz
            if s.tipo != "mesas_de_trabajo" or not s.mesas or mesa_id is None or any(m.id == mesa_id for m in s.mesas)]


def documento(evento, sesiones, nombre: str) -> bytes:
    calendario = Calendar()
    calendario.add("prodid", "-//Eventos: foros y seminarios//ES")
    calendario.add("version", "2.0")
    calendario.add("calscale", "GREGORIAN")
    calendario.add("method", "PUBLISH")
    calendario.add("x-wr-calname", nombre)
    calendario.add("x-wr-timezone", evento.zona_horaria)
    calendario.add_component(Timezone.from_ical(_vtimezone(evento.zona_horaria, evento.fecha_inicio, evento.fecha_fin)))
    for sesion in sesiones:
        calendario.add_component(_vevent(evento, sesion))
    return calendario.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(zona: str, desde: date, hasta: date) -> bytes:
    """VTIMEZONE con solo las reglas vigentes en las fechas del evento (p. ej. el horario de verano de
    México en 2021), no toda la historia de la zona: más pequeño y se genera una vez."""
    componente = Timezone.from_tzinfo(zonas.zona(zona), tzid=zona, first_date=desde - timedelta(days=1),
                                      last_date=hasta + timedelta(days=1))
    return componente.to_ical()


def _vevent(evento, sesion) -> EventoIcal:
    vevent = EventoIcal()
    vevent.add("uid", f"{sesion.uid}@eventos")
    vevent.add("dtstamp", zonas.ahora())
    vevent.add("dtstart", zonas.a_local(sesion.inicio, evento.zona_horaria))
    vevent.add("dtend", zonas.a_local(sesion.fin, evento.zona_horaria))
    vevent.add("summary", sesion.titulo)
    vevent.add("sequence", sesion.secuencia)
    vevent.add("last-modified", sesion.actualizado_en)
    vevent.add("url", url_for("publico.sesion", slug=evento.slug, clave=sesion.clave, _external=True))
    lugar = sesion.sala or evento.sede
    if lugar:
        vevent.add("location", lugar)
    personas = "; ".join(f"{p.nombre_completo} ({p.etiqueta_rol})" for p in sesion.participantes)
    vevent.add("description", "\n".join(t for t in (f"{evento.titulo}", personas) if t))
    return vevent
