"""Los formularios de la oficina en Chromium: el identificador se propone con el título hasta que se escribe a
mano, el buscador acorta la lista de zonas, el foco va al resumen de errores tras un envío fallido y el «Día»
de una sesión se lee entero (a 1280 y a 360 px). Cada página pasa axe-core."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db
from test_oficina_navegador import cuenta_admin  # noqa: F401

pytestmark = pytest.mark.navegador

TITULO = "Jornadas México–UE: cohesión social"


def escribir_al_final(campo, texto: str):
    campo.focus()
    campo.press("End")
    campo.press_sequentially(texto)


@pytest.fixture()
def pagina_nuevo_evento(nuevo_contexto, cuenta_admin):  # noqa: F811
    contexto = nuevo_contexto(locale="es-ES", timezone_id="America/Mexico_City", bypass_csp=True, viewport={"width": 1280, "height": 900})
    pagina, errores = entrar(contexto, cuenta_admin["correo"])
    pagina.goto("/organizacion/eventos/nuevo")
    yield pagina
    # Un envío con errores responde 400 (la consola lo anota); cualquier otro error de la página cuenta.
    assert [e for e in errores if "status of 400" not in e] == []


def test_el_identificador_se_propone_con_el_titulo_hasta_que_se_escribe_a_mano(pagina_nuevo_evento, ruta_axe):
    pagina = pagina_nuevo_evento
    titulo = pagina.get_by_label("Título", exact=True)
    identificador = pagina.get_by_label("Identificador en la dirección", exact=True)
    titulo.press_sequentially("Jornadas México–UE")
    expect(identificador).to_have_value("jornadas-mexico-ue")
    escribir_al_final(titulo, ": cohesión social")
    expect(identificador).to_have_value("jornadas-mexico-ue-cohesion-social")
    # A mano: el título ya no lo toca.
    identificador.fill("jornadas-2027")
    escribir_al_final(titulo, " y territorio")
    expect(titulo).to_have_value("Jornadas México–UE: cohesión social y territorio")
    expect(identificador).to_have_value("jornadas-2027")
    # Vacío otra vez: vuelve a proponerse.
    identificador.fill("")
    escribir_al_final(titulo, "!")
    expect(identificador).to_have_value("jornadas-mexico-ue-cohesion-social-y-territorio")
    comprobar_axe(pagina, ruta_axe, "nuevo evento")


def test_el_buscador_acorta_la_lista_de_zonas_y_se_guardan_las_elegidas(app, pagina_nuevo_evento, cuenta_admin,  # noqa: F811
                                                                        ruta_axe, artefactos):
    pagina = pagina_nuevo_evento
    lista = pagina.get_by_label("Zonas horarias adicionales", exact=True)
    buscador = pagina.get_by_label("Buscar una zona por ciudad o región", exact=True)
    visibles = "el => Array.from(el.options).filter(o => !o.hidden).map(o => o.value)"
    total = len(lista.evaluate(visibles))
    assert total > 300

    buscador.fill("montevideo")
    expect(pagina.get_by_text("1 zona coincide con la búsqueda.")).to_be_visible()
    assert lista.evaluate(visibles) == ["America/Montevideo"]
    lista.select_option(["America/Montevideo"])

    buscador.fill("Mexico")  # sin acento encuentra «Ciudad de México»
    expect(pagina.get_by_text(re.compile(r"^\d+ zonas coinciden con la búsqueda\.$"))).to_be_visible()
    mostradas = lista.evaluate(visibles)
    assert "America/Mexico_City" in mostradas and "America/Montevideo" in mostradas  # la elegida sigue a la vista
    assert len(mostradas) < 10

    buscador.fill("europa")  # el nombre de la región
    expect(pagina.get_by_text(re.compile(r"^\d+ zonas coinciden con la búsqueda\.$"))).to_be_visible()
    mostradas = lista.evaluate(visibles)
    assert "Europe/Madrid" in mostradas and all(z.startswith("Europe/") or z == "America/Montevideo" for z in mostradas)
    grupos_visibles = lista.evaluate("el => Array.from(el.querySelectorAll('optgroup')).filter(g => !g.hidden).map(g => g.label)")
    assert grupos_visibles == ["América", "Europa"]
    lista.select_option(["America/Montevideo", "Europe/Madrid"])
    buscador.press("Enter")  # no envía el formulario
    expect(pagina).to_have_url(re.compile(r"/organizacion/eventos/nuevo$"))
    pagina.locator(".campo-zonas").screenshot(path=str(artefactos / "oficina-zonas-adicionales.png"))
    comprobar_axe(pagina, ruta_axe, "nuevo evento con el buscador de zonas")

    buscador.fill("")
    assert len(lista.evaluate(visibles)) == total
    pagina.get_by_label("Título", exact=True).fill(TITULO)
    pagina.get_by_label("Identificador en la dirección", exact=True).fill(cuenta_admin["slug"])
    rellenar_fechas(pagina)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Guardar", exact=True).click()
    expect(pagina).to_have_url(re.compile(rf"/organizacion/eventos/{cuenta_admin['slug']}/$"))
    with app.app_context():
        from eventos.modelos import Evento
        evento = db.session.execute(select(Evento).where(Evento.slug == cuenta_admin["slug"])).scalar_one()
        assert evento.zonas_adicionales == ["America/Montevideo", "Europe/Madrid"]


def rellenar_fechas(pagina):
    pagina.get_by_label("Primer día", exact=True).fill("2027-11-02")
    pagina.get_by_label("Último día", exact=True).fill("2027-11-03")


def test_tras_un_envio_fallido_el_foco_va_al_resumen_de_errores(pagina_nuevo_evento, ruta_axe, artefactos):
    pagina = pagina_nuevo_evento
    pagina.get_by_label("Identificador en la dirección", exact=True).fill("Con Espacios")
    rellenar_fechas(pagina)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Guardar", exact=True).click()
    resumen = pagina.get_by_role("alert").filter(has=pagina.get_by_role("heading", name="Hay un problema"))
    expect(resumen).to_be_focused()
    enlaces = resumen.get_by_role("link")
    expect(enlaces).to_have_text(["Título: Este campo es obligatorio.",
                                  re.compile(r"^Identificador en la dirección: Solo minúsculas")])
    pagina.screenshot(path=str(artefactos / "oficina-resumen-de-errores.png"), full_page=False)
    comprobar_axe(pagina, ruta_axe, "nuevo evento con errores")
    enlaces.nth(1).click()
    expect(pagina.get_by_label("Identificador en la dirección", exact=True)).to_be_focused()
    enlaces.nth(0).click()
    expect(pagina.get_by_label("Título", exact=True)).to_be_focused()


@pytest.mark.parametrize("ancho", [1280, 360])
def test_el_dia_de_una_sesion_se_lee_entero(nuevo_contexto, cuenta_admin, ruta_axe, artefactos, ancho):  # noqa: F811
    contexto = nuevo_contexto(locale="es-ES", timezone_id="America/Mexico_City", bypass_csp=True, viewport={"width": ancho, "height": 800})
    pagina, errores = entrar(contexto, cuenta_admin["correo"])
    pagina.goto("/organizacion/eventos/gsef2021/sesiones/nueva")
    dia = pagina.get_by_label("Día", exact=True)
    expect(dia).to_be_visible()
    # El texto más largo de las opciones cabe en el cuadro (menos su relleno y la flecha).
    medidas = dia.evaluate("""el => {
        const estilo = getComputedStyle(el);
        const lienzo = document.createElement('canvas').getContext('2d');
        lienzo.font = estilo.font;
        const texto = Math.max(...Array.from(el.options).map(o => lienzo.measureText(o.text).width));
        const relleno = parseFloat(estilo.paddingLeft) + parseFloat(estilo.paddingRight);
        return {caja: el.clientWidth - relleno, texto: texto, opciones: Array.from(el.options).map(o => o.text)};
    }""")
    assert all(re.fullmatch(r"\w+, \d+ de \w+ de \d{4}", o) for o in medidas["opciones"]), medidas["opciones"]
    assert medidas["caja"] >= medidas["texto"] + 16, medidas  # 16 px: la flecha del selector
    assert pagina.evaluate("document.documentElement.scrollWidth") <= ancho
    pagina.screenshot(path=str(artefactos / f"oficina-sesion-dia-{ancho}.png"), full_page=False)
    comprobar_axe(pagina, ruta_axe, f"nueva sesión a {ancho} px")
    assert errores == []
