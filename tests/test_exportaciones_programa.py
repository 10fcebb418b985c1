"""El programa para otras aplicaciones (schedule.xml / schedule.json del formato frab), como tabla
(CSV y XLSX) y para imprimir.

No se puede guardar aquí el esquema de frab: el validador de esta prueba comprueba las reglas que
docs/formatos-de-programa.md enumera como lo que de verdad esperan Giggity, ConfClerk, EventFahrplan y
las herramientas de c3voc.
"""
from __future__ import annotations

import csv
import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, datetime, time
from html import unescape

import pytest
from sqlalchemy import select

from apoyo import estatico
from eventos.demo import SLUGS
from eventos.extensiones import db
from eventos.modelos import Evento, Sesion
from eventos.servicios import programa

CAMPOS_EVENTO = ("date", "start", "duration", "room", "slug", "url", "title", "subtitle", "track", "type",
                 "language", "abstract", "description", "logo", "persons", "links", "attachments")
PATRON_HORA = re.compile(r"^[0-2][0-9]:[0-5][0-9]$")
PATRON_DURACION = re.compile(r"^[0-9]{1,2}:[0-5][0-9]$")
PATRON_ISO_CON_DESFASE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
PATRON_GUID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$", re.IGNORECASE)
PATRON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
PATRON_ACRONIMO = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
TITULO_RARO = 'Ética & <datos> "abiertos" y \'citas\''
PERSONA_RARA = 'Ana "Nena" <Pérez> & Cía'


# --- Validador estructural (reglas de docs/formatos-de-programa.md) ---------------------------------

def validar_schedule_xml(contenido: bytes) -> tuple[ET.Element, list[ET.Element]]:
    """Comprueba el documento y devuelve la raíz y sus eventos; falla con un mensaje claro si algo no cumple."""
    raiz = ET.fromstring(contenido)
    assert raiz.tag == "schedule"
    assert raiz.find("version") is not None and raiz.findtext("version").strip()
    conferencia = raiz.find("conference")
    assert conferencia is not None
    for campo in ("acronym", "title", "start", "end", "days", "timeslot_duration", "time_zone_name", "base_url"):
        assert conferencia.find(campo) is not None, f"falta conference/{campo}"
    assert conferencia.findtext("title").strip()
    assert PATRON_ACRONIMO.match(conferencia.findtext("acronym"))
    assert PATRON_DURACION.match(conferencia.findtext("timeslot_duration"))
    assert conferencia.findtext("base_url").startswith(("http://", "https://"))
    inicio = date.fromisoformat(conferencia.findtext("start"))
    fin = date.fromisoformat(conferencia.findtext("end"))
    dias = raiz.findall("day")
    assert dias and len(dias) == int(conferencia.findtext("days"))
    assert [int(d.get("index")) for d in dias] == list(range(1, len(dias) + 1))
    assert len({d.get("date") for d in dias}) == len(dias)
    eventos = []
    for dia in dias:
        fecha_dia = date.fromisoformat(dia.get("date"))
        assert inicio <= fecha_dia <= fin, f"día {fecha_dia} fuera de {inicio}–{fin}"
        # EventFahrplan exige day@end; los dos extremos llevan desfase horario.
        assert PATRON_ISO_CON_DESFASE.match(dia.get("start")) and PATRON_ISO_CON_DESFASE.match(dia.get("end"))
        assert datetime.fromisoformat(dia.get("start")) < datetime.fromisoformat(dia.get("end"))
        for sala in dia.findall("room"):
            assert sala.get("name"), "room sin name"
            for evento in sala.findall("event"):
                for campo in CAMPOS_EVENTO:
                    assert evento.find(campo) is not None, f"evento {evento.get('id')} sin {campo}"
                assert int(evento.get("id")) > 0
                assert PATRON_GUID.match(evento.get("guid"))
                assert evento.findtext("title").strip()
                assert PATRON_HORA.match(evento.findtext("start")), evento.findtext("start")
                assert PATRON_DURACION.match(evento.findtext("duration")), evento.findtext("duration")
                momento = evento.findtext("date")
                assert PATRON_ISO_CON_DESFASE.match(momento), momento
                local = datetime.fromisoformat(momento)
                assert local.date() == fecha_dia, "el evento no está en el día de su fecha local"
                assert local.strftime("%H:%M") == evento.findtext("start")
                assert evento.findtext("room") == sala.get("name"), "el evento no está en la sala que nombra"
                assert PATRON_SLUG.match(evento.findtext("slug"))
                assert evento.findtext("url").startswith(("http://", "https://"))
                for persona in evento.find("persons").findall("person"):
                    assert int(persona.get("id")) > 0 and persona.text.strip()
                for enlace in evento.find("links").findall("link"):
                    assert enlace.get("href")
                eventos.append(evento)
    for clave, valores in (("id", [e.get("id") for e in eventos]), ("guid", [e.get("guid") for e in eventos]),
                           ("slug", [e.findtext("slug") for e in eventos])):
        repetidos = [v for v, n in Counter(valores).items() if n > 1]
        assert not repetidos, f"{clave} repetido: {repetidos}"
    return raiz, eventos


