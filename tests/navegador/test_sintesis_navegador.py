"""La síntesis y el tablero en un navegador real: lo guardado por la API aparece en la matriz de la
organización, y el tablero abierto muestra una respuesta nueva sin recargar — con el texto inerte, sin
errores de la política de contenido ni infracciones graves de accesibilidad."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db
from eventos.mesas import servicios
from eventos.modelos import Evento, TokenApi, Usuario

pytestmark = pytest.mark.navegador


@pytest.fixture()
def mesas_api(app, evento_con_equipo):
    """Claves de API de las dos moderaciones y las preguntas de la guía común."""
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        claves = {}
        for rol in ("moderador", "moderador_otro"):
            usuario = db.session.execute(select(Usuario).where(Usuario.correo == evento_con_equipo["correos"][rol])).scalar_one()
            claves[rol] = TokenApi.crear(usuario, "navegador")[1]
        db.session.commit()
        preguntas = [p.id for p in servicios.matriz(evento).preguntas]
    return {**evento_con_equipo, "claves": claves, "preguntas": preguntas, "evento_id": evento.id}


def _guardar(app, datos, quien, mesa_id, pregunta, texto, puntos=(), version=0):
    r = app.test_client().put(f"/api/v1/mesas/{mesa_id}/respuestas/{datos['preguntas'][pregunta]}",
                              json={"texto": texto, "puntos_clave": list(puntos), "version": version},
                              headers={"Authorization": f"Bearer {datos['claves'][quien]}"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_la_sintesis_muestra_lo_guardado_por_la_api(app, nuevo_contexto, artefactos, mesas_api):
    _guardar(app, mesas_api, "moderador", mesas_api["mesa_id"], 0, "Acordamos **cooperación triangular**.",
             ["Mesa técnica anual"])
    _guardar(app, mesas_api, "moderador_otro", mesas_api["mesa_otra_id"], 0, "Más *intercambio* entre pares.")
    contexto = nuevo_contexto(locale="es-ES")
    pagina, errores = entrar(contexto, mesas_api["correos"]["organizador"])
    pagina.goto(f"/organizacion/eventos/{mesas_api['slug']}/sintesis")
    fila = pagina.locator(f'tr[data-pregunta="{mesas_api["preguntas"][0]}"]')
    expect(fila.locator(f'td[data-mesa="{mesas_api["mesa_id"]}"] strong')).to_have_text("cooperación triangular")
    expect(fila.locator(f'td[data-mesa="{mesas_api["mesa_id"]}"] .puntos-clave li')).to_have_text(["Mesa técnica anual"])
    expect(fila.locator(f'td[data-mesa="{mesas_api["mesa_otra_id"]}"] em')).to_have_text("intercambio")
    expect(pagina.locator("thead").get_by_role("columnheader")).to_have_count(6)  # la pregunta y las cinco mesas
    pagina.screenshot(path=str(artefactos / "sintesis.png"), full_page=False)
    assert not [e for e in errores if "Content Security Policy" in e], errores


def test_el_tablero_muestra_una_respuesta_nueva_sin_recargar(app, nuevo_contexto, artefactos, mesas_api):
    _guardar(app, mesas_api, "moderador", mesas_api["mesa_id"], 0, "Respuesta que ya estaba.")
    contexto = nuevo_contexto(locale="es-ES")
    pagina, errores = entrar(contexto, mesas_api["correos"]["organizador"])
    pagina.goto(f"/mesas/tablero/{mesas_api['slug']}")
    expect(pagina.get_by_text("Respuesta que ya estaba.")).to_be_visible()
    expect(pagina.get_by_text("En vivo")).to_be_visible()
    pagina.evaluate("window.__sinRecargar = true")
    tarjeta = pagina.locator(f'.tarjeta-tablero[data-mesa="{mesas_api["mesa_otra_id"]}"]'
                             f'[data-pregunta="{mesas_api["preguntas"][2]}"]')
    expect(tarjeta).to_be_hidden()

    _guardar(app, mesas_api, "moderador_otro", mesas_api["mesa_otra_id"], 2,
             "Nueva idea <img src=x onerror=\"window.__xss=1\"> con **énfasis**.",
             ["<script>window.__xss=2</script>", "Segundo punto"])
    expect(tarjeta).to_be_visible(timeout=15_000)
    expect(tarjeta.locator("strong")).to_have_text("énfasis")
    expect(tarjeta).to_contain_text('Nueva idea <img src=x onerror="window.__xss=1"> con')
    expect(tarjeta.locator(".puntos-clave li")).to_have_text(["<script>window.__xss=2</script>", "Segundo punto"])
    expect(tarjeta.locator("img, script")).to_have_count(0)
    expect(pagina.locator("[data-ultima]")).to_contain_text("Brechas de género")
    # Un segundo guardado de la misma respuesta la reemplaza (no la duplica).
    _guardar(app, mesas_api, "moderador_otro", mesas_api["mesa_otra_id"], 2, "Idea corregida.", version=1)
    expect(tarjeta).to_contain_text("Idea corregida.", timeout=15_000)
    expect(pagina.get_by_text("Idea corregida.")).to_have_count(1)
    assert pagina.evaluate("window.__sinRecargar") is True  # la misma página, no una recarga
    assert pagina.evaluate("window.__xss") is None
    pagina.screenshot(path=str(artefactos / "tablero.png"), full_page=False)
    assert not [e for e in errores if "Content Security Policy" in e], errores


def test_el_tablero_publico_y_la_sintesis_sin_infracciones_graves(app, nuevo_contexto, ruta_axe, mesas_api):
    _guardar(app, mesas_api, "moderador", mesas_api["mesa_id"], 0, "Texto para revisar el contraste.", ["Un punto"], )
    with app.app_context():
        db.session.get(Evento, mesas_api["evento_id"]).respuestas_publicadas = True
        db.session.commit()
    publico = nuevo_contexto(bypass_csp=True, locale="es-ES").new_page()
    publico.goto(f"/mesas/tablero/{mesas_api['slug']}")
    expect(publico.get_by_text("Texto para revisar el contraste.")).to_be_visible()
    comprobar_axe(publico, ruta_axe)
    pagina, _errores = entrar(nuevo_contexto(bypass_csp=True, locale="es-ES"), mesas_api["correos"]["organizador"])
    for ruta in ("sintesis", "sintesis/informe", "mesas/asignar"):
        pagina.goto(f"/organizacion/eventos/{mesas_api['slug']}/{ruta}")
        comprobar_axe(pagina, ruta_axe)
