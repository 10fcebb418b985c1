"""Comunicaciones: recordatorios antes de las sesiones de cada persona (con el reloj movido), segmentos de los
anuncios, la baja de anuncios (RFC 8058), marcadores y avisos de cambios del programa."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from apoyo_inscripciones import (URL_REUNION_SESION, ZONA_EVENTO, inscribir, inscripcion_de, mensajes_para, texto_de,
                                 html_de, unico)
from eventos import correo
from eventos.comunicaciones import servicios
from eventos.extensiones import db
from eventos.modelos import Anuncio, Asistencia, CorreoSaliente, Inscripcion, Recordatorio, Sesion

pytestmark = pytest.mark.reloj


def _inscribir(app, cliente, evento, cuantas, zona_horaria=None, idioma=None, **cambios) -> list[str]:
    """Personas inscritas por el formulario; con otra zona o idioma (los que la página les habría dado)."""
    correos = [unico("com") for _ in range(cuantas)]
    for direccion in correos:
        assert inscribir(cliente, evento.slug, direccion, **cambios).status_code == 302
    with app.app_context():
        for direccion in correos:
            inscripcion = db.session.get(Inscripcion, inscripcion_de(app, evento, direccion).id)
            inscripcion.zona_horaria = zona_horaria or inscripcion.zona_horaria
            inscripcion.idioma = idioma or inscripcion.idioma
        db.session.commit()
    return correos


def _recordatorio(app, evento, minutos, asunto="Mañana: {sesion}", texto="Hola {nombre}: {sesion} a las {hora_persona}."):
    with app.app_context():
        recordatorio = Recordatorio(evento_id=evento.id, minutos_antes=minutos, idioma="es",
                                    textos={"es": {"asunto": asunto, "texto": texto},
                                            "en": {"asunto": "Tomorrow: {sesion}", "texto": "Hi {nombre}: {sesion}."}})
        db.session.add(recordatorio)
        db.session.commit()
        return recordatorio.id


def _ronda(app) -> tuple[int, int]:
    """Lo que hace el proceso de correo en cada vuelta."""
    with app.app_context():
        return correo.programar_y_entregar(limite=500)


def _recordatorios_para(app, direccion) -> list:
    return [m for m in mensajes_para(app, direccion) if m["Subject"].startswith(("Mañana", "Tomorrow"))]


def _inicio(app, evento, clave) -> datetime:
    with app.app_context():
        return db.session.get(Sesion, evento.sesiones[clave]).inicio


def test_recordatorio_sale_una_vez_por_persona_y_sesion_en_su_momento(app, cliente, eventos_prueba):
    evento = eventos_prueba(mesas=[("a", None), ("b", None)], en_dias=3)
    de_a = _inscribir(app, cliente, evento, 2, mesa=str(evento.mesas["a"]), zona_horaria="Asia/Tokyo")
    de_b = _inscribir(app, cliente, evento, 1, mesa=str(evento.mesas["b"]), idioma="en")
    _recordatorio(app, evento, 24 * 60)
    apertura = _inicio(app, evento, "apertura")
    trabajo = _inicio(app, evento, "trabajo")

    with time_machine.travel(apertura - timedelta(hours=24, minutes=1), tick=False):
        _ronda(app)
    assert all(_recordatorios_para(app, d) == [] for d in de_a + de_b), "un minuto antes de su momento, nada"

    with time_machine.travel(apertura - timedelta(hours=24), tick=False):
        _ronda(app)
        _ronda(app)  # una segunda vuelta (u otro proceso) no anota nada más
    for direccion in de_a + de_b:
        assert len(_recordatorios_para(app, direccion)) == 1
    mensaje = _recordatorios_para(app, de_a[0])[0]
    assert mensaje["Subject"] == "Mañana: Sesión de apertura"
    local_tokio = apertura.astimezone(ZoneInfo("Asia/Tokyo"))
    local_evento = apertura.astimezone(ZoneInfo(ZONA_EVENTO))
    assert f"{local_tokio:%H:%M}" in texto_de(mensaje) and f"{local_evento:%H:%M}" in texto_de(mensaje)
    assert "Tokio" in texto_de(mensaje) and "Ciudad de México" in texto_de(mensaje)
    assert any(parte.get_filename() == f"{evento.slug}.ics" for parte in mensaje.iter_attachments())
    assert _recordatorios_para(app, de_b[0])[0]["Subject"] == "Tomorrow: Sesión de apertura", "en su idioma"

    with time_machine.travel(trabajo - timedelta(hours=24), tick=False):
        _ronda(app)
    # La sesión de mesas es de todas las mesas del evento: cada persona recibe su recordatorio.
    assert all(len(_recordatorios_para(app, d)) == 2 for d in de_a + de_b)


def test_quien_se_confirma_despues_de_la_ronda_tambien_recibe_su_recordatorio(app, cliente, eventos_prueba):
    evento = eventos_prueba(en_dias=3)
    (primera,) = _inscribir(app, cliente, evento, 1)
    _recordatorio(app, evento, 24 * 60)
    apertura = _inicio(app, evento, "apertura")
    with time_machine.travel(apertura - timedelta(hours=24), tick=False):
        _ronda(app)
    with time_machine.travel(apertura - timedelta(hours=20), tick=False):
        (tardia,) = _inscribir(app, cliente, evento, 1)
    with time_machine.travel(apertura - timedelta(hours=19), tick=False):
        _ronda(app)
        _ronda(app)
    for direccion in (primera, tardia):  # una vez cada sesión (la de mesas también tocaba ya: 22 h 30 min antes)
        asuntos = sorted(m["Subject"] for m in _recordatorios_para(app, direccion))
        assert asuntos == ["Mañana: Sesión de apertura", "Mañana: Trabajo en mesas"]


def test_sin_recordatorio_tras_cancelar_para_sesion_retirada_ni_antes_de_crearlo(app, cliente, eventos_prueba):
    evento = eventos_prueba(en_dias=3)
    sigue, cancela = _inscribir(app, cliente, evento, 2)
    apertura = _inicio(app, evento, "apertura")
    # Creado cuando ya pasó el momento de las 24 h: ese envío no se hace (sí el de la sesión siguiente).
    with time_machine.travel(apertura - timedelta(hours=23), tick=False):
        _recordatorio(app, evento, 24 * 60)
        _ronda(app)
    assert _recordatorios_para(app, sigue) == []

    with app.app_context():
        from eventos.inscripciones import servicios as inscripciones
        inscripciones.cancelar(inscripcion_de(app, evento, cancela).id)
        db.session.delete(db.session.get(Sesion, evento.sesiones["trabajo"]))
        db.session.commit()
    trabajo = apertura + timedelta(minutes=90)
    with time_machine.travel(trabajo - timedelta(hours=1), tick=False):
        _ronda(app)
    assert _recordatorios_para(app, sigue) == [] and _recordatorios_para(app, cancela) == []


def test_recordatorio_anotado_no_sale_si_la_persona_cancela_antes_de_la_entrega(app, cliente, eventos_prueba):
    evento = eventos_prueba(en_dias=3)
    (direccion,) = _inscribir(app, cliente, evento, 1)
    _recordatorio(app, evento, 60)
    apertura = _inicio(app, evento, "apertura")
    with time_machine.travel(apertura - timedelta(minutes=59), tick=False), app.app_context():
        assert servicios.programar_recordatorios() == 1
        from eventos.inscripciones import servicios as inscripciones
        inscripciones.cancelar(inscripcion_de(app, evento, direccion).id)
        db.session.commit()
        correo.entregar_pendientes(limite=500)
        estado = db.session.execute(select(CorreoSaliente.estado).where(
            CorreoSaliente.tipo == "recordatorio", CorreoSaliente.evento_id == evento.id)).scalar_one()
    assert estado == "anulado"
    assert _recordatorios_para(app, direccion) == []


def test_recordatorio_de_sesion_en_linea_lleva_el_enlace_personal(app, cliente, eventos_prueba):
    evento = eventos_prueba(modalidad="virtual", enlace_sesion=URL_REUNION_SESION, en_dias=3)
    (direccion,) = _inscribir(app, cliente, evento, 1)
    _recordatorio(app, evento, 60)
    with time_machine.travel(_inicio(app, evento, "trabajo") - timedelta(minutes=30), tick=False):
        _ronda(app)
    (mensaje,) = _recordatorios_para(app, direccion)
    assert re.search(r"http://localhost/inscripcion/[^/\s]+/entrar", texto_de(mensaje))
    assert URL_REUNION_SESION not in texto_de(mensaje), "el enlace es el personal, no el de la sala"


def _segmento(app, evento, tipo, **extra) -> set[str]:
    with app.app_context():
        from eventos.modelos import Evento
        ev = db.session.get(Evento, evento.id)
        segmento = servicios.segmento_de(ev, tipo, **extra)
        cuantas = servicios.contar(ev, segmento)
        anuncio = Anuncio(evento=ev, segmento=segmento, idioma="es",
                          textos={"es": {"asunto": "Aviso {nombre}", "texto": "Texto para {nombre}"}})
        db.session.add(anuncio)
        assert servicios.enviar(anuncio) == cuantas
        destinatarios = set(db.session.execute(select(CorreoSaliente.destinatario)
                                               .where(CorreoSaliente.anuncio_id == anuncio.id)).scalars())
        db.session.rollback()
        return destinatarios


def test_cada_segmento_llega_a_quien_debe(app, cliente, eventos_prueba):
    evento = eventos_prueba(cupo=4, mesas=[("a", None), ("b", None)], modalidad="hibrida")
    a1, a2 = _inscribir(app, cliente, evento, 2, mesa=str(evento.mesas["a"]), modalidad="presencial")
    (b1,) = _inscribir(app, cliente, evento, 1, mesa=str(evento.mesas["b"]), modalidad="en_linea")
    (baja,) = _inscribir(app, cliente, evento, 1, mesa=str(evento.mesas["b"]), modalidad="presencial")
    espera = _inscribir(app, cliente, evento, 2, mesa=str(evento.mesas["a"]), modalidad="presencial")
    with app.app_context():
        ids = {d: inscripcion_de(app, evento, d).id for d in (a1, a2, b1, baja, *espera)}
        db.session.add_all([Asistencia(evento_id=evento.id, inscripcion_id=ids[a1], origen="qr"),
                            Asistencia(evento_id=evento.id, inscripcion_id=ids[b1], origen="en_linea")])
        db.session.get(Inscripcion, ids[baja]).sin_anuncios_en = datetime.now().astimezone()
        db.session.commit()

    assert _segmento(app, evento, "confirmadas") == {a1, a2, b1}
    assert _segmento(app, evento, "en_espera") == set(espera)
    assert _segmento(app, evento, "mesas", mesas=[evento.mesas["b"]]) == {b1}
    assert _segmento(app, evento, "asistieron") == {a1, b1}
    assert _segmento(app, evento, "asistieron_presencial") == {a1}
    assert _segmento(app, evento, "asistieron_en_linea") == {b1}
    assert _segmento(app, evento, "no_asistieron") == {a2}
    assert _segmento(app, evento, "seleccion", ids=[ids[a2], ids[espera[0]], ids[baja]]) == {a2, espera[0]}
    assert _segmento(app, evento, "pendientes") == set()
    with pytest.raises(servicios.DatosInvalidos):
        _segmento(app, evento, "mesas", mesas=[])


def test_baja_de_anuncios_con_un_clic_y_los_recordatorios_siguen(app, cliente, eventos_prueba):
    evento = eventos_prueba(en_dias=3)
    (direccion,) = _inscribir(app, cliente, evento, 1)
    _segmento_y_entrega(app, evento)
    (anuncio,) = [m for m in mensajes_para(app, direccion) if m["Subject"].startswith("Aviso")]
    enlace = re.search(r"<(http://localhost/anuncios/baja/[^>]+)>", anuncio["List-Unsubscribe"]).group(1)
    assert anuncio["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert enlace in texto_de(anuncio)
    ruta = enlace.removeprefix("http://localhost")
    assert cliente.get(ruta).status_code == 200
    assert inscripcion_de(app, evento, direccion).sin_anuncios_en is None, "abrir el enlace no da de baja"
    # Como un proveedor de correo (RFC 8058): POST sin token CSRF ni cookies.
    respuesta = cliente.post(ruta, data={"List-Unsubscribe": "One-Click"})
    assert respuesta.status_code == 200
    assert inscripcion_de(app, evento, direccion).sin_anuncios_en is not None
    assert cliente.post(ruta.replace("baja/", "baja/x")).status_code == 404

    assert _segmento(app, evento, "confirmadas") == set()
    _recordatorio(app, evento, 60)
    with time_machine.travel(_inicio(app, evento, "apertura") - timedelta(minutes=30), tick=False):
        _ronda(app)
    assert len(_recordatorios_para(app, direccion)) == 1


def _segmento_y_entrega(app, evento, textos=None):
    with app.app_context():
        from eventos.modelos import Evento
        ev = db.session.get(Evento, evento.id)
        anuncio = Anuncio(evento=ev, segmento={"tipo": "confirmadas"}, idioma="es",
                          textos=textos or {"es": {"asunto": "Aviso {nombre}", "texto": "Texto para {nombre}"}})
        db.session.add(anuncio)
        servicios.enviar(anuncio)
        db.session.commit()
        correo.entregar_pendientes(limite=500)


def test_el_marcado_escrito_por_la_organizacion_es_inerte(app, cliente, eventos_prueba):
    evento = eventos_prueba()
    (direccion,) = _inscribir(app, cliente, evento, 1)
    with app.app_context():  # el formulario no admite «<» en un nombre; una importación antigua, quizá sí
        db.session.get(Inscripcion, inscripcion_de(app, evento, direccion).id).nombre = "<b>Ana</b>"
        db.session.commit()
    _segmento_y_entrega(app, evento, {"es": {"asunto": "Aviso <script>", "texto":
                                             "<img src=x onerror=alert(1)> para {nombre}\nhttps://ejemplo.org/a?b=1&c=2"}})
    (mensaje,) = [m for m in mensajes_para(app, direccion) if m["Subject"].startswith("Aviso")]
    html = html_de(mensaje)
    assert "<img" not in html and "<b>Ana" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; para &lt;b&gt;Ana&lt;/b&gt;" in html
    assert '<a href="https://ejemplo.org/a?b=1&amp;c=2">' in html


@pytest.mark.parametrize("texto", ["{nombre.__class__}", "{0}", "{nombre!r}", "{desconocido}", "{nombre", "{sesion}"])
def test_marcadores_desconocidos_o_peligrosos_se_rechazan(texto):
    with pytest.raises(servicios.DatosInvalidos):
        servicios.validar_textos({"es": {"asunto": "A", "texto": texto}}, servicios.MARCADORES)


def test_aviso_de_cambios_a_quien_tiene_la_sesion_y_con_las_dos_horas(app, cliente, eventos_prueba):
    evento = eventos_prueba(mesas=[("a", None), ("b", None)], en_dias=5)
    (de_a,) = _inscribir(app, cliente, evento, 1, mesa=str(evento.mesas["a"]), zona_horaria="Europe/Madrid")
    (de_b,) = _inscribir(app, cliente, evento, 1, mesa=str(evento.mesas["b"]))
    with app.app_context():
        from eventos.modelos import Evento
        ev = db.session.get(Evento, evento.id)
        assert servicios.cambios_pendientes(ev) == []
        trabajo = db.session.get(Sesion, evento.sesiones["trabajo"])
        trabajo.inicio += timedelta(hours=1)
        trabajo.fin += timedelta(hours=1)
        trabajo.sala = "Sala Nueva"
        db.session.commit()
        (cambio,) = servicios.cambios_pendientes(ev)
        assert set(cambio.campos) == {"inicio", "fin", "sala"}
        anuncio = servicios.avisar_cambios(ev, "", "es", None)
        db.session.commit()
        assert servicios.cambios_pendientes(ev) == [], "avisado: ya no está pendiente"
        correo.entregar_pendientes(limite=500)
        assert anuncio.destinatarios == 2
    for direccion in (de_a, de_b):
        (mensaje,) = [m for m in mensajes_para(app, direccion) if m["Subject"].startswith("Cambios")]
        assert "Sala Nueva" in texto_de(mensaje) and "12:30–14:00" in texto_de(mensaje)
    assert "Madrid" in texto_de([m for m in mensajes_para(app, de_a) if m["Subject"].startswith("Cambios")][0])
