"""Una sola política para todo texto que entra: formularios, parámetros, rutas, JSON e importaciones.

- En ninguna parte: caracteres de control (salvo tabulador y saltos de línea), el NUL incluido, ni los
  de control de dirección (anulaciones e incrustaciones bidireccionales, que disfrazan un nombre o un
  enlace). Una petición que los trae recibe un 400 con un mensaje claro antes de llegar a la vista:
  nada se guarda a medias.
- Saltos de línea y tabuladores, solo en los campos de varias líneas (`TextAreaField` en los
  formularios; los textos largos del programa en la importación).
- Fechas entre `ANIO_MINIMO` y `ANIO_MAXIMO`: ni el año 1 ni el 9999 hacen cuentas que desborden.
- Los cuerpos JSON se leen con límites (tamaño y anidamiento).
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime

from flask import abort, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, StringField, TextAreaField

ANIO_MINIMO, ANIO_MAXIMO = 1900, 2199
MAXIMO_JSON = 1024 * 1024  # bytes de un cuerpo JSON
MAXIMO_ANIDAMIENTO = 32

# Controles (salvo \t \n \r), marcas de dirección y sustitutos sueltos (JSON admite «\ud800», que no es UTF-8).
_PROHIBIDOS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SALTOS = re.compile("[\t\r\n]")

UNA_LINEA = _l("Este campo es de una sola línea: quite los saltos de línea y los tabuladores.")
FECHA_FUERA = _l("Escriba una fecha entre los años %(minimo)d y %(maximo)d.", minimo=ANIO_MINIMO, maximo=ANIO_MAXIMO)


def tiene_prohibidos(texto: str) -> bool:
    return bool(_PROHIBIDOS.search(texto))


def es_de_una_linea(texto: str) -> bool:
    return not _SALTOS.search(texto)


def fecha_admisible(valor: date | datetime | None) -> bool:
    return valor is None or ANIO_MINIMO <= valor.year <= ANIO_MAXIMO


# --- Toda petición --------------------------------------------------------------------------------
def _textos(valor):
    """Cada texto (claves incluidas) de un valor JSON, sin recursión."""
    pendientes = [valor]
    while pendientes:
        actual = pendientes.pop()
        if isinstance(actual, str):
            yield actual
        elif isinstance(actual, dict):
            pendientes.extend(actual.keys())
            pendientes.extend(actual.values())
        elif isinstance(actual, list):
            pendientes.extend(actual)


def _profundidad(valor) -> int:
    """Cuántos niveles de listas u objetos anidados tiene un valor JSON ya leído (sin recursión)."""
    maxima, pendientes = 0, [(valor, 1)]
    while pendientes:
        actual, nivel = pendientes.pop()
        if isinstance(actual, (dict, list)):
            maxima = max(maxima, nivel)
            pendientes.extend((hijo, nivel + 1) for hijo in (actual.values() if isinstance(actual, dict) else actual))
    return maxima


def leer_json():
    """El cuerpo JSON de la petición, leído una sola vez y con límites: 413 si es demasiado grande, 400 si no
    es JSON o anida demasiado (el lector de Python se rinde con un RecursionError mucho antes de agotar nada)."""
    if "cuerpo_json" in g:
        return g.cuerpo_json
    crudo = request.get_data(cache=True)
    if len(crudo) > MAXIMO_JSON:
        abort(413, description=ngettext("El cuerpo JSON es demasiado grande (máximo %(num)d byte).",
                                     "El cuerpo JSON es demasiado grande (máximo %(num)d bytes).", MAXIMO_JSON))
    try:
        datos = json.loads(crudo)
    except (ValueError, RecursionError):
        abort(400, description=_("El cuerpo no es JSON válido."))
    if _profundidad(datos) > MAXIMO_ANIDAMIENTO:
        abort(400, description=_("El JSON tiene demasiados niveles anidados (máximo %(n)d).", n=MAXIMO_ANIDAMIENTO))
    g.cuerpo_json = datos
    return datos


def comprobar_peticion() -> None:
    """Antes de cada vista: nada con caracteres prohibidos en la ruta, los parámetros, el formulario ni el JSON."""
    textos = [request.path]
    pares = list(request.args.lists())
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            textos.extend(_textos(leer_json()))
        else:
            pares.extend(request.form.lists())
            textos.extend(archivo.filename or "" for archivo in request.files.values())
    for clave, valores in pares:
        textos.append(clave)
        textos.extend(valores)
    if any(tiene_prohibidos(t) for t in textos):
        abort(400, description=_("El texto enviado contiene caracteres no admitidos (de control o de dirección "
                                 "del texto). Quítelos y vuelva a intentarlo."))


# --- Formularios ----------------------------------------------------------------------------------
class Formulario(FlaskForm):
    """La base de todos los formularios: además de sus validadores, los campos de una línea no admiten
    saltos de línea ni tabuladores, y las fechas están entre ANIO_MINIMO y ANIO_MAXIMO."""

    def validate(self, extra_validators=None) -> bool:
        valido = super().validate(extra_validators)
        for campo in self:
            if isinstance(campo, StringField) and not isinstance(campo, TextAreaField) and \
                    isinstance(campo.data, str) and not es_de_una_linea(campo.data):
                campo.errors = [*campo.errors, str(UNA_LINEA)]
                valido = False
            elif isinstance(campo, (DateField, DateTimeLocalField)) and not fecha_admisible(campo.data):
                campo.errors = [*campo.errors, str(FECHA_FUERA)]
                valido = False
        return valido
