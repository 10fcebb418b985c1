from __future__ import annotations

import uuid
from datetime import UTC
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON

from ..extensiones import db
from ..zonas import FechaHoraUTC, a_local, ahora

TIPOS_SESION = {
    "inauguracion": _l("Inauguración"),
    "plenaria": _l("Plenaria"),
    "panel": _l("Panel"),
    "conversatorio": _l("Conversatorio"),
    "mesas_de_trabajo": _l("Mesas de trabajo"),
    "preguntas_y_respuestas": _l("Preguntas y respuestas"),
    "receso": _l("Receso"),
    "cierre": _l("Cierre"),
    "otra": _l("Otra actividad"),
}
ROLES = {
    "facilitador": _l("Facilitación"),
    "moderador": _l("Moderación"),
    "ponente": _l("Ponente"),
    "panelista": _l("Panelista"),
    "orador": _l("Intervención"),
    "comentarista": _l("Comentarios"),
    "relator": _l("Relatoría"),
}
TIPOS_MATERIAL = {
    "documento": _l("Documento"),
    "presentacion": _l("Presentación"),
    "enlace": _l("Enlace"),
    "video": _l("Video"),
    "otro": _l("Otro"),
}


CAMPOS_DE_AVISO = ("inicio", "fin", "sala", "enlace")


def datos_de_aviso(sesion) -> dict:
    """Lo que se avisa a participantes si cambia (una sesión o el dict de sus columnas): instantes en UTC."""
    valor = sesion.get if isinstance(sesion, dict) else lambda campo: getattr(sesion, campo)
    return {campo: (valor(campo).astimezone(UTC).isoformat() if campo in ("inicio", "fin") else valor(campo) or "")
            for campo in CAMPOS_DE_AVISO}


def _uid_nuevo() -> str:
    return str(uuid.uuid4())


class ReglasSesion:
    """Lo que se deduce de una sesión sin cambiarla: lo comparten el modelo y la instantánea del programa."""

    @property
    def dia_local(self):
        return a_local(self.inicio, self.evento.zona_horaria).date()

    @property
    def etiqueta_tipo(self):
        return TIPOS_SESION.get(self.tipo, self.tipo)

    @property
    def duracion_minutos(self) -> int:
        return int((self.fin - self.inicio).total_seconds() // 60)

    def participantes_por_rol(self) -> list[tuple[str, list]]:
        """[(rol, [participantes])] en el orden en que aparecen por primera vez."""
        grupos: dict[str, list] = {}
        for p in self.participantes:
            grupos.setdefault(p.rol, []).append(p)
        return list(grupos.items())


class ReglasMaterial:
    @property
    def etiqueta_tipo(self):
        return TIPOS_MATERIAL.get(self.tipo, self.tipo)

    @property
    def es_archivo(self) -> bool:
        return bool(self.archivo)


class Sesion(ReglasSesion, db.Model):
    __tablename__ = "sesion"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    padre_id = db.Column(db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), index=True)
    clave = db.Column(db.String(80), nullable=False)
    uid = db.Column(db.String(64), nullable=False, unique=True, default=_uid_nuevo)
    titulo = db.Column(db.String(300), nullable=False)
    tipo = db.Column(db.String(30), nullable=False, default="otra")
    inicio = db.Column(FechaHoraUTC, nullable=False)
    fin = db.Column(FechaHoraUTC, nullable=False)
    horario_ilustrativo = db.Column(db.Boolean, nullable=False, default=False)
    sala = db.Column(db.String(200), nullable=False, default="")
    enlace = db.Column(db.String(1000), nullable=False, default="")
    grabacion = db.Column(db.String(1000), nullable=False, default="", server_default="")  # se muestra al terminar
    objetivo = db.Column(db.Text, nullable=False, default="")
    descripcion = db.Column(db.Text, nullable=False, default="")
    orden = db.Column(db.Integer, nullable=False, default=0)
    secuencia = db.Column(db.Integer, nullable=False, default=0)
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    actualizado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    # Horario, sala y enlace tal como se comunicaron por última vez a participantes (al crearla, los suyos):
    # lo que difiera es un cambio pendiente de avisar (eventos/comunicaciones).
    aviso = db.Column(JSON, default=lambda contexto: datos_de_aviso(contexto.get_current_parameters()))

    __table_args__ = (db.UniqueConstraint("evento_id", "clave", name="uq_sesion_evento_clave"),)

    evento = db.relationship("Evento", back_populates="sesiones")
    padre = db.relationship("Sesion", remote_side=[id], back_populates="hijas")
    hijas = db.relationship("Sesion", back_populates="padre", cascade="all, delete-orphan",
                            order_by="(Sesion.inicio, Sesion.orden, Sesion.id)")
    participaciones = db.relationship("Participacion", back_populates="sesion", cascade="all, delete-orphan",
                                      order_by="(Participacion.orden, Participacion.id)")
    materiales = db.relationship("Material", back_populates="sesion", cascade="all, delete-orphan",
                                 order_by="(Material.orden, Material.id)")
    mesas = db.relationship("Mesa", secondary="mesa_sesion", back_populates="sesiones", viewonly=True)

    @property
    def participantes(self) -> list["Participante"]:
        return [Participante.de(p) for p in self.participaciones]

    def marcar_cambio(self):
        self.secuencia = (self.secuencia or 0) + 1
        self.actualizado_en = ahora()

    def __repr__(self):
        return f"<Sesion {self.clave}>"


