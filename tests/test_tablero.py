"""Tablero en vivo de la plenaria: quién lo ve (organización siempre; los demás, solo con las respuestas
publicadas), el JSON con cursor (solo lo nuevo) y 304 cuando nada cambió, y texto siempre inerte."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from apoyo import entrar, estatico
from eventos.extensiones import db
from eventos.mesas import servicios
from eventos.modelos import Evento, Respuesta, Usuario
from eventos.zonas import ahora

PELIGROSA = "<script>alert(1)</script> <img src=x onerror=alert(2)> =HYPERLINK(\"http://malo\")"


def _guardar(app, datos, mesa_id, pregunta_id, texto, puntos=(), version=None):
    with app.app_context():
        autora = db.session.execute(select(Usuario).where(Usuario.correo == datos["correos"]["moderador"])).scalar_one()
        if version is None:
            vigente = servicios.actual(mesa_id, pregunta_id)
            version = vigente.version if vigente else 0
        guardada = servicios.guardar(mesa_id, pregunta_id, servicios.validar(texto, list(puntos), 2), version, autora)
        db.session.commit()  # el servicio no confirma: lo hace quien llama
        return guardada.version


@pytest.fixture()
def tablero(app, evento_con_equipo):
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        preguntas = [p.id for p in servicios.matriz(evento).preguntas]
    datos = {**evento_con_equipo, "evento_id": evento.id, "preguntas": preguntas,
             "ruta": f"/mesas/tablero/{evento_con_equipo['slug']}",
             "json": f"/mesas/tablero/{evento_con_equipo['slug']}/respuestas.json"}
    _guardar(app, datos, datos["mesa_id"], preguntas[0], "Primera respuesta de la mesa uno", ["Acuerdo uno"])
    _guardar(app, datos, datos["mesa_otra_id"], preguntas[1], PELIGROSA, ["<b>negrita</b>", "=1+1"])
    return datos


def _publicar(app, datos, valor=True):
    with app.app_context():
        db.session.execute(update(Evento).where(Evento.id == datos["evento_id"]).values(respuestas_publicadas=valor))
        db.session.commit()


def test_sin_publicar_solo_lo_ve_la_organizacion(app, tablero):
    anonimo = app.test_client()
    r = anonimo.get(tablero["ruta"])
    assert r.status_code == 403
    assert "todavía no ha publicado las respuestas" in r.get_data(as_text=True)
    assert "Primera respuesta" not in r.get_data(as_text=True)
    assert anonimo.get(tablero["json"]).status_code == 403
    for persona in ("moderador", "moderador_otro", "participante", "organizador_otro", "acreditador"):
        cliente = app.test_client()
        entrar(cliente, tablero["correos"][persona])
        assert cliente.get(tablero["ruta"]).status_code == 403, persona
        assert cliente.get(tablero["json"]).status_code == 403, persona
    for persona in ("organizador", "admin"):
        cliente = app.test_client()
        entrar(cliente, tablero["correos"][persona])
        r = cliente.get(tablero["ruta"])
        assert r.status_code == 200, persona
        assert "Primera respuesta de la mesa uno" in r.get_data(as_text=True)
        assert "Vista de la organización" in r.get_data(as_text=True)


def test_publicadas_lo_ve_cualquiera_sin_sesion(app, tablero):
    _publicar(app, tablero)
    anonimo = app.test_client()
    r = anonimo.get(tablero["ruta"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Primera respuesta de la mesa uno" in html and "Acuerdo uno" in html
    assert "Vista de la organización" not in html
    assert f'src="{estatico("js/tablero.js")}"' in html
    assert anonimo.get(tablero["json"]).status_code == 200


def test_un_evento_sin_publicar_no_tiene_tablero_publico(app, tablero):
    """Aunque sus respuestas estén marcadas como publicadas, un evento en borrador no se ve fuera del equipo."""
    _publicar(app, tablero)
    with app.app_context():
        db.session.execute(update(Evento).where(Evento.id == tablero["evento_id"]).values(estado="borrador"))
        db.session.commit()
    assert app.test_client().get(tablero["ruta"]).status_code == 404
    assert app.test_client().get("/mesas/tablero/no-existe").status_code == 404


def test_el_texto_de_las_respuestas_es_inerte_en_el_tablero(app, tablero):
    _publicar(app, tablero)
    cliente = app.test_client()
    html = cliente.get(tablero["ruta"]).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>negrita" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;negrita&lt;/b&gt;" in html
    datos = cliente.get(tablero["json"]).get_json()
    peligrosa = next(r for r in datos["respuestas"] if r["mesa_id"] == tablero["mesa_otra_id"])
    assert "<script" not in peligrosa["html"] and "<img" not in peligrosa["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in peligrosa["html"]
    assert peligrosa["puntos_clave"] == ["<b>negrita</b>", "=1+1"]  # texto: el navegador lo pone con textContent


def test_el_json_con_cursor_da_solo_lo_nuevo_y_304_si_nada_cambio(app, tablero):
    _publicar(app, tablero)
    with app.app_context():  # lo ya guardado es de hace una hora
        db.session.execute(update(Respuesta).where(Respuesta.mesa_id.in_([tablero["mesa_id"], tablero["mesa_otra_id"]]))
                           .values(actualizada_en=ahora() - timedelta(hours=1)))
        db.session.commit()
    cliente = app.test_client()
    primera = cliente.get(tablero["json"])
    todas = primera.get_json()
    assert todas["total"] == 2 and len(todas["respuestas"]) == 2
    assert primera.headers["ETag"] and "no-cache" in primera.headers["Cache-Control"]
    cursor, etag = todas["cursor"], primera.headers["ETag"]

    # Nada cambió: 304 sin cuerpo, y también con el cursor.
    r = cliente.get(tablero["json"], query_string={"desde": cursor}, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.data == b""

    version = _guardar(app, tablero, tablero["mesa_otra_id"], tablero["preguntas"][3], "Respuesta nueva de la mesa dos")
    r = cliente.get(tablero["json"], query_string={"desde": cursor}, headers={"If-None-Match": etag})
    assert r.status_code == 200
    nuevas = r.get_json()["respuestas"]
    assert [(n["mesa_id"], n["pregunta_id"], n["version"]) for n in nuevas] == [
        (tablero["mesa_otra_id"], tablero["preguntas"][3], version)]
    assert "Respuesta nueva de la mesa dos" in nuevas[0]["html"] and nuevas[0]["hora"]
    assert r.get_json()["cursor"] > cursor and r.headers["ETag"] != etag
    assert r.get_json()["total"] == 3

    # Un nuevo guardado de una respuesta existente también cambia la etiqueta.
    etag = r.headers["ETag"]
    _guardar(app, tablero, tablero["mesa_id"], tablero["preguntas"][0], "Primera respuesta, corregida")
    r = cliente.get(tablero["json"], query_string={"desde": r.get_json()["cursor"]}, headers={"If-None-Match": etag})
    assert r.status_code == 200
    assert any("corregida" in n["html"] for n in r.get_json()["respuestas"])


def test_la_pagina_lleva_el_cursor_y_la_etiqueta_del_estado(app, tablero):
    """El primer sondeo tras cargar la página, sin cambios, es un 304: la página y el JSON comparten etiqueta."""
    import re
    _publicar(app, tablero)
    cliente = app.test_client()
    html = cliente.get(tablero["ruta"]).get_data(as_text=True)
    cursor = re.search(r'data-cursor="([^"]+)"', html).group(1)
    sello = re.search(r'data-sello="([^"]+)"', html).group(1)
    r = cliente.get(tablero["json"], query_string={"desde": cursor}, headers={"If-None-Match": f'"{sello}"'})
    assert r.status_code == 304


def test_un_cursor_no_valido_es_un_400_claro(app, tablero):
    entrar(cliente := app.test_client(), tablero["correos"]["organizador"])
    for desde in ("ayer", "2026-01-01", "2026-01-01T10:00:00"):
        r = cliente.get(tablero["json"], query_string={"desde": desde})
        assert r.status_code == 400, desde
        assert "ISO 8601" in r.get_json()["mensaje"]


def test_el_tablero_se_puede_limitar_a_una_ronda(app, tablero):
    _publicar(app, tablero)
    with app.app_context():
        evento = db.session.get(Evento, tablero["evento_id"])
        m = servicios.matriz(evento)
        primero, segundo = [b for _g, bloques in m.guias for b, _p in bloques]
        primero_id, segundo_id = primero.id, segundo.id
        de_segundo = [p.id for p in segundo.preguntas]
    cliente = app.test_client()
    html = cliente.get(tablero["ruta"], query_string={"bloque": segundo_id}).get_data(as_text=True)
    assert f'data-pregunta-tablero="{de_segundo[0]}"' in html
    assert f'data-pregunta-tablero="{tablero["preguntas"][0]}"' not in html
    assert cliente.get(tablero["ruta"], query_string={"bloque": primero_id}).status_code == 200
    assert cliente.get(tablero["ruta"], query_string={"bloque": "x"}).status_code == 400


def test_ids_enormes_y_cursores_imposibles_no_son_un_500(app):
    from eventos.zonas import leer_iso
    cliente = app.test_client()
    assert cliente.get(f"/mesas/{2**40}/").status_code in (302, 404)
    assert leer_iso("0001-01-01T00:00:00+01:00") is None  # no cabe en UTC: antes, OverflowError (500)
