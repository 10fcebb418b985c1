"""Reglas de la acreditación, compartidas por la API, el escáner y la oficina.

Una lectura de QR se resuelve en uno de siete resultados; fuera de las fechas del evento (con los días
de antelación que fije la organización) no registra nada. Es idempotente por `id_cliente` (el escáner
reenvía sin miedo lo que quedó en su cola) y segura ante dos dispositivos que leen el mismo código a la
vez: la restricción única (inscripción, alcance) deja entrar a uno; el otro ve «ya acreditado».
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from .. import zonas
from ..extensiones import db, es_entero_bd
from ..modelos import Asistencia, Cuenta, Evento, Inscripcion, Mesa, Sesion, Usuario
from ..modelos.evento import ReglasEvento
from ..qr import PREFIJO_CODIGO
from ..texto import plegar

RESULTADOS = ("aceptado", "ya_acreditado", "invalido", "cancelado", "en_espera", "otro_evento", "fuera_de_fecha")
_FORMA_CODIGO = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Una lectura sin conexión puede llegar horas después; una hora «del futuro» es un reloj mal puesto.
_TOLERANCIA_RELOJ = timedelta(minutes=5)
# Más atrás que esto no es una lectura que esperó la red: es el reloj del dispositivo mal puesto.
_MAXIMO_SIN_CONEXION = timedelta(hours=48)


class LecturaInvalida(ValueError):
    """Petición mal formada (no un código falso: eso es el resultado `invalido`)."""


@dataclass
class Lectura:
    """Lo que ve el personal de la puerta. Datos ya leídos: nada se carga después del commit."""
    resultado: str
    inscripcion_id: int | None = None
    nombre: str = ""
    institucion: str = ""
    mesa: str | None = None
    acreditado_en: datetime | None = None  # la primera asistencia en este alcance
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
    if not es_entero_bd(sesion_id):
        raise LecturaInvalida("sesion_id")
    sesion = db.session.get(Sesion, sesion_id)
    if sesion is None or sesion.evento_id != evento.id:
        raise LecturaInvalida("sesion_id")
    return sesion


def hora_de_lectura(texto) -> datetime:
    """La hora de la lectura que manda el escáner, si es creíble; si no, la de llegada."""
    llegada = zonas.ahora()
    instante = zonas.leer_iso(texto) if texto else None
    if instante is None or not llegada - _MAXIMO_SIN_CONEXION <= instante <= llegada + _TOLERANCIA_RELOJ:
        return llegada
    return min(instante, llegada)


@dataclass(frozen=True)
class EventoPuerta(ReglasEvento):
    """Lo que la puerta lee del evento: su id (permisos), su zona y sus fechas (la ventana de acreditación)."""
    id: int
    zona_horaria: str
    fecha_inicio: date
    fecha_fin: date
    acreditacion_dias_antes: int


class Inscrita(NamedTuple):
    """Lo que la puerta lee de una inscripción."""
    id: int
    evento_id: int
    estado: str
    nombre: str
    apellidos: str
    institucion: str
    mesa: str | None


# Las consultas de cada lectura, construidas una vez (solo cambian los parámetros) y sobre las tablas, sin el
# ORM, que no tiene nada que hacer con filas de columnas sueltas.
_evento, _inscripcion, _mesa = Evento.__table__, Inscripcion.__table__, Mesa.__table__
_PERSONA = (_inscripcion.c.id, _inscripcion.c.evento_id, _inscripcion.c.estado, _inscripcion.c.nombre,
            _inscripcion.c.apellidos, _inscripcion.c.institucion, _mesa.c.nombre)
_CON_SU_MESA = _inscripcion.outerjoin(_mesa, _mesa.c.id == _inscripcion.c.mesa_id)
# Un código que no es de nadie (o None) deja vacías las columnas de la persona.
_PUERTA = (select(_evento.c.id, _evento.c.zona_horaria, _evento.c.fecha_inicio, _evento.c.fecha_fin,
                  _evento.c.acreditacion_dias_antes, *_PERSONA)
           .select_from(_evento.outerjoin(_CON_SU_MESA, _inscripcion.c.codigo == bindparam("codigo")))
           .where(_evento.c.slug == bindparam("slug")))


def puerta(slug: str, texto_codigo=None) -> tuple[EventoPuerta | None, Inscrita | None]:
    """El evento de la URL (None si no existe) y, en la misma consulta, la persona dueña del código leído, sea
    de este evento o de otro (None si el texto no tiene la forma de un código o no es de nadie)."""
    codigo = codigo_de(texto_codigo) if isinstance(texto_codigo, str) else None
    fila = db.session.execute(_PUERTA, {"slug": slug, "codigo": codigo}).one_or_none()
    if fila is None:
        return None, None
    return EventoPuerta(*fila[:5]), Inscrita(*fila[5:]) if fila[5] is not None else None


def acreditar(evento, persona: Inscrita | None, sesion: Sesion | None, usuario: Cuenta, id_cliente: str | None,
              escaneado_en: datetime | None = None) -> Lectura:
    """Registra la asistencia de quien presentó el código (la persona que encontró `puerta`) y devuelve lo que
    ve el personal de la puerta."""
    if persona is None and id_cliente:
        # El código ya no existe (reemitido después de la lectura): la lectura ya registrada sigue valiendo.
        return _ya_registrada(evento.id, id_cliente) or Lectura("invalido")
    return _registrar(evento, persona, sesion, usuario, id_cliente, escaneado_en, "qr")


def registrar(evento, inscripcion_id: int, sesion: Sesion | None, usuario: Cuenta | None,
              id_cliente: str | None = None, escaneado_en: datetime | None = None, origen: str = "manual") -> Lectura:
    """La asistencia de una inscripción ya identificada (buscada a mano)."""
    return _registrar(evento, _persona(Inscripcion.id == inscripcion_id), sesion, usuario, id_cliente, escaneado_en,
                      origen)


def _persona(condicion) -> Inscrita | None:
    fila = db.session.execute(select(*_PERSONA).select_from(_CON_SU_MESA).where(condicion)).one_or_none()
    return Inscrita(*fila) if fila is not None else None


@cache
def _insertar_asistencia(dialecto: str):
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id`, que PostgreSQL y SQLite escriben igual: una restricción
    única que ya tiene su fila no es un error (ni deja la transacción a medias), solo una fila que no se
    inserta. Construida una vez por dialecto; los valores van en cada ejecución."""
    return ((postgresql if dialecto == "postgresql" else sqlite).insert(Asistencia.__table__)
            .on_conflict_do_nothing().returning(Asistencia.id))


