"""Inscripciones, preguntas propias del formulario, asistencia y correo saliente."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, event, inspect

from ..extensiones import db
from ..texto import plegar
from ..zonas import FechaHoraUTC, ahora

ESTADOS_INSCRIPCION = {
    "confirmada": _l("Confirmada"),
    "en_espera": _l("En lista de espera"),
    "pendiente": _l("Pendiente de aprobación"),
    "cancelada": _l("Cancelada"),
}
MODALIDADES_PARTICIPACION = {"presencial": _l("Presencial"), "en_linea": _l("En línea")}
TIPOS_PREGUNTA = {
    "texto_corto": _l("Texto corto"),
    "texto_largo": _l("Texto largo"),
    "opcion_unica": _l("Una opción"),
    "opcion_multiple": _l("Varias opciones"),
    "si_no": _l("Sí / no"),
}


_CAMPOS_BUSQUEDA = ("nombre", "apellidos", "correo", "institucion")


def secreto() -> str:
    """128 bits al azar, en texto apto para URL."""
    return secrets.token_urlsafe(16)


def textos_de_busqueda(nombre, apellidos, correo, institucion) -> tuple[str, str]:
    """(busqueda, institucion_plegada) de una inscripción: nombre completo, correo e institución plegados,
    una línea cada uno. Plegar puede alargar un texto («ﷺ» son 18 letras): cada parte se recorta a la
    longitud de su campo (241 + 254 + 300 y dos saltos: 797 de las 800 de la columna)."""
    institucion_plegada = plegar(institucion)[:300]
    busqueda = "\n".join((plegar(f"{nombre or ''} {apellidos or ''}".strip())[:241], plegar(correo)[:254],
                          institucion_plegada))
    return busqueda, institucion_plegada


class PreguntaInscripcion(db.Model):
    """Pregunta propia que el organizador añade al formulario de inscripción."""
    __tablename__ = "pregunta_inscripcion"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    texto = db.Column(db.String(500), nullable=False)
    tipo = db.Column(db.String(20), nullable=False, default="texto_corto")
    opciones = db.Column(JSON, nullable=False, default=list)
    obligatoria = db.Column(db.Boolean, nullable=False, default=False)
    orden = db.Column(db.Integer, nullable=False, default=0)

    evento = db.relationship("Evento", back_populates="preguntas_inscripcion")

    @property
    def etiqueta_tipo(self):
        return TIPOS_PREGUNTA.get(self.tipo, self.tipo)


class Inscripcion(db.Model):
    __tablename__ = "inscripcion"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False)
    mesa_id = db.Column(db.Integer, db.ForeignKey("mesa.id", ondelete="SET NULL"), index=True)
    nombre = db.Column(db.String(120), nullable=False)
    apellidos = db.Column(db.String(120), nullable=False, default="")
    correo = db.Column(db.String(254), nullable=False)
    institucion = db.Column(db.String(300), nullable=False, default="")
    cargo = db.Column(db.String(300), nullable=False, default="")
    pais = db.Column(db.String(2), nullable=False, default="")  # código ISO 3166-1
    ciudad = db.Column(db.String(120), nullable=False, default="")
    modalidad = db.Column(db.String(20), nullable=False, default="")
    respuestas = db.Column(JSON, nullable=False, default=dict)  # {id de pregunta (texto): respuesta}
    estado = db.Column(db.String(20), nullable=False, index=True)
    # Secreto del enlace personal (firmado): cambiarlo invalida los enlaces anteriores.
    clave_gestion = db.Column(db.String(32), nullable=False, default=secreto)
    # Clave del calendario personal suscrito (webcal): se puede renovar sin tocar el enlace personal.
    clave_calendario = db.Column(db.String(32), nullable=False, unique=True, default=secreto)
    # Sube al cancelar y al volver a inscribirse: la SEQUENCE de su calendario nunca baja (RFC 5546).
    version_calendario = db.Column(db.Integer, nullable=False, default=0)
    # Código del QR de acreditación (128 bits al azar, se busca en la base de datos).
    codigo = db.Column(db.String(32), nullable=False, unique=True, default=secreto)
    zona_horaria = db.Column(db.String(64), nullable=False, default="")
    idioma = db.Column(db.String(5), nullable=False, default="es")
    # Cuándo aceptó el aviso de privacidad, y qué versión; vacío si la organización la inscribió sin que constara.
    consentimiento_en = db.Column(FechaHoraUTC)
    aviso_privacidad_id = db.Column(db.Integer, db.ForeignKey("aviso_privacidad.id", ondelete="SET NULL"))
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora, index=True)
    actualizado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    confirmada_en = db.Column(FechaHoraUTC)
    cancelada_en = db.Column(FechaHoraUTC)
    sin_anuncios_en = db.Column(FechaHoraUTC)  # pidió no recibir anuncios de este evento (los avisos sí le llegan)
    anonimizada_en = db.Column(FechaHoraUTC)  # sus datos personales se borraron (eventos/datos_personales)
    # Para buscar sin acentos ni mayúsculas (textos_de_busqueda); se recalculan en cada escritura.
    busqueda = db.Column(db.String(800), nullable=False, default="", server_default="")
    institucion_plegada = db.Column(db.String(300), nullable=False, default="", server_default="")

    # Sin índice propio: se busca con LIKE '%…%', que un B-tree no sirve; basta con los que empiezan por evento_id.
    # (id, evento_id) es único porque id lo es: existe para que la asistencia apunte a la inscripción Y a su evento.
    # (evento_id, estado, mesa_id): las plazas ocupadas del evento y de cada mesa se cuentan en el índice, sin leer
    # las filas (en PostgreSQL, salvo las recientes que el autovacuum aún no marcó visibles); cada alta cuenta con
    # el evento bloqueado, y leerlas todas la hacía más lenta a medida que el evento crecía. También sirve a todo
    # lo que filtra por evento.
    __table_args__ = (db.UniqueConstraint("evento_id", "correo", name="uq_inscripcion_evento_correo"),
                      db.UniqueConstraint("id", "evento_id", name="uq_inscripcion_id_evento_id"),
                      db.Index("ix_inscripcion_evento_estado_mesa", "evento_id", "estado", "mesa_id"))

    evento = db.relationship("Evento", back_populates="inscripciones")
    mesa = db.relationship("Mesa")
    aviso_privacidad = db.relationship("AvisoPrivacidad")
    asistencias = db.relationship("Asistencia", back_populates="inscripcion", cascade="all, delete-orphan")
    constancia = db.relationship("Constancia", back_populates="inscripcion", uselist=False, cascade="all, delete-orphan")

    @property
    def nombre_completo(self) -> str:
        return f"{self.nombre} {self.apellidos}".strip()

    @property
    def etiqueta_estado(self):
        return ESTADOS_INSCRIPCION.get(self.estado, self.estado)

    @property
    def activa(self) -> bool:
        return self.estado != "cancelada"

    @property
    def en_persona(self) -> bool:
        """Asiste en la sede (con su QR en la entrada); en un evento híbrido, si no eligió solo en línea."""
        return self.evento.modalidad == "presencial" or (self.evento.modalidad == "hibrida" and self.modalidad != "en_linea")

    @property
    def en_linea(self) -> bool:
        """Se conecta a las sesiones con su enlace personal; en un evento híbrido, si no eligió solo presencial."""
        return self.evento.modalidad == "virtual" or (self.evento.modalidad == "hibrida" and self.modalidad != "presencial")

    def plegar_busqueda(self) -> None:
        self.busqueda, self.institucion_plegada = textos_de_busqueda(
            self.nombre, self.apellidos, self.correo, self.institucion)

    def __repr__(self):
        return f"<Inscripcion {self.id} {self.estado}>"


# Toda escritura por el ORM (formulario público, oficina, API, enlace personal, demostración) pasa por aquí.
@event.listens_for(Inscripcion, "before_insert")
def _busqueda_al_crear(_mapper, _conexion, inscripcion):
    inscripcion.plegar_busqueda()


@event.listens_for(Inscripcion, "before_update")
def _busqueda_al_cambiar(_mapper, _conexion, inscripcion):
    estado = inspect(inscripcion)
    if any(estado.attrs[campo].history.has_changes() for campo in _CAMPOS_BUSQUEDA):
        inscripcion.plegar_busqueda()


class Asistencia(db.Model):
    """Una persona inscrita presente en el evento o en una sesión: por QR, a mano o en línea.

    `alcance` es el id de la sesión, o 0 para el evento entero: con él, la base de datos garantiza una
    sola asistencia por inscripción y alcance aunque dos dispositivos la registren a la vez.
    """
    __tablename__ = "asistencia"

    id = db.Column(db.Integer, primary_key=True)
    # La inscripción y su evento, con una sola clave foránea compuesta: garantiza que la asistencia es del evento
    # de la inscripción, y en PostgreSQL cada acreditación bloquea (FOR KEY SHARE) la fila de su inscripción, no
    # la del evento, que compartirían todas las puertas a la vez.
    evento_id = db.Column(db.Integer, nullable=False, index=True)
    inscripcion_id = db.Column(db.Integer, nullable=False)
    sesion_id = db.Column(db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), index=True)
    alcance = db.Column(db.Integer, nullable=False, default=0)
    origen = db.Column(db.String(20), nullable=False)  # qr, manual, en_linea
    # Cuándo ocurrió (la hora de la lectura si el escáner estaba sin conexión) y cuándo llegó al servidor.
    registrada_en = db.Column(FechaHoraUTC, nullable=False, default=ahora, index=True)
    recibida_en = db.Column(FechaHoraUTC)
    # Quién la registró (para la puerta: «acreditado por…»). Sin clave foránea a propósito: con ella, cada
    # acreditación bloquearía en PostgreSQL la fila de la cuenta de la puerta (FOR KEY SHARE hasta el commit), y
    # los escáneres que comparten cuenta a las 9:00 se estorbarían en esa fila (bench/acreditacion.py). Las
    # cuentas no se borran (se desactivan); si una fila de usuario desapareciera, «acreditado por» queda vacío,
    # como hacía ON DELETE SET NULL.
    usuario_id = db.Column(db.Integer)
    id_cliente = db.Column(db.String(64))  # el de la lectura que la registró: repetir el envío no duplica nada

    __table_args__ = (db.UniqueConstraint("inscripcion_id", "alcance", name="uq_asistencia_inscripcion_alcance"),
                      db.UniqueConstraint("evento_id", "id_cliente", name="uq_asistencia_evento_id_cliente"),
                      db.ForeignKeyConstraint(["inscripcion_id", "evento_id"], ["inscripcion.id", "inscripcion.evento_id"],
                                              name="fk_asistencia_inscripcion", ondelete="CASCADE"))

    inscripcion = db.relationship("Inscripcion", back_populates="asistencias")
    sesion = db.relationship("Sesion")
    usuario = db.relationship("Usuario", primaryjoin="foreign(Asistencia.usuario_id) == Usuario.id")


class Constancia(db.Model):
    """Constancia de asistencia emitida a una inscripción; `codigo` es el que se comprueba en /verificar/."""
    __tablename__ = "constancia"

    id = db.Column(db.Integer, primary_key=True)
    inscripcion_id = db.Column(db.Integer, db.ForeignKey("inscripcion.id", ondelete="CASCADE"), nullable=False,
                               unique=True)
    codigo = db.Column(db.String(20), nullable=False, unique=True)
    emitida_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    retirada_en = db.Column(FechaHoraUTC)  # sus datos se borraron: /verificar/ dice que se retiró

    inscripcion = db.relationship("Inscripcion", back_populates="constancia")


class AvisoPrivacidad(db.Model):
    """Cada texto distinto del aviso de privacidad de un evento que alguien aceptó, numerado: la inscripción
    guarda cuál aceptó (y cuándo). Cambiar el aviso crea una versión nueva; las anteriores se conservan."""
    __tablename__ = "aviso_privacidad"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)
    texto = db.Column(db.Text, nullable=False)
    huella = db.Column(db.String(64), nullable=False)  # SHA-256 del texto: encontrar su versión sin comparar textos
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)

    __table_args__ = (db.UniqueConstraint("evento_id", "version", name="uq_aviso_privacidad_evento_version"),
                      db.UniqueConstraint("evento_id", "huella", name="uq_aviso_privacidad_evento_huella"))


class CorreoSaliente(db.Model):
    """Bandeja de salida. La inscripción solo anota qué hay que enviar (`tipo`), en su misma transacción;
    el restablecimiento de contraseña (sin evento) y las invitaciones al equipo dejan el mensaje ya
    compuesto. El mensaje se compone y se entrega después, fuera de la petición (el cartero de cada proceso
    web, o un proceso aparte con `flask correo enviar --continuo`): la fila es el registro, y nada se
    pierde si un proceso se reinicia. Un fallo de entrega no deshace nada: queda con su error, se
    reintenta con espera creciente y la organización lo ve.
    """
    __tablename__ = "correo_saliente"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), index=True)
    inscripcion_id = db.Column(db.Integer, db.ForeignKey("inscripcion.id", ondelete="CASCADE"), index=True)
    # los de avisos.ASUNTOS (inscripción), restablecer, invitacion, y los de comunicaciones: recordatorio,
    # anuncio, despues, cambios
    tipo = db.Column(db.String(30), nullable=False)
    destinatario = db.Column(db.String(254), nullable=False)
    asunto = db.Column(db.String(300), nullable=False, default="")
    mensaje = db.Column(db.LargeBinary)  # el mensaje MIME, una vez compuesto (los reintentos envían el mismo)
    # pendiente, enviado, fallido; anulado: ya no correspondía al componerlo (p. ej., un recordatorio de alguien
    # que canceló)
    estado = db.Column(db.String(20), nullable=False, default="pendiente", index=True)
    intentos = db.Column(db.Integer, nullable=False, default=0)
    ultimo_error = db.Column(db.Text, nullable=False, default="")
    proximo_intento = db.Column(FechaHoraUTC, nullable=False, default=ahora, index=True)
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    enviado_en = db.Column(FechaHoraUTC)
    anuncio_id = db.Column(db.Integer, db.ForeignKey("anuncio.id", ondelete="CASCADE"), index=True)
    recordatorio_id = db.Column(db.Integer, db.ForeignKey("recordatorio.id", ondelete="CASCADE"), index=True)
    sesion_id = db.Column(db.Integer, db.ForeignKey("sesion.id", ondelete="CASCADE"), index=True)
    # Lo que hace único a un correo que varios procesos podrían anotar a la vez («rec-<recordatorio>-<sesión>-
    # <inscripción>»): la base de datos rechaza el segundo.
    clave = db.Column(db.String(80), unique=True)

    inscripcion = db.relationship("Inscripcion")
    anuncio = db.relationship("Anuncio")
    recordatorio = db.relationship("Recordatorio")
    sesion = db.relationship("Sesion")
