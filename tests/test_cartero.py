"""El cartero: el hilo de cada proceso web que entrega la bandeja de salida sin configurar nada.

Aquí corre como en producción (fixture `cartero_real`): la petición no espera a su correo, el cartero
compone cuando su proceso está libre, y revisa la bandeja al arrancar y cada cierto tiempo. En el resto
de las pruebas, la petición espera a que el cartero entregue (CORREO_ESPERAR_ENTREGA, por omisión en
TESTING) para leer el correo justo después.
"""
from __future__ import annotations

import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from apoyo import URL_PRUEBAS, configuracion, es_postgresql
from apoyo_inscripciones import crear_evento, inscribir, mensajes_para, unico
from app import create_app
from eventos import correo as bandeja
from eventos.extensiones import db
from eventos.inscripciones import avisos
from eventos.inscripciones import servicios as inscripciones
from eventos.modelos import CorreoSaliente


def esperar(condicion, segundos: float = 30) -> None:
    """Espera (con holgura) a que se cumpla `condicion`; falla si no se cumple."""
    limite = time.monotonic() + segundos
    while not condicion():
        assert time.monotonic() < limite, "no se cumplió a tiempo"
        time.sleep(0.05)


def inscribir_sin_peticion(app, evento_id: int, correos) -> None:
    """Inscripciones confirmadas (con su correo en la bandeja) fuera de cualquier petición: nadie avisa
    al cartero, como cuando el proceso que las guardó murió antes de entregarlas."""
    with app.app_context():
        for correo in correos:
            inscripciones.inscribir(evento_id, {"correo": correo, "nombre": "Ana", "apellidos": "Pruebas"})
        db.session.commit()


def estados_en_bandeja(app, correos) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted(db.session.execute(select(CorreoSaliente.estado, CorreoSaliente.intentos)
                                         .where(CorreoSaliente.destinatario.in_(correos))).all())


def test_la_respuesta_sale_antes_de_componer_el_correo(app, eventos_prueba, cartero_real, monkeypatch):
    evento = eventos_prueba()
    correo = unico("sin-esperar")
    sucesos, respondida = [], threading.Event()
    componer = avisos.componer

    def componer_tras_responder(saliente):
        if saliente.destinatario == correo:
            respondida.wait(10)  # si el correo se compusiera dentro de la petición, esperaría aquí en vano
            sucesos.append("compuesto")
        return componer(saliente)

    monkeypatch.setattr(avisos, "componer", componer_tras_responder)
    respuesta = inscribir(app.test_client(), evento.slug, correo)
    sucesos.append("respuesta")
    respondida.set()

    assert respuesta.status_code == 302
    esperar(lambda: mensajes_para(app, correo))
    assert sucesos == ["respuesta", "compuesto"]
    assert len(mensajes_para(app, correo)) == 1
    assert estados_en_bandeja(app, [correo]) == [("enviado", 1)]


def test_mientras_el_proceso_atiende_una_peticion_el_cartero_no_compone(app, eventos_prueba, cartero_real):
    """Una avalancha de inscripciones se atiende primero; el correo sale cuando el proceso queda libre."""
    evento = eventos_prueba()
    correo = unico("proceso-ocupado")
    cartero_real.entra()  # otra petición en curso en este proceso
    try:
        inscribir(app.test_client(), evento.slug, correo)
        time.sleep(0.5)  # tiempo de sobra para que el cartero compusiera, si no esperara su turno
        assert estados_en_bandeja(app, [correo]) == [("pendiente", 0)] and not mensajes_para(app, correo)
    finally:
        cartero_real.sale()
    esperar(lambda: mensajes_para(app, correo))
    assert estados_en_bandeja(app, [correo]) == [("enviado", 1)]


def test_lo_que_quedo_sin_entregar_sale_con_el_cartero_del_proceso_siguiente(app, eventos_prueba, cartero_real,
                                                                            monkeypatch):
    evento = eventos_prueba()
    cartero_real.detener()  # el proceso termina (o muere) con correos confirmados y sin entregar
    assert not cartero_real.vivo
    antes = [unico("antes-del-reinicio") for _ in range(3)]
    inscribir_sin_peticion(app, evento.id, antes)
    assert estados_en_bandeja(app, antes) == [("pendiente", 0)] * 3

    monkeypatch.setattr(bandeja, "REVISION", 0.2)
    app.test_client().get("/")  # la primera petición del proceso nuevo pone en marcha su cartero
    nuevo = bandeja.cartero_de(app)
    assert nuevo is not cartero_real and nuevo.vivo
    esperar(lambda: all(mensajes_para(app, c) for c in antes))

    # Y lo que deje pendiente otro proceso que muere mientras este sigue vivo sale en la revisión periódica.
    despues = [unico("otro-proceso") for _ in range(2)]
    inscribir_sin_peticion(app, evento.id, despues)
    esperar(lambda: all(mensajes_para(app, c) for c in despues))
    assert [len(mensajes_para(app, c)) for c in antes + despues] == [1] * 5
    assert estados_en_bandeja(app, antes + despues) == [("enviado", 1)] * 5


def test_con_proceso_de_correo_aparte_no_hay_cartero(tmp_path, url_bd, monkeypatch):
    monkeypatch.setenv("CORREO_PROCESO_APARTE", "1")
    aplicacion = create_app(configuracion(tmp_path, url_bd))
    aplicacion.test_client().get("/")
    assert bandeja.cartero_de(aplicacion) is None and "cartero" not in aplicacion.extensions
    with aplicacion.app_context():
        db.engine.dispose()


def test_dos_carteros_a_la_vez_no_entregan_dos_veces_el_mismo_correo(url_vacia, tmp_path):
    """Dos procesos web (cada uno con su pool de conexiones y su cartero) revisan a la vez la misma bandeja."""
    if not es_postgresql(URL_PRUEBAS or ""):
        pytest.skip("Carteros simultáneos: la prueba necesita PostgreSQL (TEST_DATABASE_URL=postgresql+psycopg://…); "
                    "usa su propia base, creada y borrada por la prueba")
    procesos = [create_app({**configuracion(tmp_path, url_vacia), "CORREO_ESPERAR_ENTREGA": False}) for _ in range(2)]
    with procesos[0].app_context():
        upgrade()
    evento = crear_evento(procesos[0])
    correos = [unico("simultaneo") for _ in range(60)]
    inscribir_sin_peticion(procesos[0], evento.id, correos)

    carteros = [bandeja.cartero_de(proceso) for proceso in procesos]  # al arrancar, los dos revisan la bandeja
    try:
        esperar(lambda: estados_en_bandeja(procesos[0], correos) == [("enviado", 1)] * len(correos), segundos=120)
    finally:
        for cartero in carteros:
            cartero.detener()
        for proceso in procesos:
            with proceso.app_context():
                db.engine.dispose()
    escritos = Path(procesos[0].config["MAIL_CARPETA"]).glob("*.eml")
    destinatarios = [BytesHeaderParser().parsebytes(archivo.read_bytes())["To"] for archivo in escritos]
    assert sorted(destinatarios) == sorted(correos)  # cada correo, una sola vez
