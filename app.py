"""Punto de entrada: `flask --app app …` y `gunicorn 'app:create_app()'`."""
from eventos import create_app

__all__ = ["create_app"]
