"""Calendarios iCalendar (RFC 5545): el programa de cada evento, una sesión y el calendario personal
suscrito de una inscripción; enlaces para añadir a Google Calendar y Outlook.

Cada documento se lee con tres lectores: `icalendar` (el que lo escribe; acepta casi todo) y dos
independientes y estrictos, `vobject` (`readOne(validate=True)`: propiedades obligatorias; calcula los
desfases con las reglas del VTIMEZONE del propio documento) e `ical` (`IcsCalendarStream`: valores y
zonas; resuelve los TZID IANA con la base de zonas del sistema). Las horas se comprueban como
instantes (convertidos a UTC) que dan esos lectores, nunca comparando texto.

Las pruebas que cambian un programa crean su propio evento (programa.importar) y lo borran al final.
"""
from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select, update

from apoyo_inscripciones import borrar_evento, token_de
from eventos.demo import SLUGS
from eventos.extensiones import db
from eventos.modelos import Asistencia, CorreoSaliente, Evento, Inscripcion, Mesa, Persona, Sesion

UTC = timezone.utc
TIPO_ICS = "text/calendar; charset=utf-8"
MEXICO = "America/Mexico_City"
MAX_OBSERVANCIAS = 5  # STANDARD/DAYLIGHT en el VTIMEZONE: las reglas de las fechas, no toda la historia


# --- Lectores ------------------------------------------------------------------------------------
def _vobject():
    return pytest.importorskip("vobject", reason="lector independiente: pip install vobject (extra «pruebas»)")


def _ical_stream():
    pytest.importorskip("ical", reason="lector independiente: pip install ical (extra «pruebas»)")
    from ical.calendar_stream import IcsCalendarStream
    return IcsCalendarStream


def leer_vobject(texto: str):
    """vobject guarda en un registro global del proceso el primer VTIMEZONE que ve de cada TZID y lo
    reutiliza en los documentos siguientes (el de 2021 de México se aplicaría a 2027). Se vacía antes
    de cada lectura para que cada documento se lea con sus propias reglas."""
    vobject = _vobject()
    registro = vars(vobject.icalendar)["__tzidMap"]
    utc = registro.get("UTC")
    registro.clear()
    if utc is not None:
        registro["UTC"] = utc
    return vobject.readOne(texto, validate=True)


def leer_ical(texto: str):
    return _ical_stream().calendar_from_ics(texto)


def desfase_segun_vtimezone(zona_ical, local: datetime) -> timedelta:
    """Desfase que dan las reglas de un VTIMEZONE (leído por `ical`) a una hora local: el de la
    observancia con el último inicio (DTSTART, RDATE o RRULE) anterior o igual a esa hora.

    `ical` no cuenta el DTSTART de una observancia sin RRULE ni RDATE como su inicio (RFC 5545 sí),
    así que su `get_observance` no sirve con los VTIMEZONE mínimos que escribe icalendar."""
    mejor = None
    for observancia in list(zona_ical.standard) + list(zona_ical.daylight):
        inicios = [observancia.dtstart]
        inicios += [getattr(r, "start", r) for r in observancia.rdate]
        if observancia.rrule is not None:
            inicios += itertools.takewhile(lambda d: d <= local, observancia.rrule.as_rrule(observancia.dtstart))
        for inicio in inicios:
            if inicio <= local and (mejor is None or inicio > mejor[0]):
                mejor = (inicio, observancia)
    assert mejor is not None, f"el VTIMEZONE {zona_ical.tz_id} no tiene reglas para {local}"
    return mejor[1].tz_offset_to.offset