def por_titulo(eventos, titulo):
    encontrados = [e for e in eventos if e.findtext("title") == titulo]
    assert len(encontrados) == 1, f"{titulo}: {len(encontrados)}"
    return encontrados[0]


def sesiones_de(app, slug) -> list[Sesion]:
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        sesiones = db.session.execute(select(Sesion).where(Sesion.evento_id == evento.id)).scalars().all()
        return [(s.id, s.uid, s.titulo) for s in sesiones]


def leer_csv(respuesta) -> list[list[str]]:
    texto = respuesta.get_data().decode("utf-8")
    assert texto.startswith("\ufeff")
    return list(csv.reader(io.StringIO(texto[1:])))


def texto_de_celda(valor) -> str:
    """Una celda del XLSX escrita como en el CSV (openpyxl lee las fechas como `datetime` a medianoche)."""
    if isinstance(valor, datetime):
        return valor.date().isoformat() if valor.time() == time() else valor.strftime("%Y-%m-%d %H:%M")
    if isinstance(valor, time):
        return valor.strftime("%H:%M")
    return "" if valor is None else str(valor)


def leer_xlsx(respuesta):
    from openpyxl import load_workbook
    return load_workbook(io.BytesIO(respuesta.get_data())).active


# --- Evento de prueba con caracteres delicados ------------------------------------------------------

@pytest.fixture(scope="module")
def evento_raro(app):
    """Un evento publicado en dos días, con zona adicional, salas, mesas, una sesión anidada, textos con
    &, <, comillas y un título que parece una fórmula; y otro igual sin publicar. Se borran al final."""
    sufijo = uuid.uuid4().hex[:8]
    slug, borrador = f"export-{sufijo}", f"export-borrador-{sufijo}"

    def datos(slug_evento, estado):
        return {
            "formato": programa.FORMATO,
            "evento": {"slug": slug_evento, "titulo": f"Foro <b>& \"{sufijo}\"", "zona_horaria": "America/Bogota",
                       "zonas_adicionales": ["Europe/Madrid"], "modalidad": "hibrida", "estado": estado,
                       "fecha_inicio": "2027-03-01", "fecha_fin": "2027-03-02"},
            "sesiones": [
                {"clave": "apertura", "titulo": TITULO_RARO, "tipo": "panel", "sala": "Sala A & B",
                 "inicio": "2027-03-01 09:30", "fin": "2027-03-01 11:00",
                 "objetivo": "Objetivo con <etiquetas> & símbolos", "descripcion": "Línea 1\nLínea \"2\"",
                 "participantes": [{"nombre": PERSONA_RARA, "rol": "moderador", "institucion": "ACME & Co."},
                                   {"nombre": "Luis Gómez", "tratamiento": "Dr.", "rol": "panelista"}],
                 "materiales": [{"titulo": "Lámina <1>", "tipo": "enlace", "url": "https://example.org/a?b=1&c=2"}],
                 "sesiones": [{"clave": "apertura-pyr", "titulo": "Preguntas", "tipo": "preguntas_y_respuestas",
                               "inicio": "2027-03-01 10:40", "fin": "2027-03-01 11:00"}]},
                {"clave": "formula", "titulo": "=1+1", "tipo": "otra",
                 "inicio": "2027-03-01 11:15", "fin": "2027-03-01 12:00",
                 "participantes": [{"nombre": "@usuario", "rol": "ponente"}]},
                {"clave": "grupos", "titulo": "Grupos", "tipo": "mesas_de_trabajo",
                 "inicio": "2027-03-02 20:00", "fin": "2027-03-02 21:30"},
            ],
            "mesas": [{"clave": "m1", "nombre": "Mesa «uno» & más", "sesiones": ["grupos"]},
                      {"clave": "m2", "nombre": "Mesa dos", "sala": "Aula 2", "sesiones": ["grupos"]}],
        }

    with app.app_context():
        programa.importar(datos(slug, "publicado"))
        programa.importar(datos(borrador, "borrador"))
        db.session.commit()
    yield slug, borrador
    with app.app_context():
        for s in (slug, borrador):
            evento = db.session.execute(select(Evento).where(Evento.slug == s)).scalar_one_or_none()
            if evento:
                db.session.delete(evento)
        db.session.commit()


