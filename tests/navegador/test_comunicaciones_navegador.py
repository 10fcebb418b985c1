"""Comunicaciones en un navegador real: la organizadora escribe un anuncio a UNA mesa, mira la vista previa
(con el correo de una persona real) y lo envía; a cada persona de esa mesa le llega con su propio enlace
personal, y a las de la otra mesa nada. El compositor, también en un teléfono de 360 px, sin infracciones
graves de accesibilidad.

Campos por su etiqueta y botones por su nombre accesible, como lo haría una persona."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from apoyo_inscripciones import inscribir, mensajes_para, texto_de, unico
from apoyo_navegador import comprobar_axe, entrar as entrar_en_navegador
from test_organizacion_comunicaciones import oficina  # noqa: F401  (fixture: evento con mesas a y b y su organizadora)

pytestmark = pytest.mark.navegador

ASUNTO = "Cambio de sala para {nombre}"
TEXTO = "Hola, {nombre}: la mesa se reúne en la Sala Norte. Su programa: {enlace}"
RE_ENLACE = re.compile(r"https?://[^/\s]+/inscripcion/([A-Za-z0-9_.\-]+)(?=\s|$)", re.MULTILINE)


def _inscribir(app, evento, mesa: str, cuantas: int, nombre: str = "Ana") -> list[str]:
    publico = app.test_client()
    correos = [unico(f"nav-{mesa}") for _ in range(cuantas)]
    for direccion in correos:
        assert inscribir(publico, evento.slug, direccion, mesa=str(evento.mesas[mesa]), nombre=nombre).status_code == 302
    return correos


def _esperar_correo(app, direccion: str, asunto: str, segundos: float = 10):
    """El correo de ese asunto para esa persona (el cartero lo entrega justo después de responder)."""
    limite = time.monotonic() + segundos
    while True:
        encontrados = [m for m in mensajes_para(app, direccion) if m["Subject"].startswith(asunto)]
        if encontrados or time.monotonic() > limite:
            return encontrados
        time.sleep(0.1)


def _token_personal(app, direccion) -> str:
    (confirmacion,) = _esperar_correo(app, direccion, "Inscripción confirmada")
    return RE_ENLACE.search(texto_de(confirmacion)).group(1)


def _escribir_anuncio_a_la_mesa(pagina, mesa: str):
    pagina.get_by_label("Personas confirmadas de una o varias mesas", exact=True).check()
    pagina.get_by_label(mesa, exact=True).check()
    pagina.get_by_label("Asunto (español)").fill(ASUNTO)
    pagina.get_by_label("Texto (español)").fill(TEXTO)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Vista previa").click()


def test_anuncio_a_una_mesa_con_vista_previa_y_envio(app, nuevo_contexto, artefactos, oficina):  # noqa: F811
    evento = oficina.evento
    de_a = _inscribir(app, evento, "a", 2)
    (de_b,) = _inscribir(app, evento, "b", 1)
    contexto = nuevo_contexto(locale="es-ES")
    pagina, errores = entrar_en_navegador(contexto, oficina.organizador)
    pagina.goto(f"/organizacion/eventos/{evento.slug}/inscripciones")
    with pagina.expect_navigation():
        pagina.get_by_role("navigation", name="Secciones del evento").get_by_role("link", name="Comunicaciones").click()
    with pagina.expect_navigation():
        pagina.get_by_role("link", name="Nuevo anuncio").click()

    _escribir_anuncio_a_la_mesa(pagina, "Mesa a")
    vista = pagina.get_by_role("region", name="Vista previa")
    expect(vista).to_contain_text("Este mensaje llegará a 2 personas.")
    expect(vista).to_contain_text(de_a[0])
    expect(vista).to_contain_text("Cambio de sala para Ana")
    correo_html = pagina.frame_locator("iframe[title='Vista previa del correo en HTML']")
    expect(correo_html.get_by_text("la mesa se reúne en la Sala Norte")).to_be_visible()
    expect(correo_html.get_by_role("link", name="Su página personal")).to_be_visible()
    pagina.screenshot(path=str(artefactos / "comunicaciones-vista-previa.png"), full_page=True)

    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Enviar a 2 personas").click()
    expect(pagina.get_by_role("status")).to_contain_text("Anuncio enviado a 2 personas.")
    historial = pagina.get_by_role("region", name="Mensajes enviados", exact=True)
    expect(historial).to_contain_text("Cambio de sala para {nombre}")

    for direccion in de_a:
        (mensaje,) = _esperar_correo(app, direccion, "Cambio de sala para Ana")
        texto = texto_de(mensaje)
        assert "la mesa se reúne en la Sala Norte" in texto
        assert RE_ENLACE.search(texto).group(1) == _token_personal(app, direccion), "su propio enlace personal"
    assert _esperar_correo(app, de_b, "Cambio de sala", segundos=1) == []
    assert not errores, errores  # ni la política de contenido ni JavaScript se quejaron (tampoco en la vista previa)


def test_compositor_accesible_y_en_360_px(app, nuevo_contexto, ruta_axe, artefactos, oficina):  # noqa: F811
    _inscribir(app, oficina.evento, "a", 1)
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", viewport={"width": 360, "height": 740})
    pagina, _ = entrar_en_navegador(contexto, oficina.organizador)
    pagina.goto(f"/organizacion/eventos/{oficina.evento.slug}/comunicaciones/anuncio")
    comprobar_axe(pagina, ruta_axe, "el compositor de anuncios")

    _escribir_anuncio_a_la_mesa(pagina, "Mesa a")
    expect(pagina.get_by_role("button", name="Enviar a 1 persona")).to_be_visible()
    assert pagina.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "desborda a 360 px"
    pagina.screenshot(path=str(artefactos / "comunicaciones-360.png"), full_page=True)
    comprobar_axe(pagina, ruta_axe, "el compositor con la vista previa")

    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Enviar a 1 persona").click()
    expect(pagina.get_by_role("region", name="Mensajes enviados", exact=True)).to_be_visible()
    assert pagina.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "desborda a 360 px"
    pagina.screenshot(path=str(artefactos / "comunicaciones-historial-360.png"), full_page=True)
    comprobar_axe(pagina, ruta_axe, "la página de comunicaciones")


def test_escribir_a_personas_elegidas_en_la_lista(app, nuevo_contexto, ruta_axe, oficina):  # noqa: F811
    (beatriz,) = _inscribir(app, oficina.evento, "a", 1, nombre="Beatriz")
    (carlos,) = _inscribir(app, oficina.evento, "a", 1, nombre="Carlos")
    (dora,) = _inscribir(app, oficina.evento, "b", 1, nombre="Dora")
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES")
    pagina, _ = entrar_en_navegador(contexto, oficina.organizador)
    pagina.goto(f"/organizacion/eventos/{oficina.evento.slug}/inscripciones")
    comprobar_axe(pagina, ruta_axe, "la lista de inscripciones con casillas")
    pagina.get_by_label("Elegir a Beatriz Pruebas").check()
    pagina.get_by_label("Elegir a Dora Pruebas").check()
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Escribir a las elegidas").click()

    expect(pagina.get_by_role("radio", name=re.compile(r"^Una selección de la lista de inscripciones"))).to_be_checked()
    pagina.get_by_label("Asunto (español)").fill(ASUNTO)
    pagina.get_by_label("Texto (español)").fill(TEXTO)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Vista previa").click()
    expect(pagina.get_by_role("region", name="Vista previa")).to_contain_text("Este mensaje llegará a 2 personas.")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Enviar a 2 personas").click()
    expect(pagina.get_by_role("status")).to_contain_text("Anuncio enviado a 2 personas.")
    assert len(_esperar_correo(app, beatriz, "Cambio de sala para Beatriz")) == 1
    assert len(_esperar_correo(app, dora, "Cambio de sala para Dora")) == 1
    assert _esperar_correo(app, carlos, "Cambio de sala", segundos=1) == []
