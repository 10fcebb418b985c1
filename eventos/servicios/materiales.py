"""Almacén de archivos de materiales: contenido direccionado por hash dentro de instance/materiales."""
from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

from flask import current_app


def carpeta() -> Path:
    ruta = Path(current_app.config["MATERIALES_CARPETA"])
    ruta.mkdir(parents=True, exist_ok=True)
    return ruta


def guardar(contenido: bytes, nombre_original: str) -> dict:
    """Guarda el archivo (idempotente) y devuelve los campos para `Material`."""
    resumen = hashlib.sha256(contenido).hexdigest()
    extension = Path(nombre_original).suffix.lower()[:10]
    interno = resumen + extension
    destino = carpeta() / interno
    if not destino.exists():
        destino.write_bytes(contenido)
    tipo_mime = mimetypes.guess_type(nombre_original)[0] or "application/octet-stream"
    if tipo_mime.startswith("text/"):
        tipo_mime += "; charset=utf-8"
    return {"archivo": interno, "nombre_archivo": Path(nombre_original).name, "tipo_mime": tipo_mime,
            "tamano": len(contenido)}


_NOMBRE_INTERNO = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,9})?$")


def es_nombre_interno(nombre: str) -> bool:
    return bool(_NOMBRE_INTERNO.match(nombre or ""))


def existe(nombre: str) -> bool:
    return es_nombre_interno(nombre) and (carpeta() / nombre).is_file()


def leer(nombre: str) -> bytes:
    return (carpeta() / nombre).read_bytes()


def ruta(material) -> Path:
    return carpeta() / material.archivo


def descarga(material, max_age: int):
    """El archivo como adjunto (un archivo subido nunca se interpreta como página del sitio), o 404.
    El tipo se da sin parámetros: Werkzeug añade él mismo `charset=utf-8` a los de texto."""
    from flask import abort, send_file
    if not material.archivo or not existe(material.archivo):
        abort(404)
    tipo = (material.tipo_mime or "application/octet-stream").split(";")[0].strip()
    respuesta = send_file(ruta(material), mimetype=tipo, as_attachment=True,
                          download_name=material.nombre_archivo or material.archivo, conditional=True, max_age=max_age)
    respuesta.headers["X-Content-Type-Options"] = "nosniff"
    respuesta.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return respuesta