class Documento:
    """Un .ics servido, leído y validado por los tres lectores; `eventos` son los VEVENT por UID con
    los valores en los que coinciden vobject e ical (instantes en UTC)."""

    def __init__(self, respuesta, zona: str):
        assert respuesta.status_code == 200, respuesta.get_data(as_text=True)[:500]
        assert respuesta.headers["Content-Type"] == TIPO_ICS
        self.etag = respuesta.headers["ETag"]
        self.datos = respuesta.get_data()
        self.texto = self.datos.decode("utf-8")
        self.zona = zona
        comprobar_lineas(self.datos)
        self.icalendar = Calendar.from_ical(self.datos)
        self.vobject = leer_vobject(self.texto)
        self.ical = leer_ical(self.texto)
        self.zona_ical = self._comprobar_vtimezone()
        self.eventos = self._eventos()

    def _comprobar_vtimezone(self):
        zonas_ic = self.icalendar.walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in zonas_ic] == [self.zona]
        observancias = [c for c in zonas_ic[0].subcomponents if c.name in ("STANDARD", "DAYLIGHT")]
        assert 1 <= len(observancias) <= MAX_OBSERVANCIAS, \
            f"VTIMEZONE con {len(observancias)} observancias: debería tener solo las de las fechas del evento"
        assert [z.tz_id for z in self.ical.timezones] == [self.zona]
        return self.ical.timezones[0]

    def _eventos(self) -> dict[str, dict]:
        por_icalendar = {str(e["UID"]): e for e in self.icalendar.walk("VEVENT")}
        por_vobject = {e.uid.value: e for e in self.vobject.contents.get("vevent", [])}
        por_ical = {e.uid: e for e in self.ical.events}
        assert set(por_icalendar) == set(por_vobject) == set(por_ical)
        assert len(por_icalendar) == len(self.icalendar.walk("VEVENT")), "UID repetido"
        eventos = {}
        for uid, ev in por_ical.items():
            vo, ic = por_vobject[uid], por_icalendar[uid]
            for propiedad in ("DTSTART", "DTEND"):
                assert ic[propiedad].params.get("TZID") == self.zona, f"{propiedad} sin TZID={self.zona} en {uid}"
            for propiedad in ("UID", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED", "SUMMARY", "STATUS"):
                assert propiedad in ic, f"falta {propiedad} en {uid}"
            datos = {
                "uid": uid,
                "secuencia": ev.sequence,
                "estado": ev.status.value if ev.status is not None else None,
                "titulo": ev.summary,
                "lugar": ev.location,
                "url": ev.url,
                "descripcion": ev.description,
                "inicio": ev.dtstart.astimezone(UTC),
                "fin": ev.dtend.astimezone(UTC),
                "sello": ev.dtstamp.astimezone(UTC),
                "modificado": ev.last_modified.astimezone(UTC) if ev.last_modified else None,
                # Desfase según el VTIMEZONE del documento (vobject usa sus reglas, no la base de zonas)
                "desfase_vtimezone": vo.dtstart.value.utcoffset(),
            }
            otro = {
                "secuencia": int(vo.sequence.value),
                "estado": vo.status.value,
                "titulo": vo.summary.value,
                "lugar": vo.location.value if "location" in vo.contents else None,
                "url": vo.url.value if "url" in vo.contents else None,
                "descripcion": vo.description.value if "description" in vo.contents else None,
                "inicio": vo.dtstart.value.astimezone(UTC),
                "fin": vo.dtend.value.astimezone(UTC),
                "sello": vo.dtstamp.value.astimezone(UTC),
                "modificado": vo.last_modified.value.astimezone(UTC),
            }
            for clave, valor in otro.items():
                assert datos[clave] == valor, f"{clave} de {uid}: ical {datos[clave]!r} ≠ vobject {valor!r}"
            # Las reglas del VTIMEZONE del documento dan el mismo desfase que la base de zonas del sistema.
            local = ev.dtstart.astimezone(ZoneInfo(self.zona)).replace(tzinfo=None)
            assert desfase_segun_vtimezone(self.zona_ical, local) == ev.dtstart.utcoffset()
            assert datos["desfase_vtimezone"] == ev.dtstart.utcoffset()
            assert datos["modificado"] is not None
            eventos[uid] = datos
        return eventos

    def por_clave(self, clave: str) -> dict:
        """El VEVENT confirmado de la sesión con esa clave (por su URL)."""
        encontrados = [e for e in self.eventos.values() if e["url"] and e["url"].endswith(f"/sesiones/{clave}")]
        assert len(encontrados) == 1, f"sesión {clave}: {len(encontrados)} VEVENT"
        return encontrados[0]


def comprobar_lineas(datos: bytes):
    """Líneas CRLF, cada una de 75 octetos como mucho (plegado) y sin cortar un carácter UTF-8."""
    assert datos.endswith(b"\r\n")
    lineas = datos[:-2].split(b"\r\n")
    for n, linea in enumerate(lineas, 1):
        assert b"\n" not in linea and b"\r" not in linea, f"línea {n} con un salto de línea suelto"
        assert len(linea) <= 75, f"línea {n} de {len(linea)} octetos: {linea[:80]!r}"
        linea.decode("utf-8")  # un carácter partido entre dos líneas no se decodifica


def ics(cliente, ruta: str, zona: str = MEXICO, **opciones) -> Documento:
    return Documento(cliente.get(ruta, **opciones), zona)


# --- Eventos de prueba ---------------------------------------------------------------------------
def _sesion(clave, titulo, tipo, inicio, fin, **extra):
    return {"clave": clave, "titulo": titulo, "tipo": tipo, "inicio": inicio, "fin": fin, **extra}


def programa_propio(slug: str, dia: date = date(2027, 6, 15), zona: str = MEXICO, **evento) -> dict:
    """Un día con una plenaria con panel, dos mesas de trabajo en paralelo (una por mesa) y el cierre."""
    d = dia.isoformat()
    return {
        "formato": "programa-eventos/1",
        "evento": {"slug": slug, "titulo": f"Seminario de calendarios {slug[-6:]}", "zona_horaria": zona,
                   "fecha_inicio": d, "fecha_fin": d, "estado": "publicado", "sede": "Centro Cultural",
                   "modalidad": "presencial", **evento},
        "sesiones": [
            _sesion("apertura", "Apertura", "panel", f"{d} 10:00", f"{d} 11:00", sala="Auditorio",
                    objetivo="Presentar el seminario.",
                    participantes=[{"nombre": "Facilitadora Prueba", "rol": "facilitador", "cargo": "Directora"},
                                   {"nombre": "Panelista Uno", "rol": "panelista", "institucion": "Universidad"}]),
            _sesion("trabajo-a", "Trabajo de la mesa A", "mesas_de_trabajo", f"{d} 11:30", f"{d} 13:00"),
            _sesion("trabajo-b", "Trabajo de la mesa B", "mesas_de_trabajo", f"{d} 11:30", f"{d} 13:00"),
            _sesion("cierre", "Cierre", "cierre", f"{d} 13:30", f"{d} 14:00"),
        ],
        "mesas": [{"clave": "mesa-a", "nombre": "Mesa A", "sesiones": ["trabajo-a"]},
                  {"clave": "mesa-b", "nombre": "Mesa B", "sesiones": ["trabajo-b"]}],
    }


@pytest.fixture()
def importar(app):
    """Importa programas de prueba (dict o función del slug) y los borra al final, con sus inscripciones."""
    from eventos.servicios import programa

    creados = []

    def crear(hacer_programa=programa_propio, slug: str | None = None) -> str:
        slug = slug or f"cal-prueba-{uuid.uuid4().hex[:10]}"
        with app.app_context():
            programa.importar(hacer_programa(slug))
            db.session.commit()
        creados.append(slug)
        return slug

    yield crear
    for slug in creados:
        borrar_evento(app, slug)


def con_evento(app, slug: str, funcion):
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        resultado = funcion(evento)
        db.session.commit()
        return resultado


def sesion_de(slug: str, clave: str) -> Sesion:
    return db.session.execute(select(Sesion).join(Evento).where(Evento.slug == slug, Sesion.clave == clave)).scalar_one()


def atrasar_modificaciones(app, slug: str, dias: int = 2):
    """Lleva la última modificación de las sesiones al pasado (sin pasar por el ORM, que contaría un
    cambio), para que LAST-MODIFIED, que tiene resolución de segundos, crezca de forma visible."""
    with app.app_context():
        evento_id = db.session.execute(select(Evento.id).where(Evento.slug == slug)).scalar_one()
        hace = datetime.now(UTC) - timedelta(days=dias)
        db.session.execute(update(Sesion).where(Sesion.evento_id == evento_id).values(actualizado_en=hace)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def inscribir(app, slug: str, mesa: str | None = None) -> dict:
    """Inscripción confirmada (como la haría la organización) en la mesa con esa clave."""
    from eventos import qr
    from eventos.inscripciones import servicios

    with app.test_request_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        mesa_id = None
        if mesa is not None:
            mesa_id = db.session.execute(select(Mesa.id).where(Mesa.evento_id == evento.id, Mesa.clave == mesa)).scalar_one()
        correo = f"calendario-{uuid.uuid4().hex[:8]}@prueba.org"
        inscripcion, nueva = servicios.inscribir(evento.id, {
            "correo": correo, "nombre": "Carmen", "apellidos": "Calendario", "institucion": "Ayuntamiento",
            "cargo": "Enlace", "pais": "MX", "ciudad": "Puebla", "mesa_id": mesa_id}, por_organizacion=True)
        assert nueva and inscripcion.estado == "confirmada"
        db.session.commit()  # el servicio no confirma: lo hace quien llama
        return {"id": inscripcion.id, "clave": inscripcion.clave_calendario, "token": qr.firmar_gestion(inscripcion),
                "correo": correo, "mesa_id": mesa_id}


def borrar_inscripcion(app, inscripcion_id: int):
    with app.app_context():
        for modelo in (Asistencia, CorreoSaliente):
            db.session.execute(delete(modelo).where(modelo.inscripcion_id == inscripcion_id))
        db.session.execute(delete(Inscripcion).where(Inscripcion.id == inscripcion_id))
        db.session.commit()


def proxima_edicion(slug: str) -> str:
    original = select(Evento.id).where(Evento.slug == slug).scalar_subquery()
    return db.session.execute(select(Evento.slug).where(Evento.edicion_anterior_id == original)).scalar_one()


def slugs_de_demostracion(app) -> list[str]:
    with app.app_context():
        return [s for slug in SLUGS for s in (slug, proxima_edicion(slug))]


def en_utc(anio, mes, dia, hora, minuto=0) -> datetime:
    return datetime(anio, mes, dia, hora, minuto, tzinfo=UTC)


# --- Los calendarios de los eventos de demostración ----------------------------------------------
@pytest.mark.parametrize("indice", range(6), ids=[f"{s}{e}" for s in SLUGS for e in ("", "-proxima")])
def test_programa_de_cada_evento_de_demostracion_es_valido_y_completo(app, cliente, indice):
    slug = slugs_de_demostracion(app)[indice]
    from eventos import calendario

    with app.test_request_context():
        evento = Evento.con_programa(slug)
        zona = evento.zona_horaria
        esperadas = [(s.clave, s.uid, s.inicio, s.fin, s.titulo, s.secuencia, calendario.lugar(evento, s),
                      [p.nombre for p in s.participantes]) for s in evento.sesiones_raiz]
        titulo_evento = evento.titulo
    respuesta = cliente.get(f"/eventos/{slug}/calendario.ics")
    assert respuesta.headers["Content-Disposition"] == f'inline; filename="{slug}.ics"'
    doc = Documento(respuesta, zona)
    assert len(doc.eventos) == len(esperadas)
    for clave, uid, inicio, fin, titulo, secuencia, lugar, personas in esperadas:
        ev = doc.por_clave(clave)
        assert ev["uid"] == f"{uid}@eventos"
        assert (ev["inicio"], ev["fin"]) == (inicio, fin)
        assert ev["titulo"] == titulo and ev["estado"] == "CONFIRMED" and ev["secuencia"] == secuencia
        assert ev["url"] == f"http://localhost/eventos/{slug}/sesiones/{clave}"
        # Sala y sede, «En línea…» o, si el evento no tiene sede (las Jornadas), nada.
        assert (ev["lugar"] or "") == lugar
        assert ev["descripcion"].startswith(titulo_evento) and ev["descripcion"].endswith(ev["url"])
        for nombre in personas:
            assert nombre in ev["descripcion"], f"{nombre} no aparece en la descripción de {clave}"
        assert ev["sello"] == ev["modificado"]


def test_calendario_de_una_sesion(app, cliente):
    completo = ics(cliente, "/eventos/gobiernos-locales-en-accion/calendario.ics")
    for clave in ("inauguracion", "panel-1", "panel-1-preguntas"):  # la última está anidada en el panel 1
        respuesta = cliente.get(f"/eventos/gobiernos-locales-en-accion/sesiones/{clave}/calendario.ics")
        assert respuesta.headers["Content-Disposition"] == f'inline; filename="gobiernos-locales-en-accion-{clave}.ics"'
        doc = Documento(respuesta, MEXICO)
        assert len(doc.eventos) == 1
        ev = doc.por_clave(clave)
        if clave != "panel-1-preguntas":
            assert ev == completo.por_clave(clave)  # mismo UID, SEQUENCE, horas y textos que en el programa
    with app.app_context():
        gsef = proxima_edicion("gsef2021")
    doc = ics(cliente, f"/eventos/{gsef}/sesiones/subtema-5/calendario.ics")
    assert [e["titulo"] for e in doc.eventos.values()] == ["Subtema 5. Desarrollar alianzas locales e internacionales"]
    assert cliente.get("/eventos/gsef2021/sesiones/no-existe/calendario.ics").status_code == 404
    assert cliente.get("/eventos/no-existe/calendario.ics").status_code == 404
    assert cliente.get("/eventos/no-existe/sesiones/subtema-5/calendario.ics").status_code == 404


def test_calendario_de_un_borrador_no_se_publica(app, cliente, importar):
    slug = importar(lambda s: {**programa_propio(s), "evento": {**programa_propio(s)["evento"], "estado": "borrador"}})
    assert cliente.get(f"/eventos/{slug}/calendario.ics").status_code == 404
    assert cliente.get(f"/eventos/{slug}/sesiones/apertura/calendario.ics").status_code == 404


# --- Instantes y zonas ---------------------------------------------------------------------------
def test_subtema_5_del_gsef_en_utc_y_en_madrid(app, cliente):
    ev = ics(cliente, "/eventos/gsef2021/calendario.ics").por_clave("subtema-5")
    # 09:00 en Ciudad de México en octubre de 2021, con horario de verano (UTC−5)
    assert ev["inicio"] == en_utc(2021, 10, 8, 14)
    assert ev["inicio"].astimezone(ZoneInfo("Europe/Madrid")).replace(tzinfo=None) == datetime(2021, 10, 8, 16)
    assert ev["desfase_vtimezone"] == timedelta(hours=-5)  # las reglas del VTIMEZONE del documento

    with app.app_context():
        siguiente = proxima_edicion("gsef2021")
        dia = sesion_de(siguiente, "subtema-5").inicio.astimezone(ZoneInfo(MEXICO)).date()
    ev = ics(cliente, f"/eventos/{siguiente}/calendario.ics").por_clave("subtema-5")
    # Misma hora local (09:00); México ya no tiene horario de verano: UTC−6
    assert dia.year >= 2027 and ev["inicio"] == en_utc(dia.year, dia.month, dia.day, 15)
    assert ev["desfase_vtimezone"] == timedelta(hours=-6)


def test_inauguracion_de_mercociudades_en_montevideo(cliente):
    ev = ics(cliente, "/eventos/gobiernos-locales-en-accion/calendario.ics").por_clave("inauguracion")
    assert ev["inicio"] == en_utc(2021, 6, 11, 16)
    assert ev["inicio"].astimezone(ZoneInfo("America/Montevideo")).replace(tzinfo=None) == datetime(2021, 6, 11, 13)
    assert ev["inicio"].astimezone(ZoneInfo(MEXICO)).replace(tzinfo=None) == datetime(2021, 6, 11, 11)


def test_vtimezone_de_las_jornadas_de_2021_sin_horario_de_verano(cliente):
    """El 9 de noviembre de 2021 México ya había vuelto a UTC−6 (el horario de verano acabó el 31 de octubre)."""
    doc = ics(cliente, "/eventos/jornadas-mexico-ue/calendario.ics")
    ev = doc.por_clave("plenaria-1")
    assert ev["inicio"] == en_utc(2021, 11, 9, 15, 30)
    assert ev["desfase_vtimezone"] == timedelta(hours=-6)


def test_vtimezone_con_cambio_de_horario_dentro_del_evento(cliente, importar):
    """Un evento en Madrid que cruza el paso al horario de verano (28 de marzo de 2027): el VTIMEZONE
    trae las dos observancias y cada sesión de las 10:00 locales tiene su desfase."""
    def hacer(slug):
        datos = programa_propio(slug, zona="Europe/Madrid")
        datos["evento"].update(fecha_inicio="2027-03-27", fecha_fin="2027-03-29")
        datos["sesiones"] = [_sesion("sabado", "Sábado", "plenaria", "2027-03-27 10:00", "2027-03-27 11:00"),
                             _sesion("lunes", "Lunes", "plenaria", "2027-03-29 10:00", "2027-03-29 11:00")]
        datos["mesas"] = []
        return datos

    doc = ics(cliente, f"/eventos/{importar(hacer)}/calendario.ics", zona="Europe/Madrid")
    assert doc.por_clave("sabado")["inicio"] == en_utc(2027, 3, 27, 9)
    assert doc.por_clave("lunes")["inicio"] == en_utc(2027, 3, 29, 8)
    assert doc.por_clave("sabado")["desfase_vtimezone"] == timedelta(hours=1)
    assert doc.por_clave("lunes")["desfase_vtimezone"] == timedelta(hours=2)
    nombres = {c.name for c in doc.icalendar.walk("VTIMEZONE")[0].subcomponents}
    assert nombres == {"STANDARD", "DAYLIGHT"}


# --- Contenido de cada VEVENT --------------------------------------------------------------------
def test_panel_1_de_mercociudades_nombra_facilitacion_y_panelistas(cliente):
    ev = ics(cliente, "/eventos/gobiernos-locales-en-accion/calendario.ics").por_clave("panel-1")
    assert ev["titulo"].startswith("Panel 1")
    assert "Manuel Martínez Justo" in ev["descripcion"] and "Sofía Arce" in ev["descripcion"]
    facilitacion = next(linea for linea in ev["descripcion"].split("\n") if "Manuel Martínez Justo" in linea)
    assert facilitacion.startswith("Facilitación:")
    panel = next(linea for linea in ev["descripcion"].split("\n") if "Sofía Arce" in linea)
    assert panel.startswith("Panelista")
    assert ev["url"] == "http://localhost/eventos/gobiernos-locales-en-accion/sesiones/panel-1"
    assert ev["lugar"].startswith("En línea")  # evento virtual


def test_enlaces_de_las_reuniones_en_linea_no_se_publican(cliente, importar):
    secreto_evento, secreto_sesion = "https://reunion.example.org/sala-secreta-123", "https://reunion.example.org/otra-456"

    def hacer(slug):
        datos = programa_propio(slug, modalidad="virtual", enlace_virtual=secreto_evento, sede="")
        datos["sesiones"][0]["sala"] = ""
        datos["sesiones"][1]["enlace"] = secreto_sesion
        return datos

    slug = importar(hacer)
    for ruta in (f"/eventos/{slug}/calendario.ics", f"/eventos/{slug}/sesiones/trabajo-a/calendario.ics"):
        doc = ics(cliente, ruta)
        assert "reunion.example.org" not in doc.texto
        assert all(e["lugar"].startswith("En línea") for e in doc.eventos.values())


def test_caracteres_especiales_y_texto_largo_sobreviven_y_las_lineas_se_pliegan(cliente, importar):
    titulo = 'Economía, sociedad; y "barras" \\ inversas: ñandú, açaí, São Paulo — Ñ/Ç/Ã, 100 % (¿sí?)'
    largo = ("Objetivo, con comas; punto y coma; barra \\ inversa, ñ ç ã é ü, comillas \"dobles\" y "
             "emoji 🌎 que ocupa cuatro octetos. ")
    objetivo = (largo * 30)[:2000].strip()
    assert len(objetivo) >= 1990
    sala = "Sala «Ñandutí», planta 2; ala C\\D"
    evento_titulo = "Foro; de, prueba \\ São João"

    def hacer(slug):
        datos = programa_propio(slug, titulo=evento_titulo, sede="Edificio Açores, Lisboa")
        datos["sesiones"][0].update(titulo=titulo, objetivo=objetivo, sala=sala, descripcion=objetivo)
        datos["sesiones"][0]["participantes"][0].update(nombre="José Ñúñez, hijo", cargo="Jefe; de \\ área")
        return datos

    slug = importar(hacer)
    for ruta in (f"/eventos/{slug}/calendario.ics", f"/eventos/{slug}/sesiones/apertura/calendario.ics"):
        doc = ics(cliente, ruta)
        ev = doc.por_clave("apertura")
        assert ev["titulo"] == titulo
        assert ev["lugar"] == f"{sala}, Edificio Açores, Lisboa"
        assert ev["descripcion"] == "\n\n".join([
            evento_titulo,
            "Facilitación: José Ñúñez, hijo (Jefe; de \\ área)",
            "Panelista: Panelista Uno (Universidad)",
            objetivo,
            f"http://localhost/eventos/{slug}/sesiones/apertura",
        ])
        assert max(len(linea) for linea in doc.datos.split(b"\r\n")) <= 75


def test_nombre_del_calendario_con_comas_punto_y_coma_y_barra(cliente, importar):
    titulo = "Foro; de, prueba \\ São João"
    slug = importar(lambda s: programa_propio(s, titulo=titulo))
    doc = ics(cliente, f"/eventos/{slug}/calendario.ics")
    # El valor va escapado como TEXT (RFC 5545 3.3.11) y el lector estricto lo devuelve intacto.
    assert "X-WR-CALNAME:Foro\\; de\\, prueba \\\\ São João" in doc.texto
    assert doc.vobject.contents["x-wr-calname"][0].value == titulo


# --- UID estable, SEQUENCE y sesiones retiradas --------------------------------------------------
def test_editar_una_sesion_conserva_su_uid_y_sube_su_secuencia(app, cliente, importar):
    slug = importar()
    atrasar_modificaciones(app, slug)
    ruta = f"/eventos/{slug}/calendario.ics"
    antes = ics(cliente, ruta)
    apertura, cierre = antes.por_clave("apertura"), antes.por_clave("cierre")
    with app.app_context():
        uid = sesion_de(slug, "apertura").uid
    assert apertura["uid"] == f"{uid}@eventos" and apertura["secuencia"] == 0

    def renombrar(evento):
        sesion_de(slug, "apertura").titulo = "Apertura (nuevo título)"
    con_evento(app, slug, renombrar)

    despues = ics(cliente, ruta)
    nueva = despues.por_clave("apertura")
    assert nueva["uid"] == apertura["uid"]
    assert nueva["secuencia"] == apertura["secuencia"] + 1
    assert nueva["modificado"] > apertura["modificado"] and nueva["sello"] > apertura["sello"]
    assert nueva["titulo"] == "Apertura (nuevo título)"
    assert (nueva["inicio"], nueva["fin"]) == (apertura["inicio"], apertura["fin"])
    assert despues.por_clave("cierre") == cierre  # las demás sesiones no cambian
    assert despues.etag != antes.etag

    # Una segunda edición: otra vez +1
    def mover(evento):
        sesion = sesion_de(slug, "apertura")
        sesion.inicio += timedelta(minutes=15)
        sesion.fin += timedelta(minutes=15)
    con_evento(app, slug, mover)
    movida = ics(cliente, ruta).por_clave("apertura")
    assert movida["uid"] == apertura["uid"] and movida["secuencia"] == apertura["secuencia"] + 2
    assert movida["inicio"] == apertura["inicio"] + timedelta(minutes=15)


def test_eliminar_una_sesion_la_deja_cancelada_con_el_mismo_uid(app, cliente, importar):
    slug = importar()
    ruta = f"/eventos/{slug}/calendario.ics"
    con_evento(app, slug, lambda e: setattr(sesion_de(slug, "cierre"), "titulo", "Cierre y conclusiones"))
    antes = ics(cliente, ruta)
    cierre = antes.por_clave("cierre")
    assert cierre["secuencia"] == 1

    con_evento(app, slug, lambda e: db.session.delete(sesion_de(slug, "cierre")))
    despues = ics(cliente, ruta)
    assert despues.etag != antes.etag
    assert set(despues.eventos) == set(antes.eventos)  # sigue ahí, con el mismo UID
    cancelado = despues.eventos[cierre["uid"]]
    assert cancelado["estado"] == "CANCELLED"
    assert cancelado["secuencia"] > cierre["secuencia"]
    assert (cancelado["inicio"], cancelado["fin"], cancelado["titulo"]) == (cierre["inicio"], cierre["fin"], cierre["titulo"])
    confirmados = [e for e in despues.eventos.values() if e["estado"] == "CONFIRMED"]
    assert len(confirmados) == 3
    assert cliente.get(f"/eventos/{slug}/sesiones/cierre/calendario.ics").status_code == 404


# --- Peticiones condicionales (ETag / 304) -------------------------------------------------------
def test_programa_responde_304_hasta_que_cambia(app, cliente, importar):
    slug = importar()
    for ruta in (f"/eventos/{slug}/calendario.ics", f"/eventos/{slug}/sesiones/apertura/calendario.ics"):
        primera = cliente.get(ruta)
        etag = primera.headers["ETag"]
        assert primera.status_code == 200 and etag and primera.headers["Cache-Control"] == "no-cache"
        segunda = cliente.get(ruta, headers={"If-None-Match": etag})
        assert segunda.status_code == 304 and segunda.data == b""
        assert segunda.headers["ETag"] == etag
        assert cliente.get(ruta, headers={"If-None-Match": '"otro"'}).status_code == 200
    etags = {ruta: cliente.get(ruta).headers["ETag"] for ruta in
             (f"/eventos/{slug}/calendario.ics", f"/eventos/{slug}/sesiones/apertura/calendario.ics")}

    con_evento(app, slug, lambda e: setattr(sesion_de(slug, "apertura"), "titulo", "Apertura renombrada"))
    for ruta, etag in etags.items():
        tercera = cliente.get(ruta, headers={"If-None-Match": etag})
        assert tercera.status_code == 200 and tercera.headers["ETag"] != etag
        assert b"Apertura renombrada" in tercera.data


# --- Calendario personal -------------------------------------------------------------------------
def test_calendario_personal_de_las_jornadas_2027(app, cliente):
    with app.app_context():
        slug = proxima_edicion("jornadas-mexico-ue")
        evento = Evento.con_programa(slug)
        todas = {s.clave for s in evento.sesiones_raiz}
        plenarias = {s.clave for s in evento.sesiones_raiz if s.tipo != "mesas_de_trabajo"}
        mesa = next(m for m in evento.mesas if m.clave == "genero")
        de_su_mesa = {s.clave for s in mesa.sesiones}
    assert plenarias and de_su_mesa
    inscripcion = inscribir(app, slug, "genero")
    try:
        ruta = f"/calendario/{inscripcion['clave']}.ics"
        respuesta = cliente.get(ruta)
        assert respuesta.headers["Content-Disposition"] == f'inline; filename="{slug}.ics"'
        doc = Documento(respuesta, MEXICO)
        claves = {e["url"].rsplit("/", 1)[1] for e in doc.eventos.values()}
        assert claves == plenarias | de_su_mesa and claves <= todas
        assert {e["estado"] for e in doc.eventos.values()} == {"CONFIRMED"}
        completo = ics(cliente, f"/eventos/{slug}/calendario.ics")
        for clave in claves:  # mismos UID y SEQUENCE que el programa público
            assert doc.por_clave(clave)["uid"] == completo.por_clave(clave)["uid"]
            assert doc.por_clave(clave)["secuencia"] == completo.por_clave(clave)["secuencia"]
        repetida = cliente.get(ruta, headers={"If-None-Match": doc.etag})
        assert repetida.status_code == 304 and repetida.data == b""
    finally:
        borrar_inscripcion(app, inscripcion["id"])


def test_calendario_personal_solo_con_su_mesa_304_y_cambios(app, cliente, importar):
    slug = importar()
    ana, beto = inscribir(app, slug, "mesa-a"), inscribir(app, slug, "mesa-b")
    ruta_ana, ruta_beto = f"/calendario/{ana['clave']}.ics", f"/calendario/{beto['clave']}.ics"

    def claves(doc, estado="CONFIRMED"):
        return {e["url"].rsplit("/", 1)[1] if e["url"] else e["titulo"] for e in doc.eventos.values() if e["estado"] == estado}

    doc_ana, doc_beto = ics(cliente, ruta_ana), ics(cliente, ruta_beto)
    assert claves(doc_ana) == {"apertura", "trabajo-a", "cierre"}
    assert claves(doc_beto) == {"apertura", "trabajo-b", "cierre"}
    assert doc_ana.etag != doc_beto.etag

    # 304 mientras nada cambie; 200 con otra ETag después de editar el programa
    repetida = cliente.get(ruta_ana, headers={"If-None-Match": doc_ana.etag})
    assert repetida.status_code == 304 and repetida.data == b""
    con_evento(app, slug, lambda e: setattr(sesion_de(slug, "trabajo-a"), "titulo", "Mesa A: trabajo"))
    cambiada = cliente.get(ruta_ana, headers={"If-None-Match": doc_ana.etag})
    assert cambiada.status_code == 200 and cambiada.headers["ETag"] != doc_ana.etag
    nuevo = Documento(cambiada, MEXICO)
    assert nuevo.por_clave("trabajo-a")["titulo"] == "Mesa A: trabajo"
    assert nuevo.por_clave("trabajo-a")["secuencia"] == doc_ana.por_clave("trabajo-a")["secuencia"] + 1

    # Una sesión eliminada aparece cancelada, con su UID, en el calendario de quien la tenía
    uid_cierre = doc_ana.por_clave("cierre")["uid"]
    con_evento(app, slug, lambda e: db.session.delete(sesion_de(slug, "cierre")))
    sin_cierre = ics(cliente, ruta_ana)
    assert sin_cierre.eventos[uid_cierre]["estado"] == "CANCELLED"
    assert sin_cierre.eventos[uid_cierre]["secuencia"] > doc_ana.eventos[uid_cierre]["secuencia"]
    assert claves(sin_cierre) == {"apertura", "trabajo-a"}


def test_renovar_la_direccion_del_calendario_personal(app, cliente, importar):
    slug = importar()
    persona = inscribir(app, slug, "mesa-a")
    vieja = f"/calendario/{persona['clave']}.ics"
    assert cliente.get(vieja).status_code == 200

    pagina = cliente.get(f"/inscripcion/{persona['token']}")
    html = pagina.get_data(as_text=True)
    assert pagina.status_code == 200 and f"webcal://localhost/calendario/{persona['clave']}.ics" in html
    # Sin token CSRF no se renueva
    assert cliente.post(f"/inscripcion/{persona['token']}/calendario/renovar").status_code == 400
    assert cliente.get(vieja).status_code == 200
    respuesta = cliente.post(f"/inscripcion/{persona['token']}/calendario/renovar", data={"csrf_token": token_de(html)})
    assert respuesta.status_code == 303
    assert respuesta.headers["Location"].endswith(f"/inscripcion/{persona['token']}#calendario")

    with app.app_context():
        nueva_clave = db.session.get(Inscripcion, persona["id"]).clave_calendario
    assert nueva_clave != persona["clave"]
    assert cliente.get(vieja).status_code == 404
    assert cliente.get(vieja, headers={"If-None-Match": "*"}).status_code == 404
    doc = ics(cliente, f"/calendario/{nueva_clave}.ics")
    assert {e["estado"] for e in doc.eventos.values()} == {"CONFIRMED"}
    assert f"webcal://localhost/calendario/{nueva_clave}.ics" in cliente.get(f"/inscripcion/{persona['token']}").get_data(as_text=True)
    # Un token de gestión inventado no renueva nada
    assert cliente.post("/inscripcion/inventado/calendario/renovar", data={"csrf_token": token_de(html)}).status_code == 404


def test_inscripcion_cancelada_deja_sus_sesiones_canceladas(app, cliente, importar):
    from eventos.inscripciones import servicios

    slug = importar()
    persona = inscribir(app, slug, "mesa-b")
    ruta = f"/calendario/{persona['clave']}.ics"
    antes = ics(cliente, ruta)
    with app.app_context():
        servicios.cancelar(persona["id"])
        db.session.commit()
    despues = cliente.get(ruta, headers={"If-None-Match": antes.etag})
    assert despues.status_code == 200 and despues.headers["ETag"] != antes.etag
    doc = Documento(despues, MEXICO)
    assert set(doc.eventos) == set(antes.eventos)
    for uid, ev in doc.eventos.items():
        assert ev["estado"] == "CANCELLED"
        assert ev["secuencia"] > antes.eventos[uid]["secuencia"]
        assert (ev["inicio"], ev["titulo"]) == (antes.eventos[uid]["inicio"], antes.eventos[uid]["titulo"])


def test_reimportar_un_evento_borrado_no_reutiliza_su_calendario_personal(app, cliente, importar):
    """Borrar un evento e importarlo de nuevo (p. ej. para corregir el programa) puede dar los mismos
    id de evento y de mesa en SQLite y la misma versión 1: la caché del documento personal no debe
    devolver el del evento borrado."""
    slug = importar()
    primera = inscribir(app, slug, "mesa-a")
    assert ics(cliente, f"/calendario/{primera['clave']}.ics").por_clave("apertura")["titulo"] == "Apertura"
    borrar_evento(app, slug)

    def corregido(s):
        datos = programa_propio(s)
        datos["sesiones"][0]["titulo"] = "Apertura corregida"
        return datos

    importar(corregido, slug=slug)
    segunda = inscribir(app, slug, "mesa-a")
    doc = ics(cliente, f"/calendario/{segunda['clave']}.ics")
    assert doc.por_clave("apertura")["titulo"] == "Apertura corregida"
    with app.app_context():
        uids = {f"{s.uid}@eventos" for s in Evento.con_programa(slug).sesiones}
    assert set(doc.eventos) <= uids


def test_volver_a_inscribirse_tras_cancelar_no_baja_la_secuencia(app, cliente, importar):
    from eventos.inscripciones import servicios

    slug = importar()
    persona = inscribir(app, slug, "mesa-a")
    ruta = f"/calendario/{persona['clave']}.ics"
    with app.app_context():
        servicios.cancelar(persona["id"])
        db.session.commit()
    cancelado = ics(cliente, ruta)
    with app.test_request_context():
        evento_id = db.session.execute(select(Evento.id).where(Evento.slug == slug)).scalar_one()
        servicios.inscribir(evento_id, {"correo": persona["correo"], "nombre": "Carmen", "mesa_id": persona["mesa_id"]},
                            por_organizacion=True)
        db.session.commit()
    with app.app_context():
        assert db.session.get(Inscripcion, persona["id"]).clave_calendario == persona["clave"]
    de_nuevo = ics(cliente, ruta)
    for uid, ev in de_nuevo.eventos.items():
        assert ev["estado"] == "CONFIRMED"
        assert ev["secuencia"] > cancelado.eventos[uid]["secuencia"]


def test_calendario_personal_inexistente(cliente):
    respuesta = cliente.get("/calendario/no-existe-esta-clave.ics")
    assert respuesta.status_code == 404
    assert "renovado" in respuesta.get_data(as_text=True)


# --- Enlaces para añadir a Google Calendar y Outlook ---------------------------------------------
def _parametros(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_enlaces_para_agregar_en_utc_con_la_zona_del_evento(app):
    from eventos import calendario

    casos = (("gsef2021", "subtema-5", "20211008T140000Z/20211008T160000Z", "2021-10-08T14:00:00Z", "2021-10-08T16:00:00Z"),
             ("gobiernos-locales-en-accion", "inauguracion", "20210611T160000Z/20210611T161500Z",
              "2021-06-11T16:00:00Z", "2021-06-11T16:15:00Z"))
    for slug, clave, fechas, inicio, fin in casos:
        with app.test_request_context():
            evento = Evento.con_programa(slug)
            sesion = next(s for s in evento.sesiones if s.clave == clave)
            enlaces = calendario.enlaces_para_agregar(evento, sesion)
            titulo, lugar = sesion.titulo, calendario.lugar(evento, sesion)
        google = _parametros(enlaces["google"])
        assert enlaces["google"].startswith("https://calendar.google.com/calendar/render?")
        assert google["action"] == "TEMPLATE" and google["dates"] == fechas and google["ctz"] == MEXICO
        assert titulo in google["text"]
        assert google["details"] == f"http://localhost/eventos/{slug}/sesiones/{clave}"
        outlook = _parametros(enlaces["outlook"])
        assert enlaces["outlook"].startswith("https://outlook.live.com/calendar/0/action/compose?")
        assert (outlook["startdt"], outlook["enddt"]) == (inicio, fin)
        assert titulo in outlook["subject"] and outlook["location"] == lugar

    # La próxima edición del GSEF: misma hora local, sin horario de verano → 15:00 UTC
    with app.test_request_context():
        evento = Evento.con_programa(proxima_edicion("gsef2021"))
        sesion = next(s for s in evento.sesiones if s.clave == "subtema-5")
        google = _parametros(calendario.enlaces_para_agregar(evento, sesion)["google"])
        dia = sesion.inicio.astimezone(ZoneInfo(MEXICO)).date()
    assert google["dates"] == f"{dia:%Y%m%d}T150000Z/{dia:%Y%m%d}T170000Z"
    assert re.fullmatch(r"\d{8}T\d{6}Z/\d{8}T\d{6}Z", google["dates"])


def test_descargar_el_calendario_personal_no_oculta_las_sesiones_retiradas_del_suscrito(app, cliente, importar):
    """El archivo descargado, el adjunto del correo y la suscripción son el mismo documento: el que se
    genere primero no puede dejar fuera las sesiones eliminadas (que deben llegar como CANCELLED)."""
    slug = importar()
    persona = inscribir(app, slug, "mesa-a")
    with app.app_context():
        uid = sesion_de(slug, "cierre").uid
    con_evento(app, slug, lambda evento: db.session.delete(sesion_de(slug, "cierre")))
    assert cliente.get(f"/inscripcion/{persona['token']}/calendario.ics").status_code == 200
    suscrito = ics(cliente, f"/calendario/{persona['clave']}.ics")
    cancelado = suscrito.eventos[f"{uid}@eventos"]
    assert cancelado["estado"] == "CANCELLED"


def test_cambiar_el_nombre_de_una_persona_renueva_sus_sesiones_en_el_calendario(app, cliente, importar):
    slug = importar()
    ruta = f"/eventos/{slug}/calendario.ics"
    antes = ics(cliente, ruta)
    assert "Facilitadora Prueba" in antes.por_clave("apertura")["descripcion"]

    def renombrar(evento):
        persona = db.session.execute(select(Persona).where(Persona.evento_id == evento.id,
                                                           Persona.nombre == "Facilitadora Prueba")).scalar_one()
        persona.nombre = "Facilitadora Renombrada"
    con_evento(app, slug, renombrar)
    despues = ics(cliente, ruta)
    descripcion = despues.por_clave("apertura")["descripcion"]
    assert "Facilitadora Renombrada" in descripcion and "Facilitadora Prueba" not in descripcion
    assert despues.por_clave("apertura")["secuencia"] == antes.por_clave("apertura")["secuencia"] + 1
