"""Reglas de las constancias de asistencia.

- Hay derecho a constancia si el evento las emite (`constancias_habilitadas`), la inscripción está
  confirmada y tiene alguna asistencia: en persona (QR o a mano) o en línea (enlace personal).
- La primera descarga crea la constancia con un código al azar de 12 caracteres (60 bits) de un
  alfabeto sin confusiones (base 32 de Crockford: sin I, L, O ni U); se guarda sin guiones y se
  muestra en grupos de cuatro (K7QM-2XPA-9TRD). Al leerlo se aceptan minúsculas, guiones, espacios y
  las confusiones habituales (O por 0, I o L por 1).
"""
from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..extensiones import db
from ..modelos import Asistencia, Constancia, Inscripcion

ALFABETO = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LARGO = 12
_CONFUSIONES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARADORES = re.compile(r"[\s\-‐‑‒–—]+")


class NoDisponible(Exception):
    """Por qué una inscripción no puede descargar su constancia, con el código HTTP que corresponde."""

    def __init__(self, mensaje: str, estado: int):
        super().__init__(mensaje)
        self.mensaje, self.estado = mensaje, estado


def nuevo_codigo() -> str:
    return "".join(secrets.choice(ALFABETO) for _ in range(LARGO))


def normalizar(texto: str | None) -> str | None:
    """El código tal como se guarda, o None si lo escrito no puede ser un código."""
    if not texto or len(texto) > 40:
        return None
    codigo = _SEPARADORES.sub("", texto).upper().translate(_CONFUSIONES)
    return codigo if len(codigo) == LARGO and all(c in ALFABETO for c in codigo) else None


def con_guiones(codigo: str) -> str:
    return "-".join(codigo[i:i + 4] for i in range(0, len(codigo), 4))


def asistio(inscripcion: Inscripcion) -> bool:
    return db.session.scalar(select(exists().where(Asistencia.inscripcion_id == inscripcion.id)))


def comprobar(inscripcion: Inscripcion) -> None:
    """Lanza NoDisponible si esta inscripción no puede descargar su constancia ahora."""
    if inscripcion.anonimizada_en is not None:
        raise NoDisponible(_("Los datos de esta inscripción se borraron."), 404)
    if not inscripcion.evento.constancias_habilitadas:
        raise NoDisponible(_("La organización de este evento no emite constancias de asistencia."), 404)
    if inscripcion.estado == "cancelada":
        raise NoDisponible(_("Esta inscripción está cancelada: no da derecho a constancia de asistencia."), 403)
    if inscripcion.estado != "confirmada":
        raise NoDisponible(_("Su inscripción no está confirmada: la constancia es para quien asistió con plaza "
                             "confirmada."), 403)
    if not asistio(inscripcion):
        raise NoDisponible(_("Todavía no consta su asistencia. La constancia estará disponible en cuanto se registre "
                             "(al presentar su código QR en la entrada o al conectarse con su enlace personal)."), 403)


def motivo_no_disponible(inscripcion: Inscripcion) -> str | None:
    try:
        comprobar(inscripcion)
    except NoDisponible as motivo:
        return motivo.mensaje
    return None


def emitir(inscripcion: Inscripcion) -> Constancia:
    """La constancia de la inscripción: la ya emitida o una nueva (dos descargas a la vez dan una sola).
    Una constancia nueva queda escrita (flush) en la transacción de quien llama, que la confirma."""
    comprobar(inscripcion)
    existente = _de_inscripcion(inscripcion.id)
    if existente is not None:
        return existente
    for _intento in range(5):
        try:
            with db.session.begin_nested():  # un intento fallido se deshace solo, sin lo demás de la petición
                db.session.add(Constancia(inscripcion_id=inscripcion.id, codigo=nuevo_codigo()))
        except IntegrityError:  # otra petición la emitió a la vez (o, casi imposible, el código ya existía)
            existente = _de_inscripcion(inscripcion.id)
            if existente is not None:
                return existente
            continue
        return _de_inscripcion(inscripcion.id)
    raise RuntimeError("no se pudo generar un código de constancia único")


def _de_inscripcion(inscripcion_id: int) -> Constancia | None:
    return db.session.execute(select(Constancia).where(Constancia.inscripcion_id == inscripcion_id)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def asistencias(inscripcion: Inscripcion) -> list[Asistencia]:
    """Sus asistencias con la sesión de cada una (para la lista de sesiones de la constancia)."""
    return db.session.execute(select(Asistencia).where(Asistencia.inscripcion_id == inscripcion.id)
                              .options(joinedload(Asistencia.sesion))).scalars().all()


def buscar(texto: str | None) -> Constancia | None:
    """La constancia de un código escrito por alguien (con o sin guiones, en cualquier caja), o None."""
    codigo = normalizar(texto)
    if codigo is None:
        return None
    return db.session.execute(
        select(Constancia).where(Constancia.codigo == codigo)
        .options(selectinload(Constancia.inscripcion).selectinload(Inscripcion.evento))
    ).scalar_one_or_none()
