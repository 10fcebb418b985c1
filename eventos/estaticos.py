"""Archivos estáticos con una huella de su contenido en el nombre.

`url_for('static', filename='css/sitio.css')` da `/estaticos/css/sitio.3f2a9c1d7e.css`. Ese nombre solo
corresponde a ese contenido: el navegador y los proxies lo guardan un año sin volver a preguntar
(`immutable`), y un archivo cambiado se enlaza con otro nombre. La aplicación sirve ella sola los dos
nombres; en producción los sirve nginx (despliegue/nginx/eventos.conf quita la huella del mismo modo).

- Nombre sin huella (enlaces de fuera): el archivo actual, con caché corta.
- Huella que no es la del contenido actual (una página de otra versión durante una actualización, o una
  huella inventada): el archivo actual, sin `immutable` y revalidando siempre; así nunca se guarda un
  contenido bajo un nombre que no es el suyo, y la página de la otra versión no se queda sin estilos.

La huella de cada archivo se calcula una vez por proceso (un archivo cambiado se nota al reiniciar, como el
código). En modo de depuración (`flask run --debug`) no hay huellas ni caché: lo que se edita se ve al recargar.
"""
from __future__ import annotations

import os
import posixpath
import re
from functools import lru_cache

from flask import current_app, send_from_directory
from werkzeug.security import safe_join

from .cache import resumen_de_archivos

LARGO_HUELLA = 10
CACHE_CON_HUELLA = "public, max-age=31536000, immutable"
CACHE_SIN_HUELLA = "public, max-age=300"
SIN_CACHE = "no-cache"
# Lo mismo que quita nginx: «<ruta>.<huella>.<extensión>».
CON_HUELLA = re.compile(rf"^(?P<base>.+)\.(?P<huella>[0-9a-f]{{{LARGO_HUELLA}}})(?P<extension>\.[^./]+)$")


@lru_cache(maxsize=256)
def huella(carpeta: str, nombre: str) -> str | None:
    """La huella del archivo `nombre` dentro de `carpeta`, o None si no existe."""
    ruta = safe_join(carpeta, nombre)
    if ruta is None or not os.path.isfile(ruta):
        return None
    return resumen_de_archivos([ruta])[:LARGO_HUELLA]


def con_huella(carpeta: str, nombre: str) -> str:
    """`css/sitio.css` → `css/sitio.<huella>.css`; sin cambios si el archivo no existe o no tiene extensión."""
    base, extension = posixpath.splitext(nombre)
    resumen = huella(carpeta, nombre) if extension else None
    return f"{base}.{resumen}{extension}" if resumen else nombre


def servir(carpeta: str, nombre: str):
    """La respuesta para /estaticos/<nombre>, con o sin huella (404 si el archivo no existe)."""
    partes = CON_HUELLA.match(nombre)
    if partes is None:
        respuesta = send_from_directory(carpeta, nombre)
        politica = SIN_CACHE if current_app.debug else CACHE_SIN_HUELLA
    else:
        nombre = partes["base"] + partes["extension"]
        respuesta = send_from_directory(carpeta, nombre)
        politica = CACHE_CON_HUELLA if partes["huella"] == huella(carpeta, nombre) else SIN_CACHE
    respuesta.headers["Cache-Control"] = politica
    return respuesta
