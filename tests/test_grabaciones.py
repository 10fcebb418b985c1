"""Grabación de una sesión: se escribe en la oficina (solo http:// o https://) y la página pública de la
sesión la enlaza cuando la sesión termina, aunque la página ya estuviera en la caché."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from werkzeug.datastructures import MultiDict

from apoyo import campos_del_formulario, crear_usuario, entrar
from eventos.extensiones import db
from eventos.modelos import Evento, Sesion, Usuario

GRABACION = "https://video.example.org/seminario/apertura"


@pytest.fixture()
def oficina(app):
    """Un cliente con la sesión iniciada por una persona administradora (se borra al terminar)."""
    correo = f"admin-grabaciones-{uuid.uuid4().hex[:8]}@prueba.org"
    with app.app_context():
        crear_usuario(correo, admin=True)
        db.session.commit()
    cliente = app.test_client()
    entrar(cliente, correo)
    yield cliente
    with app.app_context():
        db.session.delete(db.session.execute(db.select(Usuario).where(Usuario.correo == correo)).scalar_one())
        db.session.commit()


def _guardar_en_la_oficina(cliente, evento, clave, **cambios):
    """Envía el formulario de la sesión tal como la oficina lo muestra, con `cambios` escritos encima."""
    ruta = f"/organizacion/eventos/{evento.slug}/sesiones/{evento.sesiones[clave]}"
    campos = MultiDict(campos_del_formulario(cliente.get(ruta).get_data(as_text=True)))
    for nombre, valor in cambios.items():
        campos[nombre] = valor
    return cliente.post(ruta, data=campos)


def _sesion(app, evento, clave) -> Sesion:
    with app.app_context():
        sesion = db.session.get(Sesion, evento.sesiones[clave])
        db.session.expunge(sesion)
        return sesion


def _version(app, evento) -> int:
    with app.app_context():
        return db.session.get(Evento, evento.id).version_programa


@pytest.mark.parametrize("valor", ["javascript:alert(1)", "ftp://video.example.org/apertura",
                                   "data:text/html,<script>alert(1)</script>", "video.example.org/apertura",
                                   "https://video.example.org/con espacio"])
def test_la_oficina_solo_acepta_grabaciones_http_o_https(app, oficina, eventos_prueba, valor):
    evento = eventos_prueba()
    antes = _sesion(app, evento, "apertura")
    respuesta = _guardar_en_la_oficina(oficina, evento, "apertura", grabacion=valor, titulo="Otro título")
    assert respuesta.status_code == 400
    assert "debe ser una dirección http:// o https://" in respuesta.get_data(as_text=True)
    despues = _sesion(app, evento, "apertura")
    assert (despues.grabacion, despues.titulo, despues.secuencia) == ("", antes.titulo, antes.secuencia)


def test_la_grabacion_se_guarda_se_muestra_en_el_formulario_y_no_cambia_lo_demas(app, oficina, eventos_prueba):
    evento = eventos_prueba()
    antes = _sesion(app, evento, "apertura")
    assert _guardar_en_la_oficina(oficina, evento, "apertura", grabacion=f"  {GRABACION} ").status_code == 302
    despues = _sesion(app, evento, "apertura")
    assert despues.grabacion == GRABACION
    columnas = [c.key for c in Sesion.__table__.columns if c.key not in ("grabacion", "secuencia", "actualizado_en")]
    assert {c: getattr(despues, c) for c in columnas} == {c: getattr(antes, c) for c in columnas}
    pagina = oficina.get(f"/organizacion/eventos/{evento.slug}/sesiones/{evento.sesiones['apertura']}")
    assert ("grabacion", GRABACION) in campos_del_formulario(pagina.get_data(as_text=True))
    # Borrarla en el formulario la quita.
    assert _guardar_en_la_oficina(oficina, evento, "apertura", grabacion="").status_code == 302
    assert _sesion(app, evento, "apertura").grabacion == ""


@pytest.mark.reloj
def test_la_pagina_de_la_sesion_enlaza_la_grabacion_solo_cuando_termina(app, oficina, eventos_prueba):
    """La página pública, ya guardada en la caché (y con su ETag en el navegador), cambia sola al terminar la
    sesión: sin tocar el programa entre una petición y otra."""
    evento = eventos_prueba()
    assert _guardar_en_la_oficina(oficina, evento, "apertura", grabacion=GRABACION).status_code == 302
    fin = _sesion(app, evento, "apertura").fin
    version = _version(app, evento)
    publico = app.test_client()
    pagina = f"/eventos/{evento.slug}/sesiones/apertura"

    with time_machine.travel(fin - timedelta(minutes=1), tick=False):
        antes = publico.get(pagina)
        assert antes.status_code == 200
        assert "Ver la grabación" not in antes.get_data(as_text=True)
        assert GRABACION not in antes.get_data(as_text=True)
        assert publico.get(pagina, headers={"If-None-Match": antes.headers["ETag"]}).status_code == 304

    with time_machine.travel(fin, tick=False):
        despues = publico.get(pagina, headers={"If-None-Match": antes.headers["ETag"]})
        assert despues.status_code == 200 and despues.headers["ETag"] != antes.headers["ETag"]
        assert f'<a href="{GRABACION}" rel="noopener noreferrer">Ver la grabación</a>' in despues.get_data(as_text=True)
    assert _version(app, evento) == version, "el programa no cambió entre las dos peticiones"

    # Otra sesión ya terminada, pero sin grabación, no enlaza nada.
    with time_machine.travel(_sesion(app, evento, "trabajo").fin, tick=False):
        otra = publico.get(f"/eventos/{evento.slug}/sesiones/trabajo")
        assert otra.status_code == 200 and "Ver la grabación" not in otra.get_data(as_text=True)
