"""La descripción OpenAPI de la API y el código no pueden separarse: cada ruta de `/api/v1` está descrita
con sus métodos y sus parámetros, cada ruta descrita existe, y la descripción es OpenAPI 3.1 válida.
Que cada respuesta cumpla su esquema lo comprueba Schemathesis (test_api_schemathesis.py)."""
from __future__ import annotations

import json
import re

from openapi_spec_validator import validate

from eventos.api.descripcion import descripcion

PREFIJO = "/api/v1"
METODOS_OPENAPI = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
AUTOMATICOS = {"HEAD", "OPTIONS"}  # los añade Flask a cada ruta GET / a todas
PARAMETRO_FLASK = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _ruta_openapi(regla: str) -> str:
    """`/api/v1/mesas/<int:mesa_id>` → `/mesas/{mesa_id}`."""
    return PARAMETRO_FLASK.sub(r"{\2}", regla.removeprefix(PREFIJO))


def _reglas(app) -> dict[str, tuple[set[str], dict[str, str], set[str]]]:
    """Ruta OpenAPI → (métodos, {parámetro: conversor}, endpoints) de las reglas de la API en el mapa de URL."""
    reglas = {}
    for regla in app.url_map.iter_rules():
        if regla.rule.startswith(PREFIJO + "/"):
            metodos, conversores, endpoints = reglas.setdefault(_ruta_openapi(regla.rule), (set(), {}, set()))
            metodos |= {m.lower() for m in regla.methods - AUTOMATICOS}
            conversores.update({nombre: conversor or "default" for conversor, nombre in PARAMETRO_FLASK.findall(regla.rule)})
            endpoints.add(regla.endpoint.removeprefix("api."))
    return reglas


def _parametros(operacion: dict, en: str) -> dict[str, dict]:
    doc = descripcion()
    resueltos = {}
    for parametro in operacion.get("parameters", []):
        if "$ref" in parametro:
            parametro = doc["components"]["parameters"][parametro["$ref"].rsplit("/", 1)[-1]]
        if parametro["in"] == en:
            resueltos[parametro["name"]] = parametro
    return resueltos


def _esquema(esquema: dict) -> dict:
    if "$ref" in esquema:
        return descripcion()["components"]["schemas"][esquema["$ref"].rsplit("/", 1)[-1]]
    return esquema


def test_es_openapi_3_1_valida():
    doc = descripcion()
    assert doc["openapi"].startswith("3.1.")
    validate(doc)  # openapi-spec-validator: el metaesquema de OpenAPI 3.1 y las referencias internas
    assert doc["servers"][0]["url"] == PREFIJO


def test_cada_ruta_del_codigo_esta_descrita_y_cada_ruta_descrita_existe(app):
    descritas = {ruta: {m for m in metodos if m in METODOS_OPENAPI} for ruta, metodos in descripcion()["paths"].items()}
    reglas = _reglas(app)
    assert set(reglas) == set(descritas), {"sin describir": set(reglas) - set(descritas),
                                           "descritas sin ruta": set(descritas) - set(reglas)}
    for ruta, (metodos, _, _) in reglas.items():
        assert metodos == descritas[ruta], f"{ruta}: el código atiende {metodos}, la descripción {descritas[ruta]}"


def test_cada_operacion_tiene_los_parametros_de_ruta_y_el_nombre_de_su_vista(app):
    for ruta, (_, conversores, endpoints) in _reglas(app).items():
        for metodo, operacion in descripcion()["paths"][ruta].items():
            if metodo not in METODOS_OPENAPI:
                continue
            en_ruta = _parametros(operacion, "path")
            assert set(en_ruta) == set(conversores), f"{metodo} {ruta}: {set(en_ruta)} ≠ {set(conversores)}"
            for nombre, conversor in conversores.items():
                assert en_ruta[nombre]["required"] is True
                tipo = _esquema(en_ruta[nombre]["schema"])["type"]
                assert tipo == ("integer" if conversor == "int" else "string"), f"{ruta}: {nombre} es {conversor}"
            assert operacion["operationId"] in endpoints, f"{metodo} {ruta}: operationId ≠ la vista ({endpoints})"


def test_cada_operacion_describe_sus_errores_y_su_autenticacion():
    """Todas: 400 (caracteres prohibidos en la dirección, en cualquier ruta). Con cuenta: 401 y 403, y las dos
    formas de identificarse; las que escriben, la sesión con su token CSRF y 413. Con parámetros de ruta, 404."""
    esquemas = descripcion()["components"]["securitySchemes"]
    for ruta, metodos in descripcion()["paths"].items():
        for metodo, operacion in metodos.items():
            respuestas, seguridad = set(operacion["responses"]), operacion["security"]
            assert "400" in respuestas, f"{metodo} {ruta}"
            assert all(nombre in esquemas for alternativa in seguridad for nombre in alternativa)
            if seguridad:
                assert {"401", "403"} <= respuestas, f"{metodo} {ruta}"
            if metodo in ("post", "put"):
                assert seguridad == [{"claveApi": []}, {"sesion": [], "csrf": []}], f"{metodo} {ruta}"
                assert "413" in respuestas, f"{metodo} {ruta}"
            if _parametros(operacion, "path"):
                assert "404" in respuestas, f"{metodo} {ruta}"


def test_se_sirve_en_json_con_etag_y_304(cliente):
    r = cliente.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json() == json.loads(json.dumps(descripcion()))  # la misma que se comprueba aquí
    assert r.headers["ETag"] and r.headers["Cache-Control"] == "no-cache"  # cada cliente revalida: 304 sin cuerpo
    otra_vez = cliente.get("/api/v1/openapi.json", headers={"If-None-Match": r.headers["ETag"]})
    assert otra_vez.status_code == 304 and otra_vez.data == b""


def test_la_pagina_de_documentacion_muestra_cada_operacion_sin_recursos_externos(cliente):
    r = cliente.get("/api/v1/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    for ruta, metodos in descripcion()["paths"].items():
        for metodo, operacion in metodos.items():
            assert f'id="{operacion["operationId"]}"' in html
            assert f"<code>{PREFIJO}{ruta}</code>" in html
    for nombre in descripcion()["components"]["schemas"]:
        assert f'id="esquema-{nombre}"' in html
    assert 'href="/api/v1/openapi.json"' in html
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', html)  # nada de otros sitios


def test_sin_credenciales_401_con_www_authenticate(cliente):
    r = cliente.get("/api/v1/eventos/gsef2021/asistencias")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(r.get_json()) == {"error", "mensaje", "estado"}
