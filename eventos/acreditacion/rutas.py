"""Páginas de acreditación: el escáner de la puerta (la API está en api/acreditacion.py)."""
from flask import Blueprint

bp = Blueprint("acreditacion", __name__)
