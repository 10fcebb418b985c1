"""Los registros nunca llevan secretos: ni los de la aplicación, ni los de Werkzeug, ni los de gunicorn.

Se enmascaran los enlaces personales (`/inscripcion/<token>`), los de restablecer la contraseña, las
claves del calendario suscrito, los códigos QR, las claves de API y las direcciones de correo, tanto en
los mensajes como en las trazas de error. Los errores de la base de datos no muestran los valores de la
sentencia (`hide_parameters` del motor, en `config.opciones_motor`).

Con gunicorn: `--logger-class eventos.registro.RegistroGunicorn`.
"""
from __future__ import annotations

import logging
import re

_PATRONES = (
    # PostgreSQL repite los valores en el detalle de sus errores: la fila que falló, la clave repetida.
    (re.compile(r"(Failing row contains ).*$", re.M), r"\1(***)."),
    (re.compile(r"(Key \([^)]*\))=.*$", re.M), r"\1=(***)"),
    (re.compile(r"(/inscripcion/)[^/\s?#\"'<>]+"), r"\1***"),
    (re.compile(r"(/cuentas/restablecer/)[^/\s?#\"'<>]+"), r"\1***"),
    (re.compile(r"(/calendario/)[^/\s?#\"'<>]+?(\.ics)"), r"\1***\2"),
    (re.compile(r"\bEV1-[A-Za-z0-9_-]{8,}"), "EV1-***"),
    (re.compile(r"\bevt_[A-Za-z0-9_-]+"), "evt_***"),
    (re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b"), r"\1***@\2"),
)


def ocultar(texto: str) -> str:
    for patron, sustituto in _PATRONES:
        texto = patron.sub(sustituto, texto)
    return texto


class FormateadorSinSecretos(logging.Formatter):
    """Formatea como su formateador de siempre (mensaje y traza) y enmascara el resultado."""

    def __init__(self, base: logging.Formatter | None = None):
        super().__init__()
        self.base = base or logging.Formatter("[%(asctime)s] %(levelname)s en %(module)s: %(message)s")

    def format(self, registro: logging.LogRecord) -> str:
        return ocultar(self.base.format(registro))


def sin_secretos(manejador: logging.Handler) -> None:
    if not isinstance(manejador.formatter, FormateadorSinSecretos):
        manejador.setFormatter(FormateadorSinSecretos(manejador.formatter))


def registrar_registros(app) -> None:
    """El manejador de Flask y el de Werkzeug (servidor de desarrollo) enmascaran lo que escriben."""
    from flask.logging import default_handler
    sin_secretos(default_handler)
    werkzeug = logging.getLogger("werkzeug")
    if not werkzeug.handlers:  # el mismo manejador que Werkzeug pondría él solo, ya enmascarado
        werkzeug.addHandler(logging.StreamHandler())
        if werkzeug.level == logging.NOTSET:
            werkzeug.setLevel(logging.INFO)
    for manejador in werkzeug.handlers:
        sin_secretos(manejador)


try:
    from gunicorn.glogging import Logger as _LoggerGunicorn
except ImportError:  # pragma: no cover — gunicorn es una dependencia, pero no hace falta para importar esto
    _LoggerGunicorn = object


class RegistroGunicorn(_LoggerGunicorn):
    """El registro de accesos y el de errores de gunicorn, con las rutas y los mensajes enmascarados."""

    def setup(self, cfg):
        super().setup(cfg)
        for registro in (self.error_log, self.access_log):
            for manejador in registro.handlers:
                sin_secretos(manejador)