# --- schedule.xml ---------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", SLUGS)
def test_schedule_xml_de_cada_evento_es_valido_y_tiene_todas_las_sesiones(app, cliente, slug):
    r = cliente.get(f"/eventos/{slug}/schedule.xml")
    assert r.status_code == 200
    assert r.content_type.startswith("application/xml")
    raiz, eventos = validar_schedule_xml(r.get_data())
    sesiones = sesiones_de(app, slug)
    assert sorted(int(e.get("id")) for e in eventos) == sorted(s[0] for s in sesiones)
    assert {e.get("guid") for e in eventos} == {s[1] for s in sesiones}
    assert raiz.find("conference/time_zone_name").text == "America/Mexico_City"
    for evento in eventos:
        assert evento.findtext("language") == "es"
        assert evento.find("links/link").get("href").endswith(f"/eventos/{slug}/sesiones/"
                                                              + evento.findtext("slug").removeprefix(f"{slug}-"))


def test_mercociudades_horas_personas_y_sala_en_linea(cliente):
    raiz, eventos = validar_schedule_xml(cliente.get("/eventos/gobiernos-locales-en-accion/schedule.xml").get_data())
    inauguracion = por_titulo(eventos, "Inauguración")
    assert inauguracion.findtext("date") == "2021-06-11T11:00:00-05:00"
    assert inauguracion.findtext("start") == "11:00"
    assert inauguracion.findtext("duration") == "00:15"
    assert inauguracion.findtext("room") == "En línea"  # evento virtual sin salas
    assert inauguracion.findtext("track") == "Inauguración" and inauguracion.findtext("type") == "inauguracion"
    assert [p.text for p in inauguracion.findall("persons/person")] == [
        "Ana Laura Pérez", "Lic. Mag. Marcela Petrantonio", "Lic. Ximena Escobedo"]
    dia = raiz.find("day")
    assert (dia.get("index"), dia.get("date")) == ("1", "2021-06-11")
    assert dia.get("start") == "2021-06-11T00:00:00-05:00" and dia.get("end") == "2021-06-12T00:00:00-05:00"
    panel = por_titulo(eventos, "Panel 1: Alianzas estratégicas para el desarrollo local sostenible de la región")
    assert panel.findtext("duration") == "00:35"
    assert "Sofía Arce" in [p.text for p in panel.findall("persons/person")]
    assert panel.findtext("abstract").startswith("Compartir experiencias")
    # Las preguntas y respuestas dentro de cada panel son eventos propios, en la misma sala.
    preguntas = [e for e in eventos if e.findtext("type") == "preguntas_y_respuestas"]
    assert len(preguntas) == 2
    assert {e.findtext("room") for e in preguntas} == {"En línea"}
    assert preguntas[0].findtext("subtitle") == panel.findtext("title")
    assert preguntas[0].findtext("start") == "11:40" and preguntas[0].findtext("duration") == "00:10"
    assert raiz.findtext("conference/timeslot_duration") == "00:05"


