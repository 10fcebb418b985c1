"""El espacio de moderación de las mesas (/mesas/…)."""
from flask import Blueprint

bp = Blueprint("mesas", __name__)
