"""Respuestas de las mesas por la API: versiones sin pisarse, historial, y quién puede leer y escribir."""
from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import select

from apoyo import crear_usuario, entrar, token_csrf
from eventos.extensiones import db
from eventos.mesas import servicios
from eventos.modelos import Evento, Mesa, Respuesta, TokenApi, Usuario, VersionRespuesta


@pytest.fixture()
def mesas(app, evento_con_equipo):
    """Las Jornadas copiadas, con una clave de API para cada persona y las preguntas de la guía común."""
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        mesa = db.session.get(Mesa, evento_con_equipo["mesa_id"])
        preguntas = [p.id for _g, bloques in servicios.preguntas_de_mesa(mesa) for _b, ps in bloques for p in ps]
        segundo_moderador = crear_usuario(f"relatora-{uuid.uuid4().hex[:6]}@prueba.org", "Relatora Segunda")
        mesa.moderadores.append(segundo_moderador)
        claves = {}
        for rol, correo in {**evento_con_equipo["correos"], "relatora": segundo_moderador.correo}.items():
            usuario = db.session.execute(select(Usuario).where(Usuario.correo == correo)).scalar_one()
            claves[rol] = TokenApi.crear(usuario, "pruebas")[1]
        db.session.commit()
        datos = {**evento_con_equipo, "preguntas": preguntas, "claves": claves, "evento_id": evento.id,
                 "relatora": segundo_moderador.correo}
    yield datos
    with app.app_context():
        db.session.delete(db.session.execute(select(Usuario).where(Usuario.correo == datos["relatora"])).scalar_one())
        db.session.commit()


def _guardar(cliente, datos, quien, texto, version, pregunta=0, mesa_id=None, **extra):
    return cliente.put(f"/api/v1/mesas/{mesa_id or datos['mesa_id']}/respuestas/{datos['preguntas'][pregunta]}",
                       json={"texto": texto, "puntos_clave": extra.pop("puntos", []), "version": version, **extra},
                       headers={"Authorization": f"Bearer {datos['claves'][quien]}"})


def test_la_moderacion_guarda_y_cada_guardado_sube_la_version(cliente, mesas):
    r = _guardar(cliente, mesas, "moderador", "Primera idea", 0, puntos=["Acuerdo A", "  ", "Acuerdo B"],
                 intervenciones=7)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["version"] == 1
    assert r.get_json()["puntos_clave"] == ["Acuerdo A", "Acuerdo B"]
    assert r.get_json()["intervenciones"] == 7
    r = _guardar(cliente, mesas, "moderador", "Primera idea, ampliada", 1)
    assert r.status_code == 200 and r.get_json()["version"] == 2


def test_dos_personas_sobre_la_misma_version_no_se_pisan(app, cliente, mesas):
    assert _guardar(cliente, mesas, "moderador", "Base común", 0).status_code == 200
    primera = _guardar(cliente, mesas, "moderador", "Texto de quien modera", 1)
    segunda = _guardar(cliente, mesas, "relatora", "Texto de la relatora", 1)
    assert primera.status_code == 200
    assert segunda.status_code == 409
    cuerpo = segunda.get_json()
    assert cuerpo["actual"]["texto"] == "Texto de quien modera" and cuerpo["actual"]["version"] == 2
    assert cuerpo["enviado"]["texto"] == "Texto de la relatora"
    assert "Otra persona guardó" in cuerpo["mensaje"]
    # Tras fusionar, guarda sobre la versión vigente.
    fusion = _guardar(cliente, mesas, "relatora", "Texto de quien modera. Texto de la relatora", 2)
    assert fusion.status_code == 200 and fusion.get_json()["version"] == 3
    with app.app_context():
        respuesta = servicios.actual(mesas["mesa_id"], mesas["preguntas"][0])
        assert respuesta.texto == "Texto de quien modera. Texto de la relatora"


def test_la_primera_respuesta_simultanea_tampoco_se_pisa(app, cliente, mesas):
    assert _guardar(cliente, mesas, "moderador", "Llegué primero", 0).status_code == 200
    r = _guardar(cliente, mesas, "relatora", "Yo también empecé de cero", 0)
    assert r.status_code == 409 and r.get_json()["actual"]["texto"] == "Llegué primero"


