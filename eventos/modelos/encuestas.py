"""La encuesta de evaluación de un evento: secciones, preguntas y respuestas.

Anónima por omisión: la respuesta no guarda la inscripción, ni la hora, ni un número que crezca con el orden de
llegada (su id es al azar); solo `ParticipacionEncuesta` dice quién ya respondió. Para cambiar su respuesta, quien
respondió guarda en su navegador una clave de edición (en la base, solo su resumen). En una encuesta
identificada, la respuesta lleva la inscripción y se cambia desde cualquier sitio con el enlace personal."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON

from ..extensiones import db
from ..zonas import FechaHoraUTC, ahora

TIPOS_PREGUNTA_ENCUESTA = {
    "valoracion": _l("Valoración de 1 a 5"),
    "opcion_unica": _l("Una opción"),
    "opcion_multiple": _l("Varias opciones"),
    "texto_corto": _l("Texto corto"),
    "texto_largo": _l("Texto largo"),
    "matriz_sesiones": _l("Una valoración por sesión"),
    "matriz_mesas": _l("Una valoración por mesa"),
}
CON_OPCIONES = ("opcion_unica", "opcion_multiple")
DE_VALORACION = ("valoracion", "matriz_sesiones", "matriz_mesas")
PUBLICOS_ENCUESTA = {"asistentes": _l("Quienes asistieron (en persona o en línea)"),
                     "confirmadas": _l("Todas las personas confirmadas")}


def _id_al_azar() -> str:
    return uuid.uuid4().hex


class Encuesta(db.Model):
    __tablename__ = "encuesta"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, unique=True)
    titulo = db.Column(db.String(300), nullable=False)
    introduccion = db.Column(db.Text, nullable=False, default="")
    abre_en = db.Column(FechaHoraUTC)  # sin fecha: desde que termina la primera sesión… la decide la organización
    cierra_en = db.Column(FechaHoraUTC)
    publico = db.Column(db.String(20), nullable=False, default="asistentes")
    anonima = db.Column(db.Boolean, nullable=False, default=True)
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)

    evento = db.relationship("Evento")
    secciones = db.relationship("SeccionEncuesta", back_populates="encuesta", cascade="all, delete-orphan",
                                order_by="(SeccionEncuesta.orden, SeccionEncuesta.id)")

    @property
    def preguntas(self) -> list["PreguntaEncuesta"]:
        return [p for s in self.secciones for p in s.preguntas]

    def abierta(self, momento=None) -> bool:
        momento = momento or ahora()
        return self.abre_en is not None and self.abre_en <= momento and (self.cierra_en is None
                                                                          or momento < self.cierra_en)


class SeccionEncuesta(db.Model):
    __tablename__ = "seccion_encuesta"

    id = db.Column(db.Integer, primary_key=True)
    encuesta_id = db.Column(db.Integer, db.ForeignKey("encuesta.id", ondelete="CASCADE"), nullable=False, index=True)
    titulo = db.Column(db.String(300), nullable=False)
    orden = db.Column(db.Integer, nullable=False, default=0)

    encuesta = db.relationship("Encuesta", back_populates="secciones")
    preguntas = db.relationship("PreguntaEncuesta", back_populates="seccion", cascade="all, delete-orphan",
                                order_by="(PreguntaEncuesta.orden, PreguntaEncuesta.id)")


class PreguntaEncuesta(db.Model):
    __tablename__ = "pregunta_encuesta"

    id = db.Column(db.Integer, primary_key=True)
    seccion_id = db.Column(db.Integer, db.ForeignKey("seccion_encuesta.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    tipo = db.Column(db.String(20), nullable=False)
    texto = db.Column(db.String(500), nullable=False)
    ayuda = db.Column(db.String(500), nullable=False, default="")
    # Valoraciones: las etiquetas de 1 y de 5 (["Nada útil", "Muy útil"]); opciones: la lista de opciones.
    etiquetas = db.Column(JSON, nullable=False, default=list)
    opciones = db.Column(JSON, nullable=False, default=list)
    obligatoria = db.Column(db.Boolean, nullable=False, default=False)
    orden = db.Column(db.Integer, nullable=False, default=0)

    seccion = db.relationship("SeccionEncuesta", back_populates="preguntas")

    @property
    def etiqueta_tipo(self):
        return TIPOS_PREGUNTA_ENCUESTA.get(self.tipo, self.tipo)


class RespuestaEncuesta(db.Model):
    """Las respuestas de una persona. Para filtrar los resultados guarda su mesa y cómo asistió, no quién es."""
    __tablename__ = "respuesta_encuesta"

    id = db.Column(db.String(32), primary_key=True, default=_id_al_azar)
    encuesta_id = db.Column(db.Integer, db.ForeignKey("encuesta.id", ondelete="CASCADE"), nullable=False, index=True)
    inscripcion_id = db.Column(db.Integer, db.ForeignKey("inscripcion.id", ondelete="SET NULL"), unique=True)
    clave_edicion = db.Column(db.String(64), unique=True)  # resumen SHA-256 de la clave que guarda el navegador
    mesa_id = db.Column(db.Integer, db.ForeignKey("mesa.id", ondelete="SET NULL"))
    modalidad = db.Column(db.String(20), nullable=False, default="")  # presencial, en_linea, ambas
    valores = db.Column(JSON, nullable=False, default=dict)  # {id de pregunta: valor}; matrices: {id de fila: 1..5}


class ParticipacionEncuesta(db.Model):
    """Quién ya respondió (y nada más): sin hora ni id que se pueda casar con una respuesta."""
    __tablename__ = "participacion_encuesta"

    encuesta_id = db.Column(db.Integer, db.ForeignKey("encuesta.id", ondelete="CASCADE"), primary_key=True)
    inscripcion_id = db.Column(db.Integer, db.ForeignKey("inscripcion.id", ondelete="CASCADE"), primary_key=True)
