"""iCalendar (RFC 5545) con el paquete `icalendar`, y enlaces para añadir a Google Calendar y Outlook.

Cada sesión es un VEVENT con DTSTART/DTEND en la zona del evento (TZID) y un VTIMEZONE que solo
contiene las reglas de las fechas del evento; UID fijo para siempre (el de la sesión), SEQUENCE que
crece con cada cambio y DTSTAMP/LAST-MODIFIED de su última modificación, así que el documento es el
mismo mientras el programa no cambie (se guarda en caché y se responde 304). Las sesiones eliminadas
siguen en los calendarios suscritos como STATUS:CANCELLED.
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event as EventoIcal, Timezone, vText

from sqlalchemy import select

from .. import zonas
from ..extensiones import cache, db


def sesiones_personales(evento, inscripcion) -> list:
    """Las sesiones de una persona: todo el programa menos las mesas de trabajo ajenas a la suya."""
    mesa_id = inscripcion.mesa_id
    return [s for s in evento.sesiones_raiz
            if s.tipo != "mesas_de_trabajo" or not s.mesas or mesa_id is None or any(m.id == mesa_id for m in s.mesas)]


_FIN = b"END:VCALENDAR\r\n"
_VEVENTS: OrderedDict = OrderedDict()  # VEVENT ya serializado, por sesión y versión (en este proceso)
_VEVENTS_MAXIMO = 20_000


def documento(evento, sesiones, nombre: str, retiradas=(), canceladas: bool = False, ajuste_secuencia: int = 0) -> bytes:
    """El calendario con esas sesiones; `retiradas` (y todas, si `canceladas`) van como CANCELLED.

    Cada VEVENT lo escribe `icalendar`; su texto se guarda por sesión y versión, así que tras un cambio
    del programa solo se vuelve a escribir la sesión que cambió.
    """
    cabecera = Calendar()
    cabecera.add("prodid", "-//Eventos: foros y seminarios//ES")
    cabecera.add("version", "2.0")
    cabecera.add("calscale", "GREGORIAN")
    cabecera.add("method", "PUBLISH")
    cabecera.add("x-wr-calname", vText(nombre))
    cabecera.add("x-wr-timezone", evento.zona_horaria)
    cabecera.add_component(Timezone.from_ical(_vtimezone(evento.zona_horaria, evento.fecha_inicio, evento.fecha_fin)))
    partes = [cabecera.to_ical()[:-len(_FIN)]]
    contexto = (evento.slug, evento.titulo, evento.sede, evento.modalidad, evento.zona_horaria,
                current_app.config["URL_PUBLICA"])  # los VEVENT llevan direcciones absolutas
    if any("_participantes" not in s.__dict__ and _clave_vevent(s, canceladas, ajuste_secuencia, contexto) not in _VEVENTS
           for s in sesiones):
        evento.cargar_participantes()  # alguna sesión cambió: hacen falta sus personas (una consulta)
    with force_locale("es"):  # el calendario se comparte: va en el idioma del sitio
        for sesion in sesiones:
            partes.append(_vevent_serializado(evento, sesion, canceladas, ajuste_secuencia, contexto))
    partes.extend(_vevent_cancelado(evento, retirada).to_ical() for retirada in retiradas)
    partes.append(_FIN)
    return b"".join(partes)


def _clave_vevent(sesion, cancelada: bool, ajuste: int, contexto: tuple) -> tuple:
    return sesion.uid, sesion.secuencia, sesion.actualizado_en, cancelada, ajuste, contexto


def _vevent_serializado(evento, sesion, cancelada: bool, ajuste: int, contexto: tuple) -> bytes:
    clave = _clave_vevent(sesion, cancelada, ajuste, contexto)
    texto = _VEVENTS.get(clave)
    if texto is None:
        texto = _vevent(evento, sesion, cancelada, ajuste).to_ical()
        _VEVENTS[clave] = texto
        if len(_VEVENTS) > _VEVENTS_MAXIMO:
            _VEVENTS.popitem(last=False)
    return texto


@lru_cache(maxsize=64)
def _vtimezone(zona: str, desde: date, hasta: date) -> bytes:
    """VTIMEZONE con solo las reglas vigentes en las fechas del evento (p. ej. el horario de verano de
    México en 2021), no toda la historia de la zona: más pequeño y se genera una vez."""
    componente = Timezone.from_tzinfo(zonas.zona(zona), tzid=zona, first_date=desde - timedelta(days=1),
                                      last_date=hasta + timedelta(days=1))
    return componente.to_ical()


def _uid(uid_sesion: str) -> str:
    return f"{uid_sesion}@eventos"


def _vevent(evento, sesion, cancelada: bool = False, ajuste_secuencia: int = 0) -> EventoIcal:
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


def clave_personal(evento, inscripcion) -> str:
    """El calendario personal es igual para quien comparte mesa, estado y versión del calendario
    (eliminar una sesión también cambia la versión del programa)."""
    return (f"ics-personal:{evento.id}:{evento.version_programa}:{evento.actualizado_en.isoformat()}:"
            f"{inscripcion.mesa_id}:{inscripcion.estado == 'cancelada'}:{inscripcion.version_calendario}")


def sesiones_retiradas(evento_id: int) -> list:
    from ..modelos import SesionRetirada
    return db.session.execute(select(SesionRetirada).where(SesionRetirada.evento_id == evento_id)
                              .order_by(SesionRetirada.id)).scalars().all()


def documento_personal(inscripcion) -> bytes:
    """Sesiones de la persona (y las retiradas del evento) como CANCELLED si canceló. La SEQUENCE suma
    la versión de su calendario, que sube al cancelar y al volver a inscribirse: nunca baja. Es el mismo
    documento para el archivo descargado, el adjunto del correo y la suscripción."""
    from ..modelos import Evento
    evento = inscripcion.evento
    clave = clave_personal(evento, inscripcion)
    contenido = cache.get(clave)
    if contenido is None:
        agenda = Evento.con_programa(evento.slug, solo_publicados=False, solo_agenda=True, con_personas=False)
        contenido = documento(agenda, sesiones_personales(agenda, inscripcion), agenda.titulo,
                              sesiones_retiradas(evento.id), inscripcion.estado == "cancelada",
                              ajuste_secuencia=inscripcion.version_calendario)
        cache.set(clave, contenido)
    return contenido


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
