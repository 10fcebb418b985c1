"""Cuentas, roles por evento y registro de cambios (auditoría)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, bindparam

from ..extensiones import db
from ..zonas import FechaHoraUTC, ahora

_RESUMIDORES = {
    "recomendado": PasswordHasher(),  # Argon2id con los parámetros recomendados por la biblioteca
    "pruebas": PasswordHasher.from_parameters(profiles.CHEAPEST),  # solo para la batería de pruebas
}


def _hasher() -> PasswordHasher:
    return _RESUMIDORES[current_app.config.get("ARGON2_PERFIL", "recomendado")]

ROLES_EVENTO = {"organizador": _l("Organización"), "acreditador": _l("Acreditación")}


def _sello_nuevo() -> str:
    return secrets.token_hex(8)


class Usuario(UserMixin, db.Model):
    __tablename__ = "usuario"

    id = db.Column(db.Integer, primary_key=True)
    correo = db.Column(db.String(254), nullable=False, unique=True)
    nombre = db.Column(db.String(200), nullable=False)
    clave_hash = db.Column(db.String(255), nullable=False, default="")
    es_admin = db.Column(db.Boolean, nullable=False, default=False)
    activo = db.Column(db.Boolean, nullable=False, default=True)
    # Cambia con la contraseña: invalida las sesiones abiertas y los enlaces de restablecimiento usados.
    sello = db.Column(db.String(32), nullable=False, default=_sello_nuevo)
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    ultimo_acceso = db.Column(FechaHoraUTC)

    roles = db.relationship("RolEvento", back_populates="usuario", cascade="all, delete-orphan")
    mesas_moderadas = db.relationship("Mesa", secondary="moderador_mesa", back_populates="moderadores")
    tokens_api = db.relationship("TokenApi", back_populates="usuario", cascade="all, delete-orphan",
                                 order_by="TokenApi.id")

    @staticmethod
    def normalizar_correo(correo: str) -> str:
        return (correo or "").strip().lower()

    def fijar_clave(self, clave: str):
        """Cambiar la contraseña cierra las demás sesiones (el sello) y revoca las claves de API: quien
        robó la contraseña o una sesión no conserva el acceso con una clave creada entretanto."""
        self.clave_hash = _hasher().hash(clave)
        self.sello = _sello_nuevo()
        if self.id is not None:  # las sesiones abiertas ya no valen (el sello cambió): fuera del servidor
            db.session.execute(db.delete(SesionUsuario).where(SesionUsuario.usuario_id == self.id))
        momento = ahora()
        for token in self.tokens_api:
            if token.revocado_en is None:
                token.revocado_en = momento

    def comprobar_clave(self, clave: str) -> bool:
        if not self.clave_hash:
            return False
        try:
            _hasher().verify(self.clave_hash, clave)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher().check_needs_rehash(self.clave_hash):
            self.clave_hash = _hasher().hash(clave)
        return True

    # La sesión de esta petición (la abre `abrir_sesion` al entrar; la pone el cargador de Flask-Login).
    sesion_actual = None  # type: str | None

    def get_id(self) -> str:
        """Lo que guardan la cookie de sesión y la de «recordarme»: cuenta, sello de la contraseña y sesión."""
        return f"{self.id}.{self.sello}.{self.sesion_actual}"

    @property
    def is_active(self) -> bool:
        return self.activo

    def roles_en(self, evento) -> set[str]:
        return {r.rol for r in self.roles if r.evento_id == evento.id}

    def __repr__(self):
        return f"<Usuario {self.correo}>"


class SesionUsuario(db.Model):
    """Cada entrada con contraseña abre una sesión con un identificador al azar, que llevan las cookies de
    sesión y de «recordarme». Salir la borra: una cookie copiada antes deja de abrir nada."""
    __tablename__ = "sesion_usuario"

    id = db.Column(db.String(64), primary_key=True)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="CASCADE"), nullable=False, index=True)
    creada_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)


class TokenApi(db.Model):
    """Clave para usar la API sin sesión (un teléfono de acreditación, un script). Solo se guarda su resumen
    SHA-256: quien lee la base de datos no puede usarla. Se muestra una vez, al crearla."""
    __tablename__ = "token_api"

    id = db.Column(db.Integer, primary_key=True)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="CASCADE"), nullable=False, index=True)
    nombre = db.Column(db.String(120), nullable=False)
    resumen = db.Column(db.String(64), nullable=False, unique=True)
    inicio = db.Column(db.String(12), nullable=False)  # primeros caracteres, para reconocerla en la lista
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora)
    usado_en = db.Column(FechaHoraUTC)
    revocado_en = db.Column(FechaHoraUTC)

    usuario = db.relationship("Usuario", back_populates="tokens_api")

    PREFIJO = "evt_"

    @staticmethod
    def resumir(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def crear(cls, usuario, nombre: str) -> tuple["TokenApi", str]:
        """El registro y la clave en claro (que no se vuelve a poder leer)."""
        clave = cls.PREFIJO + secrets.token_urlsafe(32)
        registro = cls(usuario=usuario, nombre=nombre, resumen=cls.resumir(clave), inicio=clave[:10])
        db.session.add(registro)
        return registro, clave

    @classmethod
    def vigente(cls, clave: str) -> CuentaDeClave | None:
        """La cuenta de una clave vigente cuyo dueño está activo, o None. Solo lee: una consulta."""
        if not clave.startswith(cls.PREFIJO):
            return None
        filas = db.session.execute(_consulta_vigente(), {"resumen": cls.resumir(clave)}).all()
        if not filas:
            return None
        primera = filas[0]
        return CuentaDeClave(primera.id, primera.nombre, primera.es_admin,
                             tuple(RolDeCuenta(f.evento_id, f.rol) for f in filas if f.rol is not None),
                             primera.clave_id, primera.usado_en)

    @staticmethod
    def toca_anotar(usado_en, momento) -> bool:
        """El uso se anota como mucho una vez por minuto: la lista de claves dice cuándo se usó cada una sin
        escribir en cada petición."""
        return usado_en is None or momento - usado_en > timedelta(minutes=1)

    @classmethod
    def anotar_uso(cls, clave_id: int, momento) -> None:
        """En una conexión y una transacción propias que solo tocan esta fila: no confirma ni deshace el trabajo
        de ninguna petición. Nunca retrasa la hora que otra petición ya anotó."""
        with db.engine.begin() as conexion:
            conexion.execute(db.update(cls).where(cls.id == clave_id, db.or_(cls.usado_en.is_(None),
                                                                             cls.usado_en < momento))
                             .values(usado_en=momento))


class RolDeCuenta(NamedTuple):
    evento_id: int
    rol: str


@dataclass(frozen=True)
class CuentaDeClave:
    """Quien llama a la API con una clave (`current_user` en esas peticiones): lo que la API lee de la cuenta
    para los permisos (`permisos.py`) y la autoría (`id`, `nombre`), en datos simples y no como `Usuario` del
    ORM. La API no cambia cuentas ni las enlaza por relación: guarda `usuario_id`. Cargar el `Usuario` con sus
    roles por el ORM era cerca de un tercio de la CPU de cada lectura de la puerta por encima de su techo de
    base de datos (bench/acreditacion.py)."""
    id: int
    nombre: str
    es_admin: bool
    roles: tuple[RolDeCuenta, ...]
    clave_id: int
    clave_usada_en: datetime | None

    # Lo que Flask-Login pregunta a la cuenta de una petición.
    is_authenticated = True
    is_active = True
    is_anonymous = False


# Quien actúa en una petición: la cuenta de la sesión o la de una clave de API.
Cuenta = Usuario | CuentaDeClave


@cache
def _consulta_vigente():
    """La consulta de `TokenApi.vigente`, construida una vez (la primera, con los modelos ya definidos): cada
    petición con clave la ejecuta. Sobre las tablas, con los roles en la misma consulta (una fila por rol):
    lo primero que hace la API es comprobar permisos."""
    usuario, token, rol = Usuario.__table__, TokenApi.__table__, RolEvento.__table__
    return (db.select(usuario.c.id, usuario.c.nombre, usuario.c.es_admin, token.c.id.label("clave_id"),
                      token.c.usado_en, rol.c.evento_id, rol.c.rol)
            .select_from(usuario.join(token, token.c.usuario_id == usuario.c.id)
                         .outerjoin(rol, rol.c.usuario_id == usuario.c.id))
            .where(token.c.resumen == bindparam("resumen"), token.c.revocado_en.is_(None),
                   usuario.c.activo.is_(True)))


class RolEvento(db.Model):
    """Organizador o acreditador de un evento (los moderadores lo son de mesas concretas)."""
    __tablename__ = "rol_evento"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), nullable=False, index=True)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="CASCADE"), nullable=False, index=True)
    rol = db.Column(db.String(20), nullable=False)

    __table_args__ = (db.UniqueConstraint("evento_id", "usuario_id", "rol", name="uq_rol_evento_evento_usuario_rol"),)

    evento = db.relationship("Evento", back_populates="roles")
    usuario = db.relationship("Usuario", back_populates="roles")

    @property
    def etiqueta(self):
        return ROLES_EVENTO.get(self.rol, self.rol)


moderador_mesa = db.Table(
    "moderador_mesa",
    db.Column("mesa_id", db.Integer, db.ForeignKey("mesa.id", ondelete="CASCADE"), primary_key=True),
    db.Column("usuario_id", db.Integer, db.ForeignKey("usuario.id", ondelete="CASCADE"), primary_key=True),
)


class Auditoria(db.Model):
    """Quién cambió qué y cuándo en un evento."""
    __tablename__ = "auditoria"

    id = db.Column(db.Integer, primary_key=True)
    evento_id = db.Column(db.Integer, db.ForeignKey("evento.id", ondelete="CASCADE"), index=True)
    usuario_id = db.Column(db.Integer, db.ForeignKey("usuario.id", ondelete="SET NULL"))
    accion = db.Column(db.String(200), nullable=False)
    cambios = db.Column(JSON, nullable=False, default=list)
    creado_en = db.Column(FechaHoraUTC, nullable=False, default=ahora, index=True)

    evento = db.relationship("Evento")
    usuario = db.relationship("Usuario")
