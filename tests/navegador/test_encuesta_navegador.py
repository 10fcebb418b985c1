"""La encuesta de evaluación en un teléfono de 360 px, solo con el teclado: desde su página personal, una persona
que asistió abre la encuesta, la envía sin la pregunta obligatoria (el resumen de errores recibe el foco y su
enlace lleva a la pregunta), la responde con Tab, flechas, Espacio y Enter, y ve el agradecimiento. Sin
infracciones graves de accesibilidad y sin desplazamiento horizontal."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo_inscripciones import unico
from apoyo_navegador import comprobar_axe
from eventos import qr
from eventos.extensiones import db
from eventos.modelos import Asistencia, Encuesta, Inscripcion, PreguntaEncuesta, RespuestaEncuesta, SeccionEncuesta
from eventos.zonas import ahora

pytestmark = pytest.mark.navegador

TELEFONO = {"width": 360, "height": 740}


@pytest.fixture()
def persona_con_encuesta(app, eventos_prueba) -> dict:
    """Un evento con su encuesta abierta (anónima) y una persona que asistió: su enlace y los ids que hacen falta."""
    evento = eventos_prueba(mesas=[("a", None)])
    with app.app_context():
        inscripcion = Inscripcion(evento_id=evento.id, nombre="Lucía", apellidos="Teclado", correo=unico("teclado"),
                                  estado="confirmada", mesa_id=evento.mesas["a"], consentimiento_en=ahora())
        db.session.add(inscripcion)
        db.session.flush()
        db.session.add(Asistencia(evento_id=evento.id, inscripcion_id=inscripcion.id, origen="qr"))
        encuesta = Encuesta(evento_id=evento.id, titulo="¿Qué le pareció el seminario?", anonima=True,
                            introduccion="Son cinco preguntas.", abre_en=ahora() - timedelta(hours=1),
                            cierra_en=ahora() + timedelta(days=10))
        encuesta.secciones = [
            SeccionEncuesta(titulo="Las sesiones y el formato", orden=0, preguntas=[
                PreguntaEncuesta(tipo="valoracion", texto="Utilidad del seminario", obligatoria=True, orden=0,
                                 etiquetas=["Nada útil", "Muy útil"]),
                PreguntaEncuesta(tipo="matriz_sesiones", texto="¿Qué tan útil le resultó cada sesión?", orden=1,
                                 etiquetas=["Nada útil", "Muy útil"])]),
            SeccionEncuesta(titulo="Para la próxima edición", orden=1, preguntas=[
                PreguntaEncuesta(tipo="opcion_unica", texto="Formato preferido", orden=0,
                                 opciones=["Presencial", "En línea", "Híbrido"]),
                PreguntaEncuesta(tipo="opcion_multiple", texto="Temas que le interesan", orden=1,
                                 opciones=["Agua", "Movilidad", "Vivienda"]),
                PreguntaEncuesta(tipo="texto_corto", texto="Su ciudad", orden=2),
                PreguntaEncuesta(tipo="texto_largo", texto="¿Qué cambiaría?", orden=3)]),
        ]
        db.session.add(encuesta)
        db.session.commit()
        return {"token": qr.firmar_gestion(inscripcion), "encuesta_id": encuesta.id,
                "preguntas": [p.id for p in encuesta.preguntas], "sesiones": evento.sesiones}


def _enfocado(pagina) -> str:
    """El id del elemento con el foco o, si no tiene, «etiqueta:texto»."""
    return pagina.evaluate("(e => e.id || (e.tagName.toLowerCase() + ':' + e.textContent.trim()))"
                           "(document.activeElement)")


def _tab(pagina, esperado: str) -> None:
    pagina.keyboard.press("Tab")
    assert _enfocado(pagina) == esperado


def _tab_hasta(pagina, buscado: str, maximo: int = 40) -> None:
    vistos = []
    for _ in range(maximo):
        pagina.keyboard.press("Tab")
        vistos.append(_enfocado(pagina))
        if vistos[-1] == buscado:
            return
    pytest.fail(f"con Tab no se llegó a «{buscado}»; pasó por: {vistos}")


def _sin_desplazamiento_horizontal(pagina, donde: str) -> None:
    ancho = pagina.evaluate("document.documentElement.scrollWidth")
    if ancho > TELEFONO["width"]:
        sobresalen = pagina.evaluate("""[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 360.5).slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' → '
                      + Math.round(e.getBoundingClientRect().right) + 'px')""")
        pytest.fail(f"{donde} mide {ancho}px de ancho en un teléfono de 360 px; sobresalen: {sobresalen}")


def test_responder_la_encuesta_solo_con_el_teclado_en_un_telefono(app, nuevo_contexto, ruta_axe, artefactos,
                                                                   persona_con_encuesta):
    datos = persona_con_encuesta
    utilidad, sesiones, formato, temas, ciudad, cambios = (f"p{i}" for i in datos["preguntas"])
    apertura, trabajo = (f"{sesiones}-{datos['sesiones'][clave]}" for clave in ("apertura", "trabajo"))
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", viewport=TELEFONO, is_mobile=True, has_touch=True)
    pagina = contexto.new_page()
    errores: list[str] = []
    pagina.on("console", lambda m: errores.append(m.text) if m.type == "error" else None)
    pagina.on("pageerror", lambda e: errores.append(str(e)))

    pagina.goto(f"/inscripcion/{datos['token']}")
    pagina.screenshot(path=str(artefactos / "encuesta-invitacion-360.png"))
    _tab_hasta(pagina, "a:Responder la encuesta de evaluación")
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    expect(pagina.get_by_role("heading", level=1)).to_have_text("¿Qué le pareció el seminario?")
    expect(pagina.get_by_text("Sus respuestas son anónimas: la organización ve los resultados sin saber quién "
                              "respondió qué.")).to_be_visible()
    pagina.screenshot(path=str(artefactos / "encuesta-360.png"), full_page=True)
    _sin_desplazamiento_horizontal(pagina, "El formulario de la encuesta")
    comprobar_axe(pagina, ruta_axe, "el formulario de la encuesta")

    # Enviarla sin la pregunta obligatoria: el resumen de errores recibe el foco y su enlace lleva a la pregunta.
    _tab_hasta(pagina, "button:Enviar su respuesta", maximo=60)
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    resumen = pagina.locator(".resumen-errores")
    expect(resumen).to_be_focused()
    expect(resumen).to_contain_text("Utilidad del seminario: Esta pregunta es obligatoria.")
    _sin_desplazamiento_horizontal(pagina, "La encuesta con errores")
    comprobar_axe(pagina, ruta_axe, "la encuesta con errores")
    _tab(pagina, "a:Utilidad del seminario: Esta pregunta es obligatoria.")
    pagina.keyboard.press("Enter")
    expect(pagina.locator(f"#{utilidad}-1")).to_be_focused()

    # Responder: flechas en los grupos de opciones, Espacio en las casillas, y escribir.
    for _ in range(3):
        pagina.keyboard.press("ArrowRight")
    expect(pagina.get_by_role("radio", name="4", exact=True).first).to_be_checked()
    _tab(pagina, f"{apertura}-nada")  # «No asistí / no aplica», marcada de entrada
    pagina.keyboard.press("ArrowLeft")
    expect(pagina.locator(f"#{apertura}-5")).to_be_checked()
    _tab(pagina, f"{trabajo}-nada")  # esta la deja así: no asistió
    _tab(pagina, f"{formato}-nada")  # «Sin respuesta»
    pagina.keyboard.press("ArrowUp")
    expect(pagina.get_by_role("radio", name="Híbrido")).to_be_checked()
    _tab(pagina, f"{temas}-o0")
    pagina.keyboard.press("Space")
    _tab(pagina, f"{temas}-o1")
    _tab(pagina, f"{temas}-o2")
    pagina.keyboard.press("Space")
    _tab(pagina, ciudad)
    pagina.keyboard.type("Puebla")
    _tab(pagina, cambios)
    pagina.keyboard.type("Más tiempo para las mesas.")
    _tab(pagina, "button:Enviar su respuesta")
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")

    gracias = pagina.get_by_role("status").filter(has_text="Gracias: su respuesta quedó guardada.")
    expect(gracias).to_be_in_viewport()
    expect(pagina.locator("main")).to_be_focused()
    expect(pagina.get_by_role("button", name="Guardar los cambios")).to_be_visible()
    _sin_desplazamiento_horizontal(pagina, "La encuesta respondida")
    pagina.screenshot(path=str(artefactos / "encuesta-respondida-360.png"), full_page=True)
    with app.app_context():
        (valores,) = db.session.execute(select(RespuestaEncuesta.valores).where(
            RespuestaEncuesta.encuesta_id == datos["encuesta_id"])).scalars().all()
    sesion_apertura = str(datos["sesiones"]["apertura"])
    assert valores == {utilidad[1:]: 4, sesiones[1:]: {sesion_apertura: 5}, formato[1:]: "Híbrido",
                       temas[1:]: ["Agua", "Vivienda"], ciudad[1:]: "Puebla", cambios[1:]: "Más tiempo para las mesas."}
    # El envío incompleto responde 400 a propósito (Chromium lo anota en la consola); nada más se quejó.
    assert [e for e in errores if "status of 400" not in e] == [], errores
