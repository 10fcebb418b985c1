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
