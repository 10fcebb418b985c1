"""/api/v1/preparado: el balanceador saca del reparto al proceso que no llega a la base de datos o a Redis.
200 con el estado de cada uno; 503, con la razón, si alguno no responde; nunca desde una caché."""
from __future__ import annotations

import pytest

from apoyo import redis_de_pruebas
from apoyo_gunicorn import puerto_libre
from app import create_app
from eventos.config import opciones_motor


def _preparado(aplicacion):
    respuesta = aplicacion.test_client().get("/api/v1/preparado")
    assert respuesta.headers["Cache-Control"] == "no-store"
    return respuesta.status_code, respuesta.get_json()


def test_con_todo_en_marcha_responde_200(app):
    codigo, cuerpo = _preparado(app)
    assert codigo == 200
    assert cuerpo == {"estado": "ok", "servicios": {"base_de_datos": {"estado": "ok"},
                                                     "redis": {"estado": "sin_configurar"}}}


def test_con_redis_caido_responde_503_y_dice_por_que(app):
    sin_redis = create_app({**app.config, "REDIS_URL": f"redis://127.0.0.1:{puerto_libre()}/0"})
    codigo, cuerpo = _preparado(sin_redis)
    assert codigo == 503 and cuerpo["estado"] == "fallo"
    assert cuerpo["servicios"]["base_de_datos"] == {"estado": "ok"}
    assert cuerpo["servicios"]["redis"]["estado"] == "fallo"
    assert cuerpo["servicios"]["redis"]["razon"].startswith("Redis no responde")


def test_con_redis_en_marcha_responde_200(app):
    url = redis_de_pruebas(12)
    try:
        import redis
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Sin Redis en {url}: {error}")
    codigo, cuerpo = _preparado(create_app({**app.config, "REDIS_URL": url}))
    assert codigo == 200 and cuerpo["servicios"]["redis"] == {"estado": "ok"}


def test_con_la_base_de_datos_caida_responde_503_y_dice_por_que(app):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{puerto_libre()}/eventos"  # nadie escucha en ese puerto
    sin_base = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": opciones_motor(url)})
    codigo, cuerpo = _preparado(sin_base)
    assert codigo == 503 and cuerpo["estado"] == "fallo"
    assert cuerpo["servicios"]["base_de_datos"]["estado"] == "fallo"
    assert cuerpo["servicios"]["base_de_datos"]["razon"].startswith("La base de datos no responde")
    assert "127.0.0.1" not in str(cuerpo)  # la razón no enseña direcciones internas a quien pregunte
    assert cuerpo["servicios"]["redis"] == {"estado": "sin_configurar"}


@pytest.mark.parametrize("ruta", ["/", "/api/v1/eventos"])
def test_sin_base_de_datos_las_paginas_responden_503_con_retry_after_y_no_500(app, ruta):
    """PostgreSQL reiniciándose: la página de error dice que se vuelva a intentar (503 y Retry-After, que nginx
    pasa a otro nodo en los GET) en vez de un «Error del servidor» (500)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{puerto_libre()}/eventos"  # nadie escucha en ese puerto
    sin_base = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": opciones_motor(url)})
    respuesta = sin_base.test_client().get(ruta)
    assert respuesta.status_code == 503 and respuesta.headers["Retry-After"] == "5"
    texto = respuesta.get_json()["mensaje"] if ruta.startswith("/api/") else respuesta.get_data(as_text=True)
    assert "Inténtelo de nuevo en unos segundos" in texto and "127.0.0.1" not in respuesta.get_data(as_text=True)
