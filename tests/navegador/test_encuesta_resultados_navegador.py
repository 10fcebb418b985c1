"""Los resultados de la encuesta en un navegador real: sin infracciones graves de accesibilidad ni errores de la
política de contenido; filtrar con el formulario (sin JavaScript) cambia los números; y al imprimir no salen
el menú de la oficina ni los filtros, pero sí los gráficos y sus tablas."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db
from eventos.modelos import Evento, Mesa
from test_encuesta_resultados import _poblar

pytestmark = pytest.mark.navegador


@pytest.fixture()
def con_respuestas(app, evento_con_equipo):
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        mesas = {"a": evento_con_equipo["mesa_id"], "b": evento_con_equipo["mesa_otra_id"]}
        datos = _poblar(evento.id, mesas, anonima=True)
        datos["mesa_a"] = db.session.get(Mesa, mesas["a"]).nombre
        db.session.commit()
    return {**evento_con_equipo, **datos}


def test_resultados_accesibles_filtrables_sin_javascript_e_imprimibles(nuevo_contexto, artefactos, ruta_axe,
                                                                      con_respuestas):
    ruta = f"/organizacion/eventos/{con_respuestas['slug']}/encuesta/resultados"
    pagina, errores = entrar(nuevo_contexto(locale="es-ES"), con_respuestas["correos"]["organizador"])
    pagina.goto(ruta)
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Resultados de la encuesta")
    expect(pagina.get_by_role("img", name="Distribución de las valoraciones de 1 a 5: Utilidad")).to_be_visible()
    pagina.screenshot(path=str(artefactos / "encuesta_resultados.png"), full_page=True)
    assert not [e for e in errores if "Content Security Policy" in e], errores
    pagina, _ = entrar(nuevo_contexto(locale="es-ES", bypass_csp=True), con_respuestas["correos"]["organizador"])
    pagina.goto(ruta)  # axe-core se inyecta como script en línea: solo aquí se salta la política de contenido
    comprobar_axe(pagina, ruta_axe, "los resultados de la encuesta")

    sin_js = nuevo_contexto(locale="es-ES", java_script_enabled=False)
    pagina, _ = entrar(sin_js, con_respuestas["correos"]["organizador"])
    pagina.goto(ruta)
    pagina.get_by_label("Mesa", exact=True).select_option(label=con_respuestas["mesa_a"])
    pagina.get_by_role("button", name="Filtrar").click()
    expect(pagina.locator(".tasa-respuesta")).to_contain_text("respondieron 4 de 5")
    pagina.emulate_media(media="print")  # la página de la oficina también se imprime sin menú ni filtros
    expect(pagina.locator(".menu-evento")).to_be_hidden()
    expect(pagina.locator(".filtros-encuesta")).to_be_hidden()
    expect(pagina.locator("svg.grafico-barras").first).to_be_visible()
    pagina.emulate_media(media="screen")

    pagina.get_by_role("link", name="Informe para imprimir").click()
    pagina.emulate_media(media="print")
    expect(pagina.locator(".tasa-respuesta")).to_contain_text("respondieron 4 de 5")
    expect(pagina.locator("header.sitio")).to_be_hidden()
    expect(pagina.locator(".cabecera-impresa .acciones")).to_be_hidden()
    expect(pagina.locator("svg.grafico-barras").first).to_be_visible()
    expect(pagina.locator(".grafico-encuesta table").first).to_be_visible()
    pagina.screenshot(path=str(artefactos / "encuesta_resultados_impresion.png"), full_page=True)