def _registrar(evento, persona: Inscrita | None, sesion, usuario, id_cliente, escaneado_en, origen) -> Lectura:
    if persona is None:
        return Lectura("invalido")
    if persona.evento_id != evento.id:
        return Lectura("otro_evento")  # auténtico, pero de otro evento: no decimos de quién
    datos = {"inscripcion_id": persona.id, "nombre": f"{persona.nombre} {persona.apellidos}".strip(),
             "institucion": persona.institucion, "mesa": persona.mesa}
    momento = escaneado_en or zonas.ahora()
    desde, hasta = evento.ventana_acreditacion()
    if not desde <= momento < hasta:
        # Un reenvío de una lectura ya registrada sigue siendo «aceptado», llegue cuando llegue.
        previa = _ya_registrada(evento.id, id_cliente) if id_cliente else None
        return previa if previa is not None and previa.inscripcion_id == persona.id else Lectura("fuera_de_fecha", **datos)
    if persona.estado == "cancelada":
        return Lectura("cancelado", **datos)
    if persona.estado != "confirmada":
        return Lectura("en_espera", **datos)
    alcance = sesion.id if sesion else 0
    # La única fila que cuenta la deciden las restricciones únicas (inscripción y alcance; evento e id_cliente).
    insertada = db.session.execute(_insertar_asistencia(db.session.get_bind().dialect.name), {
        "evento_id": evento.id, "inscripcion_id": persona.id, "sesion_id": sesion.id if sesion else None,
        "alcance": alcance, "origen": origen, "usuario_id": usuario.id if usuario else None,
        "id_cliente": id_cliente or None, "registrada_en": momento, "recibida_en": zonas.ahora()}).first()
    if insertada is not None:
        return Lectura("aceptado", **datos, acreditado_en=momento, acreditado_por=usuario.nombre if usuario else "")
    # Otra lectura ganó: la de este mismo id_cliente (un reenvío) o la de otro dispositivo.
    if id_cliente and (previa := _ya_registrada(evento.id, id_cliente)) is not None:
        if previa.inscripcion_id != persona.id:
            raise LecturaInvalida("id_cliente")  # el escáner repitió un id para otra persona
        return previa
    primera = db.session.execute(
        select(Asistencia.registrada_en, Usuario.nombre).outerjoin(Usuario, Usuario.id == Asistencia.usuario_id)
        .where(Asistencia.inscripcion_id == persona.id, Asistencia.alcance == alcance)).one()
    return Lectura("ya_acreditado", **datos, acreditado_en=primera.registrada_en, acreditado_por=primera.nombre or "")


