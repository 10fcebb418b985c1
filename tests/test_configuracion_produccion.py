"""En producción (HTTPS=1) la aplicación no arranca de forma insegura: sin URL_PUBLICA, sin SECRET_KEY o, con
más de un proceso web, sin REDIS_URL (cada proceso llevaría su caché y sus límites de peticiones). El error
dice qué variable poner. Con gunicorn de verdad: el número de procesos es el que arranca (`-w`), no solo el
que anuncia WEB_CONCURRENCY."""
from __future__ import annotations

import pytest
import requests

from apoyo import configuracion, redis_de_pruebas
from apoyo_gunicorn import Gunicorn
from app import create_app
from eventos.config import ConfiguracionInsegura, exigir_produccion

PRODUCCION = {"HTTPS": True, "URL_PUBLICA": "https://foros.example.org", "SECRET_KEY": "s" * 64, "REDIS_URL": None}
REDIS_PRUEBAS = redis_de_pruebas(12)


def test_cada_pieza_que_falta_se_nombra_con_lo_que_hay_que_poner():
    with pytest.raises(ConfiguracionInsegura) as error:
        exigir_produccion({"HTTPS": True}, procesos=4)
    mensaje = str(error.value)
    for variable in ("URL_PUBLICA=https://", "SECRET_KEY=", "REDIS_URL=redis://", "con 4 procesos web"):
        assert variable in mensaje


@pytest.mark.parametrize("procesos, redis, arranca", [(1, None, True), (2, None, False), (2, REDIS_PRUEBAS, True)])
def test_varios_procesos_en_produccion_necesitan_redis(procesos, redis, arranca):
    config = {**PRODUCCION, "REDIS_URL": redis}
    if arranca:
        exigir_produccion(config, procesos)
    else:
        with pytest.raises(ConfiguracionInsegura, match="REDIS_URL"):
            exigir_produccion(config, procesos)
    exigir_produccion({**config, "HTTPS": False}, procesos)  # en desarrollo, nada de esto hace falta


def test_create_app_lee_web_concurrency(tmp_path, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    with pytest.raises(ConfiguracionInsegura, match="con 3 procesos web"):
        create_app({**configuracion(tmp_path, "sqlite://"), **PRODUCCION})
    assert create_app({**configuracion(tmp_path, "sqlite://"), **PRODUCCION, "REDIS_URL": REDIS_PRUEBAS})


def _entorno_produccion(tmp_path, **mas) -> dict:
    return {"HTTPS": "1", "URL_PUBLICA": PRODUCCION["URL_PUBLICA"], "SECRET_KEY": PRODUCCION["SECRET_KEY"],
            "DATABASE_URL": f"sqlite:///{tmp_path / 'produccion.sqlite3'}", **mas}


@pytest.mark.lento
@pytest.mark.parametrize("argumentos, entorno", [
    (("-w", "2"), {"WEB_CONCURRENCY": "1"}),  # la orden manda: lo ve el gancho on_starting
    ((), {"WEB_CONCURRENCY": "2"}),  # gunicorn.conf.py: lo ve ya create_app al precargar
], ids=["-w 2", "WEB_CONCURRENCY=2"])
def test_gunicorn_con_dos_procesos_y_sin_redis_no_arranca(tmp_path, argumentos, entorno):
    servidor = Gunicorn(tmp_path, _entorno_produccion(tmp_path, **entorno), argumentos)
    try:
        codigo = servidor.terminar_solo()
    finally:
        servidor.detener()
    salida = servidor.salida()
    assert codigo != 0, salida[-2000:]
    assert "REDIS_URL: con 2 procesos web" in salida and "REDIS_URL=redis://" in salida, salida[-2000:]
    assert "Listening at" not in salida  # no llegó a abrir el puerto


@pytest.mark.lento
def test_gunicorn_con_dos_procesos_y_redis_arranca(tmp_path):
    try:
        import redis
        redis.Redis.from_url(REDIS_PRUEBAS, socket_connect_timeout=1).ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Sin Redis en {REDIS_PRUEBAS}: {error}")
    with Gunicorn(tmp_path, _entorno_produccion(tmp_path, REDIS_URL=REDIS_PRUEBAS), ("-w", "2")) as servidor:
        servidor.esperar(headers={"Host": "foros.example.org"})
        r = requests.get(servidor.base + "/api/v1/salud", headers={"Host": "foros.example.org"}, timeout=10)
        assert r.status_code == 200 and r.json() == {"estado": "ok"}
