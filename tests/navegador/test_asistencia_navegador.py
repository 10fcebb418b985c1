"""La página de asistencia en un navegador real: las cifras se ponen al día solas (sin recargar) cuando
alguien se acredita en la puerta, sin errores de la política de contenido ni infracciones graves de
accesibilidad; y la página de claves de API muestra la clave nueva una vez."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo import entrar, token_csrf
from apoyo_navegador import comprobar_axe, entrar as entrar_en_navegador
from eventos.extensiones import db
from eventos.modelos import Inscripcion
from test_asistencia_organizacion import puerta  # noqa: F401  (fixture: evento con llegadas y su equipo)

pytestmark = pytest.mark.navegador


def test_las_cifras_se_actualizan_sin_recargar(app, nuevo_contexto, artefactos, puerta):  # noqa: F811
    contexto = nuevo_contexto(locale="es-ES", timezone_id="America/Mexico_City")
    pagina, errores = entrar_en_navegador(contexto, puerta["correos"]["acreditador"])
    pagina.goto(f"{puerta['base']}/asistencia")
    acreditadas = pagina.locator('[data-valor="acreditadas"]')
    expect(acreditadas).to_have_text("4")
    pagina.evaluate("window.__sinRecargar = true")

    with app.app_context():
        dario_id = db.session.execute(select(Inscripcion.id).where(
            Inscripcion.evento_id == puerta["evento"].id, Inscripcion.nombre == "Dario")).scalar_one()
    puerta_cliente = app.test_client()  # alguien entra por la puerta (a mano, desde el escáner)
    entrar(puerta_cliente, puerta["correos"]["acreditador"])
    r = puerta_cliente.post(f"/api/v1/eventos/{puerta['evento'].slug}/acreditacion", json={"inscripcion_id": dario_id},
                            headers={"X-CSRFToken": token_csrf(puerta_cliente)})
    assert r.get_json()["resultado"] == "aceptado"

    expect(acreditadas).to_have_text("5", timeout=15_000)
    expect(pagina.locator('[data-valor="porcentaje_texto"]')).to_have_text(re.compile(r"100\s%"))
    # (Elena llega «mañana» en el evento de prueba, así que Dario es la segunda por hora de llegada.)
    dario = pagina.locator('tbody[data-lista="recientes"] tr', has_text="Dario Pruebas")
    expect(dario).to_contain_text("Evento completo")
    expect(dario).to_contain_text(puerta["acreditador"])
    expect(pagina.locator('tbody[data-lista="recientes"] tr')).to_have_count(7)
    assert pagina.evaluate("window.__sinRecargar") is True  # la misma página, no una recarga
    expect(pagina.locator('tbody[data-lista="por_mesa"] tr', has_text="Sin mesa")).to_contain_text("2")
    pagina.screenshot(path=str(artefactos / "asistencia.png"), full_page=True)
    assert not [e for e in errores if "Content Security Policy" in e], errores


def test_asistencia_y_claves_sin_infracciones_graves(nuevo_contexto, ruta_axe, artefactos, puerta):  # noqa: F811
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES")
    pagina, _ = entrar_en_navegador(contexto, puerta["correos"]["organizador"])
    pagina.goto(f"{puerta['base']}/asistencia")
    comprobar_axe(pagina, ruta_axe)

    pagina.goto("/cuentas/claves-api")
    pagina.get_by_label("Nombre de la clave").fill("Tableta de la entrada")
    pagina.get_by_role("button", name="Crear la clave").click()
    clave = pagina.get_by_label("Clave", exact=True)
    expect(clave).to_have_value(re.compile(r"^evt_"))
    expect(pagina.get_by_role("rowheader", name="Tableta de la entrada")).to_be_visible()
    pagina.screenshot(path=str(artefactos / "claves-api.png"), full_page=True)
    comprobar_axe(pagina, ruta_axe)