def test_gsef_subtema_5_a_las_9_en_2021_y_en_la_proxima_edicion(app, cliente):
    _raiz, eventos = validar_schedule_xml(cliente.get("/eventos/gsef2021/schedule.xml").get_data())
    subtema = next(e for e in eventos if e.findtext("slug") == "gsef2021-subtema-5")
    assert subtema.findtext("date") == "2021-10-08T09:00:00-05:00"  # horario de verano en 2021
    assert subtema.findtext("start") == "09:00" and subtema.findtext("room") == "Sala principal"
    assert subtema.findtext("type") == "mesas_de_trabajo"
    with app.app_context():
        original = db.session.execute(select(Evento).where(Evento.slug == "gsef2021")).scalar_one()
        siguiente = db.session.execute(select(Evento).where(Evento.edicion_anterior_id == original.id)).scalar_one()
        slug_siguiente = siguiente.slug
    _raiz, eventos = validar_schedule_xml(cliente.get(f"/eventos/{slug_siguiente}/schedule.xml").get_data())
    subtema = next(e for e in eventos if e.findtext("slug") == f"{slug_siguiente}-subtema-5")
    assert subtema.findtext("start") == "09:00"
    assert subtema.findtext("date").endswith("T09:00:00-06:00")  # México ya no cambia de horario


def test_jornadas_mesas_como_pista_y_dias(cliente):
    raiz, eventos = validar_schedule_xml(cliente.get("/eventos/jornadas-mexico-ue/schedule.xml").get_data())
    assert [d.get("date") for d in raiz.findall("day")] == ["2021-11-09", "2021-11-10"]
    grupos = [e for e in eventos if e.findtext("type") == "mesas_de_trabajo"]
    assert grupos and all("Brechas de género" in e.findtext("track") for e in grupos)
    assert {e.findtext("room") for e in eventos} == {"Sala principal"}


def test_caracteres_delicados_se_escapan(cliente, evento_raro):
    slug, _borrador = evento_raro
    r = cliente.get(f"/eventos/{slug}/schedule.xml")
    assert b"<datos>" not in r.get_data() and b"&amp;" in r.get_data()
    raiz, eventos = validar_schedule_xml(r.get_data())
    assert raiz.findtext("conference/title").startswith("Foro <b>& \"")
    assert raiz.findtext("conference/time_zone_name") == "America/Bogota"
    apertura = por_titulo(eventos, TITULO_RARO)
    assert apertura.findtext("room") == "Sala A & B"
    assert apertura.findtext("abstract") == "Objetivo con <etiquetas> & símbolos"
    assert apertura.findtext("description") == "Línea 1\nLínea \"2\""
    assert [p.text for p in apertura.findall("persons/person")] == [PERSONA_RARA, "Dr. Luis Gómez"]
    adjunto = apertura.find("attachments/attachment")
    assert (adjunto.get("href"), adjunto.text) == ("https://example.org/a?b=1&c=2", "Lámina <1>")
    assert apertura.findtext("date") == "2027-03-01T09:30:00-05:00" and apertura.findtext("duration") == "01:30"
    # La sesión anidada va en la sala de la que la contiene; sin sala, la de la modalidad (híbrida).
    assert por_titulo(eventos, "Preguntas").findtext("room") == "Sala A & B"
    assert por_titulo(eventos, "=1+1").findtext("room") == "Sala principal"
    grupos = por_titulo(eventos, "Grupos")
    assert grupos.findtext("track") == "Mesa «uno» & más · Mesa dos"
    assert grupos.findtext("date") == "2027-03-02T20:00:00-05:00"
    salas_del_dia = {s.get("name") for s in raiz.findall("day")[0].findall("room")}
    assert salas_del_dia == {"Sala A & B", "Sala principal"}


