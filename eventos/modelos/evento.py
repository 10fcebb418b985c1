from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, bindparam, select
from sqlalchemy.orm import defer, selectinload

from ..extensiones import db, sin_transaccion
from ..zonas import FechaHoraUTC, ahora, hoy_en, inicio_del_dia

class VersionPublicada(NamedTuple):
    """Lo que identifica lo que se ve de un evento publicado en este momento (para cachés y ETag)."""
    id: int
    version_programa: int
    actualizado_en: object
    version_inscripciones: int
    estado_inscripcion: str

    @property
    def programa(self) -> tuple:
        """Lo que identifica la versión del programa (la instantánea y lo que se dibuja con ella)."""
        return self.id, self.version_programa, self.actualizado_en


def estado_de_inscripcion(estado_evento: str, apertura, cierre, momento=None) -> str:
    """'sin_configurar', 'no_publicado', 'aun_no', 'abierta' o 'cerrada' en ese momento."""
    momento = momento or ahora()
    if not cierre:
        return "sin_configurar"
    if estado_evento != "publicado":
        return "no_publicado" if estado_evento == "borrador" else "cerrada"
    if apertura and momento < apertura:
        return "aun_no"
    return "abierta" if momento < cierre else "cerrada"


# Acreditación anticipada (recoger credenciales) y conexión antes de cada sesión: límites del formulario.
MAXIMO_DIAS_ANTES = 30
MINUTOS_ANTES_POR_OMISION = 15
MAXIMO_MINUTOS_ANTES = 240

RETENCION_MESES_POR_OMISION = 12  # y el máximo: la organización puede acortarla, no alargarla
ESTADOS = {"borrador": _l("Borrador"), "publicado": _l("Publicado"), "cerrado": _l("Cerrado")}
MODALIDADES = {"presencial": _l("Presencial"), "virtual": _l("Virtual"), "hibrida": _l("Híbrida")}


class ReglasEvento:
    """Las reglas de un evento que solo leen sus datos: las comparten el modelo (oficina, servicios) y la
    instantánea de solo lectura del programa (`eventos.instantanea`, páginas públicas, calendarios, API)."""

    def estado_inscripcion(self, momento=None) -> str:
        return estado_de_inscripcion(self.estado, self.inscripcion_apertura, self.inscripcion_cierre, momento)

    @property
    def inscripcion_abierta(self) -> bool:
        return self.estado_inscripcion() == "abierta"

    @property
    def ofrece_modalidad(self) -> bool:
        """En un evento híbrido cada persona elige si asiste en persona o en línea."""
        return self.modalidad == "hibrida"

    @property
    def tiene_enlace_de_conexion(self) -> bool:
        """La organización ya publicó a dónde conectarse (el enlace del evento o el de alguna sesión)."""
        return bool(self.enlace_virtual) or any(s.enlace for s in self.sesiones)

    def ventana_acreditacion(self) -> tuple[datetime, datetime]:
        """Desde la medianoche local del primer día (o de unos días antes) hasta el final del último."""
        return (inicio_del_dia(self.fecha_inicio - timedelta(days=self.acreditacion_dias_antes), self.zona_horaria),
                inicio_del_dia(self.fecha_fin + timedelta(days=1), self.zona_horaria))

    def ventana_conexion(self, sesion=None) -> tuple[datetime, datetime]:
        """Cuándo entrar en línea cuenta como asistencia: de unos minutos antes del inicio de la sesión
        (o del programa) hasta su final."""
        inicio, fin = (sesion.inicio, sesion.fin) if sesion else (self.inicio, self.fin)
        return inicio - timedelta(minutes=self.conexion_minutos_antes), fin

    def termino(self) -> bool:
        """Ya pasó su último día, contado en la zona del evento."""
        return hoy_en(self.zona_horaria) > self.fecha_fin

    @property
    def publicado(self) -> bool:
        return self.estado in ("publicado", "cerrado")

    @property
    def inicio(self):
        """Primer instante del programa: la primera sesión o, sin sesiones, el primer día."""
        inicios = [s.inicio for s in self.sesiones]
        return min(inicios) if inicios else inicio_del_dia(self.fecha_inicio, self.zona_horaria)

    @property
    def fin(self):
        fines = [s.fin for s in self.sesiones]
        return max(fines) if fines else inicio_del_dia(self.fecha_fin + timedelta(days=1), self.zona_horaria)

    @property
    def sesiones_raiz(self):
        return [s for s in self.sesiones if s.padre_id is None]

    def agenda_por_dia(self) -> list[tuple[date, list]]:
        """Sesiones de primer nivel agrupadas por día local del evento, en orden."""
        dias: dict[date, list] = {}
        for sesion in self.sesiones_raiz:
            dias.setdefault(sesion.dia_local, []).append(sesion)
        return sorted(dias.items())

    def guias_de_mesa(self, mesa) -> list:
        ids_sesiones = {s.id for s in mesa.sesiones}
        return [g for g in self.guias if g.sesion_id is None or g.sesion_id in ids_sesiones]


