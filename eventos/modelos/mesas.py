from __future__ import annotations

from sqlalchemy import JSON

from ..extensiones import db
from ..zonas import FechaHoraUTC, ahora

mesa_sesion = db.Table(
    "mesa_sesion",
    db.Column("mesa_id", db.Integer, db.ForeignKey("mesa.id", ondelete="CASCADE"), primary_key=True),
    db.Column("sesion_id", db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), primary_key=True),
)


class Mesa(db.Model):
    """Grupo de trabajo (eje temático) que responde la guía de preguntas compartida."""
    __tablename__ = "mesa"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    clave = db.Column(db.String(80), nullable=False)
    nombre = db.Column(db.String(300), nullable=False)
    descripcion = db.Column(db.Text, nullable=False, default="")
    cupo = db.Column(db.Integer)
    sala = db.Column(db.String(200), nullable=False, default="")
    enlace = db.Column(db.String(1000), nullable=False, default="")
    orden = db.Column(db.Integer, nullable=False, default=0)

    __table_args__ = (db.UniqueConstraint("evento_id", "clave", name="uq_mesa_evento_clave"),)

    evento = db.relationship("Evento", back_populates="mesas")
    sesiones = db.relationship("Sesion", secondary=mesa_sesion, back_populates="mesas",
                               order_by="Sesion.inicio")
    moderadores = db.relationship("Usuario", secondary="moderador_mesa", back_populates="mesas_moderadas",
                                  order_by="Usuario.nombre")


def en_orden(objetos):
    """Por `orden` y, a igualdad, por antigüedad (los nuevos, aún sin id, al final)."""
    return sorted(objetos, key=lambda o: (o.orden, o.id if o.id is not None else float("inf")))


class Guia(db.Model):
    """Guía de preguntas compartida por todas las mesas de una sesión (o de todo el evento)."""
    __tablename__ = "guia"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    sesion_id = db.Column(db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), index=True)
    titulo = db.Column(db.String(300), nullable=False, default="")
    pregunta_rectora = db.Column(db.Text, nullable=False, default="")
    orden = db.Column(db.Integer, nullable=False, default=0)

    evento = db.relationship("Evento", back_populates="guias")
    sesion = db.relationship("Sesion")
    bloques = db.relationship("Bloque", back_populates="guia", cascade="all, delete-orphan",
                              order_by="(Bloque.orden, Bloque.id)")

    @property
    def preguntas(self):
        return [p for b in self.bloques for p in b.preguntas]

    def renumerar(self) -> None:
        """Deja `orden` consecutivo y numera las preguntas 1..N a lo largo de toda la guía, como en los
        programas de los foros (GSEF: Ronda 1 = 1–5, Ronda 2 = 6–10)."""
        numero = 0
        for orden_bloque, bloque in enumerate(en_orden(self.bloques)):
            bloque.orden = orden_bloque
            for orden_pregunta, pregunta in enumerate(en_orden(bloque.preguntas)):
                pregunta.orden = orden_pregunta
                numero += 1
                pregunta.numero = numero


class Bloque(db.Model):
    """Bloque o ronda de preguntas ('Ronda 1', 'Modernización de los mecanismos de cooperación')."""
    __tablename__ = "bloque"

    id = db.Column(db.Integer, primary_key=True)
    guia_id = db.Column(db.Integer, db.ForeignKey("guia.id", ondelete="CASCADE"), nullable=False, index=True)
    titulo = db.Column(db.String(300), nullable=False)
    orden = db.Column(db.Integer, nullable=False, default=0)

    guia = db.relationship("Guia", back_populates="bloques")
    preguntas = db.relationship("Pregunta", back_populates="bloque", cascade="all, delete-orphan",
                                order_by="(Pregunta.orden, Pregunta.id)")


class Pregunta(db.Model):
    __tablename__ = "pregunta"

    id = db.Column(db.Integer, primary_key=True)
    bloque_id = db.Column(db.Integer, db.ForeignKey("bloque.id", ondelete="CASCADE"), nullable=False, index=True)
    numero = db.Column(db.Integer, nullable=False)
    texto = db.Column(db.Text, nullable=False)
    orden = db.Column(db.Integer, nullable=False, default=0)

    bloque = db.relationship("Bloque", back_populates="preguntas")


class Respuesta(db.Model):
    """La respuesta de una mesa a una pregunta de la guía: texto (Markdown sencillo, que se muestra sin
    HTML), puntos clave o acuerdos y, si se anotó, cuántas personas intervinieron.

    `version` sube con cada guardado: quien guarda dice sobre qué versión escribió y, si otra persona
    guardó entretanto, recibe un conflicto con los dos textos en lugar de pisarla.
    """
    __tablename__ = "respuesta"

    id = db.Column(db.Integer, primary_key=True)
    mesa_id = db.Column(db.Integer, db.ForeignKey("mesa.id", ondelete="CASCADE"), nullable=False, index=True)
    pregunta_id = db.Column(db.Integer, db.ForeignKey("pregunta.id", ondelete="CASCADE"), nullable=False, index=True)
    texto = db.Column(db.Text, nullable=False, default="")
    puntos_clave = db.Column(JSON, nullable=False, default=list)
    intervenciones = db.Column(db.Integer)
    version = db.Column(db.Integer, nullable=False, default=0)
    actualizada_en = db.Column(FechaHoraUTC, nullable=False, default=ahora, index=True)
    actualizada_por_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="SET NULL"))

    __table_args__ = (db.UniqueConstraint("mesa_id", "pregunta_id", name="uq_respuesta_mesa_pregunta"),)

    mesa = db.relationship("Mesa")
    pregunta = db.relationship("Pregunta")
    actualizada_por = db.relationship("Usuario")
    historial = db.relationship("VersionRespuesta", back_populates="respuesta", cascade="all, delete-orphan",
                                order_by="VersionRespuesta.version.desc()")

    @property
    def autor(self) -> str:
        return self.actualizada_por.nombre if self.actualizada_por else ""


class VersionRespuesta(db.Model):
    """Cada versión guardada de una respuesta: quién, cuándo y qué."""
    __tablename__ = "version_respuesta"

    id = db.Column(db.Integer, primary_key=True)
    respuesta_id = db.Column(db.Integer, db.ForeignKey("respuesta.id", ondelete="CASCADE"), nullable=False)
    version = db.Column(db.Integer, nullable=False)
    texto = db.Column(db.Text, nullable=False, default="")
    puntos_clave = db.Column(JSON, nullable=False, default=list)
    intervenciones = db.Column(db.Integer)
    guardada_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)  # el último guardado de la racha
    iniciada_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)  # el primero
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="SET NULL"))

    __table_args__ = (db.UniqueConstraint("respuesta_id", "version", name="uq_version_respuesta_respuesta_version"),)

    respuesta = db.relationship("Respuesta", back_populates="historial")
    usuario = db.relationship("Usuario")
