"""Reglas de las respuestas de las mesas, compartidas por el espacio de moderación, la API y la síntesis.

Guardar es «escribí sobre la versión N»: si la respuesta ya va por otra versión, nada se pisa y quien
guarda recibe un `Conflicto` con el texto actual para fusionar. Cada guardado queda en el historial;
los guardados seguidos de una misma persona (el autoguardado mientras escribe) se agrupan en una
entrada por racha de edición, para que el historial cuente versiones legibles y no pulsaciones.

Nada aquí confirma ni deshace la transacción: quien llama (la vista, la API) confirma al final.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import zonas
from ..extensiones import db, es_entero_bd
from ..modelos import Bloque, Cuenta, Guia, Mesa, Pregunta, Respuesta, VersionRespuesta

MAX_TEXTO = 20_000
MAX_PUNTOS = 50
MAX_PUNTO = 500
MAX_INTERVENCIONES = 10_000
RACHA = timedelta(minutes=5)


class RespuestaInvalida(ValueError):
    """Datos que no se pueden guardar; el mensaje (en el idioma de la petición) dice por qué."""


class Conflicto(Exception):
    def __init__(self, actual: Respuesta):
        super().__init__("conflicto de versión")
        self.actual = actual


@dataclass
class Contenido:
    texto: str
    puntos_clave: list[str]
    intervenciones: int | None


def validar(texto, puntos_clave, intervenciones) -> Contenido:
    if not isinstance(texto, str):
        raise RespuestaInvalida(_("La respuesta debe ser texto."))
    texto = texto.replace("\r\n", "\n").strip()
    if len(texto) > MAX_TEXTO:
        raise RespuestaInvalida(ngettext("La respuesta admite hasta %(num)d carácter.",
                                          "La respuesta admite hasta %(num)d caracteres.", MAX_TEXTO))
    if puntos_clave is None:
        puntos_clave = []
    if not isinstance(puntos_clave, list) or not all(isinstance(p, str) for p in puntos_clave):
        raise RespuestaInvalida(_("Los puntos clave deben ser una lista de textos."))
    puntos = [" ".join(p.split()) for p in puntos_clave]
    puntos = [p for p in puntos if p]
    if len(puntos) > MAX_PUNTOS or any(len(p) > MAX_PUNTO for p in puntos):
        raise RespuestaInvalida(" ".join((
            ngettext("Como máximo %(num)d punto clave.", "Como máximo %(num)d puntos clave.", MAX_PUNTOS),
            ngettext("Cada punto clave admite hasta %(num)d carácter.",
                     "Cada punto clave admite hasta %(num)d caracteres.", MAX_PUNTO))))
    if intervenciones in ("", None):
        intervenciones = None
    elif isinstance(intervenciones, str) and (cifras := intervenciones.strip()).isdecimal() and len(cifras) <= 9:
        intervenciones = int(cifras)  # isdigit() admitiría «²», que int() no lee
    if intervenciones is not None and (isinstance(intervenciones, bool) or not isinstance(intervenciones, int)
                                       or not 0 <= intervenciones <= MAX_INTERVENCIONES):
        raise RespuestaInvalida(_("Las intervenciones deben ser un número entero entre 0 y %(n)d.", n=MAX_INTERVENCIONES))
    return Contenido(texto, puntos, intervenciones)


def preguntas_de_mesa(mesa: Mesa) -> list[tuple[Guia, list[tuple[Bloque, list[Pregunta]]]]]:
    """Las guías que responde la mesa (la del evento y las de sus sesiones), con bloques y preguntas en orden."""
    return [(guia, [(bloque, list(bloque.preguntas)) for bloque in guia.bloques])
            for guia in mesa.evento.guias_de_mesa(mesa)]


def pregunta_de_mesa(mesa: Mesa, pregunta_id: int) -> Pregunta | None:
    """La pregunta, si está en una guía que responde la mesa (la del evento o la de una de sus sesiones).
    Una consulta: el autoguardado la hace en cada guardado."""
    from ..modelos.mesas import mesa_sesion
    return db.session.execute(
        select(Pregunta).join(Bloque, Bloque.id == Pregunta.bloque_id).join(Guia, Guia.id == Bloque.guia_id)
        .where(Pregunta.id == pregunta_id, Guia.evento_id == mesa.evento_id,
               or_(Guia.sesion_id.is_(None),
                   Guia.sesion_id.in_(select(mesa_sesion.c.sesion_id).where(mesa_sesion.c.mesa_id == mesa.id))))
    ).scalar_one_or_none()


def mesa_de_participante(evento, inscripcion) -> dict | None:
    """Lo que la persona inscrita ve de su mesa: datos, guía y, solo si la organización las publicó,
    las respuestas. `evento` viene de `Evento.con_programa` (mesas con sesiones, guías con preguntas)."""
    if not inscripcion.activa or inscripcion.mesa_id is None:
        return None
    mesa = next((m for m in evento.mesas if m.id == inscripcion.mesa_id), None)
    if mesa is None:
        return None
    guias = [(guia, [(bloque, list(bloque.preguntas)) for bloque in guia.bloques])
             for guia in evento.guias_de_mesa(mesa)]
    respuestas = respuestas_de_mesa(mesa.id) if evento.respuestas_publicadas else None
    return {"mesa": mesa, "guias": guias, "respuestas": respuestas}


def respuestas_de_mesa(mesa_id: int) -> dict[int, Respuesta]:
    filas = db.session.execute(select(Respuesta).where(Respuesta.mesa_id == mesa_id)).scalars()
    return {r.pregunta_id: r for r in filas}


def actual(mesa_id: int, pregunta_id: int) -> Respuesta | None:
    """La respuesta tal como está ahora en la base de datos (no la que la petición tuviera ya cargada)."""
    return db.session.execute(select(Respuesta).where(Respuesta.mesa_id == mesa_id,
                                                      Respuesta.pregunta_id == pregunta_id)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


@dataclass
class Guardada:
    """Lo que devuelve un guardado, con los datos ya conocidos (nada se vuelve a leer tras el commit de quien llama)."""
    mesa_id: int
    pregunta_id: int
    texto: str
    puntos_clave: list[str]
    intervenciones: int | None
    version: int
    actualizada_en: object
    autor: str


def guardar(mesa_id: int, pregunta_id: int, contenido: Contenido, version: int, usuario: Cuenta) -> Guardada:
    """Guarda sobre `version` (0 si la respuesta aún no existía) y devuelve la respuesta con la versión nueva.

    Un UPDATE condicionado a la versión (o el INSERT con la restricción única, la primera vez) decide
    en la base de datos quién llega primero: dos guardados simultáneos sobre la misma versión nunca
    se aceptan los dos. Un intento rechazado se deshace en su SAVEPOINT, sin tocar el resto de la
    transacción de quien llama.
    """
    if not es_entero_bd(version):
        raise RespuestaInvalida(_("Falta la versión sobre la que se escribió (un número entero)."))
    momento = zonas.ahora()
    usuario_id, autor = usuario.id, usuario.nombre
    valores = {"texto": contenido.texto, "puntos_clave": contenido.puntos_clave,
               "intervenciones": contenido.intervenciones, "actualizada_en": momento,
               "actualizada_por_id": usuario_id}
    try:
        with db.session.begin_nested():
            if version == 0:
                respuesta_id = db.session.execute(insert(Respuesta).values(
                    mesa_id=mesa_id, pregunta_id=pregunta_id, version=1, **valores)
                    .returning(Respuesta.id)).scalar_one()
            else:
                respuesta_id = db.session.execute(
                    update(Respuesta).where(Respuesta.mesa_id == mesa_id, Respuesta.pregunta_id == pregunta_id,
                                            Respuesta.version == version)
                    .values(version=Respuesta.version + 1, **valores).returning(Respuesta.id)).scalar_one_or_none()
    except IntegrityError:
        respuesta_id = None
    if respuesta_id is None:
        vigente = actual(mesa_id, pregunta_id)
        if vigente is None:  # pidió escribir sobre una versión de algo que no existe
            raise RespuestaInvalida(_("Esa respuesta todavía no existe: guárdela con la versión 0."))
        if _es_reenvio(vigente, version, contenido, usuario_id):
            return Guardada(mesa_id, pregunta_id, vigente.texto, list(vigente.puntos_clave),
                            vigente.intervenciones, vigente.version, vigente.actualizada_en, autor)
        raise Conflicto(vigente)
    _anotar_historial(respuesta_id, version + 1, contenido, usuario_id, momento)
    db.session.flush()
    return Guardada(mesa_id, pregunta_id, contenido.texto, contenido.puntos_clave, contenido.intervenciones,
                    version + 1, momento, autor)


def _es_reenvio(vigente: Respuesta, version: int, contenido: Contenido, usuario_id: int) -> bool:
    """El mismo guardado otra vez (la respuesta del primero se perdió por la red): no es un conflicto."""
    return (vigente.version == version + 1 and vigente.actualizada_por_id == usuario_id
            and vigente.texto == contenido.texto and list(vigente.puntos_clave) == contenido.puntos_clave
            and vigente.intervenciones == contenido.intervenciones)


def _anotar_historial(respuesta_id, version, contenido: Contenido, usuario_id, momento) -> None:
    """Una entrada por racha de escritura de una persona (RACHA desde su primer guardado). Empieza otra si
    escribe otra persona, si pasó la racha o si el texto se acorta mucho: un borrado accidental que se
    autoguardó se puede recuperar de la entrada anterior."""
    ultima = db.session.execute(select(VersionRespuesta).where(VersionRespuesta.respuesta_id == respuesta_id)
                                .order_by(VersionRespuesta.version.desc()).limit(1)).scalar_one_or_none()
    datos = {"version": version, "texto": contenido.texto, "puntos_clave": contenido.puntos_clave,
             "intervenciones": contenido.intervenciones, "guardada_en": momento}
    misma_racha = (ultima is not None and ultima.usuario_id == usuario_id and momento - ultima.iniciada_en < RACHA
                   and not _recorte_grande(ultima, contenido))
    if misma_racha:
        for campo, valor in datos.items():
            setattr(ultima, campo, valor)
    else:
        db.session.add(VersionRespuesta(respuesta_id=respuesta_id, usuario_id=usuario_id, iniciada_en=momento, **datos))


def _recorte_grande(anterior: VersionRespuesta, contenido: Contenido) -> bool:
    """¿Desaparece más de un tercio del texto o algún punto clave?"""
    return len(contenido.texto) < len(anterior.texto) * 2 / 3 or \
        not set(anterior.puntos_clave or []) <= set(contenido.puntos_clave)


@dataclass
class Matriz:
    """Preguntas (en el orden de la guía) × mesas (en su orden), con la respuesta de cada cruce."""
    evento: object
    guias: list  # [(guia, [(bloque, [pregunta])])]
    mesas: list[Mesa]
    respuestas: dict[tuple[int, int], Respuesta]  # (mesa_id, pregunta_id) -> respuesta

    @property
    def preguntas(self) -> list[Pregunta]:
        return [p for _g, bloques in self.guias for _b, preguntas in bloques for p in preguntas]

    def respuesta(self, mesa: Mesa, pregunta: Pregunta) -> Respuesta | None:
        return self.respuestas.get((mesa.id, pregunta.id))


def matriz(evento) -> Matriz:
    """La síntesis entre mesas (`filtrar` la reduce a un bloque o una mesa). Tres consultas: guías con
    bloques y preguntas, mesas, y respuestas con su autor."""
    from sqlalchemy.orm import joinedload, selectinload
    guias = db.session.execute(
        select(Guia).where(Guia.evento_id == evento.id).order_by(Guia.orden, Guia.id)
        .options(selectinload(Guia.bloques).selectinload(Bloque.preguntas))).scalars().all()
    mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id)
                               .order_by(Mesa.orden, Mesa.id)).scalars().all()
    estructura = [(guia, [(b, list(b.preguntas)) for b in guia.bloques]) for guia in guias if guia.bloques]
    respuestas = {}
    if mesas:
        filas = db.session.execute(select(Respuesta).where(Respuesta.mesa_id.in_([m.id for m in mesas]))
                                   .options(joinedload(Respuesta.actualizada_por))).scalars()
        respuestas = {(r.mesa_id, r.pregunta_id): r for r in filas}
    return Matriz(evento, estructura, mesas, respuestas)


# --- Síntesis: filtros y guías de cada mesa ------------------------------------------------------

def filtrar(m: Matriz, bloque_id: int | None = None, mesa_id: int | None = None) -> Matriz:
    """La misma matriz reducida a un bloque/ronda y/o a una mesa, sin volver a la base de datos."""
    guias = []
    for guia, bloques in m.guias:
        elegidos = [(b, ps) for b, ps in bloques if bloque_id is None or b.id == bloque_id]
        if elegidos:
            guias.append((guia, elegidos))
    mesas = [mesa for mesa in m.mesas if mesa_id is None or mesa.id == mesa_id]
    ids_mesas = {mesa.id for mesa in mesas}
    respuestas = {clave: r for clave, r in m.respuestas.items() if clave[0] in ids_mesas}
    return Matriz(m.evento, guias, mesas, respuestas)


def guias_por_mesa(m: Matriz) -> dict[int, set[int]]:
    """Qué guías de la matriz responde cada mesa: las de todo el evento y las de las sesiones en que se
    reúne (como `Evento.guias_de_mesa`, pero en una sola consulta, y ninguna si no hay guías de sesión)."""
    from ..modelos.mesas import mesa_sesion
    generales = {guia.id for guia, _b in m.guias if guia.sesion_id is None}
    por_sesion = {}
    for guia, _b in m.guias:
        if guia.sesion_id is not None:
            por_sesion.setdefault(guia.sesion_id, set()).add(guia.id)
    resultado = {mesa.id: set(generales) for mesa in m.mesas}
    if por_sesion and resultado:
        for mesa_id, sesion_id in db.session.execute(
                select(mesa_sesion.c.mesa_id, mesa_sesion.c.sesion_id)
                .where(mesa_sesion.c.mesa_id.in_(list(resultado)), mesa_sesion.c.sesion_id.in_(list(por_sesion)))):
            resultado[mesa_id] |= por_sesion[sesion_id]
    return resultado


@dataclass
class Cruce:
    """Una pregunta × una mesa, con su respuesta si la hay (`aplica`: la mesa responde esa guía)."""
    guia: Guia
    bloque: Bloque
    pregunta: Pregunta
    mesa: Mesa
    respuesta: Respuesta | None
    aplica: bool


def cruces(m: Matriz) -> list[Cruce]:
    """Cada pregunta (en el orden de la guía) × cada mesa (en su orden) que la responde o que ya tiene
    respuesta: lo que recorren la síntesis, el informe y las exportaciones."""
    guias_de = guias_por_mesa(m)
    resultado = []
    for guia, bloques in m.guias:
        for bloque, preguntas in bloques:
            for pregunta in preguntas:
                for mesa in m.mesas:
                    respuesta = m.respuesta(mesa, pregunta)
                    aplica = guia.id in guias_de.get(mesa.id, ())
                    if aplica or respuesta is not None:
                        resultado.append(Cruce(guia, bloque, pregunta, mesa, respuesta, aplica))
    return resultado


# --- Tablero de la plenaria ----------------------------------------------------------------------

@dataclass(frozen=True)
class Sello:
    """Lo que cambia con cada guardado de cualquier respuesta del evento (para ETag y cursor)."""
    respuestas: int
    versiones: int
    ultima: object  # datetime | None

    @property
    def etag(self) -> str:
        return f"{self.respuestas}-{self.versiones}-{self.ultima.timestamp() if self.ultima else 0}"


def sello(evento_id: int) -> Sello:
    """Una consulta agregada: cuántas respuestas, la suma de sus versiones (sube con cada guardado) y el
    último guardado. Si nada cambió, el sello es el mismo y el tablero responde 304."""
    from sqlalchemy import func
    cuantas, versiones, ultima = db.session.execute(
        select(func.count(Respuesta.id), func.coalesce(func.sum(Respuesta.version), 0), func.max(Respuesta.actualizada_en))
        .join(Mesa, Mesa.id == Respuesta.mesa_id).where(Mesa.evento_id == evento_id)).one()
    return Sello(cuantas, int(versiones), ultima)


# Un guardado toma su hora antes de confirmarse (y cada servidor la suya): lo confirmado justo después de
# un sondeo, con una hora algo anterior, debe entrar en el siguiente. Por eso el cursor que se entrega es
# «ahora menos este margen»: lo guardado en esos segundos se vuelve a enviar y el tablero descarta lo que
# ya tiene (por versión).
MARGEN_CURSOR = timedelta(seconds=10)


def cursor_ahora():
    """El cursor para el próximo sondeo, tomado antes de leer: todo lo anterior a él ya es visible."""
    return zonas.ahora() - MARGEN_CURSOR


def respuestas_desde(evento_id: int, desde) -> list[Respuesta]:
    """Respuestas del evento guardadas después de `desde` (todas si es None), las más recientes primero."""
    consulta = (select(Respuesta).join(Mesa, Mesa.id == Respuesta.mesa_id).where(Mesa.evento_id == evento_id)
                .order_by(Respuesta.actualizada_en.desc(), Respuesta.id.desc()))
    if desde is not None:
        consulta = consulta.where(Respuesta.actualizada_en > desde)
    return db.session.execute(consulta).scalars().all()


# --- Reparto de las personas inscritas entre las mesas ---------------------------------------------

@dataclass
class Reparto:
    asignadas: int
    sin_lugar: int
    por_mesa: dict  # mesa_id -> personas asignadas en este reparto


def repartir(evento_id: int) -> Reparto:
    """Asigna cada inscripción confirmada sin mesa, por orden de inscripción, a la mesa con menos personas
    confirmadas que aún tenga lugar (sin cupo = sin límite; a igualdad, la primera en el orden de las
    mesas). Quien no cabe porque todas están llenas sigue sin mesa y se cuenta en `sin_lugar`.

    Empieza bloqueando el evento como toda alta o baja (inscripciones/servicios.py): ninguna inscripción
    simultánea ocupa a la vez un lugar que el reparto ya contó, hasta que quien llama confirme.
    """
    from ..inscripciones.servicios import bloquear_evento, disponibilidad
    from ..modelos import Evento, Inscripcion
    bloquear_evento(evento_id)
    mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento_id)
                               .order_by(Mesa.orden, Mesa.id)).scalars().all()
    ocupadas = dict(disponibilidad(db.session.get(Evento, evento_id)).por_mesa)
    sin_mesa = db.session.execute(
        select(Inscripcion).where(Inscripcion.evento_id == evento_id, Inscripcion.estado == "confirmada",
                                  Inscripcion.mesa_id.is_(None))
        .order_by(Inscripcion.creado_en, Inscripcion.id)).scalars().all()
    por_mesa: dict[int, int] = {}
    momento = zonas.ahora()
    for inscripcion in sin_mesa:
        con_lugar = [m for m in mesas if m.cupo is None or ocupadas.get(m.id, 0) < m.cupo]
        if not con_lugar:
            break
        elegida = min(con_lugar, key=lambda m: ocupadas.get(m.id, 0))  # min() se queda con la primera
        inscripcion.mesa_id = elegida.id
        inscripcion.actualizado_en = momento
        ocupadas[elegida.id] = ocupadas.get(elegida.id, 0) + 1
        por_mesa[elegida.id] = por_mesa.get(elegida.id, 0) + 1
    asignadas = sum(por_mesa.values())
    db.session.flush()
    return Reparto(asignadas, len(sin_mesa) - asignadas, por_mesa)
