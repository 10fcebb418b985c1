"""Modelos por agregado. Importarlos aquí registra todas las tablas en los metadatos."""
from .evento import (Evento, ESTADOS, MAXIMO_DIAS_ANTES, MAXIMO_MINUTOS_ANTES, MINUTOS_ANTES_POR_OMISION,
                     MODALIDADES)
from .programa import (Sesion, SesionRetirada, Persona, Participacion, Material, ArchivoMaterial, TIPOS_SESION,
                       ROLES, TIPOS_MATERIAL)
from .mesas import Mesa, Guia, Bloque, Pregunta, Respuesta, VersionRespuesta
from .usuarios import Usuario, RolEvento, Auditoria, SesionUsuario, TokenApi, Cuenta, ROLES_EVENTO
from .comunicaciones import Anuncio, Recordatorio, TIPOS_ANUNCIO
from .encuestas import Encuesta, SeccionEncuesta, PreguntaEncuesta, RespuestaEncuesta, ParticipacionEncuesta
from .inscripciones import (Inscripcion, PreguntaInscripcion, Asistencia, Constancia, CorreoSaliente, AvisoPrivacidad,
                            ESTADOS_INSCRIPCION,
                            MODALIDADES_PARTICIPACION, TIPOS_PREGUNTA)
from . import cambios  # noqa: F401  (versiones del programa y auditoría en cada flush)

__all__ = [
    "Evento", "ESTADOS", "MODALIDADES",
    "Sesion", "SesionRetirada", "Persona", "Participacion", "Material", "TIPOS_SESION", "ROLES", "TIPOS_MATERIAL",
    "ArchivoMaterial",
    "Mesa", "Guia", "Bloque", "Pregunta", "Respuesta", "VersionRespuesta",
    "Usuario", "RolEvento", "Auditoria", "TokenApi", "Cuenta", "ROLES_EVENTO",
    "Inscripcion", "PreguntaInscripcion", "Asistencia", "Constancia", "CorreoSaliente", "ESTADOS_INSCRIPCION",
    "MODALIDADES_PARTICIPACION", "TIPOS_PREGUNTA",
    "Anuncio", "Recordatorio", "TIPOS_ANUNCIO", "AvisoPrivacidad",
    "Encuesta", "SeccionEncuesta", "PreguntaEncuesta", "RespuestaEncuesta", "ParticipacionEncuesta",
]
