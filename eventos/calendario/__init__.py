"""iCalendar (RFC 5545) con el paquete `icalendar`, y enlaces para añadir a Google Calendar y Outlook.

Cada sesión es un VEVENT con DTSTART/DTEND en la zona del evento (TZID) y un VTIMEZONE que solo
contiene las reglas de las fechas del evento; UID fijo para siempre (el de la sesión), SEQUENCE que
crece con cada cambio y DTSTAMP/LAST-MODIFIED de su última modificación, así que el documento es el
mismo mientras el programa no cambie (se guarda en caché y se responde 304). Las sesiones eliminadas
siguen en los calendarios suscritos como STATUS:CANCELLED.

Los documentos se escriben desde la instantánea del programa (`eventos.instantanea`); los VEVENT de
todas sus sesiones se escriben una vez por versión y se reutilizan en cada calendario personal.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event as EventoIcal, Timezone, vText

from .. import zonas
from ..cache import memoria


def sesiones_personales(evento, inscripcion) -> list:
    """Las sesiones de una persona: todo el programa menos las mesas de trabajo ajenas a la suya."""
    mesa_id = inscripcion.mesa_id
    return [s for s in evento.sesiones_raiz
            if s.tipo != "mesas_de_trabajo" or not s.mesas or mesa_id is None or any(m.id == mesa_id for m in s.mesas)]


_FIN = b"END:VCALENDAR\r\n"


def documento(evento, sesiones, nombre: str, canceladas: bool = False, ajuste_secuencia: int = 0,
              retiradas=()) -> bytes:
    """El calendario con esas sesiones de la instantánea `evento`; `retiradas` (y todas, si `canceladas`)
    van como CANCELLED."""
    cabecera = Calendar()
    cabecera.add("prodid", "-//Eventos: foros y seminarios//ES")
    cabecera.add("version", "2.0")
    cabecera.add("calscale", "GREGORIAN")
    cabecera.add("method", "PUBLISH")
    cabecera.add("x-wr-calname", vText(nombre))
    cabecera.add("x-wr-timezone", evento.zona_horaria)
    cabecera.add_component(Timezone.from_ical(_vtimezone(evento.zona_horaria, evento.fecha_inicio, evento.fecha_fin)))
    partes = [cabecera.to_ical()[:-len(_FIN)]]
    if len(sesiones) == 1:
        partes.append(_vevent(evento, sesiones[0], canceladas, ajuste_secuencia))
    else:
        escritos = _vevents(evento, canceladas, ajuste_secuencia)
        partes.extend(escritos[s.id] for s in sesiones)
    partes.extend(_vevent_cancelado(evento, retirada).to_ical() for retirada in retiradas)
    partes.append(_FIN)
    return b"".join(partes)


def _vevents(evento, canceladas: bool, ajuste: int) -> dict[int, bytes]:
    """El VEVENT ya escrito de cada sesión de esta versión del programa, en la memoria del proceso."""
    return memoria().recordar(
        ("vevents", evento.id, evento.version_programa, evento.actualizado_en, canceladas, ajuste),
        lambda: {s.id: _vevent(evento, s, canceladas, ajuste) for s in evento.sesiones},
        medir=lambda escritos: sum(map(len, escritos.values())))


@lru_cache(maxsize=64)
def _vtimezone(zona: str, desde: date, hasta: date) -> bytes:
    """VTIMEZONE con solo las reglas vigentes en las fechas del evento (p. ej. el horario de verano de
    México en 2021), no toda la historia de la zona: más pequeño y se genera una vez."""
    componente = Timezone.from_tzinfo(zonas.zona(zona), tzid=zona, first_date=desde - timedelta(days=1),
                                      last_date=hasta + timedelta(days=1))
    return componente.to_ical()


def _uid(uid_sesion: str) -> str:
    return f"{uid_sesion}@eventos"


def _vevent(evento, sesion, cancelada: bool = False, ajuste_secuencia: int = 0) -> bytes:
    with force_locale("es"):  # el calendario se comparte: va en el idioma del sitio
        return _componente_vevent(evento, sesion, cancelada, ajuste_secuencia).to_ical()


def _componente_vevent(evento, sesion, cancelada: bool, ajuste_secuencia: int) -> EventoIcal:
    vevent = EventoIcal()
    vevent.add("uid", _uid(sesion.uid))
    vevent.add("dtstamp", sesion.actualizado_en)
    vevent.add("last-modified", sesion.actualizado_en)
    vevent.add("sequence", sesion.secuencia + ajuste_secuencia)
    vevent.add("dtstart", zonas.a_local(sesion.inicio, evento.zona_horaria))
    vevent.add("dtend", zonas.a_local(sesion.fin, evento.zona_horaria))
    vevent.add("summary", sesion.titulo)
    donde = lugar(evento, sesion)
    if donde:
        vevent.add("location", donde)
    vevent.add("url", url_for("publico.sesion", slug=evento.slug, clave=sesion.clave, _external=True))
    vevent.add("description", descripcion(evento, sesion))
    vevent.add("categories", [str(sesion.etiqueta_tipo)])
    vevent.add("status", "CANCELLED" if cancelada else "CONFIRMED")
    return vevent


def _vevent_cancelado(evento, retirada) -> EventoIcal:
    vevent = EventoIcal()
    vevent.add("uid", _uid(retirada.uid))
    vevent.add("dtstamp", retirada.retirada_en)
    vevent.add("last-modified", retirada.retirada_en)
    vevent.add("sequence", retirada.secuencia)
    vevent.add("dtstart", zonas.a_local(retirada.inicio, evento.zona_horaria))
    vevent.add("dtend", zonas.a_local(retirada.fin, evento.zona_horaria))
    vevent.add("summary", retirada.titulo)
    vevent.add("status", "CANCELLED")
    return vevent


def lugar(evento, sesion) -> str:
    """Sala o sede; las reuniones en línea no se publican (cada persona inscrita tiene su enlace)."""
    if sesion.sala:
        return f"{sesion.sala}, {evento.sede}" if evento.sede else sesion.sala
    if sesion.enlace or evento.modalidad == "virtual":
        return _("En línea (enlace personal para las personas inscritas)")
    return evento.sede


def descripcion(evento, sesion) -> str:
    """Texto plano: evento, quién facilita y quién participa (con su rol, cargo e institución) y enlace."""
    lineas = [evento.titulo]
    for _rol, personas in sesion.participantes_por_rol():
        lineas.append(f"{personas[0].etiqueta_rol}: " + "; ".join(
            f"{p.nombre_completo} ({p.afiliacion})" if p.afiliacion else p.nombre_completo for p in personas))
    if sesion.objetivo:
        lineas.append(sesion.objetivo)
    lineas.append(url_for("publico.sesion", slug=evento.slug, clave=sesion.clave, _external=True))
    return "\n\n".join(lineas)


def clave_personal(evento, inscripcion) -> tuple:
    """Lo que cambia el calendario personal: la versión del programa (eliminar una sesión también la
    cambia), la mesa, si canceló y la versión de su calendario."""
    return (evento.id, evento.version_programa, evento.actualizado_en, inscripcion.mesa_id,
            inscripcion.estado == "cancelada", inscripcion.version_calendario)


def documento_personal(evento, inscripcion) -> bytes:
    """Sesiones de la persona (y las retiradas del evento) como CANCELLED si canceló. La SEQUENCE suma
    la versión de su calendario, que sube al cancelar y al volver a inscribirse: nunca baja. Es el mismo
    documento para el archivo descargado, el adjunto del correo y la suscripción. `evento` es la instantánea
    del programa que quien llama ya tiene."""
    return documento(evento, sesiones_personales(evento, inscripcion), evento.titulo,
                     inscripcion.estado == "cancelada", ajuste_secuencia=inscripcion.version_calendario,
                     retiradas=evento.retiradas)


def enlaces_para_agregar(evento, sesion=None) -> dict[str, str]:
    """Google Calendar y Outlook para una sesión (o, sin sesión, todo el evento): horas en UTC, sin
    ambigüedad, y la zona del evento para mostrarlas."""
    if sesion is not None:
        titulo, inicio, fin = f"{sesion.titulo} · {evento.titulo}", sesion.inicio, sesion.fin
        detalles = url_for("publico.sesion", slug=evento.slug, clave=sesion.clave, _external=True)
        donde = lugar(evento, sesion) or ""
    else:
        titulo, inicio, fin = evento.titulo, evento.inicio, evento.fin
        detalles = url_for("publico.evento", slug=evento.slug, _external=True)
        donde = evento.sede or ""
    inicio, fin = inicio.astimezone(zonas.UTC), fin.astimezone(zonas.UTC)
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": titulo, "dates": f"{inicio:%Y%m%dT%H%M%SZ}/{fin:%Y%m%dT%H%M%SZ}",
        "details": detalles, "location": donde, "ctz": evento.zona_horaria})
    outlook = "https://outlook.live.com/calendar/0/action/compose?" + urlencode({
        "rru": "addevent", "subject": titulo, "startdt": f"{inicio:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{fin:%Y-%m-%dT%H:%M:%SZ}", "body": detalles, "location": donde})
    return {"google": google, "outlook": outlook}


def direccion_webcal(url: str) -> str:
    """La misma dirección con el esquema webcal:// que abre la suscripción en las aplicaciones de calendario."""
    return "webcal://" + url.split("://", 1)[1]