def _ya_registrada(evento_id: int, id_cliente: str) -> Lectura | None:
    """El resultado de una lectura que ya registró una asistencia (el escáner la reenvía): «aceptado» otra vez."""
    fila = db.session.execute(
        select(Asistencia.inscripcion_id, Asistencia.registrada_en, Usuario.nombre.label("por"))
        .outerjoin(Usuario, Usuario.id == Asistencia.usuario_id)
        .where(Asistencia.evento_id == evento_id, Asistencia.id_cliente == id_cliente)).one_or_none()
    if fila is None:
        return None
    persona = _persona(Inscripcion.id == fila.inscripcion_id)
    return Lectura("aceptado", persona.id, f"{persona.nombre} {persona.apellidos}".strip(), persona.institucion,
                   persona.mesa, fila.registrada_en, fila.por or "")


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
    texto = plegar(texto).strip()
    if len(texto) < 2:
        return []
    # Sin acentos ni mayúsculas en los dos lados; autoescape: «%» y «_» se buscan tal cual.
    consulta = (select(Inscripcion).options(joinedload(Inscripcion.mesa))
                .where(Inscripcion.evento_id == evento.id, Inscripcion.busqueda.contains(texto, autoescape=True))
                .order_by(Inscripcion.apellidos, Inscripcion.nombre, Inscripcion.id).limit(limite))
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


# --- Recuentos de asistencia (página «Asistencia» de la oficina) ------------------------------------

@dataclass
class Recuentos:
    """Lo que la organización ve en vivo. «Acreditadas» es la entrada al evento (alcance 0)."""
    confirmadas: int
    acreditadas: int
    por_sesion: list[tuple[Sesion, int]]  # cada sesión en el orden de la agenda, con sus asistencias
    por_hora: list[tuple[datetime, int]]  # hora local de llegada (en punto, zona del evento) → llegadas
    por_origen: dict[str, tuple[int, int]]  # origen → (entradas al evento, asistencias a sesiones)
    por_mesa: list[tuple[Mesa | None, int, int]]  # (mesa o None = sin mesa, confirmadas, acreditadas)
    recientes: list  # las últimas filas de asistencia (evento o sesión), la más reciente primero

    @property
    def porcentaje(self) -> float | None:
        return self.acreditadas / self.confirmadas if self.confirmadas else None