class Evento(ReglasEvento, db.Model):
    __tablename__ = "evento"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    titulo = db.Column(db.String(300), nullable=False)
    lema = db.Column(db.String(500), nullable=False, default="")
    resumen = db.Column(db.Text, nullable=False, default="")
    nota_conceptual = db.Column(db.Text, nullable=False, default="")
    objetivos = db.Column(db.Text, nullable=False, default="")
    resultados_esperados = db.Column(db.Text, nullable=False, default="")
    formato_y_metodologia = db.Column(db.Text, nullable=False, default="")
    organizadores = db.Column(JSON, nullable=False, default=list)
    modalidad = db.Column(db.String(20), nullable=False, default="presencial")
    sede = db.Column(db.String(500), nullable=False, default="")
    enlace_virtual = db.Column(db.String(1000), nullable=False, default="")
    zona_horaria = db.Column(db.String(64), nullable=False)
    zonas_adicionales = db.Column(JSON, nullable=False, default=list)
    fecha_inicio = db.Column(db.Date, nullable=False)
    fecha_fin = db.Column(db.Date, nullable=False)
    fechas_ilustrativas = db.Column(db.Boolean, nullable=False, default=False)
    nota_fechas = db.Column(db.Text, nullable=False, default="")
    estado = db.Column(db.String(20), nullable=False, default="borrador", index=True)
    inscripcion_apertura = db.Column(FechaHoraUTC)
    inscripcion_cierre = db.Column(FechaHoraUTC)
    cupo = db.Column(db.Integer)
    requiere_aprobacion = db.Column(db.Boolean, nullable=False, default=False)
    aviso_privacidad = db.Column(db.Text, nullable=False, default="")
    constancias_habilitadas = db.Column(db.Boolean, nullable=False, default=False)
    # Meses tras el último día del evento en que se borran (anonimizan) los datos personales de sus inscripciones.
    retencion_meses = db.Column(db.Integer, nullable=False, default=RETENCION_MESES_POR_OMISION,
                                server_default=str(RETENCION_MESES_POR_OMISION))
    # La asistencia es un hecho del tiempo del evento: la puerta acredita en sus fechas (o desde unos días
    # antes, para recoger credenciales) y cada sesión en línea admite conexiones desde unos minutos antes.
    acreditacion_dias_antes = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    conexion_minutos_antes = db.Column(db.Integer, nullable=False, default=MINUTOS_ANTES_POR_OMISION,
                                       server_default=str(MINUTOS_ANTES_POR_OMISION))
    # Las respuestas de las mesas se ven fuera del equipo (participantes, tablero) desde que se publican.
    respuestas_publicadas = db.Column(db.Boolean, nullable=False, default=False)
    # Se incrementa al empezar cada alta o baja: la fila bloqueada ordena las inscripciones simultáneas.
    version_inscripciones = db.Column(db.Integer, nullable=False, default=0)
    edicion_anterior_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="SET NULL"))
    version_programa = db.Column(db.Integer, nullable=False, default=1)
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    actualizado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)

    sesiones = db.relationship("Sesion", back_populates="evento", cascade="all, delete-orphan",
                               order_by="(Sesion.inicio, Sesion.orden, Sesion.id)")
    personas = db.relationship("Persona", back_populates="evento", cascade="all, delete-orphan")
    mesas = db.relationship("Mesa", back_populates="evento", cascade="all, delete-orphan",
                            order_by="(Mesa.orden, Mesa.id)")
    guias = db.relationship("Guia", back_populates="evento", cascade="all, delete-orphan",
                            order_by="(Guia.orden, Guia.id)")
    todos_los_materiales = db.relationship("Material", back_populates="evento", cascade="all, delete-orphan")
    materiales = db.relationship("Material", viewonly=True,
                                 primaryjoin="and_(Material.evento_id == Evento.id, Material.sesion_id.is_(None))",
                                 order_by="(Material.orden, Material.id)")
    edicion_anterior = db.relationship("Evento", remote_side=[id])
    roles = db.relationship("RolEvento", back_populates="evento", cascade="all, delete-orphan")
    inscripciones = db.relationship("Inscripcion", back_populates="evento", cascade="all, delete-orphan",
                                    passive_deletes=True, lazy="dynamic")
    preguntas_inscripcion = db.relationship("PreguntaInscripcion", back_populates="evento", cascade="all, delete-orphan",
                                            order_by="(PreguntaInscripcion.orden, PreguntaInscripcion.id)")

    def marcar_cambio(self):
        self.version_programa = (self.version_programa or 0) + 1
        self.actualizado_en = ahora()

    @classmethod
    def consulta_publicados(cls):
        return select(cls).where(cls.estado.in_(("publicado", "cerrado")))

    @classmethod
    def version_publicada(cls, slug: str):
        """(id, version_programa, actualizado_en) de un evento publicado, o None: una consulta pequeña
        que basta para responder 304 o encontrar la página en caché sin cargar el programa. La hacen, al
        empezar, las páginas y los documentos públicos del programa, que solo leen: sin transacción."""
        sin_transaccion()
        fila = db.session.execute(_VERSION_PUBLICADA, {"slug": slug}).first()
        if fila is None:
            return None
        return VersionPublicada(fila.id, fila.version_programa, fila.actualizado_en, fila.version_inscripciones,
                                estado_de_inscripcion(fila.estado, fila.inscripcion_apertura, fila.inscripcion_cierre))

    @classmethod
    def para_inscripcion(cls, slug: str):
        """El evento publicado con lo que necesita el formulario: sus mesas y sus preguntas propias."""
        return db.session.execute(
            select(cls).where(cls.slug == slug, cls.estado.in_(("publicado", "cerrado")))
            .options(selectinload(cls.mesas), selectinload(cls.preguntas_inscripcion),
                     defer(cls.resumen), defer(cls.nota_conceptual), defer(cls.objetivos),
                     defer(cls.resultados_esperados), defer(cls.formato_y_metodologia), defer(cls.nota_fechas))
        ).scalar_one_or_none()

    @classmethod
    def con_programa(cls, slug: str, solo_publicados: bool = True):
        """El evento con todo su programa como objetos del ORM, en un número fijo de consultas (oficina,
        importación y exportación, duplicar). Las páginas públicas leen la instantánea (`eventos.instantanea`)."""
        from .mesas import Bloque, Guia, Mesa
        from .programa import Participacion, Sesion

        consulta = select(cls).where(cls.slug == slug).options(
            selectinload(cls.sesiones).options(
                selectinload(Sesion.hijas), selectinload(Sesion.materiales), selectinload(Sesion.mesas),
                selectinload(Sesion.participaciones).joinedload(Participacion.persona)),
            selectinload(cls.mesas).selectinload(Mesa.sesiones),
            selectinload(cls.materiales),
            selectinload(cls.guias).selectinload(Guia.bloques).selectinload(Bloque.preguntas))
        if solo_publicados:
            consulta = consulta.where(cls.estado.in_(("publicado", "cerrado")))
        return db.session.execute(consulta).scalar_one_or_none()

    def __repr__(self):
        return f"<Evento {self.slug}>"


# La consulta de `Evento.version_publicada`, construida una vez: la hace cada página pública, también las que
# salen de la caché o con un 304.
_VERSION_PUBLICADA = (
    select(Evento.id, Evento.version_programa, Evento.actualizado_en, Evento.estado, Evento.inscripcion_apertura,
           Evento.inscripcion_cierre, Evento.version_inscripciones)
    .where(Evento.slug == bindparam("slug"), Evento.estado.in_(("publicado", "cerrado"))))
