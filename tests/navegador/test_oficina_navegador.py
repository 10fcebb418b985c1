"""La oficina de organización en un navegador real: una persona administradora crea un evento completo
(sesión, personas, mesa, guía de preguntas), lo publica y el público lo ve con sus horas y zonas.

Todo se hace como lo haría una persona: campos por su etiqueta y botones y enlaces por su nombre
accesible (si algo no se alcanza así, es un problema de accesibilidad de la oficina).
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo import crear_usuario
from apoyo_navegador import entrar
from eventos.extensiones import db

pytestmark = pytest.mark.navegador

TITULO = "Seminario de prueba en navegador"
PANEL = "Panel: ciudades y cooperación"
MESA = "Mesa de prueba"
RECTORA = "¿Cómo cooperan las ciudades para cumplir la Agenda 2030?"
PREGUNTAS = ("¿Qué proyectos de cooperación descentralizada funcionan mejor?",
             "¿Qué obstáculos encuentran los gobiernos locales?")
FACILITADORA = {"Nombre": "Ana Beltrán Ocampo", "Tratamiento (Dr., Lic.…)": "Dra.",
                "Cargo": "Coordinadora de cooperación", "Institución": "Red de Ciudades de Prueba"}
PANELISTAS = (
    {"Nombre": "Bruno Castillo Díaz", "Cargo": "Alcalde", "Institución": "Municipio de Salto",
     "Ciudad": "Salto", "País": "Uruguay"},
    {"Nombre": "Carmen Duarte Ruiz", "Cargo": "Secretaria de Relaciones Internacionales",
     "Institución": "Gobierno de la Ciudad de Prueba", "Ciudad": "Puebla", "País": "México"},
)
AFILIACION = "Alcalde, Municipio de Salto, Salto, Uruguay"


def exacto(texto: str) -> re.Pattern:
    """Nombre accesible exactamente igual (sin distinguir el espacio de los extremos)."""
    return re.compile(rf"^\s*{re.escape(texto)}\s*$")


@pytest.fixture()
def cuenta_admin(app):
    """Una cuenta de administración nueva; al final se borran ella y el evento de la prueba."""
    sufijo = uuid.uuid4().hex[:8]
    datos = {"correo": f"admin-oficina-{sufijo}@prueba.org", "slug": f"seminario-navegador-{sufijo}"}
    with app.app_context():
        crear_usuario(datos["correo"], nombre="Administración de prueba", admin=True)
        db.session.commit()
    yield datos
    with app.app_context():
        from eventos.modelos import Evento, Usuario
        evento = db.session.execute(select(Evento).where(Evento.slug == datos["slug"])).scalar_one_or_none()
        if evento:
            db.session.delete(evento)
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == datos["correo"])).scalar_one_or_none()
        if usuario:
            db.session.delete(usuario)
        db.session.commit()


def avisa(pagina, texto: str):
    """El aviso de una sola vez (role=status) que deja la oficina tras guardar."""
    expect(pagina.get_by_role("status")).to_contain_text(texto)


def ir_a_seccion(pagina, nombre: str):
    with pagina.expect_navigation():
        pagina.get_by_role("navigation", name="Secciones del evento").get_by_role("link", name=exacto(nombre)).click()


def rellenar(zona, campos: dict[str, str]):
    for etiqueta, valor in campos.items():
        zona.get_by_label(etiqueta, exact=True).fill(valor)


def test_evento_completo_desde_la_oficina_hasta_la_pagina_publica(nuevo_contexto, artefactos, cuenta_admin):
    slug = cuenta_admin["slug"]
    contexto = nuevo_contexto(locale="es-ES", timezone_id="America/Mexico_City")

    # --- Entrar ------------------------------------------------------------------------------------
    pagina, _ = entrar(contexto, cuenta_admin["correo"])
    expect(pagina).to_have_url(re.compile(r"/organizacion/$"))
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Organización")

    # --- Crear el evento ---------------------------------------------------------------------------
    with pagina.expect_navigation():
        pagina.get_by_role("link", name="Crear un evento").click()
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Nuevo evento")
    rellenar(pagina, {"Título": TITULO, "Identificador en la dirección": slug})
    pagina.get_by_label("Modalidad", exact=True).select_option(label="Virtual")
    pagina.get_by_label("Zona horaria del evento", exact=True).select_option("America/Mexico_City")
    pagina.get_by_label("Zonas horarias adicionales", exact=True).select_option(["America/Montevideo"])
    rellenar(pagina, {"Primer día": "2027-03-10", "Último día": "2027-03-11"})
    with pagina.expect_navigation():
        pagina.get_by_role("button", name=exacto("Guardar")).click()
    avisa(pagina, "Evento creado como borrador")
    expect(pagina).to_have_url(re.compile(rf"/organizacion/eventos/{slug}/$"))
    expect(pagina.get_by_role("heading", level=1)).to_have_text(TITULO)

    # --- Agenda: una sesión de tipo panel el primer día --------------------------------------------
    ir_a_seccion(pagina, "Agenda")
    expect(pagina.get_by_text("Todavía no hay sesiones.")).to_be_visible()
    with pagina.expect_navigation():
        pagina.get_by_role("link", name="Añadir una sesión").click()
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Nueva sesión")
    pagina.get_by_label("Título", exact=True).fill(PANEL)
    pagina.get_by_label("Tipo", exact=True).select_option(label="Panel")
    pagina.get_by_label("Día", exact=True).select_option(label="miércoles, 10 de marzo de 2027")
    rellenar(pagina, {"Empieza (hora local del evento)": "10:00", "Termina (hora local del evento)": "11:30"})
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Guardar la sesión").click()
    avisa(pagina, "Sesión guardada.")
    expect(pagina.get_by_role("heading", level=1)).to_have_text(PANEL)
    url_sesion_oficina = pagina.url

    # --- Personas de la sesión ---------------------------------------------------------------------
    personas = pagina.get_by_role("region", name="Personas", exact=True)
    for rol, datos in [("Facilitación", FACILITADORA)] + [("Panelista", p) for p in PANELISTAS]:
        expect(personas.get_by_role("heading", name="Añadir una persona")).to_be_visible()
        rellenar(personas, datos)
        personas.get_by_label("Rol", exact=True).select_option(label=rol)
        with pagina.expect_navigation():
            personas.get_by_role("button", name=exacto("Añadir")).click()
        avisa(pagina, f"Se añadió a {datos['Nombre']} a la sesión.")
        personas = pagina.get_by_role("region", name="Personas", exact=True)
        fila = personas.get_by_role("row").filter(has_text=datos["Nombre"])
        expect(fila).to_have_count(1)
        expect(fila.get_by_role("rowheader")).to_contain_text(datos["Nombre"])
        expect(fila.get_by_role("cell").nth(0)).to_have_text(rol)
    filas = personas.get_by_role("table").get_by_role("row")
    expect(filas).to_have_count(4)  # cabecera + tres personas, en el orden en que se añadieron
    expect(filas.nth(1)).to_contain_text("Dra. Ana Beltrán Ocampo")
    expect(filas.nth(1)).to_contain_text("Coordinadora de cooperación, Red de Ciudades de Prueba")
    expect(filas.nth(2)).to_contain_text(AFILIACION)
    # Las acciones de cada fila están en su menú: se ven al abrirlo.
    quitar = personas.get_by_role("button", name="Quitar Carmen Duarte Ruiz")
    expect(quitar).to_be_hidden()
    filas.nth(3).locator("summary").click()
    expect(quitar).to_be_visible()
    pagina.screenshot(path=str(artefactos / "oficina-sesion.png"), full_page=True)

    # --- Mesa que se reúne en la sesión ------------------------------------------------------------
    ir_a_seccion(pagina, "Mesas")
    nueva_mesa = pagina.get_by_role("region", name="Añadir una mesa")
    nueva_mesa.get_by_label("Nombre", exact=True).fill(MESA)
    sesiones_de_la_mesa = nueva_mesa.get_by_role("group", name="Sesiones en las que se reúne")
    casilla = sesiones_de_la_mesa.get_by_role("checkbox", name=re.compile(re.escape(PANEL)))
    expect(casilla).to_have_accessible_name(re.compile(r"^mié 10 mar 2027 10:00 · " + re.escape(PANEL)))
    casilla.check()
    with pagina.expect_navigation():
        nueva_mesa.get_by_role("button", name="Añadir la mesa").click()
    avisa(pagina, f"Mesa «{MESA}» creada.")
    fila_mesa = pagina.get_by_role("row", name=re.compile(re.escape(MESA)))
    expect(fila_mesa).to_contain_text(PANEL)

    # --- Guía de preguntas de todo el evento ------------------------------------------------------
    ir_a_seccion(pagina, "Guías de preguntas")
    nueva_guia = pagina.get_by_role("region", name="Nueva guía")
    nueva_guia.get_by_label("Pregunta rectora (opcional)", exact=True).fill(RECTORA)
    nueva_guia.get_by_label("Sesión", exact=True).select_option(label="Todo el evento (todas las mesas)")
    with pagina.expect_navigation():
        nueva_guia.get_by_role("button", name="Crear la guía").click()
    avisa(pagina, "Guía creada.")
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Guía de todo el evento")
    pagina.get_by_label("Título del bloque o ronda", exact=True).fill("Ronda 1")
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Añadir el bloque").click()
    avisa(pagina, "Bloque «Ronda 1» añadido.")
    ronda = pagina.get_by_role("region", name="Ronda 1", exact=True)
    for numero, texto in enumerate(PREGUNTAS, start=1):
        ronda.get_by_label("Nueva pregunta para «Ronda 1»", exact=True).fill(texto)
        with pagina.expect_navigation():
            ronda.get_by_role("button", name="Añadir la pregunta a «Ronda 1»").click()
        avisa(pagina, f"Pregunta {numero} añadida.")
        ronda = pagina.get_by_role("region", name="Ronda 1", exact=True)
        expect(ronda.get_by_role("row", name=re.compile(re.escape(texto)))).to_contain_text(str(numero))

    # --- Publicar desde el resumen -----------------------------------------------------------------
    ir_a_seccion(pagina, "Resumen")
    publicacion = pagina.get_by_role("region", name="Publicación")
    with pagina.expect_navigation():
        publicacion.get_by_role("button", name=exacto("Publicar")).click()
    avisa(pagina, "El evento está publicado.")
    expect(pagina.get_by_role("navigation", name="Secciones del evento")
           .get_by_role("link", name="Ver la página pública")).to_be_visible()

    # --- Lo que ve el público ----------------------------------------------------------------------
    visitante = nuevo_contexto(locale="es-ES", timezone_id="America/Mexico_City").new_page()
    visitante.goto(f"/eventos/{slug}/?tz=ninguna")
    expect(visitante.get_by_role("heading", level=1)).to_have_text(TITULO)
    agenda = visitante.get_by_role("region", name="Agenda", exact=True)
    sesion = agenda.get_by_role("listitem").filter(has=visitante.get_by_role("heading", name=PANEL))
    expect(sesion).to_have_count(1)
    horas = sesion.get_by_role("paragraph")
    expect(horas.filter(has_text="Ciudad de México")).to_contain_text("10:00–11:30")
    expect(horas.filter(has_text="Montevideo")).to_contain_text("13:00–14:30")
    for nombre in ("Ana Beltrán Ocampo",) + tuple(p["Nombre"] for p in PANELISTAS):
        expect(sesion).to_contain_text(nombre)
    expect(sesion).to_contain_text(MESA)
    expect(visitante.get_by_role("region", name="Mesas de trabajo")).to_contain_text(MESA)
    comunes = visitante.get_by_role("region", name="Preguntas comunes a todas las mesas")
    expect(comunes).to_contain_text(RECTORA)
    visitante.screenshot(path=str(artefactos / "oficina-publica.png"), full_page=True)

    with visitante.expect_navigation():
        sesion.get_by_role("link", name=PANEL).click()
    expect(visitante.get_by_role("heading", level=1)).to_have_text(PANEL)
    participan = visitante.get_by_role("region", name="Participan")
    expect(participan.get_by_role("heading", name="Facilitación")).to_be_visible()
    expect(participan.get_by_role("heading", name="Panelista")).to_be_visible()
    expect(participan.get_by_role("listitem").filter(has_text=PANELISTAS[0]["Nombre"])).to_contain_text(AFILIACION)
    guia = visitante.get_by_role("region", name="Guía de preguntas de las mesas")
    expect(guia.get_by_role("heading", name="Pregunta rectora")).to_be_visible()
    expect(guia).to_contain_text(RECTORA)
    bloque = guia.locator("section").filter(has=visitante.get_by_role("heading", name="Ronda 1"))
    expect(bloque.get_by_role("listitem")).to_have_text(list(PREGUNTAS))

    # La oficina enlaza la sesión con su página pública ahora que el evento está publicado.
    pagina.goto(url_sesion_oficina)
    expect(pagina.get_by_role("link", name="Ver en la página pública")).to_have_attribute(
        "href", re.compile(rf"/eventos/{slug}/sesiones/"))

    for nombre in ("oficina-sesion.png", "oficina-publica.png"):
        assert (artefactos / nombre).stat().st_size > 0
