"""Cada formulario y cada API de escritura del mapa de URL, con valores hostiles: nunca un 5xx, y un 4xx
no deja nada guardado a medias. Las rutas nuevas entran solas (como en la matriz de autorización).

Los formularios se buscan en las páginas (la oficina, como administración; las públicas, sin cuenta) y
se envían con todos sus campos a la vez con el mismo valor hostil, conservando el token CSRF.
"""
import json
from urllib.parse import urlsplit

import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from sqlalchemy import select

from apoyo import entrar, token_csrf
from eventos.entrada import tiene_prohibidos
from eventos.extensiones import db
from eventos.modelos import Evento
from test_autorizacion import reglas, ruta_con_valores, valores
from test_formularios_oficina import foto_bd

HOSTILES = ["\x00", "a\x1b[31mb", "x" * 1_000_000, "Ana\u202egnp.exe", "9" * 40, "-1", "9999-99-99",
            "0000-00-00T00:00", "Mars/Olympus", "../../etc/passwd", "línea\r\notra", "<script>alert(1)</script>"]
JSON_HOSTILES = ["[" * 5000, '{"a": "\\u0000"}', '{"codigo": 1e999, "sesion_id": 99999999999999999999}',
                 '{"inscripcion_id": true, "texto": ["x"], "version": "1"}', '"solo un texto"', "{", "null",
                 json.dumps({"texto": "x" * 2_000_000})]


def _paginas(app, valores_, prefijos):
    for regla, metodo in reglas(app):
        if metodo == "GET" and regla.rule.startswith(prefijos):
            yield ruta_con_valores(app, regla, valores_)


def _formularios(app, cliente, rutas):
    """(acción, campos) de cada formulario POST distinto que aparece en esas páginas."""
    adaptador, vistos = app.url_map.bind("localhost"), set()
    for ruta in rutas:
        pagina = cliente.get(ruta)
        if pagina.status_code != 200 or pagina.mimetype != "text/html":
            continue
        for formulario in lxml.html.fromstring(pagina.get_data(as_text=True)).forms:
            accion = urlsplit(formulario.action or ruta).path
            if (formulario.method or "GET").upper() != "POST" or accion in vistos:
                continue
            campos = formulario.form_values()
            if any(nombre != "csrf_token" for nombre, _ in campos):
                adaptador.match(accion, method="POST")  # existe
                vistos.add(accion)
                yield accion, [nombre for nombre, _ in campos if nombre != "csrf_token"] or \
                    [nombre for nombre in formulario.fields.keys() if nombre != "csrf_token"]


def _sin_prohibidos(foto) -> bool:
    return not any(isinstance(valor, str) and tiene_prohibidos(valor)
                   for filas in foto.values() for fila in filas for valor in fila)


def _probar(app, cliente, accion, campos):
    token = token_csrf(cliente)
    for hostil in HOSTILES:
        antes = foto_bd(app)
        datos = MultiDict([("csrf_token", token)] + [(nombre, hostil) for nombre in campos])
        r = cliente.post(accion, data=datos)
        assert r.status_code < 500, f"{accion} con {hostil[:20]!r}: {r.status_code}"
        despues = foto_bd(app)
        if r.status_code >= 400:
            cambios = [t for t in antes if antes[t] != despues[t]]
            assert not cambios, f"{accion} con {hostil[:20]!r} respondió {r.status_code} y cambió {cambios}"
        assert _sin_prohibidos(despues), f"{accion} guardó caracteres prohibidos con {hostil[:20]!r}"


@pytest.mark.lento
def test_formularios_de_la_oficina_con_valores_hostiles(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    formularios = list(_formularios(app, cliente, _paginas(app, valores(app, evento_con_equipo), ("/organizacion/",))))
    assert len(formularios) >= 20
    for accion, campos in formularios:
        _probar(app, cliente, accion, campos)


@pytest.mark.lento
def test_formularios_publicos_con_valores_hostiles(app, evento_con_equipo):
    with app.app_context():  # la próxima edición de la demostración tiene la inscripción abierta
        slug = db.session.execute(select(Evento.slug).where(Evento.edicion_anterior_id.isnot(None))
                                  .order_by(Evento.id)).scalars().first()
    cliente = app.test_client()
    abiertos = [f"/eventos/{slug}/inscripcion", "/cuentas/entrar", "/cuentas/recuperar"]
    formularios = list(_formularios(app, cliente, abiertos))
    assert len(formularios) >= 3
    for accion, campos in formularios:
        _probar(app, cliente, accion, campos)


def test_apis_de_escritura_con_cuerpos_hostiles(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    cabeceras = {"X-CSRFToken": token_csrf(cliente), "Content-Type": "application/json"}
    valores_ = valores(app, evento_con_equipo)
    probadas = 0
    for regla, metodo in reglas(app):
        if not regla.rule.startswith("/api/") or metodo not in ("POST", "PUT", "PATCH", "DELETE"):
            continue
        ruta = ruta_con_valores(app, regla, valores_)
        for cuerpo in JSON_HOSTILES:
            antes = foto_bd(app)
            r = cliente.open(ruta, method=metodo, data=cuerpo, headers=cabeceras)
            assert 400 <= r.status_code < 500, f"{metodo} {ruta} con {cuerpo[:20]!r}: {r.status_code}"
            assert foto_bd(app) == antes, f"{metodo} {ruta} con {cuerpo[:20]!r} guardó algo"
        probadas += 1
    assert probadas >= 2
