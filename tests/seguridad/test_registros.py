"""Ataque: secretos en los registros (issue 12, defecto 6). Ni las trazas de un INSERT fallido ni los
registros de acceso (servidor de desarrollo y gunicorn) llevan enlaces personales, claves del
calendario, códigos QR, claves de API ni correos."""
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from werkzeug.serving import make_server

from eventos import qr
from eventos.extensiones import db
from eventos.modelos import Inscripcion
from eventos.registro import ocultar
from eventos.zonas import ahora

RAIZ = Path(__file__).resolve().parents[2]


@pytest.fixture()
def persona(app, eventos_prueba):
    evento = eventos_prueba()
    with app.app_context():
        inscripcion = Inscripcion(evento_id=evento.id, nombre="Secreta", apellidos="Prueba", estado="confirmada",
                                  correo=f"secreta-{uuid.uuid4().hex[:6]}@prueba.org", consentimiento_en=ahora())
        db.session.add(inscripcion)
        db.session.commit()
        return {"evento_id": evento.id, "correo": inscripcion.correo, "codigo": inscripcion.codigo,
                "clave_calendario": inscripcion.clave_calendario, "clave_gestion": inscripcion.clave_gestion,
                "token": qr.firmar_gestion(inscripcion)}


def _secretos(p) -> list[str]:
    return [p["correo"], p["codigo"], p["clave_calendario"], p["clave_gestion"], p["token"]]


def test_la_traza_de_un_insert_fallido_no_lleva_los_valores(app, persona):
    registro = io.StringIO()
    manejador = logging.StreamHandler(registro)
    with app.app_context():
        from flask.logging import default_handler
        manejador.setFormatter(default_handler.formatter)
        app.logger.addHandler(manejador)
        try:
            fila = {"evento_id": persona["evento_id"], "nombre": "Copia", "apellidos": "", "correo": persona["correo"],
                    "codigo": persona["codigo"], "clave_calendario": persona["clave_calendario"],
                    "clave_gestion": persona["clave_gestion"], "estado": "confirmada"}
            with pytest.raises(IntegrityError) as error:
                db.session.execute(insert(Inscripcion).values(**fila))
            db.session.rollback()
            app.logger.error("Falló el alta", exc_info=error.value)
        finally:
            app.logger.removeHandler(manejador)
    texto = registro.getvalue()
    assert "IntegrityError" in texto
    for secreto in _secretos(persona):
        assert secreto not in texto


def _capturar(nombre: str = ""):
    """Un manejador corriente (sin nada especial) en ese registrador; el root recibe lo que se propaga."""
    salida = io.StringIO()
    manejador = logging.StreamHandler(salida)
    manejador.setFormatter(logging.Formatter("%(name)s %(message)s"))
    registrador = logging.getLogger(nombre or None)
    registrador.addHandler(manejador)
    return salida, lambda: registrador.removeHandler(manejador)


def test_el_servidor_de_desarrollo_registra_las_rutas_sin_secretos(app, persona):
    registro, quitar = _capturar("werkzeug")
    servidor = make_server("127.0.0.1", 0, app, threaded=True)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    try:
        base = f"http://127.0.0.1:{servidor.server_port}"
        for ruta in (f"/inscripcion/{persona['token']}", f"/calendario/{persona['clave_calendario']}.ics",
                     f"/cuentas/restablecer/{persona['token']}", f"/inscripcion/{persona['token']}/qr.png"):
            requests.get(base + ruta, timeout=10)
    finally:
        servidor.shutdown()
        quitar()
    texto = registro.getvalue()
    assert "/inscripcion/***" in texto and "/calendario/***.ics" in texto and "/cuentas/restablecer/***" in texto
    for secreto in _secretos(persona):
        assert secreto not in texto


def test_lo_que_se_propaga_a_cualquier_manejador_ya_va_enmascarado(app, persona):
    """Un manejador añadido por quien despliega (Sentry, --log-config…) tampoco recibe secretos."""
    registro, quitar = _capturar()
    try:
        try:
            raise ValueError(f"fallo en /inscripcion/{persona['token']} para {persona['correo']}")
        except ValueError:
            logging.getLogger("eventos.correo").warning("Correo para %s: /inscripcion/%s", persona["correo"],
                                                        persona["token"], exc_info=True)
    finally:
        quitar()
    texto = registro.getvalue()
    assert "Correo para" in texto and "ValueError" in texto
    for secreto in (persona["token"], persona["correo"]):
        assert secreto not in texto


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.lento
def test_gunicorn_registra_las_rutas_sin_secretos(tmp_path):
    bd = f"sqlite:///{tmp_path / 'registros.sqlite3'}"
    entorno = {**os.environ, "DATABASE_URL": bd, "SECRET_KEY": "clave-de-la-prueba-de-registros",
               "MAIL_CARPETA": str(tmp_path / "correo"), "PYTHONPATH": str(RAIZ)}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run(flask + ["db", "upgrade"], cwd=RAIZ, env=entorno, check=True, capture_output=True)
    token, clave, codigo = "WzEsImFiY2RlZiJd.secreto-de-enlace", "clave-de-calendario-secreta", "EV1-" + "q" * 22
    puerto = _puerto_libre()
    accesos, errores = tmp_path / "accesos.log", tmp_path / "errores.log"
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{puerto}", "--access-logfile", str(accesos),
         "--error-logfile", str(errores), "app:create_app()"], cwd=RAIZ, env=entorno)
    try:
        base = f"http://127.0.0.1:{puerto}"
        limite = time.monotonic() + 60  # el primer proceso tarda en arrancar en una máquina ocupada
        while True:
            try:
                requests.get(base + "/api/v1/salud", timeout=10)
                break
            except requests.RequestException:
                assert time.monotonic() < limite, "gunicorn no arrancó"
                time.sleep(0.2)
        for ruta in (f"/inscripcion/{token}", f"/calendario/{clave}.ics", f"/cuentas/restablecer/{token}",
                     f"/api/v1/salud?codigo={codigo}&correo=ana.perez@example.org"):
            requests.get(base + ruta, timeout=10, headers={"Referer": f"{base}/inscripcion/{token}"})
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
    texto = accesos.read_text() + errores.read_text()
    assert "/inscripcion/***" in texto and "/calendario/***.ics" in texto
    for secreto in (token, clave, codigo, "ana.perez@example.org"):
        assert secreto not in texto


def test_ocultar_deja_lo_demas_legible():
    linea = '127.0.0.1 "GET /eventos/gsef2021/ HTTP/1.1" 200 — ana.perez@example.org, EV1-abcdefghijklmnopqrstuv, evt_xyz'
    assert ocultar(linea) == '127.0.0.1 "GET /eventos/gsef2021/ HTTP/1.1" 200 — a***@example.org, EV1-***, evt_***'
