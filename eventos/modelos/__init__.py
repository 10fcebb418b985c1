"""Modelos por agregado. Importarlos aquí registra todas las tablas en los metadatos."""
from .evento import Evento, ESTADOS, MODALIDADES
from .programa import Sesion, Persona, Participacion, Material, TIPOS_SESION, ROLES, TIPOS_MATERIAL
from .mesas import Mesa, Guia, Bloque, Pregunta
from . import versiones  # noqa: F401  (registra el contador de versiones del programa)

__all__ = [
    "Evento", "ESTADOS", "MODALIDADES",
    "Sesion", "Persona", "Participacion", "Material", "TIPOS_SESION", "ROLES", "TIPOS_MATERIAL",
    "Mesa", "Guia", "Bloque", "Pregunta",
]
