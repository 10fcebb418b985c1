"""REGISTRO=json: una línea JSON por petición (método, ruta, código, duración, endpoint, id de la petición)
que nunca lleva el token de un enlace personal, ni la cabecera Authorization, ni cookies, ni correos, ni
datos de la consulta; el id de la petición sale de X-Request-ID si tiene buena forma y vuelve en la respuesta."""
from __future__ import annotations

import io
import json
import logging
import re
import uuid

import pytest
import requests
from werkzeug.datastructures import MultiDict

from apoyo_gunicorn import Gunicorn
from app import create_app
from eventos import qr
from eventos.extensiones import db
from eventos.modelos import Inscripcion
from eventos.registro import PETICIONES, ruta_sin_secretos
from eventos.zonas import ahora

CORREO = "ana.perez@example.org"
CLAVE_API = "evt_" + "k" * 30


def lineas_json(texto: str) -> list[dict]:
    return [json.loads(linea) for linea in texto.splitlines() if linea.startswith("{")]


@pytest.fixture()
def enlace_personal(app, eventos_prueba) -> str:
    evento = eventos_prueba()
    with app.app_context():
        inscripcion = Inscripcion(evento_id=evento.id, nombre="Ana", apellidos="Pérez", correo=CORREO, estado="confirmada",
                                  consentimiento_en=ahora())
        db.session.add(inscripcion)
        db.session.commit()
        return qr.firmar_gestion(inscripcion)


@pytest.fixture()
def registro_json(app):
    """Una aplicación con REGISTRO=json sobre la misma base y lo que escribe su manejador. Al terminar, el
    registrador `eventos` vuelve a como estaba (el manejador JSON es del proceso)."""
    raiz = logging.getLogger("eventos")
    manejadores, nivel = list(raiz.handlers), PETICIONES.level
    aplicacion = create_app({**app.config, "REGISTRO": "json"})
    salida = io.StringIO()
    for manejador in set(raiz.handlers) - set(manejadores):
        manejador.setStream(salida)
    yield aplicacion, salida
    raiz.handlers[:] = manejadores
    PETICIONES.setLevel(nivel)


def test_una_peticion_a_un_enlace_personal_deja_una_linea_sin_secretos(registro_json, enlace_personal):
    aplicacion, salida = registro_json
    cliente = aplicacion.test_client()
    cliente.set_cookie("session", "cookie-de-sesion-secreta")
    r = cliente.get(f"/inscripcion/{enlace_personal}?lang=en&correo={CORREO}",
                    headers={"X-Request-ID": "peticion-0123456789", "Authorization": f"Bearer {CLAVE_API}"})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "peticion-0123456789"
    texto = salida.getvalue()
    [linea] = [l for l in lineas_json(texto) if l["registrador"] == "eventos.peticiones"]
    assert linea["metodo"] == "GET" and linea["codigo"] == 200 and linea["endpoint"] == "inscripciones.personal"
    assert linea["ruta"] == "/inscripcion/***?lang=en&correo=***"
    assert linea["id_peticion"] == "peticion-0123456789"
    assert isinstance(linea["duracion_ms"], float) and linea["momento"]
    for secreto in (enlace_personal, CORREO, "ana.perez", CLAVE_API, "Bearer", "cookie-de-sesion-secreta", "127.0.0.1"):
        assert secreto not in texto


@pytest.mark.parametrize("propio", ["corto", "con espacios no vale", "x" * 200, "ana@example.org"])
def test_un_x_request_id_mal_formado_se_sustituye_por_uno_nuevo(registro_json, propio):
    aplicacion, salida = registro_json
    r = aplicacion.test_client().get("/api/v1/salud", headers={"X-Request-ID": propio})
    nuevo = r.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", nuevo)
    [linea] = lineas_json(salida.getvalue())
    assert linea["id_peticion"] == nuevo and propio not in salida.getvalue()


