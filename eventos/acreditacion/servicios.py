"""Reglas de la acreditación, compartidas por la API, el escáner y la oficina.

Una lectura de QR se resuelve en uno de seis resultados. Es idempotente por `id_cliente` (el escáner
reenvía sin miedo lo que quedó en su cola) y segura ante dos dispositivos que leen el mismo código a la
vez: la restricción única (inscripción, alcance) deja entrar a uno; el otro ve «ya acreditado».
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import zonas
from ..extensiones import db
from ..modelos import Asistencia, Inscripcion, Mesa, Sesion, Usuario
from ..qr import PREFIJO_CODIGO

RESULTADOS = ("aceptado", "ya_acreditado", "invalido", "cancelado", "en_espera", "otro_evento")
_FORMA_CODIGO = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Una lectura sin conexión puede llegar horas después; una hora «del futuro» es un reloj mal puesto.
_TOLERANCIA_RELOJ = timedelta(minutes=5)


class LecturaInvalida(ValueError):
    """Petición mal formada (no un código falso: eso es el resultado `invalido`)."""


@dataclass
class Lectura:
    resultado: str
    inscripcion: Inscripcion | None = None
    asistencia: Asistencia | None = None  # la primera registrada en este alcance
    mesa: Mesa | None = None
    acreditado_por: str = ""


def codigo_de(texto: str) -> str | None:
    """El secreto de un texto leído del QR (con o sin el prefijo), o None si no tiene la forma debida."""
    texto = (texto or "").strip()
    if texto.startswith(PREFIJO_CODIGO):
        texto = texto[len(PREFIJO_CODIGO):]
    return texto if _FORMA_CODIGO.fullmatch(texto) else None


def resumen_codigo(codigo: str) -> str:
    """Lo que el escáner guarda para validar sin conexión: SHA-256 del contenido del QR."""
    return hashlib.sha256((PREFIJO_CODIGO + codigo).encode()).hexdigest()


def sesion_de_evento(evento, sesion_id) -> Sesion | None:
    if sesion_id is None:
        return None
    if not isinstance(sesion_id, int) or isinstance(sesion_id, bool):
        raise LecturaInvalida("sesion_id")
    sesion = db.session.get(Sesion, sesion_id)
    if sesion is None or sesion.evento_id != evento.id:
        raise LecturaInvalida("sesion_id")
    return sesion


def hora_de_lectura(texto) -> datetime:
    """La hora de la lectura que manda el escáner, si es creíble; si no, la de llegada."""
    llegada = zonas.ahora()
    instante = zonas.leer_iso(texto) if texto else None
    if instante is None or instante > llegada + _TOLERANCIA_RELOJ:
        return llegada
    return min(instante, llegada)


def acreditar(evento, texto_codigo: str, sesion: Sesion | None, usuario: Usuario, id_cliente: str | None,
              escaneado_en: datetime | None = None, origen: str = "qr") -> Lectura:
    """Registra la asistencia de quien presenta el código y devuelve lo que ve el personal de la puerta."""
    if id_cliente:
        previa = _por_id_cliente(evento.id, id_cliente)
        if previa is not None:
            return _lectura_aceptada(previa)
    codigo = codigo_de(texto_codigo)
    inscripcion = db.session.execute(select(Inscripcion).where(Inscripcion.codigo == codigo)).scalar_one_or_none() \
        if codigo else None
    return registrar(evento, inscripcion, sesion, usuario, id_cliente, escaneado_en, origen)


def registrar(evento, inscripcion: Inscripcion | None, sesion: Sesion | None, usuario: Usuario | None,
              id_cliente: str | None = None, escaneado_en: datetime | None = None, origen: str = "qr") -> Lectura:
    """La asistencia de una inscripción ya identificada (por QR o buscada a mano)."""
    if inscripcion is None:
        return Lectura("invalido")
    if inscripcion.evento_id != evento.id:
        return Lectura("otro_evento")  # auténtico, pero de otro evento: no decimos de quién
    if inscripcion.estado == "cancelada":
        return Lectura("cancelado", inscripcion)
    if inscripcion.estado != "confirmada":
        return Lectura("en_espera", inscripcion)
    alcance = sesion.id if sesion else 0
    nueva = Asistencia(evento_id=evento.id, inscripcion_id=inscripcion.id, sesion_id=sesion.id if sesion else None,
                       alcance=alcance, origen=origen, usuario_id=usuario.id if usuario else None,
                       id_cliente=id_cliente or None, registrada_en=escaneado_en or zonas.ahora(),
                       recibida_en=zonas.ahora())
    try:
        with db.session.begin_nested():
            db.session.add(nueva)
        db.session.commit()
        return _lectura_aceptada(nueva, inscripcion)
    except IntegrityError:
        db.session.rollback()
    # Otra lectura ganó: la de este mismo id_cliente (un reenvío simultáneo) o la de otro dispositivo.
    if id_cliente:
        previa = _por_id_cliente(evento.id, id_cliente)
        if previa is not None:
            return _lectura_aceptada(previa)
    primera = db.session.execute(select(Asistencia).where(Asistencia.inscripcion_id == inscripcion.id,
                                                          Asistencia.alcance == alcance)).scalar_one()
    return Lectura("ya_acreditado", inscripcion, primera, inscripcion.mesa, _nombre_usuario(primera))


def _por_id_cliente(evento_id: int, id_cliente: str) -> Asistencia | None:
    return db.session.execute(select(Asistencia).where(Asistencia.evento_id == evento_id,
                                                       Asistencia.id_cliente == id_cliente)).scalar_one_or_none()


def _lectura_aceptada(asistencia: Asistencia, inscripcion: Inscripcion | None = None) -> Lectura:
    inscripcion = inscripcion or asistencia.inscripcion
    return Lectura("aceptado", inscripcion, asistencia, inscripcion.mesa, _nombre_usuario(asistencia))


def _nombre_usuario(asistencia: Asistencia) -> str:
    return asistencia.usuario.nombre if asistencia.usuario_id and asistencia.usuario else ""


def lista_sin_conexion(evento) -> list[dict]:
    """Lo que el escáner descarga para dar un resultado provisional sin red: el resumen del código de
    cada inscripción confirmada (nunca el código), su nombre y mesa, y si ya estaba acreditada."""
    acreditadas = set(db.session.execute(select(Asistencia.inscripcion_id).where(
        Asistencia.evento_id == evento.id, Asistencia.alcance == 0)).scalars())
    filas = db.session.execute(
        select(Inscripcion.id, Inscripcion.codigo, Inscripcion.nombre, Inscripcion.apellidos, Inscripcion.institucion,
               Mesa.nombre)
        .outerjoin(Mesa, Mesa.id == Inscripcion.mesa_id)
        .where(Inscripcion.evento_id == evento.id, Inscripcion.estado == "confirmada")).all()
    return [{"resumen": resumen_codigo(codigo), "nombre": f"{nombre} {apellidos}".strip(), "institucion": institucion,
             "mesa": mesa or "", "acreditado": ident in acreditadas}
            for ident, codigo, nombre, apellidos, institucion, mesa in filas]


def buscar(evento, texto: str, limite: int = 20) -> list[Inscripcion]:
    """Búsqueda de respaldo (QR olvidado o ilegible): por nombre, apellidos, correo o institución."""
    texto = (texto or "").strip()
    if len(texto) < 2:
        return []
    patron = f"%{texto.lower()}%"
    nombre_completo = func.lower(Inscripcion.nombre + " " + Inscripcion.apellidos)
    consulta = (select(Inscripcion).where(Inscripcion.evento_id == evento.id, db.or_(
        nombre_completo.like(patron), func.lower(Inscripcion.correo).like(patron),
        func.lower(Inscripcion.institucion).like(patron)))
        .order_by(Inscripcion.apellidos, Inscripcion.nombre).limit(limite))
    return list(db.session.execute(consulta).scalars())


def reemitir_codigo(inscripcion: Inscripcion) -> None:
    """Nuevo código de QR: el anterior deja de servir (credencial perdida o compartida)."""
    from ..modelos.inscripciones import secreto
    inscripcion.codigo = secreto()
    inscripcion.actualizado_en = zonas.ahora()


def acreditadas(evento, inscripcion_ids: list[int], alcance: int = 0) -> set[int]:
    if not inscripcion_ids:
        return set()
    return set(db.session.execute(select(Asistencia.inscripcion_id).where(
        Asistencia.evento_id == evento.id, Asistencia.alcance == alcance,
        Asistencia.inscripcion_id.in_(inscripcion_ids))).scalars())


def lista_asistencia(evento):
    """Cada asistencia registrada, con la persona, la sesión y quién la registró (una consulta)."""
    consulta = (select(Asistencia.inscripcion_id, Asistencia.sesion_id, Asistencia.origen, Asistencia.registrada_en,
                       (Inscripcion.nombre + " " + Inscripcion.apellidos).label("nombre"), Inscripcion.correo,
                       Inscripcion.institucion, Inscripcion.pais, Mesa.nombre.label("mesa"),
                       Sesion.titulo.label("sesion"), Usuario.nombre.label("acreditado_por"))
                .join(Inscripcion, Inscripcion.id == Asistencia.inscripcion_id)
                .outerjoin(Mesa, Mesa.id == Inscripcion.mesa_id)
                .outerjoin(Sesion, Sesion.id == Asistencia.sesion_id)
                .outerjoin(Usuario, Usuario.id == Asistencia.usuario_id)
                .where(Asistencia.evento_id == evento.id)
                .order_by(Asistencia.registrada_en, Asistencia.id))
    return db.session.execute(consulta).all()