class SesionRetirada(db.Model):
    """Lo que queda de una sesión eliminada, para que los calendarios suscritos la marquen CANCELLED
    (con el mismo UID y una SEQUENCE mayor) en vez de dejarla huérfana en el calendario de la gente."""
    __tablename__ = "sesion_retirada"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    uid = db.Column(db.String(64), nullable=False, unique=True)
    titulo = db.Column(db.String(300), nullable=False)
    inicio = db.Column(FechaHoraUTC, nullable=False)
    fin = db.Column(FechaHoraUTC, nullable=False)
    secuencia = db.Column(db.Integer, nullable=False)
    retirada_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    avisada_en = db.Column(FechaHoraUTC)  # cuándo se avisó a participantes de que ya no se celebra


class Persona(db.Model):
    __tablename__ = "persona"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    nombre = db.Column(db.String(200), nullable=False)
    tratamiento = db.Column(db.String(40), nullable=False, default="")

    __table_args__ = (db.UniqueConstraint("evento_id", "nombre", name="uq_persona_evento_nombre"),)

    evento = db.relationship("Evento", back_populates="personas")
    participaciones = db.relationship("Participacion", back_populates="persona", cascade="all, delete-orphan")

    @property
    def nombre_completo(self) -> str:
        return f"{self.tratamiento} {self.nombre}".strip()


class _Afiliacion:
    @property
    def etiqueta_rol(self):
        return ROLES.get(self.rol, self.rol)

    @property
    def afiliacion(self) -> str:
        """'Cargo, Institución, Ciudad, País' sin partes vacías."""
        return ", ".join(p for p in (self.cargo, self.institucion, self.ciudad, self.pais) if p)


class Participante(NamedTuple):
    """Vista de solo lectura de una participación con los datos de su persona (páginas y API).

    Una tupla con nombre: un foro grande tiene miles y se crean en cada página sin caché."""
    nombre: str
    tratamiento: str
    rol: str
    cargo: str
    institucion: str
    ciudad: str
    pais: str

    @property
    def nombre_completo(self) -> str:
        return f"{self.tratamiento} {self.nombre}".strip()

    etiqueta_rol = _Afiliacion.etiqueta_rol
    afiliacion = _Afiliacion.afiliacion

    @classmethod
    def de(cls, p: "Participacion") -> "Participante":
        return cls(p.persona.nombre, p.persona.tratamiento, p.rol, p.cargo, p.institucion, p.ciudad, p.pais)


class Participacion(_Afiliacion, db.Model):
    """Una persona en una sesión, con su rol y su cargo tal como constan en ese evento."""
    __tablename__ = "participacion"

    id = db.Column(db.Integer, primary_key=True)
    sesion_id = db.Column(db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), nullable=False, index=True)
    persona_id = db.Column(db.Integer, db.ForeignKey("persona.id", ondelete="CASCADE"), nullable=False, index=True)
    rol = db.Column(db.String(30), nullable=False)
    cargo = db.Column(db.String(300), nullable=False, default="")
    institucion = db.Column(db.String(300), nullable=False, default="")
    ciudad = db.Column(db.String(120), nullable=False, default="")
    pais = db.Column(db.String(120), nullable=False, default="")
    orden = db.Column(db.Integer, nullable=False, default=0)

    sesion = db.relationship("Sesion", back_populates="participaciones")
    persona = db.relationship("Persona", back_populates="participaciones")


class Material(ReglasMaterial, db.Model):
    __tablename__ = "material"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    sesion_id = db.Column(db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), index=True)
    titulo = db.Column(db.String(300), nullable=False)
    tipo = db.Column(db.String(20), nullable=False, default="documento")
    descripcion = db.Column(db.Text, nullable=False, default="")
    url = db.Column(db.String(1000), nullable=False, default="")
    archivo = db.Column(db.String(200), nullable=False, default="")  # nombre interno en el almacén de materiales
    nombre_archivo = db.Column(db.String(255), nullable=False, default="")
    tipo_mime = db.Column(db.String(100), nullable=False, default="")
    tamano = db.Column(db.Integer, nullable=False, default=0)
    orden = db.Column(db.Integer, nullable=False, default=0)

    evento = db.relationship("Evento", back_populates="todos_los_materiales")
    sesion = db.relationship("Sesion", back_populates="materiales")


class ArchivoMaterial(db.Model):
    """Contenido de un archivo de materiales cuando el almacén es la base de datos (servicios/materiales.py).
    Solo se lee por trozos o por columnas sueltas: nunca como objeto entero."""
    __tablename__ = "archivo_material"

    clave = db.Column(db.String(200), primary_key=True)  # el nombre interno: sha256 del contenido y extensión
    contenido = db.Column(db.LargeBinary, nullable=False)
    tamano = db.Column(db.Integer, nullable=False)
    tipo_mime = db.Column(db.String(100), nullable=False, default="")
