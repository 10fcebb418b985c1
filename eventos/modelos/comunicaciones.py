"""Comunicaciones de la organización con participantes: recordatorios antes de cada sesión, anuncios a un
segmento, el mensaje de después del evento y los avisos de cambios del programa. Cada mensaje sale por la
bandeja de salida (`CorreoSaliente`, con `anuncio_id` o `recordatorio_id`); aquí solo se guarda lo que la
organización escribió y a quién iba."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON

from ..extensiones import db
from ..zonas import FechaHoraUTC, ahora

TIPOS_ANUNCIO = {"anuncio": _l("Anuncio"), "despues": _l("Mensaje de después del evento"),
                 "cambios": _l("Aviso de cambios del programa")}


class TextosPorIdioma:
    """`textos` = {idioma: {"asunto": …, "texto": …}}; `idioma` es el de la versión principal, la que recibe
    quien no tiene una en su idioma."""

    def version(self, idioma: str | None) -> tuple[str, dict]:
        """(idioma, {"asunto", "texto"}) que le toca a una persona con ese idioma."""
        textos = self.textos or {}
        elegido = idioma if idioma in textos else self.idioma
        return elegido, textos.get(elegido) or {"asunto": "", "texto": ""}


class Anuncio(TextosPorIdioma, db.Model):
    __tablename__ = "anuncio"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    tipo = db.Column(db.String(20), nullable=False, default="anuncio")  # TIPOS_ANUNCIO
    segmento = db.Column(JSON, nullable=False, default=dict)  # {"tipo": …, "mesas": [...], "ids": [...]}
    textos = db.Column(JSON, nullable=False, default=dict)
    idioma = db.Column(db.String(5), nullable=False, default="es")
    datos = db.Column(JSON, nullable=False, default=dict)  # avisos de cambios: qué sesiones cambiaron y cómo
    destinatarios = db.Column(db.Integer, nullable=False, default=0)
    creado_por_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="SET NULL"))
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    enviado_en = db.Column(FechaHoraUTC)

    evento = db.relationship("Evento")
    creado_por = db.relationship("Usuario")

    @property
    def etiqueta_tipo(self):
        return TIPOS_ANUNCIO.get(self.tipo, self.tipo)


class Recordatorio(TextosPorIdioma, db.Model):
    """Un recordatorio `minutos_antes` del inicio de cada sesión del programa personal de cada persona
    confirmada. Los momentos de envío anteriores a `vigente_desde` no se envían."""
    __tablename__ = "recordatorio"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    minutos_antes = db.Column(db.Integer, nullable=False)
    textos = db.Column(JSON, nullable=False, default=dict)
    idioma = db.Column(db.String(5), nullable=False, default="es")
    activo = db.Column(db.Boolean, nullable=False, default=True)
    creado_por_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="SET NULL"))
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    # Los momentos de envío anteriores no se envían: su creación, o cuando se reactivó o se alargó su antelación.
    vigente_desde = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    # Hasta dónde se revisó (con un margen): en cada ronda solo se vuelve a mirar a quien cambió desde entonces.
    revisado_en = db.Column(FechaHoraUTC)

    evento = db.relationship("Evento")
