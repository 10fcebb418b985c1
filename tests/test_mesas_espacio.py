"""El espacio de moderación (/mesas/…): quién entra, el guardado sin JavaScript con su conflicto de versiones,
el historial, el marcado inerte y la mesa vista por sus participantes desde su enlace personal."""
from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from sqlalchemy import select

from apoyo import entrar, estatico, token_csrf
from eventos import qr
from eventos.extensiones import db
from eventos.mesas import servicios
from eventos.modelos import Evento, Inscripcion, Mesa, Usuario
from eventos.zonas import a_local, ahora

MALICIOSO = '<script>alert("x")</script> <img src=x onerror=alert(1)>'
PUNTO_MALICIOSO = "<img src=y onerror=alert(2)>"


@pytest.fixture()
def espacio(app, evento_con_equipo):
    """Las Jornadas copiadas: rondas de la mesa A (ids de bloque y preguntas) y una persona inscrita en A."""
    with app.app_context():
        mesa = db.session.get(Mesa, evento_con_equipo["mesa_id"])
        rondas = [(bloque.id, [p.id for p in preguntas])
                  for _guia, bloques in servicios.preguntas_de_mesa(mesa) for bloque, preguntas in bloques]
        inscripcion = Inscripcion(evento_id=mesa.evento_id, mesa_id=mesa.id, nombre="Inés", apellidos="Participante",
                                  correo=f"ines-{uuid.uuid4().hex[:6]}@prueba.org", estado="confirmada",
                                  consentimiento_en=ahora())
        db.session.add(inscripcion)
        db.session.commit()
        datos = {**evento_con_equipo, "rondas": rondas, "token": qr.firmar_gestion(inscripcion),
                 "mesa_nombre": mesa.nombre, "evento_id": mesa.evento_id,
                 "mesa_otra_nombre": db.session.get(Mesa, evento_con_equipo["mesa_otra_id"]).nombre}
    return datos


def _usuario(correo):
    return db.session.execute(select(Usuario).where(Usuario.correo == correo)).scalar_one()


def _guardar_directo(app, datos, quien, texto, version, pregunta_id=None, mesa_id=None, puntos=()):
    with app.app_context():
        contenido = servicios.validar(texto, list(puntos), None)
        guardada = servicios.guardar(mesa_id or datos["mesa_id"], pregunta_id or datos["rondas"][0][1][0], contenido,
                                     version, _usuario(datos["correos"][quien]))
        db.session.commit()  # el servicio no confirma: lo hace quien llama
        return guardada.version


def _post(cliente, datos, pregunta_id, texto, version, puntos="", intervenciones="", con_token=True, mesa_id=None):
    formulario = {"texto": texto, "puntos_clave": puntos, "intervenciones": intervenciones, "version": str(version)}
    if con_token:
        formulario["csrf_token"] = token_csrf(cliente)
    return cliente.post(f"/mesas/{mesa_id or datos['mesa_id']}/preguntas/{pregunta_id}", data=formulario)


def _textarea(html: str, nombre: str) -> str:
    encontrado = re.search(rf'<textarea[^>]*name="{nombre}"[^>]*>(.*?)</textarea>', html, re.S)
    assert encontrado, f"no hay textarea {nombre}"
    return unescape(encontrado.group(1))


def test_sin_sesion_se_pide_entrar(cliente, espacio):
    for ruta in ("/mesas/", f"/mesas/{espacio['mesa_id']}/",
                 f"/mesas/{espacio['mesa_id']}/preguntas/{espacio['rondas'][0][1][0]}/historial"):
        r = cliente.get(ruta)
        assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"], ruta
    r = cliente.post(f"/mesas/{espacio['mesa_id']}/preguntas/{espacio['rondas'][0][1][0]}",
                     data={"texto": "x", "version": "0"})
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]


