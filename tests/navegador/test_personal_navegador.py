"""La página personal de una inscripción en un teléfono de 360×740 y en una pantalla de 1280 px: las
sesiones son tarjetas (sin tabla que se salga de lado ni títulos partidos palabra por palabra), la
dirección webcal:// no ensancha la página y se copia con un botón (o se selecciona para copiarla a
mano si el navegador no da el portapapeles; sin JavaScript sigue a la vista, en un campo de solo
lectura), y axe-core no encuentra infracciones graves."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from apoyo_navegador import comprobar_axe
from eventos.extensiones import db
from test_inscripcion_navegador import (DATOS, ZONA_EVENTO, ZONA_VISITANTE, correos_a_borrar,  # noqa: F401
                                        franja, proxima_edicion)

pytestmark = pytest.mark.navegador

TELEFONO = {"width": 360, "height": 740}
PANTALLA = {"width": 1280, "height": 900}
COPIADA = "Dirección copiada"
SELECCIONADA = "Dirección seleccionada: cópiela con el menú del navegador o con Ctrl+C."

# Líneas que ocupa cada título de sesión y cuántas palabras tiene.
LINEAS_DE_TITULOS = """() => Array.from(document.querySelectorAll('.tarjeta-sesion h3'), (h) => {
  const alto = parseFloat(getComputedStyle(h).lineHeight);
  return {titulo: h.textContent.trim(), palabras: h.textContent.trim().split(/\\s+/).length,
          lineas: Math.round(h.getBoundingClientRect().height / alto)};
})"""


@pytest.fixture()
def personal(app, proxima_edicion, correos_a_borrar):  # noqa: F811
    """Una inscripción confirmada (en línea, en Madrid) en la próxima edición: la ruta de su página personal,
    su dirección webcal y sus sesiones."""
    from eventos import calendario, qr
    from eventos.inscripciones import servicios
    from eventos.modelos import Evento
    correo = f"personal-{uuid.uuid4().hex[:8]}@prueba.org"
    correos_a_borrar.append(correo)
    with app.app_context():
        inscripcion, _ = servicios.inscribir(proxima_edicion["id"], {
            "nombre": "Lucía", "apellidos": "Fernández Prueba", "correo": correo,
            "institucion": DATOS["Institución"], "cargo": DATOS["Cargo"], "pais": "UY", "ciudad": "Montevideo",
            "zona_horaria": ZONA_VISITANTE, "idioma": "es"})
        assert inscripcion.estado == "confirmada" and inscripcion.en_linea
        db.session.commit()
        evento = db.session.get(Evento, proxima_edicion["id"])
        titulos = [s.titulo for s in calendario.sesiones_personales(evento, inscripcion)]
        return {"ruta": f"/inscripcion/{qr.firmar_gestion(inscripcion)}", "clave": inscripcion.clave_calendario,
                "titulos": titulos}


def _sin_desbordar(pagina):
    ancho = pagina.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert ancho[0] <= ancho[1], f"la página mide {ancho[0]} px en una ventana de {ancho[1]} px"


def _comprobar_tarjetas(pagina, personal, proxima_edicion):  # noqa: F811
    sesiones = pagina.get_by_role("region", name="Sus sesiones", exact=True)
    expect(sesiones.get_by_role("table")).to_have_count(0)
    tarjetas = sesiones.get_by_role("listitem")
    expect(tarjetas).to_have_count(len(personal["titulos"]))
    expect(sesiones.get_by_role("heading", level=3)).to_have_text(personal["titulos"])
    # La inauguración: primero en Ciudad de México (la zona del evento, con <time>), luego en Madrid (la suya),
    # como en la agenda pública y en los correos.
    titulo, inicio, fin = proxima_edicion["inauguracion"]
    tarjeta = tarjetas.filter(has=pagina.get_by_role("heading", name=titulo, exact=True))
    expect(tarjeta).to_have_count(1)
    texto = " ".join(tarjeta.inner_text().split())
    del_evento = f"{franja(inicio, fin, ZONA_EVENTO)} Ciudad de México (hora del evento)"
    suya = f"{franja(inicio, fin, ZONA_VISITANTE)} Madrid (su hora)"
    assert del_evento in texto and suya in texto and texto.index(del_evento) < texto.index(suya), texto
    expect(tarjeta.locator("time").first).to_have_attribute("datetime", inicio.isoformat())
    expect(tarjeta.get_by_role("link", name=f"Conectarse {titulo}")).to_have_count(1)
    # Ningún título queda partido en una palabra por línea.
    for titulo in pagina.evaluate(LINEAS_DE_TITULOS):
        assert titulo["palabras"] < 3 or titulo["lineas"] < titulo["palabras"], titulo


def test_pagina_personal_en_un_telefono_y_en_una_pantalla(nuevo_contexto, servidor, artefactos, ruta_axe,
                                                          personal, proxima_edicion):  # noqa: F811
    webcal = f"webcal://{servidor.split('://', 1)[1]}/calendario/{personal['clave']}.ics"
    contexto = nuevo_contexto(locale="es-ES", timezone_id=ZONA_VISITANTE, viewport=TELEFONO, is_mobile=True,
                              has_touch=True, device_scale_factor=2, bypass_csp=True,  # bypass: solo para axe
                              permissions=["clipboard-read", "clipboard-write"])
    pagina = contexto.new_page()
    errores = []
    pagina.on("pageerror", lambda e: errores.append(str(e)))
    pagina.goto(personal["ruta"])
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Su inscripción")
    _sin_desbordar(pagina)
    _comprobar_tarjetas(pagina, personal, proxima_edicion)
    for caja in pagina.locator(".tarjeta-sesion").evaluate_all("ts => ts.map(t => t.getBoundingClientRect().width)"):
        assert caja >= 280, f"una tarjeta de {caja} px en un teléfono de 360 px"

    # La dirección de la suscripción: en un campo de solo lectura que no ensancha la página, y se copia.
    calendario = pagina.get_by_role("region", name="Sus sesiones en su calendario")
    expect(calendario.get_by_role("link", name="Suscribirse (se actualiza solo)")).to_have_attribute("href", webcal)
    direccion = calendario.get_by_label("Dirección de la suscripción, por si su aplicación la pide:")
    expect(direccion).to_have_value(webcal)
    expect(direccion).not_to_be_editable()
    caja = direccion.bounding_box()
    assert caja["x"] >= 0 and caja["x"] + caja["width"] <= TELEFONO["width"]
    calendario.get_by_role("button", name="Copiar dirección").click()
    expect(calendario.get_by_role("status")).to_have_text(COPIADA)
    assert pagina.evaluate("navigator.clipboard.readText()") == webcal
    pagina.screenshot(path=str(artefactos / "personal-360.png"), full_page=True)
    comprobar_axe(pagina, ruta_axe, "la página personal a 360 px")

    # En una pantalla ancha, las mismas tarjetas (en rejilla) y tampoco nada se sale.
    pagina.set_viewport_size(PANTALLA)
    pagina.reload()
    _sin_desbordar(pagina)
    _comprobar_tarjetas(pagina, personal, proxima_edicion)
    pagina.screenshot(path=str(artefactos / "personal-1280.png"), full_page=True)
    comprobar_axe(pagina, ruta_axe, "la página personal a 1280 px")
    assert not errores, errores
    for nombre in ("personal-360.png", "personal-1280.png"):
        assert (artefactos / nombre).stat().st_size > 0


def test_sin_portapapeles_la_direccion_queda_seleccionada(nuevo_contexto, servidor, personal):
    """Un navegador sin navigator.clipboard: el botón selecciona la dirección entera (y la copia a la
    antigua si puede), y lo anuncia."""
    contexto = nuevo_contexto(locale="es-ES", viewport=TELEFONO, is_mobile=True, has_touch=True)
    contexto.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});")
    pagina = contexto.new_page()
    pagina.goto(personal["ruta"])
    calendario = pagina.get_by_role("region", name="Sus sesiones en su calendario")
    direccion = calendario.get_by_label("Dirección de la suscripción, por si su aplicación la pide:")
    calendario.get_by_role("button", name="Copiar dirección").click()
    expect(calendario.get_by_role("status")).to_have_text(re.compile(rf"^({COPIADA}|{re.escape(SELECCIONADA)})$"))
    expect(direccion).to_be_focused()
    valor = direccion.input_value()
    assert valor.startswith("webcal://")
    assert direccion.evaluate("c => [c.selectionStart, c.selectionEnd]") == [0, len(valor)]


def test_sin_javascript_la_direccion_sigue_a_la_vista(nuevo_contexto, personal):
    contexto = nuevo_contexto(locale="es-ES", viewport=TELEFONO, java_script_enabled=False)
    pagina = contexto.new_page()
    pagina.goto(personal["ruta"])
    calendario = pagina.get_by_role("region", name="Sus sesiones en su calendario")
    direccion = calendario.get_by_label("Dirección de la suscripción, por si su aplicación la pide:")
    expect(direccion).to_be_visible()
    expect(direccion).to_have_value(re.compile(rf"^webcal://.*/calendario/{personal['clave']}\.ics$"))
    expect(calendario.get_by_role("button", name="Copiar dirección")).to_be_hidden()
    _sin_desbordar(pagina)
