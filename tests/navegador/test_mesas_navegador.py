"""El espacio de moderación en un navegador real (pantalla de teléfono): la moderación responde dos
preguntas de la ronda 1 (autoguardado), pasa a la ronda 2 con el teclado, recarga y lo encuentra todo;
sin conexión, el texto espera y se guarda al volver; dos personas sobre la misma respuesta ven el
conflicto con los dos textos y guardan la fusión; sin infracciones graves de accesibilidad."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db
from eventos.mesas import servicios
from eventos.modelos import Evento
from eventos.zonas import a_local
from test_mesas_espacio import espacio  # noqa: F401  (fixture: Jornadas copiadas con su equipo)

pytestmark = pytest.mark.navegador

# «Guardado 20:42 (hora del evento)», y «· 21:42 su hora» si el navegador está en otra zona.
GUARDADO = re.compile(r"^Guardado \d\d:\d\d \(hora del evento\)( · \d\d:\d\d su hora)?$")
TELEFONO = {"width": 360, "height": 740}


def _escribir(campo, texto):
    campo.click()
    campo.press_sequentially(texto, delay=5)


def test_responder_dos_preguntas_cambiar_de_ronda_y_encontrarlo_al_volver(app, nuevo_contexto, artefactos, espacio):  # noqa: F811
    (ronda1, preguntas1), (_ronda2, preguntas2) = espacio["rondas"][:2]
    contexto = nuevo_contexto(locale="es-ES", timezone_id="Europe/Madrid", viewport=TELEFONO)
    pagina, errores = entrar(contexto, espacio["correos"]["moderador"])
    pagina.get_by_role("banner").get_by_role("link", name="Mis mesas").click()
    pagina.get_by_role("link", name=espacio["mesa_nombre"]).click()
    expect(pagina.get_by_role("heading", level=1)).to_have_text(espacio["mesa_nombre"])

    primera, segunda = pagina.locator(f"#pregunta-{preguntas1[0]}"), pagina.locator(f"#pregunta-{preguntas1[1]}")
    _escribir(primera.get_by_label("Respuesta del grupo"), "El mecanismo funcionó **muy bien** en lo local.")
    expect(primera.locator("[data-estado]")).to_have_text(GUARDADO)  # ~1,5 s después de dejar de escribir

    _escribir(segunda.get_by_label("Respuesta del grupo"), "Sí, siguen siendo relevantes.")
    _escribir(segunda.get_by_label("Puntos clave o acuerdos"), "Intercambio entre pares\nAgenda común")
    _escribir(segunda.get_by_label("Personas que intervinieron (opcional)"), "6")
    pagina.keyboard.press("Tab")  # al salir del campo se guarda ya
    expect(segunda.locator("[data-estado]")).to_have_text(GUARDADO)
    expect(segunda.locator("[data-autor]")).to_contain_text("Versión")
    assert pagina.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "desborda a 360 px"
    pagina.screenshot(path=str(artefactos / "mesa-espacio-telefono.png"), full_page=True)

    # La hora del estado es la de la zona del evento (no la del navegador, que está en Madrid).
    with app.app_context():
        guardada = servicios.actual(espacio["mesa_id"], preguntas1[1])
        zona = db.session.get(Evento, espacio["evento_id"]).zona_horaria
        assert guardada.texto == "Sí, siguen siendo relevantes."
        assert guardada.puntos_clave == ["Intercambio entre pares", "Agenda común"] and guardada.intervenciones == 6
        assert segunda.locator("[data-estado]").inner_text() == (
            f"Guardado {a_local(guardada.actualizada_en, zona):%H:%M} (hora del evento)"
            f" · {a_local(guardada.actualizada_en, 'Europe/Madrid'):%H:%M} su hora")

    # A la ronda 2 solo con el teclado.
    enlace = pagina.get_by_role("navigation", name="Rondas de preguntas").get_by_role(
        "link", name=re.compile("Políticas públicas"))
    enlace.focus()
    with pagina.expect_navigation():
        pagina.keyboard.press("Enter")
    expect(enlace).to_have_attribute("aria-current", "page")
    novena = pagina.locator(f"#pregunta-{preguntas2[0]}")
    _escribir(novena.get_by_label("Respuesta del grupo"), "Orientada a la cohesión desde el diseño.")
    expect(novena.locator("[data-estado]")).to_have_text(GUARDADO)

    pagina.reload()
    expect(pagina.locator(f"#pregunta-{preguntas2[0]}").get_by_label("Respuesta del grupo")).to_have_value(
        "Orientada a la cohesión desde el diseño.")
    pagina.get_by_role("navigation", name="Rondas de preguntas").get_by_role(
        "link", name=re.compile("Modernización")).click()
    expect(pagina).to_have_url(re.compile(rf"bloque={ronda1}"))
    expect(primera.get_by_label("Respuesta del grupo")).to_have_value("El mecanismo funcionó **muy bien** en lo local.")
    expect(segunda.get_by_label("Respuesta del grupo")).to_have_value("Sí, siguen siendo relevantes.")
    expect(segunda.get_by_label("Puntos clave o acuerdos")).to_have_value("Intercambio entre pares\nAgenda común")
    expect(segunda.get_by_label("Personas que intervinieron (opcional)")).to_have_value("6")
    primera.get_by_text("Vista previa de lo guardado").click()
    expect(primera.locator("[data-vista-previa-contenido] strong")).to_have_text("muy bien")
    expect(pagina.get_by_role("link", name=re.compile("Modernización"))).to_contain_text("2/8 respondidas")
    assert not errores, errores  # ni errores de JavaScript ni de la política de contenido


def test_sin_conexion_el_texto_espera_y_se_guarda_al_volver(app, nuevo_contexto, espacio):  # noqa: F811
    pregunta = espacio["rondas"][0][1][2]
    contexto = nuevo_contexto(locale="es-ES", viewport=TELEFONO)
    pagina, _ = entrar(contexto, espacio["correos"]["moderador"])
    pagina.goto(f"/mesas/{espacio['mesa_id']}/")
    bloque = pagina.locator(f"#pregunta-{pregunta}")
    contexto.set_offline(True)
    _escribir(bloque.get_by_label("Respuesta del grupo"), "Escrito sin red.")
    expect(bloque.locator("[data-estado]")).to_have_text("Sin conexión: se guardará al volver")
    with app.app_context():
        assert servicios.actual(espacio["mesa_id"], pregunta) is None
    # Cambiar de ronda con el texto sin guardar: el navegador pregunta antes de salir (y aquí se queda).
    dialogos = []
    pagina.once("dialog", lambda d: (dialogos.append(d.type), d.dismiss()))
    pagina.get_by_role("navigation", name="Rondas de preguntas").get_by_role(
        "link", name=re.compile("Políticas públicas")).click()
    for _ in range(50):
        if dialogos:
            break
        pagina.wait_for_timeout(100)
    assert dialogos == ["beforeunload"]
    expect(bloque.get_by_label("Respuesta del grupo")).to_have_value("Escrito sin red.")
    contexto.set_offline(False)
    expect(bloque.locator("[data-estado]")).to_have_text(GUARDADO)
    with app.app_context():
        assert servicios.actual(espacio["mesa_id"], pregunta).texto == "Escrito sin red."


def test_dos_personas_en_la_misma_respuesta_ven_el_conflicto_y_fusionan(app, nuevo_contexto, artefactos, ruta_axe,
                                                                     espacio):  # noqa: F811
    pregunta = espacio["rondas"][0][1][3]
    paginas = []
    for quien in ("moderador", "organizador"):
        contexto = nuevo_contexto(locale="es-ES", viewport=TELEFONO, bypass_csp=True)  # bypass: solo para axe
        pagina, _ = entrar(contexto, espacio["correos"][quien])
        pagina.goto(f"/mesas/{espacio['mesa_id']}/#pregunta-{pregunta}")
        paginas.append(pagina)
    moderacion, organizacion = (p.locator(f"#pregunta-{pregunta}") for p in paginas)
    comprobar_axe(paginas[0], ruta_axe)  # el espacio tal como se abre

    _escribir(moderacion.get_by_label("Respuesta del grupo"), "Texto de la moderación.")
    expect(moderacion.locator("[data-estado]")).to_have_text(GUARDADO)
    _escribir(organizacion.get_by_label("Respuesta del grupo"), "Texto de la organización.")
    expect(organizacion.locator("[data-estado]")).to_have_text(re.compile("^Conflicto"))

    conflicto = organizacion.locator(".conflicto")
    expect(conflicto.get_by_role("alert")).to_contain_text("Otra persona guardó esta respuesta")
    expect(conflicto.locator(".version-ajena .texto-plano")).to_have_text("Texto de la moderación.")
    expect(conflicto.locator(".version-ajena h4")).to_contain_text("versión 1")
    expect(conflicto.locator(".version-propia .texto-plano")).to_have_text("Texto de la organización.")
    fusion = conflicto.get_by_label("Texto fusionado")
    expect(fusion).to_have_value("Texto de la organización.")
    expect(fusion).to_be_focused()  # lo que se siga escribiendo va a la fusión
    expect(organizacion.get_by_label("Respuesta del grupo")).to_have_js_property("readOnly", True)
    comprobar_axe(paginas[1], ruta_axe)  # también con el conflicto a la vista
    paginas[1].screenshot(path=str(artefactos / "mesa-conflicto-telefono.png"), full_page=True)
    with app.app_context():
        assert servicios.actual(espacio["mesa_id"], pregunta).texto == "Texto de la moderación."  # nada se pisó

    fusion.fill("Texto de la moderación. Texto de la organización.")
    conflicto.get_by_role("button", name="Guardar la versión fusionada").click()
    expect(organizacion.locator("[data-estado]")).to_have_text(GUARDADO)
    expect(organizacion.locator(".conflicto")).to_have_count(0)
    expect(organizacion.get_by_label("Respuesta del grupo")).to_have_value("Texto de la moderación. Texto de la organización.")
    expect(organizacion.get_by_label("Respuesta del grupo")).to_have_js_property("readOnly", False)
    with app.app_context():
        vigente = servicios.actual(espacio["mesa_id"], pregunta)
        assert (vigente.version, vigente.texto) == (2, "Texto de la moderación. Texto de la organización.")

    # La moderación, que sigue sobre la versión 1, tampoco pisa la fusión: ahora el conflicto es suyo.
    _escribir(moderacion.get_by_label("Respuesta del grupo"), " Una idea más.")
    expect(moderacion.locator("[data-estado]")).to_have_text(re.compile("^Conflicto"))
    expect(moderacion.locator(".version-ajena .texto-plano")).to_have_text("Texto de la moderación. Texto de la organización.")

    # El historial cuenta las dos versiones, con quién guardó cada una.
    pagina = paginas[0]
    pagina.once("dialog", lambda d: d.accept())  # la moderación deja su conflicto sin resolver
    moderacion.get_by_role("link", name=re.compile("Historial de versiones")).click()
    expect(pagina.get_by_role("heading", level=1)).to_have_text(re.compile("Historial de la pregunta 4"))
    versiones = pagina.locator(".version-respuesta")
    expect(versiones).to_have_count(2)
    expect(versiones.first).to_contain_text("Texto de la moderación. Texto de la organización.")
    expect(versiones.last).to_contain_text("Texto de la moderación.")
    expect(versiones.first).to_contain_text(espacio["correos"]["organizador"].split("@")[0])  # su nombre
    expect(versiones.last).to_contain_text(espacio["correos"]["moderador"].split("@")[0])
    comprobar_axe(pagina, ruta_axe)


# --- La hora del guardado: la del evento, y la de quien mira si su zona es otra ---------------------------
def _zona_del_evento(app, espacio):  # noqa: F811
    with app.app_context():
        return db.session.get(Evento, espacio["evento_id"]).zona_horaria


def test_guardado_con_la_hora_del_evento_y_la_del_navegador_si_es_otra(app, nuevo_contexto, espacio):  # noqa: F811
    """Un navegador en Tokio: «Guardado 20:42 (hora del evento) · 11:42 su hora», con las dos horas bien;
    y lo mismo al volver a abrir la página (lo guardado antes se muestra igual)."""
    zona_evento, zona_navegador = _zona_del_evento(app, espacio), "Asia/Tokyo"
    assert zona_evento != zona_navegador
    pregunta = espacio["rondas"][0][1][4]
    contexto = nuevo_contexto(locale="es-ES", timezone_id=zona_navegador, viewport=TELEFONO)
    pagina, errores = entrar(contexto, espacio["correos"]["moderador"])
    pagina.goto(f"/mesas/{espacio['mesa_id']}/")
    bloque = pagina.locator(f"#pregunta-{pregunta}")
    _escribir(bloque.get_by_label("Respuesta del grupo"), "Desde otra zona.")
    pagina.keyboard.press("Tab")
    expect(bloque.locator("[data-estado]")).to_have_text(re.compile("su hora$"))
    with app.app_context():
        guardada = servicios.actual(espacio["mesa_id"], pregunta).actualizada_en
    esperado = (f"Guardado {a_local(guardada, zona_evento):%H:%M} (hora del evento)"
                f" · {a_local(guardada, zona_navegador):%H:%M} su hora")
    assert a_local(guardada, zona_evento).strftime("%H:%M") != a_local(guardada, zona_navegador).strftime("%H:%M")
    expect(bloque.locator("[data-estado]")).to_have_text(esperado)
    pagina.reload()
    expect(pagina.locator(f"#pregunta-{pregunta} [data-estado]")).to_have_text(esperado)
    assert not errores, errores


def test_guardado_con_una_sola_hora_si_el_navegador_esta_en_la_zona_del_evento(app, nuevo_contexto, espacio):  # noqa: F811
    zona_evento = _zona_del_evento(app, espacio)
    pregunta = espacio["rondas"][0][1][5]
    contexto = nuevo_contexto(locale="es-ES", timezone_id=zona_evento, viewport=TELEFONO)
    pagina, errores = entrar(contexto, espacio["correos"]["moderador"])
    pagina.goto(f"/mesas/{espacio['mesa_id']}/")
    bloque = pagina.locator(f"#pregunta-{pregunta}")
    _escribir(bloque.get_by_label("Respuesta del grupo"), "Desde la zona del evento.")
    pagina.keyboard.press("Tab")
    expect(bloque.locator("[data-estado]")).to_have_text(GUARDADO)
    with app.app_context():
        guardada = servicios.actual(espacio["mesa_id"], pregunta).actualizada_en
    expect(bloque.locator("[data-estado]")).to_have_text(f"Guardado {a_local(guardada, zona_evento):%H:%M} (hora del evento)")
    pagina.reload()
    expect(pagina.locator(f"#pregunta-{pregunta} [data-estado]")).to_have_text(
        f"Guardado {a_local(guardada, zona_evento):%H:%M} (hora del evento)")
    assert not errores, errores