def test_guardados_simultaneos_dejan_exactamente_uno_por_version(app, mesas):
    """Ocho guardados a la vez sobre la versión 1: uno gana, siete reciben 409; la versión queda en 2."""
    cliente = app.test_client()
    assert _guardar(cliente, mesas, "moderador", "Base", 0).status_code == 200
    barrera = threading.Barrier(8)
    codigos = []

    def escribir(n):
        propio = app.test_client()
        barrera.wait()
        codigos.append(_guardar(propio, mesas, "moderador" if n % 2 else "relatora", f"Versión {n}", 1).status_code)

    hilos = [threading.Thread(target=escribir, args=(n,)) for n in range(8)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(30)
    assert sorted(codigos) == [200] + [409] * 7
    with app.app_context():
        assert servicios.actual(mesas["mesa_id"], mesas["preguntas"][0]).version == 2


def test_el_historial_dice_quien_cuando_y_que(app, cliente, mesas):
    _guardar(cliente, mesas, "moderador", "Borrador", 0)
    _guardar(cliente, mesas, "moderador", "Borrador corregido", 1)  # misma racha: una entrada
    _guardar(cliente, mesas, "relatora", "Versión de la relatora", 2)
    with app.app_context():
        respuesta = servicios.actual(mesas["mesa_id"], mesas["preguntas"][0])
        historial = [(v.version, v.usuario.correo, v.texto) for v in respuesta.historial]
        assert historial == [(3, mesas["relatora"], "Versión de la relatora"),
                             (2, mesas["correos"]["moderador"], "Borrador corregido")]
        assert all(v.guardada_en is not None for v in respuesta.historial)


def test_lo_que_no_se_puede_guardar_recibe_un_400_claro(cliente, mesas):
    casos = [({"texto": 5, "version": 0}, "texto"), ({"texto": "x", "version": "uno"}, "versión"),
             ({"texto": "x", "version": 0, "puntos_clave": "no es lista"}, "puntos clave"),
             ({"texto": "x", "version": 0, "intervenciones": -3}, "intervenciones"),
             ({"texto": "x" * 20_001, "version": 0}, "caracteres"),
             ({"texto": "x", "version": 4}, "versión 0")]
    for cuerpo, mensaje in casos:
        r = cliente.put(f"/api/v1/mesas/{mesas['mesa_id']}/respuestas/{mesas['preguntas'][0]}", json=cuerpo,
                        headers={"Authorization": f"Bearer {mesas['claves']['moderador']}"})
        assert r.status_code == 400, cuerpo
        assert mensaje in r.get_json()["mensaje"], (cuerpo, r.get_json())


def test_otra_mesa_no_puede_escribir_ni_leer(app, cliente, mesas):
    r = _guardar(cliente, mesas, "moderador_otro", "Intrusión", 0)
    assert r.status_code == 403
    r = _guardar(cliente, mesas, "participante", "Intrusión", 0)
    assert r.status_code == 403
    for quien in ("moderador", "moderador_otro", "participante", "acreditador"):
        r = cliente.get(f"/api/v1/eventos/{mesas['slug']}/respuestas",
                        headers={"Authorization": f"Bearer {mesas['claves'][quien]}"})
        assert r.status_code == 403, quien
    assert cliente.put(f"/api/v1/mesas/{mesas['mesa_id']}/respuestas/{mesas['preguntas'][0]}",
                       json={"texto": "x", "version": 0}).status_code == 401
    with app.app_context():
        assert db.session.execute(select(Respuesta).where(Respuesta.mesa_id == mesas["mesa_id"])).first() is None


def test_una_pregunta_ajena_a_la_guia_de_la_mesa_es_404(app, cliente, mesas):
    with app.app_context():
        otro = db.session.execute(select(Evento).where(Evento.slug == mesas["otro_slug"])).scalar_one()
        ajena = next(p.id for g in otro.guias for p in g.preguntas)
    r = cliente.put(f"/api/v1/mesas/{mesas['mesa_id']}/respuestas/{ajena}", json={"texto": "x", "version": 0},
                    headers={"Authorization": f"Bearer {mesas['claves']['moderador']}"})
    assert r.status_code == 404


def test_la_organizacion_lee_todas_las_respuestas_en_el_orden_de_la_guia(cliente, mesas):
    _guardar(cliente, mesas, "moderador", "Respuesta a la 2", 0, pregunta=1)
    _guardar(cliente, mesas, "moderador", "Respuesta a la 1", 0, pregunta=0)
    r = cliente.get(f"/api/v1/eventos/{mesas['slug']}/respuestas",
                    headers={"Authorization": f"Bearer {mesas['claves']['organizador']}"})
    assert r.status_code == 200
    cuerpo = r.get_json()
    assert len(cuerpo["mesas"]) == 5
    assert [p["id"] for p in cuerpo["preguntas"]][:2] == mesas["preguntas"][:2]
    assert [x["texto"] for x in cuerpo["respuestas"]] == ["Respuesta a la 1", "Respuesta a la 2"]
    assert cuerpo["respuestas"][0]["actualizada_por"] is not None


def test_con_sesion_del_navegador_hace_falta_csrf(app, mesas):
    cliente = app.test_client()
    entrar(cliente, mesas["correos"]["moderador"])
    ruta = f"/api/v1/mesas/{mesas['mesa_id']}/respuestas/{mesas['preguntas'][0]}"
    assert cliente.put(ruta, json={"texto": "x", "version": 0}).status_code == 400
    r = cliente.put(ruta, json={"texto": "x", "version": 0}, headers={"X-CSRFToken": token_csrf(cliente)})
    assert r.status_code == 200
    with app.app_context():
        assert db.session.execute(select(VersionRespuesta).join(Respuesta).where(
            Respuesta.mesa_id == mesas["mesa_id"])).scalars().one().texto == "x"


def test_un_borrado_grande_abre_otra_entrada_del_historial(app, cliente, mesas):
    """Aunque sea la misma persona en la misma racha: el texto borrado sigue en el historial."""
    largo = "Acordamos tres líneas de trabajo para la cooperación descentralizada. " * 5
    _guardar(cliente, mesas, "moderador", largo, 0)
    _guardar(cliente, mesas, "moderador", largo + "Y una cuarta.", 1)  # misma racha: se funde
    _guardar(cliente, mesas, "moderador", "Acordamos", 2)  # borró casi todo
    with app.app_context():
        respuesta = servicios.actual(mesas["mesa_id"], mesas["preguntas"][0])
        assert [v.texto for v in respuesta.historial] == ["Acordamos", largo + "Y una cuarta."]


def test_repetir_un_guardado_cuya_respuesta_se_perdio_no_es_un_conflicto(cliente, mesas):
    primera = _guardar(cliente, mesas, "moderador", "Texto guardado", 0, puntos=["Uno"])
    repetida = _guardar(cliente, mesas, "moderador", "Texto guardado", 0, puntos=["Uno"])
    assert repetida.status_code == 200 and repetida.get_json()["version"] == primera.get_json()["version"] == 1
    # Otro texto sobre la misma versión vieja sí es un conflicto.
    assert _guardar(cliente, mesas, "moderador", "Texto distinto", 0).status_code == 409