def test_mis_mesas_lista_la_mesa_que_modera_con_sus_sesiones(cliente, espacio):
    entrar(cliente, espacio["correos"]["moderador"])
    html = cliente.get("/mesas/").get_data(as_text=True)
    assert espacio["mesa_nombre"] in html
    assert espacio["mesa_otra_nombre"] not in html  # no la modera ni organiza el evento
    assert f'href="/mesas/{espacio["mesa_id"]}/"' in html
    assert "Grupos de trabajo temáticos (primera parte)" in html  # sesiones donde se reúne
    assert "0 de 11 preguntas respondidas" in html
    preguntas = espacio["rondas"][0][1]
    _guardar_directo(cliente.application, espacio, "moderador", "Con texto", 0, pregunta_id=preguntas[0])
    _guardar_directo(cliente.application, espacio, "moderador", "", 0, pregunta_id=preguntas[1], puntos=["Solo un acuerdo"])
    _guardar_directo(cliente.application, espacio, "moderador", "", 0, pregunta_id=preguntas[2])  # guardada vacía
    assert "2 de 11 preguntas respondidas" in cliente.get("/mesas/").get_data(as_text=True)
    assert 'href="/mesas/"' in cliente.get("/").get_data(as_text=True)  # «Mis mesas» en la cabecera

    organizacion = cliente.application.test_client()
    entrar(organizacion, espacio["correos"]["organizador"])
    html = organizacion.get("/mesas/").get_data(as_text=True)
    assert espacio["mesa_nombre"] in html and espacio["mesa_otra_nombre"] in html  # las cinco de su evento


def test_la_moderacion_guarda_sin_javascript(app, cliente, espacio):
    entrar(cliente, espacio["correos"]["moderador"])
    (ronda1, preguntas1), (ronda2, preguntas2) = espacio["rondas"][:2]
    html = cliente.get(f"/mesas/{espacio['mesa_id']}/").get_data(as_text=True)
    assert "Modernización de los mecanismos de cooperación" in html
    assert f'action="/mesas/{espacio["mesa_id"]}/preguntas/{preguntas1[0]}"' in html
    assert f'action="/mesas/{espacio["mesa_id"]}/preguntas/{preguntas2[0]}"' not in html  # solo la ronda elegida
    assert f'href="/mesas/{espacio["mesa_id"]}/?bloque={ronda2}"' in html
    assert f'src="{estatico("js/mesa.js")}"' in html

    r = _post(cliente, espacio, preguntas1[0], "Una respuesta con **énfasis**", 0,
              puntos="- Acuerdo uno\n\n  Acuerdo   dos  ", intervenciones="7")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/mesas/{espacio['mesa_id']}/?bloque={ronda1}#pregunta-{preguntas1[0]}")
    html = cliente.get(r.headers["Location"]).get_data(as_text=True)
    assert "Respuesta a la pregunta 1 guardada." in html
    assert "<strong>énfasis</strong>" in html  # vista previa, ya convertida
    assert _textarea(html, "texto") == "Una respuesta con **énfasis**"
    assert _textarea(html, "puntos_clave") == "Acuerdo uno\nAcuerdo dos"
    assert "Versión 1, por" in html
    with app.app_context():
        guardada = servicios.actual(espacio["mesa_id"], preguntas1[0])
        assert (guardada.texto, guardada.puntos_clave, guardada.intervenciones) == \
            ("Una respuesta con **énfasis**", ["Acuerdo uno", "Acuerdo dos"], 7)

    html = cliente.get(f"/mesas/{espacio['mesa_id']}/?bloque={ronda2}").get_data(as_text=True)
    assert f'action="/mesas/{espacio["mesa_id"]}/preguntas/{preguntas2[0]}"' in html
    assert f'action="/mesas/{espacio["mesa_id"]}/preguntas/{preguntas1[0]}"' not in html
    assert "1/8 respondidas" in html  # la ronda 1, en la navegación
    assert cliente.get(f"/mesas/{espacio['mesa_id']}/?bloque=999999").status_code == 404
    assert cliente.get(f"/mesas/{espacio['mesa_id']}/?bloque=abc").status_code == 200