# --- schedule.json --------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", SLUGS)
def test_schedule_json_tiene_los_mismos_eventos_y_horas(cliente, slug):
    _raiz, eventos_xml = validar_schedule_xml(cliente.get(f"/eventos/{slug}/schedule.xml").get_data())
    r = cliente.get(f"/eventos/{slug}/schedule.json")
    assert r.status_code == 200 and r.content_type.startswith("application/json")
    datos = json.loads(r.get_data())
    programa_json = datos["schedule"]
    assert set(programa_json) >= {"version", "base_url", "conference"}
    conferencia = programa_json["conference"]
    requeridos = {"acronym", "title", "start", "end", "daysCount", "timeslot_duration", "time_zone_name", "rooms",
                  "days"}
    assert requeridos <= set(conferencia)
    assert PATRON_ACRONIMO.match(conferencia["acronym"])
    assert conferencia["daysCount"] == len(conferencia["days"])
    nombres_salas = {s["name"] for s in conferencia["rooms"]}
    assert all(PATRON_GUID.match(s["guid"]) for s in conferencia["rooms"])
    eventos_json = {}
    for dia in conferencia["days"]:
        assert {"index", "date", "day_start", "day_end", "rooms"} <= set(dia)
        for sala, eventos in dia["rooms"].items():
            assert sala in nombres_salas
            for e in eventos:
                assert e["room"] == sala and isinstance(e["id"], int) and e["id"] > 0
                assert {"id", "guid", "date", "start", "duration", "room", "slug", "url", "title", "subtitle",
                        "track", "type", "language", "abstract", "persons", "links"} <= set(e)
                assert all({"id", "public_name"} <= set(p) for p in e["persons"])
                eventos_json[e["guid"]] = e
    assert len(eventos_json) == len(eventos_xml)
    for e in eventos_xml:
        j = eventos_json[e.get("guid")]
        assert (str(j["id"]), j["date"], j["start"], j["duration"], j["room"], j["title"]) == (
            e.get("id"), e.findtext("date"), e.findtext("start"), e.findtext("duration"), e.findtext("room"),
            e.findtext("title"))
        assert [p["public_name"] for p in j["persons"]] == [p.text for p in e.findall("persons/person")]


def test_schedule_json_mercociudades(cliente):
    datos = json.loads(cliente.get("/eventos/gobiernos-locales-en-accion/schedule.json").get_data())
    conferencia = datos["schedule"]["conference"]
    assert conferencia["time_zone_name"] == "America/Mexico_City"
    assert conferencia["start"] == conferencia["end"] == "2021-06-11"
    inauguracion = next(e for e in conferencia["days"][0]["rooms"]["En línea"] if e["title"] == "Inauguración")
    assert (inauguracion["date"], inauguracion["start"], inauguracion["duration"]) == (
        "2021-06-11T11:00:00-05:00", "11:00", "00:15")


# --- ETag y 304 -----------------------------------------------------------------------------------

