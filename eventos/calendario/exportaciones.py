"""El programa para otras aplicaciones y para imprimir (ver docs/formatos-de-programa.md).

- schedule.xml / schedule.json: el formato «frab» (pentabarf) que leen Giggity, ConfClerk y
  EventFahrplan, y su versión JSON (la estructura «schedule.json» de c3voc). Documentos compartidos:
  van en español, como el .ics, y se guardan en caché con ETag (304) hasta que cambie el programa.
- programa.csv / programa.xlsx: el programa como tabla, con las horas en la zona del evento y en cada
  zona adicional, en el idioma de quien lo descarga.
- programa/imprimir: página para imprimir, con las horas en la zona del evento, las adicionales y la
  del visitante.
"""
from __future__ import annotations

import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

from flask import abort, g, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import instantanea, zonas
from ..cache import respuesta_condicional
from ..exportar import TIPO_CSV, TIPO_XLSX, csv_bytes, xlsx_bytes
from ..extensiones import db
from ..modelos import Evento, Persona
from .rutas import bp

# Sala de las sesiones que no indican una: el lugar común del evento según su modalidad. Es un nombre
# fijo (no se traduce): las aplicaciones usan el nombre de la sala como identificador.
SALA_PRINCIPAL = "Sala principal"
SALA_EN_LINEA = "En línea"
SALA_POR_MODALIDAD = {"presencial": SALA_PRINCIPAL, "hibrida": SALA_PRINCIPAL, "virtual": SALA_EN_LINEA}
IDIOMA_DOCUMENTOS = "es"
ESQUEMA_JSON = "https://c3voc.de/schedule/schema.json"

# XML 1.0 no admite estos caracteres de control ni siquiera escapados: se quitan.
_NO_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _recorrer(sesiones, padre=None):
    """Cada sesión seguida de las que contiene (preguntas y respuestas dentro de un panel…), con su padre."""
    for sesion in sesiones:
        yield sesion, padre
        yield from _recorrer(sesion.hijas, sesion)


def _hhmm(minutos: int) -> str:
    horas, mins = divmod(int(minutos), 60)
    return f"{horas:02d}:{mins:02d}"


def sala_de(evento, sesion, sala_padre: str | None = None) -> str:
    """La sala de la sesión; si no tiene, la de la sesión que la contiene; si no, la de la modalidad."""
    return sesion.sala or sala_padre or SALA_POR_MODALIDAD.get(evento.modalidad, SALA_PRINCIPAL)


def _dias(evento, sesiones) -> list:
    """Todos los días locales del evento (de la fecha de inicio a la de fin, y los de cualquier sesión)."""
    locales = [zonas.a_local(s.inicio, evento.zona_horaria).date() for s in sesiones]
    primero = min([evento.fecha_inicio, *locales])
    ultimo = max([evento.fecha_fin, *locales])
    return [primero + timedelta(days=n) for n in range((ultimo - primero).days + 1)]


def _duracion_de_franja(evento, sesiones) -> str:
    """La franja más larga (30, 15, 10, 5 o 1 minutos) en la que caen todos los inicios y duraciones."""
    divisor = 0
    for s in sesiones:
        local = zonas.a_local(s.inicio, evento.zona_horaria)
        divisor = math.gcd(divisor, local.hour * 60 + local.minute, s.duracion_minutos)
    divisor = divisor or 15
    return _hhmm(next(m for m in (30, 15, 10, 5, 1) if divisor % m == 0))