def test_un_error_durante_la_peticion_lleva_su_id_y_la_traza_sin_secretos(registro_json, enlace_personal):
    aplicacion, salida = registro_json
    with aplicacion.test_request_context("/", headers={"X-Request-ID": "peticion-con-error-42"}):
        aplicacion.preprocess_request()
        try:
            raise ValueError(f"fallo en /inscripcion/{enlace_personal} para {CORREO}")
        except ValueError:
            logging.getLogger("eventos.correo").exception("No se pudo con %s", CORREO)
    [linea] = lineas_json(salida.getvalue())
    assert linea["nivel"] == "ERROR" and linea["id_peticion"] == "peticion-con-error-42"
    assert "ValueError: fallo en /inscripcion/***" in linea["exc_info"]
    for secreto in (enlace_personal, CORREO):
        assert secreto not in salida.getvalue()


def test_cada_ruta_con_un_secreto_se_enmascara(app):
    """Toda regla del mapa de URL con un token, un código o una clave personal: su valor no llega al registro.
    Las claves de las sesiones del programa son públicas (salen en la agenda)."""
    publicas = {"/eventos/<slug>/sesiones/<clave>", "/eventos/<slug>/sesiones/<clave>/calendario.ics"}
    secreto = "Secreto_" + uuid.uuid4().hex
    revisadas = 0
    for regla in app.url_map.iter_rules():
        nombres = set(regla.arguments) & {"token", "codigo", "clave"}
        if not nombres or regla.rule in publicas:
            continue
        ruta = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: secreto if m.group(1) in nombres else "1", regla.rule)
        assert secreto not in ruta_sin_secretos(ruta, MultiDict()), regla.rule
        revisadas += 1
    assert revisadas >= 10  # /inscripcion/<token>/…, /calendario/<clave>.ics, /cuentas/restablecer/<token>, /verificar/<codigo>


def test_de_la_consulta_solo_se_escriben_los_parametros_sin_datos_personales():
    consulta = MultiDict([("lang", "pt"), ("tz", "Europe/Madrid"), ("q", "María"), ("next", "/inscripcion/abc"),
                          ("codigo", "K7QM-2XPA-9TRD"), ("clave", "x")])
    assert ruta_sin_secretos("/verificar", consulta) == \
        "/verificar?lang=pt&tz=Europe/Madrid&q=***&next=***&codigo=***&clave=***"


def test_un_correo_en_un_parametro_legible_o_en_el_nombre_de_uno_tampoco_se_escribe(registro_json):
    """Quien llama elige los nombres y los valores: un correo pegado en `lang` o usado como nombre de parámetro
    no llega al registro (antes se escribía con la arroba como %40 y se escapaba del enmascarado)."""
    aplicacion, salida = registro_json
    cliente = aplicacion.test_client()
    cliente.get(f"/api/v1/salud?lang={CORREO}")
    cliente.get(f"/api/v1/salud?{CORREO}=1&por=ana.perez%2Bfiltro@example.org")
    rutas = [linea["ruta"] for linea in lineas_json(salida.getvalue())]
    assert len(rutas) == 2 and all(ruta.startswith("/api/v1/salud?") for ruta in rutas)
    assert "ana.perez" not in salida.getvalue() and "a***@example.org" in rutas[0]


@pytest.mark.lento
def test_gunicorn_escribe_una_linea_json_por_peticion(app, url_bd, enlace_personal, tmp_path):
    entorno = {"DATABASE_URL": url_bd, "SECRET_KEY": app.config["SECRET_KEY"], "REGISTRO": "json"}
    with Gunicorn(tmp_path, entorno, ("-w", "2")) as servidor:
        servidor.esperar()
        r = requests.get(f"{servidor.base}/inscripcion/{enlace_personal}", timeout=30,
                         headers={"X-Request-ID": "de-nginx-0123456789abcdef", "Authorization": f"Bearer {CLAVE_API}"})
        assert r.status_code == 200 and r.headers["X-Request-ID"] == "de-nginx-0123456789abcdef"
    texto = servidor.salida()
    [linea] = [l for l in lineas_json(texto) if l.get("id_peticion") == "de-nginx-0123456789abcdef"]
    assert linea["ruta"] == "/inscripcion/***" and linea["codigo"] == 200
    for secreto in (enlace_personal, CLAVE_API):
        assert secreto not in texto
