"""La caché: acotada en bytes frente a parámetros de quien pide, compartida por Redis entre procesos, y
los documentos (páginas, API, calendarios) con ETag y 304."""
from __future__ import annotations

import gc
import gzip
import os
import tracemalloc
import weakref

import pytest
from sqlalchemy import select

from apoyo import configuracion, redis_de_pruebas
from app import create_app
from eventos import zonas
from eventos.extensiones import db
from eventos.modelos import Evento
from eventos.servicios import programa
from test_consultas import contar_consultas, foro

MB = 1024 * 1024
REDIS_PRUEBAS = os.environ.get("REDIS_PRUEBAS", redis_de_pruebas(9))


@pytest.fixture()
def foro_grande(app):
    with app.app_context():
        programa.importar(foro("foro-cache", 50))
        db.session.commit()
    yield "foro-cache"
    with app.app_context():
        db.session.delete(db.session.execute(select(Evento).where(Evento.slug == "foro-cache")).scalar_one())
        db.session.commit()


def _memoria_retenida(hacer) -> int:
    """Bytes que siguen ocupados (según tracemalloc) después de `hacer()`."""
    gc.collect()
    tracemalloc.start()
    antes = tracemalloc.get_traced_memory()[0]
    hacer()
    gc.collect()
    despues = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return despues - antes


def test_ninguna_zona_ni_parametro_hace_crecer_la_memoria_sin_limite(foro_grande, url_bd, tmp_path):
    """Cada zona elegida con ?tz= es otra variante de la página; pedirla en 43 zonas y con parámetros
    inventados no retiene más que los límites configurados (antes, cada variante quedaba en la memoria
    del proceso: dos copias de ~80 KB por zona)."""
    app = create_app({**configuracion(tmp_path, url_bd), "CACHE_BYTES": MB // 2, "MEMORIA_BYTES": 3 * MB // 2})
    cliente = app.test_client()
    zonas_pedidas = [valor for valor, _ in zonas.zonas_para_selector("es")][::10]

    def pedir():
        for i, zona in enumerate(zonas_pedidas):
            assert cliente.get(f"/eventos/{foro_grande}/?tz={zona}&x={i}").status_code == 200
            if i % 8 == 0:
                assert cliente.get(f"/eventos/{foro_grande}/?lang=xx{i}").status_code == 400

    retenida = _memoria_retenida(pedir)
    assert retenida < 3 * MB, f"{retenida / MB:.1f} MB retenidos tras {len(zonas_pedidas)} zonas"
    assert app.extensions["cache"].bytes_usados <= MB // 2
    assert app.extensions["memoria"].bytes_usados <= 3 * MB // 2
    with app.app_context():
        db.engine.dispose()


def test_la_pagina_en_otra_zona_es_la_misma_que_dibujada_entera(app, foro_grande):
    """El molde rellenado para una zona da la misma página que dibujarla entera sin caché."""
    cliente = app.test_client()
    for zona in ("Asia/Tokyo", "Europe/Madrid", "America/Mexico_City", "ninguna"):
        primera = cliente.get(f"/eventos/{foro_grande}/?tz={zona}").get_data(as_text=True)
        with app.app_context():
            app.extensions["cache"].clear()
            app.extensions["memoria"].clear()
        otra_vez = cliente.get(f"/eventos/{foro_grande}/?tz={zona}").get_data(as_text=True)
        assert primera == otra_vez
    tokio = cliente.get(f"/eventos/{foro_grande}/?tz=Asia/Tokyo").get_data(as_text=True)
    assert "<!--hueco" not in tokio
    assert tokio.count("marca-visitante") == 50 * 2  # cada sesión y la que contiene
    madrid = cliente.get(f"/eventos/{foro_grande}/?tz=Europe/Madrid").get_data(as_text=True)
    assert madrid.count("hora-visitante") == 50 * 2  # Madrid es zona adicional: su línea lleva la marca


def test_el_molde_de_otra_zona_no_retiene_la_instantanea_del_programa(app, foro_grande):
    """La memoria de cada proceso se acota contando cada molde por su tamaño. Si el molde de «otra zona» guardara
    las sesiones en sus huecos (como antes), la instantánea entera seguiría viva después de que la memoria la
    desalojara, sin que nadie la contara."""
    cliente = app.test_client()
    memoria = app.extensions["memoria"]
    memoria.clear()
    assert cliente.get(f"/eventos/{foro_grande}/?tz=Asia/Tokyo").status_code == 200
    claves = list(memoria._lru)
    assert any(clave[0] == "molde-evento" and clave[-1] == "(otra)" for clave in claves)
    (clave_instantanea,) = [clave for clave in claves if clave[0] == "programa"]
    instantanea = weakref.ref(memoria.get(clave_instantanea))
    del memoria._lru[clave_instantanea]  # la desaloja, como haría el límite de bytes
    gc.collect()
    assert instantanea() is None
    assert "hora-visitante" in cliente.get(f"/eventos/{foro_grande}/?tz=Asia/Tokyo").get_data(as_text=True)


def test_la_api_responde_304_y_cambia_con_las_inscripciones(app, cliente):
    primera = cliente.get("/api/v1/eventos/gsef2021")
    assert primera.status_code == 200 and primera.headers["ETag"]
    assert cliente.get("/api/v1/eventos/gsef2021", headers={"If-None-Match": primera.headers["ETag"]}).status_code == 304
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == "gsef2021")).scalar_one()
        evento.version_inscripciones += 1
        db.session.commit()
    otra = cliente.get("/api/v1/eventos/gsef2021", headers={"If-None-Match": primera.headers["ETag"]})
    assert otra.status_code == 200 and otra.headers["ETag"] != primera.headers["ETag"]


