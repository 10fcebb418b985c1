"""Los registros nunca llevan secretos: ni los de la aplicación, ni los de Werkzeug, ni los de gunicorn.

Cada registro del proceso se enmascara al crearse (una fábrica de registros de `logging`): los enlaces
personales (`/inscripcion/<token>`), los de restablecer la contraseña, las claves del calendario
suscrito, los códigos QR, las claves de API y las direcciones de correo, en los mensajes y en las trazas.
Los errores de la base de datos no muestran los valores de la sentencia (`hide_parameters` del motor, en
`config.opciones_motor`).
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


_FABRICA_ORIGINAL = logging.getLogRecordFactory()


def _registro_sin_secretos(*args, **kwargs) -> logging.LogRecord:
    """Cada registro nace ya enmascarado (mensaje y traza): da igual qué manejador o formateador lo escriba
    después, ni a qué registrador se propague."""
    registro = _FABRICA_ORIGINAL(*args, **kwargs)
    try:
        mensaje = registro.getMessage()
    except Exception:  # noqa: BLE001 — un mensaje mal formado lo señala el propio logging al escribirlo
        return registro
    registro.msg, registro.args = ocultar(mensaje), None
    if registro.exc_info and not registro.exc_text:
        registro.exc_text = ocultar(logging.Formatter().formatException(registro.exc_info))
    return registro


def registrar_registros() -> None:
    """Instala la fábrica de registros sin secretos en el proceso (aplicación, Werkzeug, gunicorn, SQLAlchemy)."""
    if logging.getLogRecordFactory() is not _registro_sin_secretos:
        logging.setLogRecordFactory(_registro_sin_secretos)