def recuentos(evento, recientes: int = 20) -> Recuentos:
    """Los recuentos de la página de asistencia en un número fijo de consultas (agrupadas en la base de
    datos), sea cual sea el número de sesiones, mesas o personas. Las horas de llegada se agrupan por hora
    de reloj de la zona del evento, que solo se conoce en Python (los desfases de media hora y el cambio de
    horario impiden agrupar por hora UTC)."""
    confirmadas_por_mesa = dict(db.session.execute(
        select(Inscripcion.mesa_id, func.count()).where(Inscripcion.evento_id == evento.id,
                                                        Inscripcion.estado == "confirmada")
        .group_by(Inscripcion.mesa_id)).all())
    entradas = db.session.execute(
        select(Inscripcion.mesa_id, Asistencia.origen, func.count())
        .join(Inscripcion, Inscripcion.id == Asistencia.inscripcion_id)
        .where(Asistencia.evento_id == evento.id, Asistencia.alcance == 0)
        .group_by(Inscripcion.mesa_id, Asistencia.origen)).all()
    en_sesiones = db.session.execute(
        select(Asistencia.sesion_id, Asistencia.origen, func.count())
        .where(Asistencia.evento_id == evento.id, Asistencia.alcance != 0)
        .group_by(Asistencia.sesion_id, Asistencia.origen)).all()

    acreditadas_por_mesa: dict[int | None, int] = {}
    por_origen: dict[str, list[int]] = {}
    for mesa_id, origen, n in entradas:
        acreditadas_por_mesa[mesa_id] = acreditadas_por_mesa.get(mesa_id, 0) + n
        por_origen.setdefault(origen, [0, 0])[0] += n
    por_sesion_id: dict[int, int] = {}
    for sesion_id, origen, n in en_sesiones:
        por_sesion_id[sesion_id] = por_sesion_id.get(sesion_id, 0) + n
        por_origen.setdefault(origen, [0, 0])[1] += n

    mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id)
                               .order_by(Mesa.orden, Mesa.id)).scalars().all()
    por_mesa = [(m, confirmadas_por_mesa.get(m.id, 0), acreditadas_por_mesa.get(m.id, 0)) for m in mesas]
    if confirmadas_por_mesa.get(None) or acreditadas_por_mesa.get(None):
        por_mesa.append((None, confirmadas_por_mesa.get(None, 0), acreditadas_por_mesa.get(None, 0)))
    sesiones = db.session.execute(select(Sesion).where(Sesion.evento_id == evento.id)
                                  .order_by(Sesion.inicio, Sesion.orden, Sesion.id)).scalars().all()
    return Recuentos(
        confirmadas=sum(confirmadas_por_mesa.values()),
        acreditadas=sum(acreditadas_por_mesa.values()),
        por_sesion=[(s, por_sesion_id.get(s.id, 0)) for s in sesiones],
        por_hora=_llegadas_por_hora(evento),
        por_origen={origen: (a, b) for origen, (a, b) in por_origen.items()},
        por_mesa=por_mesa,
        recientes=_ultimas_asistencias(evento, recientes))


def _llegadas_por_hora(evento) -> list[tuple[datetime, int]]:
    """Entradas al evento por hora local; dentro de cada día, también las horas sin llegadas entre la
    primera y la última (un histograma sin huecos engañosos)."""
    conteo: dict[datetime, int] = {}
    for instante in db.session.execute(select(Asistencia.registrada_en).where(
            Asistencia.evento_id == evento.id, Asistencia.alcance == 0)).scalars():
        hora = zonas.a_local(instante, evento.zona_horaria).replace(minute=0, second=0, microsecond=0, tzinfo=None)
        conteo[hora] = conteo.get(hora, 0) + 1
    por_dia: dict = {}
    for hora in conteo:
        por_dia.setdefault(hora.date(), []).append(hora)
    filas = []
    for dia in sorted(por_dia):
        hora, ultima = min(por_dia[dia]), max(por_dia[dia])
        while hora <= ultima:
            filas.append((hora, conteo.get(hora, 0)))
            hora += timedelta(hours=1)
    return filas


def _ultimas_asistencias(evento, limite: int):
    consulta = (select(Asistencia.id, Asistencia.inscripcion_id, Asistencia.sesion_id, Asistencia.origen,
                       Asistencia.registrada_en, (Inscripcion.nombre + " " + Inscripcion.apellidos).label("nombre"),
                       Inscripcion.institucion, Sesion.titulo.label("sesion"), Usuario.nombre.label("acreditado_por"))
                .join(Inscripcion, Inscripcion.id == Asistencia.inscripcion_id)
                .outerjoin(Sesion, Sesion.id == Asistencia.sesion_id)
                .outerjoin(Usuario, Usuario.id == Asistencia.usuario_id)
                .where(Asistencia.evento_id == evento.id)
                # por llegada al servidor: una lectura sin red que se sincroniza tarde aparece arriba
                .order_by(func.coalesce(Asistencia.recibida_en, Asistencia.registrada_en).desc(),
                          Asistencia.id.desc()).limit(limite))
    return db.session.execute(consulta).all()
