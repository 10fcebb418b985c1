"""Utilidades compartidas por las pruebas (bases de datos de prueba y configuración)."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from eventos.config import normalizar_url_bd

URL_PRUEBAS = os.environ.get("TEST_DATABASE_URL")


def es_postgresql(url: str) -> bool:
    return url.startswith("postgres")


def vaciar_bd(url: str) -> None:
    """Deja la base de datos de pruebas vacía (en SQLite basta con un archivo nuevo)."""
    if es_postgresql(url):
        motor = create_engine(normalizar_url_bd(url))
        with motor.begin() as conexion:
            conexion.execute(text("DROP SCHEMA public CASCADE"))
            conexion.execute(text("CREATE SCHEMA public"))
        motor.dispose()


def configuracion(tmp, url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "clave-de-pruebas",
        "SQLALCHEMY_DATABASE_URI": normalizar_url_bd(url),
        "MATERIALES_CARPETA": str(tmp / "materiales"),
        "MAIL_CARPETA": str(tmp / "correo"),
        "CACHE_TYPE": "SimpleCache",
    }
