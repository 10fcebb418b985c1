"""Lo que un proceso web necesita para atender: la base de datos y, si está configurado, Redis. Cada
comprobación tiene un plazo corto y dice, si falla, por qué (/api/v1/preparado, para el balanceador)."""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .cache import AlmacenRedis
from .extensiones import db

registro = logging.getLogger(__name__)
PLAZO_BD_MS = 2000  # lo más que espera la consulta (PostgreSQL); conectarse tiene su plazo en config.opciones_motor


def comprobar() -> dict[str, dict]:
    """{nombre: {"estado": "ok" | "fallo" | "sin_configurar", "razon": … si falla}} de cada dependencia."""
    return {"base_de_datos": _base_de_datos(), "redis": _redis()}


def _base_de_datos() -> dict:
    try:
        with db.engine.connect() as conexion:  # una conexión del pool, como las de las peticiones
            if conexion.dialect.name == "postgresql":
                conexion.exec_driver_sql(f"SET LOCAL statement_timeout = {PLAZO_BD_MS}")
            conexion.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as error:
        registro.warning("La base de datos no responde: %s", error)
        return {"estado": "fallo", "razon": _("La base de datos no responde (%(error)s).", error=type(error).__name__)}
    return {"estado": "ok"}


def _redis() -> dict:
    almacen = current_app.extensions["cache"]
    if not isinstance(almacen, AlmacenRedis):
        return {"estado": "sin_configurar"}
    import redis
    try:
        almacen.comprobar()
    except redis.RedisError as error:
        registro.warning("Redis no responde: %s", error)
        return {"estado": "fallo", "razon": _("Redis no responde (%(error)s).", error=type(error).__name__)}
    return {"estado": "ok"}