def _guid_sala(evento, nombre: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventos:{evento.id}:sala:{nombre}"))


def _pista(sesion) -> str:
    if sesion.tipo == "mesas_de_trabajo" and sesion.mesas:
        return " · ".join(m.nombre for m in sesion.mesas)
    return str(sesion.etiqueta_tipo)


def programa_frab(evento) -> dict:
    """El programa con la estructura de schedule.json (c3voc); schedule.xml se escribe a partir de él."""
    zona = evento.zona_horaria
    ids_persona = dict(db.session.execute(
        select(Persona.nombre, Persona.id).where(Persona.evento_id == evento.id)).all())
    url_evento = url_for("publico.evento", slug=evento.slug, _external=True)
    with force_locale(IDIOMA_DOCUMENTOS):
        etiqueta_enlace = _("Página de la sesión")
        sesiones = []
        salas_de_sesion = {}
        for sesion, padre in _recorrer(evento.sesiones_raiz):
            salas_de_sesion[sesion.id] = sala_de(evento, sesion, salas_de_sesion.get(padre.id) if padre else None)
            sesiones.append(sesion)
        sesiones.sort(key=lambda s: s.inicio)  # estable: lo contenido sigue a lo que lo contiene

        dias = {dia: {} for dia in _dias(evento, sesiones)}
        salas: list[str] = []
        for sesion in sesiones:
            inicio = zonas.a_local(sesion.inicio, zona)
            sala = salas_de_sesion[sesion.id]
            if sala not in salas:
                salas.append(sala)
            dias[inicio.date()].setdefault(sala, []).append(_evento_frab(evento, sesion, inicio, sala, ids_persona,
                                                                          etiqueta_enlace))

    return {
        "$schema": ESQUEMA_JSON,
        "schedule": {
            "version": f"{evento.version_programa} ({zonas.hora_local_texto(evento.actualizado_en, zona)})",
            "base_url": url_evento,
            "conference": {
                # El validador de c3voc pide minúsculas, cifras y guiones bajos: el slug con «_».
                "acronym": evento.slug.replace("-", "_"),
                "title": evento.titulo,
                "start": min(dias).isoformat(),
                "end": max(dias).isoformat(),
                "daysCount": len(dias),
                "timeslot_duration": _duracion_de_franja(evento, sesiones),
                "time_zone_name": zona,
                "url": url_evento,
                "rooms": [{"name": sala, "guid": _guid_sala(evento, sala)} for sala in salas],
                "days": [{
                    "index": indice,
                    "date": dia.isoformat(),
                    "day_start": zonas.iso(zonas.inicio_del_dia(dia, zona), zona),
                    "day_end": zonas.iso(zonas.inicio_del_dia(dia + timedelta(days=1), zona), zona),
                    "rooms": por_sala,
                } for indice, (dia, por_sala) in enumerate(sorted(dias.items()), start=1)],
            },
        },
    }


def _evento_frab(evento, sesion, inicio, sala, ids_persona, etiqueta_enlace) -> dict:
    url = url_for("publico.sesion", slug=evento.slug, clave=sesion.clave, _external=True)
    personas, vistas = [], set()
    for p in sesion.participantes:
        if p.nombre in vistas:  # la misma persona con dos roles aparece una vez
            continue
        vistas.add(p.nombre)
        personas.append({"id": ids_persona[p.nombre], "public_name": p.nombre_completo})
    return {
        "id": sesion.id,
        "guid": sesion.uid,
        "date": inicio.isoformat(),
        "start": inicio.strftime("%H:%M"),
        "duration": _hhmm(sesion.duracion_minutos),
        "room": sala,
        "slug": f"{evento.slug}-{sesion.clave}",
        "url": url,
        "title": sesion.titulo,
        "subtitle": sesion.padre.titulo if sesion.padre_id else "",
        "track": _pista(sesion),
        "type": sesion.tipo,
        "language": IDIOMA_DOCUMENTOS,
        "abstract": sesion.objetivo,
        "description": sesion.descripcion,
        "persons": personas,
        "links": [{"url": url, "title": str(etiqueta_enlace)}],
        "attachments": [{"url": _url_material(m), "title": m.titulo} for m in sesion.materiales if _url_material(m)],
    }


def _url_material(material) -> str:
    if material.es_archivo:
        return url_for("publico.material", material_id=material.id, nombre=material.nombre_archivo, _external=True)
    return material.url


def _texto(valor) -> str:
    return _NO_XML.sub("", "" if valor is None else str(valor))


def _hijo(padre, etiqueta: str, texto="", **atributos):
    elemento = ET.SubElement(padre, etiqueta, {k: _texto(v) for k, v in atributos.items()})
    elemento.text = _texto(texto)
    return elemento


CAMPOS_EVENTO_XML = ("date", "start", "duration", "room", "slug", "url", "title", "subtitle", "track", "type",
                     "language", "abstract", "description", "logo")


def documento_xml(datos: dict) -> bytes:
    """schedule.xml a partir de la estructura JSON: ElementTree escapa todo el texto y los atributos."""
    programa = datos["schedule"]
    conferencia = programa["conference"]
    raiz = ET.Element("schedule")
    _hijo(raiz, "version", programa["version"])
    conf = _hijo(raiz, "conference")
    for etiqueta, valor in (("acronym", conferencia["acronym"]), ("title", conferencia["title"]),
                            ("start", conferencia["start"]), ("end", conferencia["end"]),
                            ("days", conferencia["daysCount"]), ("timeslot_duration", conferencia["timeslot_duration"]),
                            ("time_zone_name", conferencia["time_zone_name"]), ("base_url", programa["base_url"])):
        _hijo(conf, etiqueta, valor)
    for dia in conferencia["days"]:
        elemento_dia = _hijo(raiz, "day", index=dia["index"], date=dia["date"], start=dia["day_start"],
                             end=dia["day_end"])
        for nombre_sala, eventos in dia["rooms"].items():
            elemento_sala = _hijo(elemento_dia, "room", name=nombre_sala)
            for ev in eventos:
                elemento = _hijo(elemento_sala, "event", guid=ev["guid"], id=ev["id"])
                for campo in CAMPOS_EVENTO_XML:
                    _hijo(elemento, campo, ev.get(campo, ""))
                personas = _hijo(elemento, "persons")
                for p in ev["persons"]:
                    _hijo(personas, "person", p["public_name"], id=p["id"])
                enlaces = _hijo(elemento, "links")
                for enlace in ev["links"]:
                    _hijo(enlaces, "link", enlace["title"], href=enlace["url"])
                adjuntos = _hijo(elemento, "attachments")
                for adjunto in ev["attachments"]:
                    _hijo(adjuntos, "attachment", adjunto["title"], href=adjunto["url"])
    ET.indent(raiz)
    return ET.tostring(raiz, encoding="utf-8", xml_declaration=True) + b"\n"


def documento_json(datos: dict) -> bytes:
    return json.dumps(datos, ensure_ascii=False, indent=1).encode("utf-8")


_FORMATOS_FRAB = {"xml": (documento_xml, "application/xml; charset=utf-8"),
                  "json": (documento_json, "application/json; charset=utf-8")}


def _schedule(slug: str, formato: str):
    """El mismo programa frab en XML o JSON, en caché y con ETag/304."""
    escribir, tipo = _FORMATOS_FRAB[formato]
    fila = Evento.version_publicada(slug) or abort(404)
    return respuesta_condicional((f"schedule.{formato}", *fila.programa),
                                 lambda: escribir(programa_frab(instantanea.de_version(fila.programa))),
                                 tipo=tipo, nombre=f"{slug}-schedule.{formato}")


@bp.get("/eventos/<slug>/schedule.xml")
def schedule_xml(slug):
    return _schedule(slug, "xml")


@bp.get("/eventos/<slug>/schedule.json")
def schedule_json(slug):
    return _schedule(slug, "json")


# --- Programa como tabla ---------------------------------------------------------------------------

def _zonas_de_tabla(evento) -> list[str]:
    return [evento.zona_horaria] + [z for z in (evento.zonas_adicionales or []) if z != evento.zona_horaria]


def tabla_programa(evento) -> tuple[list[str], list[list]]:
    """Encabezados y una fila por sesión (también las contenidas en otra), en el idioma de la página.

    Por cada zona (la del evento primero), la fecha y las horas de inicio y fin de reloj en esa zona, como
    `date` y `time` (en el XLSX, celdas de fecha y hora); la zona, con su nombre legible, en el encabezado."""
    zonas_tabla = _zonas_de_tabla(evento)
    encabezados = []
    for zona in zonas_tabla:
        lugar = zonas.nombre_lugar(zona, g.idioma)
        encabezados += [_("Fecha (hora de %(lugar)s)", lugar=lugar), _("Inicio (hora de %(lugar)s)", lugar=lugar),
                        _("Fin (hora de %(lugar)s)", lugar=lugar)]
    encabezados += [_("Tipo"), _("Título"), _("Sala"), _("Personas"), _("Mesas")]
    filas = []
    for sesion, _padre in _recorrer(evento.sesiones_raiz):
        fila = []
        for zona in zonas_tabla:
            inicio, fin = zonas.reloj_local(sesion.inicio, zona), zonas.reloj_local(sesion.fin, zona)
            fila += [inicio.date(), inicio.time(), fin.time()]
        personas = "; ".join(f"{p.nombre_completo} ({p.etiqueta_rol})" for p in sesion.participantes)
        fila += [str(sesion.etiqueta_tipo), sesion.titulo, sesion.sala, personas,
                 "; ".join(m.nombre for m in sesion.mesas)]
        filas.append(fila)
    return encabezados, filas


def _descarga_tabla(slug: str, formato: str):
    fila = Evento.version_publicada(slug) or abort(404)

    def generar():
        encabezados, filas = tabla_programa(instantanea.de_version(fila.programa))
        if formato == "csv":
            return csv_bytes(encabezados, filas)
        return xlsx_bytes(encabezados, filas, hoja=_("Programa"))

    respuesta = respuesta_condicional((f"programa.{formato}", *fila.programa, g.idioma), generar,
                                      tipo=TIPO_CSV if formato == "csv" else TIPO_XLSX,
                                      nombre=f"programa-{slug}.{formato}", adjunto=True)
    respuesta.vary.update(("Cookie", "Accept-Language"))
    return respuesta


@bp.get("/eventos/<slug>/programa.csv")
def programa_csv(slug):
    return _descarga_tabla(slug, "csv")


@bp.get("/eventos/<slug>/programa.xlsx")
def programa_xlsx(slug):
    return _descarga_tabla(slug, "xlsx")


# --- Para imprimir ---------------------------------------------------------------------------------

@bp.get("/eventos/<slug>/programa/imprimir")
def programa_imprimir(slug):
    from ..publico.agenda import VistaHoraria

    evento = instantanea.de_version((Evento.version_publicada(slug) or abort(404)).programa)
    return render_template(
        "calendario/imprimir.html", evento=evento, vista=VistaHoraria(evento, g.zona_visitante, g.idioma),
        rango_fechas=zonas.rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.idioma), descripcion=evento.lema)
