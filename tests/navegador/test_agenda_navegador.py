"""La agenda en un navegador real: zona detectada y elegida, teclado, móvil y accesibilidad (axe-core)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apoyo_navegador import comprobar_axe

pytestmark = pytest.mark.navegador

MERCOCIUDADES = "/eventos/gobiernos-locales-en-accion/"
GSEF = "/eventos/gsef2021/"
JORNADAS = "/eventos/jornadas-mexico-ue/"


def esperar_deteccion_de_zona(pagina):
    """zona.js guarda la zona del navegador en una cookie y recarga una vez; la página recargada
    ya no tiene data-zona-sin-elegir="1"."""
    expect(pagina.locator("body")).to_have_attribute("data-zona-sin-elegir", "0")
    pagina.wait_for_load_state("load")


def filas_de_la_primera_sesion(pagina):
    return pagina.locator("li.sesion").first.locator(":scope > .horas > p.hora")


def test_zona_del_evento_y_cambio_a_tokio(nuevo_contexto, artefactos):
    contexto = nuevo_contexto(timezone_id="America/Mexico_City", locale="es-MX")
    pagina = contexto.new_page()
    pagina.goto(MERCOCIUDADES)
    esperar_deteccion_de_zona(pagina)
    assert {c["name"]: c["value"] for c in contexto.cookies()}.get("tz") == "America/Mexico_City"

    # La zona del navegador es la del evento: ninguna columna «su zona» adicional.
    filas = filas_de_la_primera_sesion(pagina)
    expect(filas).to_have_count(2)
    evento = filas.and_(pagina.locator("p.hora-evento"))
    expect(evento).to_have_count(1)
    expect(evento).to_contain_text("11:00")
    expect(evento).to_contain_text("Ciudad de México")
    expect(filas.filter(has_text="Montevideo")).to_contain_text("13:00")
    expect(pagina.locator("p.hora-visitante:not(.hora-evento)")).to_have_count(0)

    # Elegir Tokio en el formulario (GET) añade una columna; la del evento sigue ahí.
    pagina.locator("select#tz").select_option("Asia/Tokyo")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Mostrar").click()
    assert re.search(r"[?&]tz=Asia%2FTokyo\b", pagina.url), pagina.url

    def comprobar_tokio():
        filas = filas_de_la_primera_sesion(pagina)
        expect(filas.and_(pagina.locator("p.hora-evento"))).to_contain_text("11:00")
        tokio = filas.and_(pagina.locator("p.hora-visitante"))
        expect(tokio).to_have_count(1)
        expect(tokio).to_contain_text("01:00")
        expect(tokio).to_contain_text("Tokio")
        expect(tokio.locator("span.otro-dia")).to_have_count(1)
        expect(tokio.locator("span.otro-dia")).to_contain_text("sáb 12 jun")  # 11:00 del viernes 11 en México

    comprobar_tokio()

    # Sin ?tz, la cookie recuerda la zona elegida.
    pagina.goto(MERCOCIUDADES)
    assert "tz=" not in pagina.url
    comprobar_tokio()
    pagina.screenshot(path=str(artefactos / "agenda-zona-tokio.png"), full_page=True)
    assert (artefactos / "agenda-zona-tokio.png").stat().st_size > 0


def test_zona_detectada_en_el_navegador(nuevo_contexto):
    contexto = nuevo_contexto(timezone_id="Europe/Madrid", locale="es-ES")
    assert contexto.cookies() == []
    pagina = contexto.new_page()
    pagina.goto(GSEF)
    esperar_deteccion_de_zona(pagina)
    madrid = pagina.locator("p.hora-visitante").filter(has_text="16:00–18:00")
    expect(madrid.first).to_be_visible()
    expect(madrid.first).to_contain_text("Madrid")
    expect(pagina.locator("p.leyenda-zonas").first).to_contain_text("detectada en su navegador")


def test_enlace_para_saltar_al_contenido_con_teclado(nuevo_contexto):
    pagina = nuevo_contexto(timezone_id="America/Mexico_City", locale="es-MX").new_page()
    pagina.goto(MERCOCIUDADES)
    esperar_deteccion_de_zona(pagina)
    pagina.keyboard.press("Tab")
    enfocado = pagina.evaluate("({texto: document.activeElement.textContent.trim(),"
                               " href: document.activeElement.getAttribute('href')})")
    assert enfocado == {"texto": "Saltar al contenido", "href": "#contenido"}
    expect(pagina.locator("a.saltar")).to_be_visible()  # visible al recibir el foco
    pagina.keyboard.press("Enter")
    pagina.wait_for_function("location.hash === '#contenido'")
    assert pagina.evaluate("location.hash") == "#contenido"
    assert pagina.evaluate("document.activeElement.id") == "contenido"


def test_pagina_de_evento_en_movil_sin_desplazamiento_horizontal(nuevo_contexto, artefactos):
    contexto = nuevo_contexto(viewport={"width": 375, "height": 740}, device_scale_factor=2,
                              is_mobile=True, has_touch=True, locale="es-ES",
                              timezone_id="Europe/Madrid")
    pagina = contexto.new_page()
    pagina.goto(JORNADAS)
    esperar_deteccion_de_zona(pagina)  # con la columna de la zona del visitante, la más ancha
    pagina.screenshot(path=str(artefactos / "evento-movil.png"), full_page=True)
    ancho = pagina.evaluate("document.documentElement.scrollWidth")
    if ancho > 375:
        anchos = pagina.evaluate("""[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 375.5)
            .slice(0, 10).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                                   + ' → ' + Math.round(e.getBoundingClientRect().right) + 'px')""")
        pytest.fail(f"La página mide {ancho}px de ancho en un móvil de 375px; sobresalen: {anchos}")


@pytest.mark.parametrize("ruta", [
    "/",
    JORNADAS,
    "/eventos/gobiernos-locales-en-accion/sesiones/panel-1",
    "/eventos/gsef2021/sesiones/subtema-5",
])
def test_sin_infracciones_graves_de_accesibilidad(nuevo_contexto, servidor, ruta_axe, ruta):
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", timezone_id="Europe/Madrid")
    # Zona ya detectada: la página incluye la columna del visitante y no se recarga durante el análisis.
    contexto.add_cookies([{"name": "tz", "value": "Europe/Madrid", "url": servidor},
                          {"name": "tz_detectada", "value": "1", "url": servidor}])
    pagina = contexto.new_page()
    pagina.goto(ruta)
    comprobar_axe(pagina, ruta_axe, ruta)