def test_otras_mesas_y_participantes_no_entran_ni_leen(app, cliente, espacio):
    pregunta = espacio["rondas"][0][1][0]
    _guardar_directo(app, espacio, "moderador", "Texto secreto de la mesa A", 0, puntos=["Acuerdo secreto"])
    base = f"/mesas/{espacio['mesa_id']}"
    for quien in ("moderador_otro", "participante", "acreditador", "organizador_otro"):
        otro = app.test_client()
        entrar(otro, espacio["correos"][quien])
        for ruta in (f"{base}/", f"{base}/preguntas/{pregunta}/historial", f"{base}/preguntas/{pregunta}/vista-previa"):
            r = otro.get(ruta)
            assert r.status_code == 403, (quien, ruta)
            assert "Texto secreto" not in r.get_data(as_text=True) and "Acuerdo secreto" not in r.get_data(as_text=True)
        r = _post(otro, espacio, pregunta, "Intrusión", 1)
        assert r.status_code == 403, quien
        listado = otro.get("/mesas/").get_data(as_text=True)
        assert "Texto secreto" not in listado and espacio["mesa_nombre"] not in listado
    with app.app_context():
        assert servicios.actual(espacio["mesa_id"], pregunta).texto == "Texto secreto de la mesa A"
    # La moderación de la otra mesa sí trabaja en la suya.
    otro = app.test_client()
    entrar(otro, espacio["correos"]["moderador_otro"])
    assert otro.get(f"/mesas/{espacio['mesa_otra_id']}/").status_code == 200
    assert _post(otro, espacio, pregunta, "En mi mesa", 0, mesa_id=espacio["mesa_otra_id"]).status_code == 303
    # La organización del evento entra en cualquiera de sus mesas.
    organizacion = app.test_client()
    entrar(organizacion, espacio["correos"]["organizador"])
    assert organizacion.get(f"{base}/").status_code == 200


def test_conflicto_sin_javascript_muestra_los_dos_textos_y_guarda_la_fusion(app, cliente, espacio):
    pregunta = espacio["rondas"][0][1][1]
    entrar(cliente, espacio["correos"]["moderador"])
    assert _post(cliente, espacio, pregunta, "Base común", 0, puntos="Punto base").status_code == 303
    # Otra persona (la organización) guarda sobre la versión 1 mientras la moderación escribe.
    _guardar_directo(app, espacio, "organizador", "Texto de la organización", 1, pregunta_id=pregunta,
                     puntos=["Punto base", "Punto de la organización"])

    r = _post(cliente, espacio, pregunta, "Texto de la moderación", 1, puntos="Punto base\nPunto propio")
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Otra persona guardó esta respuesta" in html
    assert "Texto de la organización" in html and "Texto de la moderación" in html  # los dos, lado a lado
    assert 'class="comparacion"' in html
    assert _textarea(html, "texto") == "Texto de la moderación"  # la fusión parte de lo propio
    assert _textarea(html, "puntos_clave") == "Punto base\nPunto de la organización\nPunto propio"
    assert 'name="version" value="2"' in html  # se guarda sobre la versión vigente
    with app.app_context():
        assert servicios.actual(espacio["mesa_id"], pregunta).texto == "Texto de la organización"  # nada se pisó

    r = _post(cliente, espacio, pregunta, "Texto de la organización. Texto de la moderación", 2,
              puntos="Punto base\nPunto de la organización\nPunto propio")
    assert r.status_code == 303
    with app.app_context():
        vigente = servicios.actual(espacio["mesa_id"], pregunta)
        assert vigente.version == 3 and vigente.texto == "Texto de la organización. Texto de la moderación"
        assert vigente.puntos_clave == ["Punto base", "Punto de la organización", "Punto propio"]


def test_un_formulario_caducado_o_invalido_devuelve_el_texto_sin_guardar(app, cliente, espacio):
    pregunta = espacio["rondas"][0][1][2]
    entrar(cliente, espacio["correos"]["moderador"])
    r = _post(cliente, espacio, pregunta, "Lo que escribí durante una hora", 0, con_token=False)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "caducó" in html and _textarea(html, "texto") == "Lo que escribí durante una hora"
    r = _post(cliente, espacio, pregunta, "Con un número raro", 0, intervenciones="-3")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "intervenciones deben ser un número" in html and _textarea(html, "texto") == "Con un número raro"
    with app.app_context():
        assert servicios.actual(espacio["mesa_id"], pregunta) is None


def test_el_token_renovado_sirve_para_autoguardar(cliente, espacio):
    """El autoguardado renueva su token CSRF (la sesión de trabajo dura más que el de la página)."""
    entrar(cliente, espacio["correos"]["moderador"])
    r = cliente.get("/mesas/token")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
    ruta = f"/api/v1/mesas/{espacio['mesa_id']}/respuestas/{espacio['rondas'][0][1][0]}"
    assert cliente.put(ruta, json={"texto": "x", "version": 0}, headers={"X-CSRFToken": "falso"}).status_code == 400
    r = cliente.put(ruta, json={"texto": "x", "version": 0}, headers={"X-CSRFToken": r.get_json()["csrf_token"]})
    assert r.status_code == 200 and r.get_json()["version"] == 1


