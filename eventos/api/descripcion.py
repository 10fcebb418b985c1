"""La descripción OpenAPI 3.1 de la API: `openapi.yaml`, escrita a mano y comprobada contra el código
(tests/test_openapi.py). Se lee una vez y se sirve en JSON y como página de documentación."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import render_template

from ..cache import respuesta_condicional
from .rutas import bp

ARCHIVO = Path(__file__).with_name("openapi.yaml")
METODOS = ("get", "post", "put", "patch", "delete")
LIMITES = ("minLength", "maxLength", "minimum", "maximum")


@cache
def descripcion() -> dict:
    import yaml
    with ARCHIVO.open(encoding="utf-8") as archivo:
        return yaml.safe_load(archivo)


@bp.get("/openapi.json")
def descripcion_openapi():
    """El archivo es parte del código: su ETag cambia con cada versión desplegada."""
    return respuesta_condicional(("openapi.json",), lambda: json.dumps(descripcion(), ensure_ascii=False).encode(),
                                 tipo="application/json")


@bp.get("/docs")
def documentacion():
    return render_template("api/documentacion.html", doc=_documentacion())


# --- La página: la descripción ya resuelta en filas para la plantilla --------------------------------

@dataclass
class Campo:
    nombre: str  # con la ruta dentro del objeto: «sesiones[].participantes[].rol»
    tipo: str
    ref: str | None = None  # el esquema con nombre al que enlaza el tipo
    obligatorio: bool = False
    descripcion: str = ""
    valores: list = field(default_factory=list)


@dataclass
class Contenido:
    tipo_medio: str
    tipo: str
    ref: str | None
    campos: list[Campo]


@dataclass
class RespuestaDoc:
    codigo: str
    descripcion: str
    contenido: list[Contenido]
    cabeceras: list[Campo]


@dataclass
class Operacion:
    id: str
    metodo: str
    ruta: str
    resumen: str
    descripcion: str
    seguridad: list[list[str]]  # alternativas; cada una, los esquemas que se usan juntos; [] = pública
    parametros: list[Campo]
    cuerpo: list[Contenido]
    ejemplos: list[tuple[str, str]]
    respuestas: list[RespuestaDoc]


@cache
def _documentacion() -> dict:
    doc = descripcion()
    base = doc["servers"][0]["url"]
    por_etiqueta = {etiqueta["name"]: [] for etiqueta in doc.get("tags", [])}
    for ruta, metodos in doc["paths"].items():
        for metodo in METODOS:
            if metodo in metodos:
                operacion = _operacion(doc, base + ruta, metodo, metodos[metodo])
                por_etiqueta.setdefault(metodos[metodo]["tags"][0], []).append(operacion)
    return {
        "info": doc["info"],
        "etiquetas": [(e, por_etiqueta[e["name"]]) for e in doc.get("tags", [])],
        "seguridad": doc["components"]["securitySchemes"],
        "esquemas": [(nombre, esquema.get("description", ""), _tipo(esquema)[0], _campos(doc, esquema))
                     for nombre, esquema in doc["components"]["schemas"].items()],
    }


def _operacion(doc, ruta, metodo, op) -> Operacion:
    parametros = [_resolver(doc, p) for p in op.get("parameters", [])]
    cuerpo = _resolver(doc, op.get("requestBody", {}))
    ejemplos = []
    for medio in cuerpo.get("content", {}).values():
        if "example" in medio:
            ejemplos.append(("", medio["example"]))
        ejemplos.extend((e.get("summary", nombre), e["value"]) for nombre, e in medio.get("examples", {}).items())
    return Operacion(
        id=op["operationId"], metodo=metodo.upper(), ruta=ruta, resumen=op.get("summary", ""),
        descripcion=op.get("description", ""),
        seguridad=[list(alternativa) for alternativa in op.get("security", doc.get("security", []))],
        parametros=[_parametro(doc, p) for p in parametros],
        cuerpo=_contenidos(doc, cuerpo.get("content", {})),
        ejemplos=[(titulo, json.dumps(valor, ensure_ascii=False, indent=2)) for titulo, valor in ejemplos],
        respuestas=[_respuesta(doc, codigo, r) for codigo, r in op["responses"].items()])


def _respuesta(doc, codigo, respuesta) -> RespuestaDoc:
    respuesta = _resolver(doc, respuesta)
    cabeceras = [_resolver(doc, c) | {"name": nombre} for nombre, c in respuesta.get("headers", {}).items()]
    return RespuestaDoc(str(codigo), respuesta.get("description", ""),
                        _contenidos(doc, respuesta.get("content", {})), [_parametro(doc, c) for c in cabeceras])


def _parametro(doc, parametro: dict) -> Campo:
    """Un parámetro (o una cabecera de respuesta, sin `in`)."""
    nombre = f"{parametro['name']} ({parametro['in']})" if "in" in parametro else parametro["name"]
    return _campo(doc, nombre, parametro["schema"], parametro.get("required", False), parametro.get("description", ""))


def _contenidos(doc, contenido: dict) -> list[Contenido]:
    resultado = []
    for tipo_medio, medio in contenido.items():
        esquema = medio.get("schema", {})
        tipo, ref = _tipo(esquema)
        resultado.append(Contenido(tipo_medio, tipo, ref, [] if ref else _campos(doc, esquema)))
    return resultado


def _campos(doc, esquema: dict, prefijo: str = "") -> list[Campo]:
    """Las propiedades de un objeto, y dentro de ellas las de los objetos sin nombre propio."""
    filas = []
    requeridos = set(esquema.get("required", []))
    for nombre, propiedad in esquema.get("properties", {}).items():
        campo = _campo(doc, prefijo + nombre, propiedad, nombre in requeridos, propiedad.get("description", ""))
        filas.append(campo)
        if campo.ref is None:
            interno = propiedad.get("items", propiedad) if propiedad.get("type") == "array" else propiedad
            sufijo = "[]." if interno is not propiedad else "."
            filas.extend(_campos(doc, interno, prefijo + nombre + sufijo))
    return filas


def _campo(doc, nombre, esquema, obligatorio, descripcion) -> Campo:
    tipo, ref = _tipo(esquema)
    valores = esquema.get("enum", [esquema["const"]] if "const" in esquema else [])
    return Campo(nombre, tipo, ref, obligatorio, descripcion or _resolver(doc, esquema).get("description", ""),
                 list(valores))


def _tipo(esquema: dict) -> tuple[str, str | None]:
    """El tipo en notación breve («Instante | null», «Sesion[]», «integer, minimum 0») y el esquema con nombre
    al que remite."""
    if "$ref" in esquema:
        nombre = esquema["$ref"].rsplit("/", 1)[-1]
        return nombre, nombre
    for combinacion in ("oneOf", "anyOf"):
        if combinacion in esquema and all("$ref" in o or "type" in o for o in esquema[combinacion]):
            partes = [_tipo(opcion) for opcion in esquema[combinacion]]
            return " | ".join(t for t, _ in partes), next((r for _, r in partes if r), None)
    tipos = esquema.get("type", "object" if "properties" in esquema else "")
    tipos = tipos if isinstance(tipos, list) else [tipos]
    if "array" in tipos:
        interno, ref = _tipo(esquema.get("items", {}))
        return " | ".join(f"{interno}[]" if t == "array" else t for t in tipos), ref
    texto = " | ".join(tipos)
    if "format" in esquema:
        texto += f" ({esquema['format']})"
    limites = [f"{clave} {esquema[clave]}" for clave in LIMITES if clave in esquema]
    return ", ".join([texto, *limites]), None


def _resolver(doc, objeto: dict) -> dict:
    """Sigue los `$ref` locales («#/components/…»)."""
    while "$ref" in objeto:
        destino = doc
        for parte in objeto["$ref"].removeprefix("#/").split("/"):
            destino = destino[parte]
        objeto = destino
    return objeto
