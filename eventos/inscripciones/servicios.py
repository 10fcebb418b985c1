"""Reglas de la inscripción: cupo del evento y de cada mesa, lista de espera, aprobación, bajas con
promoción automática y los correos que acompañan a cada paso.

Concurrencia: toda alta o baja empieza escribiendo en la fila del evento (`bloquear_evento`). En PostgreSQL
esa fila queda bloqueada hasta el final de la transacción; en SQLite, la primera escritura de la
transacción hace que la conexión espere su turno y lo conserve hasta el final. Así el recuento de plazas
y la decisión se toman sin que otra inscripción simultánea se cuele: el cupo nunca se supera.

Transacciones: estas funciones no confirman ni deshacen nada (solo `flush`). Quien las llama (la vista,
la API, un comando) confirma una vez al final todo su trabajo, o lo deshace si algo falla; el bloqueo del
evento dura hasta entonces. Una excepción `InscripcionNoPosible` no deja cambios de la regla: quien la
recibe decide si deshace lo demás.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from ..datos_personales.servicios import version_del_aviso
from ..extensiones import db
from ..metricas import contar_al_confirmar
from ..modelos import Evento, Inscripcion, Mesa, PreguntaInscripcion
from ..modelos.evento import ReglasEvento, estado_de_inscripcion
from ..zonas import ahora
from . import avisos


class InscripcionNoPosible(ValueError):
    """Un motivo claro, para mostrarlo a quien lo intentó (4xx)."""


@dataclass
class Disponibilidad:
    cupo: int | None
    confirmadas: int
    en_espera: int
    pendientes: int
    canceladas: int
    por_mesa: dict  # mesa_id -> confirmadas

    @property
    def libres(self) -> int | None:
        return None if self.cupo is None else max(0, self.cupo - self.confirmadas)


def disponibilidades(eventos) -> dict[int, Disponibilidad]:
    """Recuento por estado y por mesa de varios eventos, en una consulta."""
    por_estado = {e.id: {} for e in eventos}
    por_mesa = {e.id: {} for e in eventos}
    for evento_id, estado, mesa_id, cuantas in db.session.execute(
            select(Inscripcion.evento_id, Inscripcion.estado, Inscripcion.mesa_id, func.count())
            .where(Inscripcion.evento_id.in_(list(por_estado)))
            .group_by(Inscripcion.evento_id, Inscripcion.estado, Inscripcion.mesa_id)):
        por_estado[evento_id][estado] = por_estado[evento_id].get(estado, 0) + cuantas
        if estado == "confirmada" and mesa_id is not None:
            por_mesa[evento_id][mesa_id] = cuantas
    return {e.id: Disponibilidad(e.cupo, por_estado[e.id].get("confirmada", 0), por_estado[e.id].get("en_espera", 0),
                                 por_estado[e.id].get("pendiente", 0), por_estado[e.id].get("cancelada", 0),
                                 por_mesa[e.id]) for e in eventos}


def disponibilidad(evento: Evento) -> Disponibilidad:
    return disponibilidades([evento])[evento.id]


class EventoDelFormulario(ReglasEvento):
    """Lo que el envío del formulario de inscripción necesita de un evento publicado: plazo, modalidad,
    zona, aviso de privacidad, mesas (id, nombre, cupo) y preguntas propias, con las mismas reglas del modelo."""

    def __init__(self, fila, mesas, preguntas):
        self.__dict__.update(fila._mapping, mesas=mesas, preguntas_inscripcion=preguntas)


_EVENTO_DEL_FORMULARIO = select(
    Evento.id, Evento.estado, Evento.inscripcion_apertura, Evento.inscripcion_cierre, Evento.modalidad,
    Evento.zona_horaria, Evento.titulo, Evento.organizadores, Evento.aviso_privacidad, Evento.retencion_meses,
    exists().where(Mesa.evento_id == Evento.id).label("con_mesas"),
    exists().where(PreguntaInscripcion.evento_id == Evento.id).label("con_preguntas"),
).where(Evento.slug == bindparam("slug"), Evento.estado.in_(("publicado", "cerrado")))
_MESAS_DEL_FORMULARIO = (select(Mesa.id, Mesa.nombre, Mesa.cupo).where(Mesa.evento_id == bindparam("evento_id"))
                         .order_by(Mesa.orden, Mesa.id))
_PREGUNTAS_DEL_FORMULARIO = (
    select(PreguntaInscripcion.id, PreguntaInscripcion.texto, PreguntaInscripcion.tipo, PreguntaInscripcion.opciones,
           PreguntaInscripcion.obligatoria)
    .where(PreguntaInscripcion.evento_id == bindparam("evento_id"))
    .order_by(PreguntaInscripcion.orden, PreguntaInscripcion.id))


def evento_del_formulario(slug: str) -> EventoDelFormulario | None:
    """El evento publicado tal como lo necesita cada envío del formulario (None si no existe o no está
    publicado): sin objetos del ORM, con sentencias ya construidas, y las mesas y las preguntas solo si las
    tiene. Cargar el evento entero costaba tanto como el resto de la inscripción."""
    fila = db.session.execute(_EVENTO_DEL_FORMULARIO, {"slug": slug}).first()
    if fila is None:
        return None

    def leer(consulta, hay):
        return db.session.execute(consulta, {"evento_id": fila.id}).all() if hay else []
    return EventoDelFormulario(fila, leer(_MESAS_DEL_FORMULARIO, fila.con_mesas),
                               leer(_PREGUNTAS_DEL_FORMULARIO, fila.con_preguntas))


class EventoBloqueado(NamedTuple):
    """Lo que las reglas necesitan del evento, leído en la misma sentencia que lo bloquea."""
    id: int
    cupo: int | None
    estado: str
    inscripcion_apertura: object
    inscripcion_cierre: object
    requiere_aprobacion: bool
    slug: str

    @property
    def inscripcion_abierta(self) -> bool:
        return estado_de_inscripcion(self.estado, self.inscripcion_apertura, self.inscripcion_cierre) == "abierta"


def bloquear_evento(evento_id: int) -> EventoBloqueado:
    """Primera sentencia de la regla en cada alta o baja: ordena las operaciones simultáneas sobre el mismo
    evento hasta que quien llama confirme o deshaga (y devuelve sus datos actuales con RETURNING, sin otra
    consulta). Lo que la petición leyó antes puede haber cambiado mientras esperaba su turno: se marca como
    caducado y se vuelve a leer, ya con el bloqueo, al usarlo."""
    db.session.flush()  # lo pendiente de quien llama queda escrito: caducar no lo descarta
    fila = db.session.execute(_BLOQUEO, {"evento_id": evento_id}).one()
    db.session.expire_all()
    return EventoBloqueado(*fila)


_BLOQUEO = (update(Evento).where(Evento.id == bindparam("evento_id"))
            .values(version_inscripciones=Evento.version_inscripciones + 1)
            .returning(Evento.id, Evento.cupo, Evento.estado, Evento.inscripcion_apertura, Evento.inscripcion_cierre,
                       Evento.requiere_aprobacion, Evento.slug))


def _hay_lugar(evento: EventoBloqueado, mesa_id: int | None) -> bool:
    """Lugar en el evento y, si se eligió, en esa mesa."""
    if evento.cupo is not None:
        confirmadas = db.session.scalar(_CONFIRMADAS, {"evento_id": evento.id})
        if confirmadas >= evento.cupo:
            return False
    return mesa_id is None or _hay_lugar_en_mesa(evento.id, mesa_id)


# Las dos se cuentan en el índice (evento_id, estado, mesa_id), sin leer las filas (ver el modelo).
_CONFIRMADAS = select(func.count()).where(Inscripcion.evento_id == bindparam("evento_id"),
                                         Inscripcion.estado == "confirmada")
_CONFIRMADAS_EN_MESA = _CONFIRMADAS.where(Inscripcion.mesa_id == bindparam("mesa_id"))


def _hay_lugar_en_mesa(evento_id: int, mesa_id: int) -> bool:
    cupo_mesa = db.session.scalar(select(Mesa.cupo).where(Mesa.id == mesa_id))
    if cupo_mesa is None:
        return True
    return db.session.scalar(_CONFIRMADAS_EN_MESA, {"evento_id": evento_id, "mesa_id": mesa_id}) < cupo_mesa


def _confirmar(inscripcion: Inscripcion) -> None:
    inscripcion.estado = "confirmada"
    inscripcion.confirmada_en = ahora()
    inscripcion.actualizado_en = ahora()


CAMPOS = ("nombre", "apellidos", "institucion", "cargo", "pais", "ciudad", "modalidad", "mesa_id", "respuestas",
          "zona_horaria", "idioma")


def inscribir(evento_id: int, datos: dict, por_organizacion: bool = False) -> tuple[Inscripcion, bool]:
    """Da de alta (confirmada, en espera o pendiente de aprobación) y encola el correo que corresponda.

    Devuelve (inscripción, nueva). Si el correo ya estaba inscrito no cambia nada y se avisa a su dueño
    por correo: quien rellenó el formulario no sabe si la dirección ya existía.
    """
    correo = datos["correo"].strip().lower()
    return _inscribir(evento_id, correo, datos, por_organizacion, existente=None)


def _inscribir(evento_id, correo, datos, por_organizacion, existente):
    """El caso común (dirección nueva) no consulta antes si existe: la restricción única lo detecta."""
    if existente is not None and existente.activa:
        # Al participante se le avisa por correo; a la organización se le dice en la propia página.
        return (existente, False) if por_organizacion else _ya_inscrita(existente)
    evento = bloquear_evento(evento_id)  # desde aquí, hasta el commit de quien llama, nadie más da altas aquí
    if not por_organizacion and not evento.inscripcion_abierta:
        raise InscripcionNoPosible(_("La inscripción a este evento no está abierta."))
    if evento.requiere_aprobacion and not por_organizacion:
        estado = "pendiente"
    else:
        estado = "confirmada" if _hay_lugar(evento, datos.get("mesa_id")) else "en_espera"
    # Una inscripción cancelada se reutiliza (la dirección es única por evento).
    inscripcion = (db.session.get(Inscripcion, existente.id, populate_existing=True) if existente
                   else Inscripcion(evento_id=evento.id, correo=correo, version_calendario=0))
    if existente is not None:
        if inscripcion.activa:  # otra petición la reactivó mientras esta esperaba su turno
            return (inscripcion, False) if por_organizacion else _ya_inscrita(inscripcion)
        inscripcion.version_calendario += 1
    for campo in CAMPOS:
        if campo in datos:
            setattr(inscripcion, campo, datos[campo])
    # El consentimiento, con la versión del aviso que la persona vio; la organización solo lo anota si le consta.
    aviso = datos.get("aviso_privacidad")
    inscripcion.consentimiento_en = ahora() if aviso else None
    inscripcion.aviso_privacidad_id = version_del_aviso(evento_id, aviso) if aviso else None
    inscripcion.creado_en = ahora()  # quien vuelve tras cancelar entra en la cola por el final
    inscripcion.cancelada_en = None
    if estado == "confirmada":
        _confirmar(inscripcion)
    else:
        inscripcion.estado = estado
    try:
        with db.session.begin_nested():  # un SAVEPOINT: si falla, solo se deshace esta fila
            db.session.add(inscripcion)
    except IntegrityError:  # la dirección ya tenía una fila en este evento (activa o cancelada)
        previa = None if existente is not None else _inscripcion_de(evento_id, correo)
        if previa is None:  # otra restricción (p. ej., la mesa elegida acaba de borrarse): no se reintenta
            raise
        return _inscribir(evento_id, correo, datos, por_organizacion, existente=previa)
    avisos.alta(inscripcion)
    contar_al_confirmar("inscripciones", evento=evento.slug, estado=estado)
    return inscripcion, True


def _inscripcion_de(evento_id: int, correo: str) -> Inscripcion | None:
    return db.session.execute(
        select(Inscripcion).where(Inscripcion.evento_id == evento_id, Inscripcion.correo == correo)).scalar_one_or_none()


def _ya_inscrita(inscripcion: Inscripcion) -> tuple[Inscripcion, bool]:
    avisos.ya_inscrita(inscripcion)
    return inscripcion, False


def cancelar(inscripcion_id: int, avisar: bool = True) -> list[Inscripcion]:
    """Baja de una inscripción; las plazas libres pasan, por orden, a la lista de espera. `avisar=False`: sin
    el correo de la baja (quien pide borrar sus datos)."""
    inscripcion = db.session.get(Inscripcion, inscripcion_id)
    evento = bloquear_evento(inscripcion.evento_id)
    inscripcion = db.session.get(Inscripcion, inscripcion_id, populate_existing=True)
    if inscripcion.estado == "cancelada":
        return []
    inscripcion.estado = "cancelada"
    inscripcion.cancelada_en = inscripcion.actualizado_en = ahora()
    inscripcion.version_calendario += 1
    db.session.flush()
    if avisar:
        avisos.baja(inscripcion)
    return _promover_en_orden(evento)


def _promover_en_orden(evento: EventoBloqueado) -> list[Inscripcion]:
    """Confirma a quien espera, por orden de llegada, mientras haya lugar (en el evento y en su mesa). Aquí solo
    se confirma: una mesa que se ve llena sigue llena, y a quien espera en ella ya no se le pregunta."""
    promovidas, mesas_llenas = [], set()
    for candidata in _en_espera_por_orden(evento.id, mesas_llenas):
        if candidata.mesa_id in mesas_llenas:
            continue
        if evento.cupo is not None and not _hay_lugar(evento, None):
            break
        if candidata.mesa_id is not None and not _hay_lugar_en_mesa(evento.id, candidata.mesa_id):
            mesas_llenas.add(candidata.mesa_id)
            continue
        _confirmar(candidata)
        db.session.flush()
        avisos.promovida(candidata)
        promovidas.append(candidata)
    return promovidas


_TANDA_DE_ESPERA = 50


def _en_espera_por_orden(evento_id: int, mesas_llenas: set[int]):
    """Quienes esperan, por orden de llegada, de a tandas: una baja no carga la lista de espera entera (con el
    evento bloqueado, y una vez por cada baja de una cancelación en bloque). Cada tanda deja fuera a quien
    espera en una de las `mesas_llenas` que quien recorre la lista ya encontró."""
    despues_de = None
    while True:
        consulta = select(Inscripcion).where(Inscripcion.evento_id == evento_id, Inscripcion.estado == "en_espera")
        if mesas_llenas:
            consulta = consulta.where(or_(Inscripcion.mesa_id.is_(None),
                                          Inscripcion.mesa_id.not_in(sorted(mesas_llenas))))
        if despues_de is not None:
            consulta = consulta.where(tuple_(Inscripcion.creado_en, Inscripcion.id) > despues_de)
        orden = consulta.order_by(Inscripcion.creado_en, Inscripcion.id).limit(_TANDA_DE_ESPERA)
        tanda = db.session.scalars(orden).all()
        yield from tanda
        if len(tanda) < _TANDA_DE_ESPERA:
            return
        despues_de = (tanda[-1].creado_en, tanda[-1].id)


def promover(inscripcion_id: int) -> None:
    """La organización confirma a alguien de la lista de espera (o pendiente), si hay lugar."""
    inscripcion = db.session.get(Inscripcion, inscripcion_id)
    evento = bloquear_evento(inscripcion.evento_id)
    inscripcion = db.session.get(Inscripcion, inscripcion_id, populate_existing=True)
    if inscripcion.estado not in ("en_espera", "pendiente"):
        raise InscripcionNoPosible(_("Solo se confirma a quien está en espera o pendiente de aprobación."))
    if not _hay_lugar(evento, inscripcion.mesa_id):
        raise InscripcionNoPosible(_("No hay plazas libres (en el evento o en su mesa). Aumente el cupo o cancele otra inscripción."))
    _confirmar(inscripcion)
    db.session.flush()
    avisos.promovida(inscripcion)


def aprobar(inscripcion_id: int) -> str:
    """Aprobar una inscripción pendiente: se confirma si hay lugar; si no, pasa a la lista de espera."""
    inscripcion = db.session.get(Inscripcion, inscripcion_id)
    evento = bloquear_evento(inscripcion.evento_id)
    inscripcion = db.session.get(Inscripcion, inscripcion_id, populate_existing=True)
    if inscripcion.estado != "pendiente":
        raise InscripcionNoPosible(_("Esta inscripción no está pendiente de aprobación."))
    if _hay_lugar(evento, inscripcion.mesa_id):
        _confirmar(inscripcion)
        db.session.flush()
        avisos.promovida(inscripcion)
    else:
        inscripcion.estado = "en_espera"
        inscripcion.actualizado_en = ahora()
        db.session.flush()
        avisos.alta(inscripcion)
    return inscripcion.estado


def cambiar_datos(inscripcion_id: int, datos: dict) -> list[Inscripcion]:
    """La persona corrige sus datos; cambiar de mesa exige lugar en la nueva (si no, se rechaza). Devuelve
    quienes pasaron de la lista de espera a confirmadas por el lugar que dejó en su mesa anterior."""
    inscripcion = db.session.get(Inscripcion, inscripcion_id)
    evento = bloquear_evento(inscripcion.evento_id)
    inscripcion = db.session.get(Inscripcion, inscripcion_id, populate_existing=True)
    if inscripcion.estado == "cancelada":
        raise InscripcionNoPosible(_("La inscripción está cancelada."))
    nueva_mesa = datos.get("mesa_id")
    if inscripcion.estado == "confirmada" and nueva_mesa != inscripcion.mesa_id and nueva_mesa is not None \
            and not _hay_lugar_en_mesa(evento.id, nueva_mesa):
        raise InscripcionNoPosible(_("Esa mesa ya está completa. Su inscripción sigue en la mesa anterior."))
    mesa_anterior = inscripcion.mesa_id
    for campo in CAMPOS:
        if campo in datos:
            setattr(inscripcion, campo, datos[campo])
    inscripcion.actualizado_en = ahora()
    db.session.flush()
    if inscripcion.estado == "confirmada" and mesa_anterior != inscripcion.mesa_id:
        return _promover_en_orden(evento)  # su lugar en la mesa anterior queda libre
    return []