@pytest.mark.parametrize("ruta", ["/eventos/foro-cache/", "/eventos/foro-cache/calendario.ics",
                                  "/api/v1/eventos/foro-cache", "/eventos/foro-cache/schedule.xml"],
                         ids=["html", "ics", "json", "xml"])
def test_los_documentos_se_guardan_comprimidos_y_salen_asi_a_quien_acepta_gzip(app, foro_grande, ruta):
    """Guardados con gzip: el navegador (o nginx) recibe el documento comprimido, con su propio ETag; quien no
    acepta gzip recibe el mismo documento sin comprimir. Antes se guardaba entero (~12 veces más) y nginx lo
    volvía a comprimir en cada petición."""
    cliente = app.test_client()
    with app.app_context():
        app.extensions["cache"].clear()
    sin_gzip = cliente.get(ruta)
    assert sin_gzip.status_code == 200 and "Content-Encoding" not in sin_gzip.headers
    assert app.extensions["cache"].bytes_usados * 4 < len(sin_gzip.data)
    con_gzip = cliente.get(ruta, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert con_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(con_gzip.data) == sin_gzip.data
    for respuesta in (sin_gzip, con_gzip):
        assert "Accept-Encoding" in respuesta.headers["Vary"]
    assert con_gzip.headers["ETag"] == sin_gzip.headers["ETag"][:-1] + '-gzip"'
    assert cliente.get(ruta, headers={"Accept-Encoding": "gzip", "If-None-Match": con_gzip.headers["ETag"]}) \
        .status_code == 304
    assert cliente.get(ruta, headers={"If-None-Match": sin_gzip.headers["ETag"]}).status_code == 304
    # Con el ETag de la otra codificación, el documento entero en la que se pide.
    cruzada = cliente.get(ruta, headers={"If-None-Match": con_gzip.headers["ETag"]})
    assert cruzada.status_code == 200 and cruzada.data == sin_gzip.data
    rechazado = cliente.get(ruta, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in rechazado.headers and rechazado.data == sin_gzip.data


def test_sin_cache_no_se_comprime_en_cada_peticion(foro_grande, url_bd, tmp_path):
    """Con CACHE_MB=0 no se guarda nada: comprimir cada página solo para descartarla costaba ~2 ms por petición
    (la agenda sin caché bajaba de ~400 a ~200 por segundo); sale sin comprimir, y la comprime nginx."""
    app = create_app({**configuracion(tmp_path, url_bd), "CACHE_BYTES": 0})
    respuesta = app.test_client().get(f"/eventos/{foro_grande}/", headers={"Accept-Encoding": "gzip"})
    assert respuesta.status_code == 200 and "Content-Encoding" not in respuesta.headers
    assert "<html" in respuesta.get_data(as_text=True) and app.extensions["cache"].bytes_usados == 0
    with app.app_context():
        db.engine.dispose()


def test_lo_que_ya_va_comprimido_no_se_vuelve_a_comprimir(app, foro_grande):
    """El XLSX del programa (un ZIP) sale tal cual aunque se acepte gzip."""
    respuesta = app.test_client().get("/eventos/foro-cache/programa.xlsx", headers={"Accept-Encoding": "gzip"})
    assert respuesta.status_code == 200 and "Content-Encoding" not in respuesta.headers
    assert respuesta.data[:2] == b"PK" and "Accept-Encoding" not in respuesta.headers.get("Vary", "")


def _redis_disponible() -> bool:
    try:
        import redis
        redis.Redis.from_url(REDIS_PRUEBAS, socket_connect_timeout=0.5).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.skipif(not _redis_disponible(), reason=f"Redis no responde en {REDIS_PRUEBAS}")
def test_con_redis_dos_procesos_comparten_las_paginas(app, url_bd, tmp_path):
    """Dos aplicaciones (como dos máquinas) con el mismo Redis: la página que dibujó una la sirve la otra
    sin construir el programa (una sola consulta: la versión)."""
    maquinas = [create_app({**configuracion(tmp_path / f"m{n}", url_bd), "REDIS_URL": REDIS_PRUEBAS})
                for n in (1, 2)]
    with maquinas[0].app_context():
        maquinas[0].extensions["cache"].clear()
    try:
        assert maquinas[0].test_client().get("/eventos/gsef2021/?tz=Asia/Tokyo").status_code == 200
        with maquinas[1].app_context(), contar_consultas() as consultas:
            respuesta = maquinas[1].test_client().get("/eventos/gsef2021/?tz=Asia/Tokyo")
        assert respuesta.status_code == 200 and "Tokio" in respuesta.get_data(as_text=True)
        assert len(consultas) == 1
        assert maquinas[1].extensions["memoria"].bytes_usados == 0
    finally:
        with maquinas[0].app_context():
            maquinas[0].extensions["cache"].clear()
        for maquina in maquinas:
            with maquina.app_context():
                db.engine.dispose()


def test_otra_version_del_codigo_no_reutiliza_los_documentos_guardados(app, cliente, monkeypatch):
    """Con Redis compartido, la versión nueva de un despliegue no sirve las páginas que escribió la anterior
    (ni responde 304 a su ETag)."""
    antes = cliente.get("/eventos/gsef2021/")
    monkeypatch.setitem(app.config, "VERSION_DESPLIEGUE", "otra-version")
    despues = cliente.get("/eventos/gsef2021/", headers={"If-None-Match": antes.headers["ETag"]})
    assert despues.status_code == 200 and despues.headers["ETag"] != antes.headers["ETag"]