@pytest.mark.parametrize("formato", ["schedule.xml", "schedule.json", "programa.csv", "programa.xlsx"])
def test_etag_y_304(cliente, formato):
    ruta = f"/eventos/gsef2021/{formato}"
    r = cliente.get(ruta)
    assert r.status_code == 200
    etag = r.headers["ETag"]
    assert r.headers["Cache-Control"] == "no-cache"
    r2 = cliente.get(ruta, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.get_data() == b""
    assert cliente.get(ruta, headers={"If-None-Match": '"otra"'}).status_code == 200


def test_etag_cambia_con_el_programa(app, cliente, evento_raro):
    slug, _borrador = evento_raro
    antes = cliente.get(f"/eventos/{slug}/schedule.xml").headers["ETag"]
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        evento.marcar_cambio()
        db.session.commit()
    r = cliente.get(f"/eventos/{slug}/schedule.xml", headers={"If-None-Match": antes})
    assert r.status_code == 200 and r.headers["ETag"] != antes


# --- CSV y XLSX -----------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", SLUGS)
def test_csv_y_xlsx_tienen_cada_sesion_una_vez(app, cliente, slug):
    titulos = Counter(s[2] for s in sesiones_de(app, slug))
    r = cliente.get(f"/eventos/{slug}/programa.csv")
    assert r.status_code == 200 and r.content_type.startswith("text/csv")
    assert r.headers["Content-Disposition"].startswith("attachment")
    filas = leer_csv(r)
    columna = filas[0].index("Título")
    assert Counter(f[columna] for f in filas[1:]) == titulos
    r = cliente.get(f"/eventos/{slug}/programa.xlsx")
    assert r.status_code == 200 and r.content_type.startswith("application/vnd.openxmlformats")
    hoja = leer_xlsx(r)
    filas_xlsx = [[texto_de_celda(c.value) for c in fila] for fila in hoja.iter_rows()]
    assert filas_xlsx == filas
    # Fechas y horas como celdas de fecha y de hora (se ordenan y se restan), no como texto.
    for fila in hoja.iter_rows(min_row=2):
        assert type(fila[0].value) is datetime and fila[0].number_format == "yyyy-mm-dd"
        assert all(type(c.value) is time and c.number_format == "hh:mm" for c in fila[1:3])


def test_csv_horas_en_la_zona_del_evento_y_en_la_adicional(cliente):
    filas = leer_csv(cliente.get("/eventos/gobiernos-locales-en-accion/programa.csv"))
    assert filas[0][:6] == ["Fecha (hora de Ciudad de México)", "Inicio (hora de Ciudad de México)",
                            "Fin (hora de Ciudad de México)", "Fecha (hora de Montevideo)",
                            "Inicio (hora de Montevideo)", "Fin (hora de Montevideo)"]
    assert filas[0][6:] == ["Tipo", "Título", "Sala", "Personas", "Mesas"]
    inauguracion = next(f for f in filas if f[7] == "Inauguración")
    assert inauguracion[:6] == ["2021-06-11", "11:00", "11:15", "2021-06-11", "13:00", "13:15"]
    assert inauguracion[6] == "Inauguración"
    assert "Lic. Mag. Marcela Petrantonio (Intervención)" in inauguracion[9]
    panel = next(f for f in filas if f[7].startswith("Panel 1"))
    assert "Dr. Manuel Martínez Justo (Facilitación)" in panel[9] and "Sofía Arce (Panelista)" in panel[9]


def test_csv_mesas_y_zona_sin_adicionales(cliente):
    filas = leer_csv(cliente.get("/eventos/gsef2021/programa.csv"))
    assert filas[0] == ["Fecha (hora de Ciudad de México)", "Inicio (hora de Ciudad de México)",
                        "Fin (hora de Ciudad de México)",
                        "Tipo", "Título", "Sala", "Personas", "Mesas"]
    subtema = filas[1]
    assert subtema[:3] == ["2021-10-08", "09:00", "11:00"] and subtema[3] == "Mesas de trabajo"
    assert subtema[7]


def test_csv_y_xlsx_neutralizan_formulas(cliente, evento_raro, zona_del_proceso):
    slug, _borrador = evento_raro
    filas = leer_csv(cliente.get(f"/eventos/{slug}/programa.csv"))
    encabezados = filas[0]
    assert encabezados[:6] == ["Fecha (hora de Bogotá)", "Inicio (hora de Bogotá)", "Fin (hora de Bogotá)",
                               "Fecha (hora de Madrid)", "Inicio (hora de Madrid)", "Fin (hora de Madrid)"]
    titulo = encabezados.index("Título")
    formula = next(f for f in filas if f[titulo].endswith("=1+1"))
    assert formula[titulo] == "'=1+1"
    assert formula[encabezados.index("Personas")] == "'@usuario (Ponente)"
    assert formula[:6] == ["2027-03-01", "11:15", "12:00", "2027-03-01", "17:15", "18:00"]
    grupos = next(f for f in filas if f[titulo] == "Grupos")
    # 20:00 en Bogotá es la madrugada del día siguiente en Madrid.
    assert grupos[:6] == ["2027-03-02", "20:00", "21:30", "2027-03-03", "02:00", "03:30"]
    assert grupos[encabezados.index("Mesas")] == "Mesa «uno» & más; Mesa dos"
    assert [f[titulo] for f in filas[1:]].count(TITULO_RARO) == 1
    hoja = leer_xlsx(cliente.get(f"/eventos/{slug}/programa.xlsx"))
    celdas = [c for fila in hoja.iter_rows() for c in fila if c.value == "=1+1"]
    assert len(celdas) == 1
    assert celdas[0].data_type == "s" and celdas[0].quotePrefix
    # En el XLSX, la misma sesión con sus fechas y horas de reloj en cada zona, como fecha y hora.
    grupos = next(f for f in hoja.iter_rows(values_only=True) if f[titulo] == "Grupos")
    assert grupos[:6] == (datetime(2027, 3, 2), time(20, 0), time(21, 30), datetime(2027, 3, 3), time(2, 0), time(3, 30))


def test_csv_en_otro_idioma(cliente):
    filas = leer_csv(cliente.get("/eventos/gsef2021/programa.csv?lang=en"))
    otra = leer_csv(cliente.get("/eventos/gsef2021/programa.csv?lang=es"))
    assert filas[1][:3] == otra[1][:3]


# --- Para imprimir --------------------------------------------------------------------------------

def texto_visible(html: str) -> str:
    html = re.sub(r"<select.*?</select>", " ", html, flags=re.DOTALL)
    html = re.sub(r"</?time[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("slug", SLUGS)
def test_pagina_para_imprimir_muestra_todas_las_sesiones(app, cliente, slug):
    r = cliente.get(f"/eventos/{slug}/programa/imprimir")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'<link rel="stylesheet" href="{estatico("css/impresion.css")}">' in html
    texto = texto_visible(html)
    for titulo, n in Counter(s[2] for s in sesiones_de(app, slug)).items():
        assert texto.count(titulo) >= n, titulo
    assert html.count('class="sesion-impresa') == len(sesiones_de(app, slug))
    assert "style=" not in html and "<script>" not in html


def test_pagina_para_imprimir_con_zonas_personas_y_mesas(cliente):
    texto = texto_visible(cliente.get("/eventos/gobiernos-locales-en-accion/programa/imprimir?tz=Asia/Tokyo")
                          .get_data(as_text=True))
    assert "Gobiernos locales en acción" in texto and "11 de junio de 2021" in texto
    assert "11:00–11:15 Ciudad de México" in texto and "13:00–13:15 Montevideo" in texto
    assert "01:00–01:15 Tokio" in texto  # la zona del visitante se añade
    assert "UTC−05:00, zona del evento" in texto
    assert "Facilitación: Dr. Manuel Martínez Justo (Director de la FES Acatlán" in texto
    texto = texto_visible(cliente.get("/eventos/jornadas-mexico-ue/programa/imprimir").get_data(as_text=True))
    assert "Mesas: " in texto and "Brechas de género" in texto


def test_hoja_de_impresion_oculta_la_navegacion_y_evita_cortes(app):
    from pathlib import Path
    css = (Path(app.static_folder) / "css" / "impresion.css").read_text(encoding="utf-8")
    impresion = css[css.index("@media print"):]
    assert "header.sitio" in impresion and "footer" in impresion and "nav" in impresion
    assert "break-inside: avoid" in impresion
    # Solo la página para imprimir enlaza la hoja.
    assert "impresion.css" not in (Path(app.template_folder) / "base.html").read_text(encoding="utf-8")


# --- Eventos no publicados ------------------------------------------------------------------------

RUTAS = ("schedule.xml", "schedule.json", "programa.csv", "programa.xlsx", "programa/imprimir")


@pytest.mark.parametrize("ruta", RUTAS)
def test_evento_no_publicado_o_inexistente_da_404(cliente, evento_raro, ruta):
    slug, borrador = evento_raro
    assert cliente.get(f"/eventos/{slug}/{ruta}").status_code == 200
    assert cliente.get(f"/eventos/{borrador}/{ruta}").status_code == 404
    assert cliente.get(f"/eventos/no-existe/{ruta}").status_code == 404