def test_el_historial_dice_quien_cuando_y_que(app, cliente, espacio):
    pregunta = espacio["rondas"][1][1][0]
    _guardar_directo(app, espacio, "moderador", "Primer borrador", 0, pregunta_id=pregunta, puntos=["Idea inicial"])
    _guardar_directo(app, espacio, "organizador", "Versión revisada", 1, pregunta_id=pregunta, puntos=["Idea final"])
    entrar(cliente, espacio["correos"]["moderador"])
    r = cliente.get(f"/mesas/{espacio['mesa_id']}/preguntas/{pregunta}/historial")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    with app.app_context():
        versiones = servicios.actual(espacio["mesa_id"], pregunta).historial
        zona = db.session.get(Evento, espacio["evento_id"]).zona_horaria
        horas = [a_local(v.guardada_en, zona).strftime("%H:%M") for v in versiones]
        nombres = [v.usuario.nombre for v in versiones]
    assert [v for v in ("Versión revisada", "Primer borrador") if v in html] == ["Versión revisada", "Primer borrador"]
    assert html.index("Versión revisada") < html.index("Primer borrador")  # la más reciente primero
    assert "Idea final" in html and "Idea inicial" in html
    for nombre, hora in zip(nombres, horas):
        assert nombre in html and hora in html  # hora de reloj de la zona del evento
    assert "Versión 2" in html and "Versión 1" in html


def test_el_marcado_de_las_respuestas_queda_inerte_en_todas_partes(app, cliente, espacio):
    pregunta = espacio["rondas"][0][1][0]
    _guardar_directo(app, espacio, "moderador", MALICIOSO, 0, puntos=[PUNTO_MALICIOSO])
    with app.app_context():
        db.session.get(Evento, espacio["evento_id"]).respuestas_publicadas = True
        db.session.commit()
    entrar(cliente, espacio["correos"]["moderador"])
    paginas = {
        "espacio": cliente.get(f"/mesas/{espacio['mesa_id']}/"),
        "historial": cliente.get(f"/mesas/{espacio['mesa_id']}/preguntas/{pregunta}/historial"),
        "vista previa": cliente.get(f"/mesas/{espacio['mesa_id']}/preguntas/{pregunta}/vista-previa"),
        "conflicto": _post(cliente, espacio, pregunta, "otra cosa", 0),
        "participante": app.test_client().get(f"/inscripcion/{espacio['token']}"),
    }
    for nombre, r in paginas.items():
        html = r.get_data(as_text=True)
        assert r.status_code in (200, 409), nombre
        assert "<script>alert" not in html and "<img src=x" not in html and "<img src=y" not in html, nombre
        assert "&lt;script&gt;alert" in html and "&lt;img src=y onerror=alert(2)&gt;" in html, nombre


def test_la_persona_inscrita_lee_la_guia_antes_y_las_respuestas_al_publicarse(app, espacio):
    (_, preguntas1), _ronda2 = espacio["rondas"][:2]
    _guardar_directo(app, espacio, "moderador", "Respuesta de la mesa A", 0, pregunta_id=preguntas1[0],
                     puntos=["Acuerdo de la mesa A"])
    _guardar_directo(app, espacio, "moderador_otro", "Respuesta de la mesa B", 0, pregunta_id=preguntas1[0],
                     mesa_id=espacio["mesa_otra_id"])
    visitante = app.test_client()
    html = visitante.get(f"/inscripcion/{espacio['token']}").get_data(as_text=True)
    assert f"Su mesa: {espacio['mesa_nombre']}" in html
    assert "¿Sigue teniendo relevancia los intercambios entre la UE y AL?" in html  # la guía, antes de la sesión
    assert "Políticas públicas/cohesión social" in html
    assert "Grupos de trabajo temáticos (segunda parte)" in html
    assert "Respuesta de la mesa A" not in html and "Acuerdo de la mesa A" not in html
    assert "aparecerán aquí cuando la organización las publique" in html

    with app.app_context():
        db.session.get(Evento, espacio["evento_id"]).respuestas_publicadas = True
        db.session.commit()
    html = visitante.get(f"/inscripcion/{espacio['token']}").get_data(as_text=True)
    assert "Respuesta de la mesa A" in html and "Acuerdo de la mesa A" in html
    assert "Respuesta de la mesa B" not in html  # solo las de su mesa
    assert "La mesa no registró respuesta a esta pregunta." in html
