"""La lista de inscripciones en un navegador real: cabe en 1280 px y en un teléfono de 360 px (la tabla se
desplaza dentro de su propia región, las acciones de cada fila en un menú), sin infracciones graves de
accesibilidad; y una organizadora marca dos personas y las mueve a otra mesa con la acción en bloque.

Campos por su etiqueta y botones por su nombre accesible, como lo haría una persona. Capturas de la lista a
los dos anchos en tests/artefactos/."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db
from eventos.inscripciones import servicios
from eventos.modelos import Inscripcion
from test_inscripciones_masivas import oficina  # noqa: F401  (fixture: evento con mesas a y b y su organizadora)

pytestmark = pytest.mark.navegador

# Nombres, correos e instituciones largos de verdad: lo que ensanchaba la tabla.
PERSONAS = [
    ("Beatriz", "Fernández de la Concepción", "Universidad Nacional Autónoma de México — Instituto de Investigaciones Sociales"),
    ("Carlos", "Pérez", "Ayuntamiento"),
    ("Dora", "Quintanilla Villaseñor", "Secretaría de Relaciones Exteriores, Dirección General de Cooperación"),
    ("Ernesto", "Ruiz", "Red de Ciudades"),
]


def _inscribir(app, oficina):  # noqa: F811
    ids = {}
    with app.app_context():
        for nombre, apellidos, institucion in PERSONAS:
            datos = {"nombre": nombre, "apellidos": apellidos, "institucion": institucion, "pais": "MX",
                     "correo": f"{nombre.lower()}.{apellidos.split()[0].lower()}.con-un-correo-largo@municipio-de-prueba.gob.mx",
                     "mesa_id": oficina.evento.mesas["a"]}
            inscripcion, _ = servicios.inscribir(oficina.evento.id, datos, por_organizacion=True)
            ids[nombre] = inscripcion.id
        db.session.commit()
    return ids


def _cabe_y_es_accesible(pagina, ruta_axe, ancho: int, artefactos, nombre: str) -> None:
    ancho_documento = pagina.evaluate("document.documentElement.scrollWidth")
    assert ancho_documento <= pagina.evaluate("window.innerWidth"), f"la página mide {ancho_documento} px a {ancho} px"
    comprobar_axe(pagina, ruta_axe, f"la lista de inscripciones a {ancho} px")
    pagina.screenshot(path=str(artefactos / nombre), full_page=True)


@pytest.mark.parametrize("ancho", [1280, 360])
def test_la_lista_cabe_y_es_accesible(app, nuevo_contexto, ruta_axe, artefactos, oficina, ancho):  # noqa: F811
    _inscribir(app, oficina)
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", viewport={"width": ancho, "height": 900})
    pagina, errores = entrar(contexto, oficina.organizador)
    pagina.goto(f"/organizacion/eventos/{oficina.evento.slug}/inscripciones")
    region = pagina.get_by_role("region", name="Lista de inscripciones")
    expect(region).to_be_visible()
    assert region.get_attribute("tabindex") == "0", "la región que se desplaza se alcanza con el teclado"
    _cabe_y_es_accesible(pagina, ruta_axe, ancho, artefactos, f"inscripciones-lista-{ancho}.png")

    # El menú de una fila, abierto, tampoco ensancha la página.
    pagina.get_by_text("Acciones para Dora Quintanilla Villaseñor").click()
    expect(pagina.get_by_role("button", name="Reenviar correo Dora Quintanilla Villaseñor")).to_be_visible()
    assert pagina.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "el menú abierto desborda"
    comprobar_axe(pagina, ruta_axe, f"la lista con el menú de una fila abierto a {ancho} px")
    assert errores == []


def test_marcar_dos_y_moverlas_a_otra_mesa(app, nuevo_contexto, ruta_axe, artefactos, oficina):  # noqa: F811
    ids = _inscribir(app, oficina)
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", viewport={"width": 360, "height": 800})
    pagina, errores = entrar(contexto, oficina.organizador)
    pagina.goto(f"/organizacion/eventos/{oficina.evento.slug}/inscripciones")

    # «Elegir todas las de esta página» (con JavaScript) marca y desmarca todas.
    todas = pagina.get_by_label("Elegir todas las de esta página")
    todas.check()
    assert pagina.locator('input[name="ids"]:checked').count() == len(PERSONAS)
    todas.uncheck()
    assert pagina.locator('input[name="ids"]:checked').count() == 0

    pagina.get_by_label("Elegir a Beatriz Fernández de la Concepción").check()
    pagina.get_by_label("Elegir a Dora Quintanilla Villaseñor").check()
    expect(todas).to_have_js_property("indeterminate", True)
    pagina.get_by_label("Acción", exact=True).select_option(label="Mover a una mesa")
    pagina.get_by_label("Mesa de destino (para «Mover a una mesa»)").select_option(label="Mesa b")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Revisar la acción…").click()

    expect(pagina.get_by_text("La acción se aplicará a 2 inscripciones.")).to_be_visible()
    assert pagina.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "la revisión desborda"
    comprobar_axe(pagina, ruta_axe, "la revisión de la acción en bloque")
    pagina.screenshot(path=str(artefactos / "inscripciones-en-bloque-revision-360.png"), full_page=True)
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Mover 2 inscripciones").click()

    expect(pagina.locator(".avisos")).to_contain_text("2 inscripciones movidas a la mesa «Mesa b».")
    for nombre in ("Beatriz", "Dora"):
        expect(pagina.locator(f"#inscripcion-{ids[nombre]}")).to_contain_text("Mesa b")
    for nombre in ("Carlos", "Ernesto"):
        expect(pagina.locator(f"#inscripcion-{ids[nombre]}")).to_contain_text("Mesa a")
    with app.app_context():
        assert {i: db.session.get(Inscripcion, i).mesa_id for i in ids.values()} == {
            ids["Beatriz"]: oficina.evento.mesas["b"], ids["Dora"]: oficina.evento.mesas["b"],
            ids["Carlos"]: oficina.evento.mesas["a"], ids["Ernesto"]: oficina.evento.mesas["a"]}
    assert errores == []
