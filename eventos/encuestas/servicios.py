"""Reglas de la encuesta de evaluación: quién puede responder, validar y guardar una respuesta (anónima o no) y
calcular los resultados. Quien llama (la vista) confirma la transacción."""
from __future__ import annotations

import hashlib
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ..extensiones import db
from ..modelos import Asistencia, Inscripcion, Mesa, Sesion
from ..modelos.encuestas import (CON_OPCIONES, DE_VALORACION, Encuesta, ParticipacionEncuesta, PreguntaEncuesta,
                                 RespuestaEncuesta, SeccionEncuesta)

VALORES = (1, 2, 3, 4, 5)
LARGO_TEXTO_CORTO = 300
LARGO_TEXTO_LARGO = 5000
TIPOS_SIN_FILA = ("receso",)  # las sesiones que no se valoran en la matriz de sesiones


class NoPuedeResponder(Exception):
    def __init__(self, mensaje: str, codigo: int = 403):
        super().__init__(mensaje)
        self.mensaje, self.codigo = mensaje, codigo


class RespuestaInvalida(ValueError):
    def __init__(self, errores: dict[int, str]):
        super().__init__("; ".join(errores.values()))
        self.errores = errores  # {id de pregunta: mensaje}


# --- Encuesta por omisión ---------------------------------------------------------------------------------
def crear_por_omision(evento) -> Encuesta:
    """Una encuesta razonable para empezar: sesiones, mesas (si las hay), formato y organización, comentarios."""
    encuesta = Encuesta(evento=evento, titulo=_("Evaluación de %(evento)s", evento=evento.titulo),
                        introduccion=_("Gracias por participar. Sus respuestas nos ayudan a preparar la próxima "
                                       "edición; le llevará unos cinco minutos."))
    utilidad = [_("Nada útil"), _("Muy útil")]
    secciones = [(_("Las sesiones"), [("matriz_sesiones", _("¿Qué tan útil le resultó cada sesión?"), utilidad)])]
    if evento.mesas:
        secciones.append((_("Las mesas de trabajo"), [
            ("matriz_mesas", _("¿Qué tan útil fue el trabajo de cada mesa en la que participó?"), utilidad)]))
    secciones += [
        (_("Formato y organización"), [
            ("valoracion", _("El formato del evento (duración, ritmo, participación)"), [_("Muy malo"), _("Muy bueno")]),
            ("valoracion", _("La organización (información previa, inscripción, puntualidad)"),
             [_("Muy mala"), _("Muy buena")])]),
        (_("Comentarios"), [
            ("texto_largo", _("¿Qué deberíamos cambiar para la próxima edición?"), []),
            ("texto_largo", _("¿Algo más que quiera contarnos?"), [])]),
    ]
    for orden, (titulo, preguntas) in enumerate(secciones):
        seccion = SeccionEncuesta(titulo=titulo, orden=orden)
        seccion.preguntas = [PreguntaEncuesta(tipo=tipo, texto=texto, etiquetas=etiquetas, orden=n)
                             for n, (tipo, texto, etiquetas) in enumerate(preguntas)]
        encuesta.secciones.append(seccion)
    db.session.add(encuesta)
    db.session.flush()
    return encuesta


def encuesta_de(evento_id: int) -> Encuesta | None:
    return db.session.execute(select(Encuesta).where(Encuesta.evento_id == evento_id)).scalar_one_or_none()


# --- Filas de las matrices ---------------------------------------------------------------------------------
def filas(pregunta: PreguntaEncuesta, evento_id: int, mesas=None, sesiones=None) -> list[tuple[int, str]]:
    """(id, nombre) de lo que valora una matriz: las sesiones del programa (sin recesos) o las mesas."""
    if pregunta.tipo == "matriz_sesiones":
        return sesiones if sesiones is not None else _sesiones(evento_id)
    if pregunta.tipo == "matriz_mesas":
        return mesas if mesas is not None else mesas_del_evento(evento_id)
    return []


def _sesiones(evento_id: int) -> list[tuple[int, str]]:
    return [tuple(f) for f in db.session.execute(
        select(Sesion.id, Sesion.titulo).where(Sesion.evento_id == evento_id, Sesion.padre_id.is_(None),
                                               Sesion.tipo.not_in(TIPOS_SIN_FILA))
        .order_by(Sesion.inicio, Sesion.orden, Sesion.id))]


def mesas_del_evento(evento_id: int) -> list[tuple[int, str]]:
    return [tuple(f) for f in db.session.execute(select(Mesa.id, Mesa.nombre).where(Mesa.evento_id == evento_id)
                                                 .order_by(Mesa.orden, Mesa.id))]


# --- Quién responde ---------------------------------------------------------------------------------------
def modalidad_de(inscripcion_id: int) -> str:
    """Cómo asistió: presencial, en_linea, ambas o "" (sin asistencia registrada)."""
    origenes = set(db.session.execute(select(Asistencia.origen).where(Asistencia.inscripcion_id == inscripcion_id))
                   .scalars())
    presencial, en_linea = bool(origenes & {"qr", "manual"}), "en_linea" in origenes
    return "ambas" if presencial and en_linea else "presencial" if presencial else "en_linea" if en_linea else ""


def comprobar(encuesta: Encuesta | None, inscripcion: Inscripcion) -> None:
    """NoPuedeResponder (con su mensaje) si esta persona no puede responder ahora."""
    if encuesta is None:
        raise NoPuedeResponder(_("Este evento no tiene encuesta de evaluación."), 404)
    if inscripcion.estado != "confirmada":
        raise NoPuedeResponder(_("La encuesta es para las personas con inscripción confirmada."))
    if encuesta.publico == "asistentes" and not modalidad_de(inscripcion.id):
        raise NoPuedeResponder(_("La encuesta es para quienes asistieron, y no consta su asistencia."))
    if not encuesta.abierta():
        raise NoPuedeResponder(_("La encuesta no está abierta: se puede responder del %(desde)s al %(hasta)s.",
                                 desde=_fecha(encuesta.abre_en, encuesta), hasta=_fecha(encuesta.cierra_en, encuesta))
                               if encuesta.abre_en else _("La encuesta todavía no está abierta."))


def _fecha(instante, encuesta) -> str:
    from ..texto import fecha_hora_en
    return fecha_hora_en(instante, encuesta.evento.zona_horaria) if instante else "—"


def ya_respondio(encuesta: Encuesta, inscripcion_id: int) -> bool:
    return db.session.scalar(select(exists().where(ParticipacionEncuesta.encuesta_id == encuesta.id,
                                                   ParticipacionEncuesta.inscripcion_id == inscripcion_id)))


# --- Validar y guardar ---------------------------------------------------------------------------------------
def leer(encuesta: Encuesta, formulario) -> dict[str, object]:
    """Las respuestas de un envío (`formulario`: un MultiDict; campos `p<id>` y, en matrices, `p<id>-<fila>`),
    validadas; RespuestaInvalida con un mensaje por pregunta si algo falta o no vale."""
    valores, errores = {}, {}
    for pregunta in encuesta.preguntas:
        clave = f"p{pregunta.id}"
        try:
            valor = _leer_pregunta(pregunta, formulario, clave, encuesta.evento_id)
        except ValueError as error:
            errores[pregunta.id] = str(error)
            continue
        if valor in (None, "", [], {}):
            sin_filas = pregunta.tipo in ("matriz_sesiones", "matriz_mesas") and not filas(pregunta, encuesta.evento_id)
            if pregunta.obligatoria and not sin_filas:  # una matriz sin nada que valorar no puede exigir respuesta
                errores[pregunta.id] = _("Esta pregunta es obligatoria.")
            continue
        valores[str(pregunta.id)] = valor
    if errores:
        raise RespuestaInvalida(errores)
    return valores


def _leer_pregunta(pregunta: PreguntaEncuesta, formulario, clave: str, evento_id: int):
    if pregunta.tipo == "valoracion":
        return _valoracion(formulario.get(clave))
    if pregunta.tipo in ("matriz_sesiones", "matriz_mesas"):
        return {str(fila): v for fila, _nombre in filas(pregunta, evento_id)
                if (v := _valoracion(formulario.get(f"{clave}-{fila}"))) is not None}
    if pregunta.tipo == "opcion_unica":
        valor = formulario.get(clave) or None
        if valor is not None and valor not in pregunta.opciones:
            raise ValueError(_("Elija una de las opciones."))
        return valor
    if pregunta.tipo == "opcion_multiple":
        elegidas = formulario.getlist(clave)
        if any(v not in pregunta.opciones for v in elegidas):
            raise ValueError(_("Elija entre las opciones."))
        return [o for o in pregunta.opciones if o in elegidas]  # en el orden de la pregunta, sin repetir
    largo = LARGO_TEXTO_CORTO if pregunta.tipo == "texto_corto" else LARGO_TEXTO_LARGO
    texto = (formulario.get(clave) or "").replace("\r\n", "\n").strip()
    if len(texto) > largo:
        raise ValueError(ngettext("Como máximo %(num)d carácter.", "Como máximo %(num)d caracteres.", largo))
    if pregunta.tipo == "texto_corto" and "\n" in texto:
        raise ValueError(_("Una sola línea, por favor."))
    return texto


def _valoracion(texto):
    if texto in (None, ""):
        return None
    if texto not in ("1", "2", "3", "4", "5"):
        raise ValueError(_("Elija un valor del 1 al 5."))
    return int(texto)


def resumen_de_clave(clave: str) -> str:
    return hashlib.sha256(clave.encode()).hexdigest()


def guardar(encuesta: Encuesta, inscripcion: Inscripcion, valores: dict, clave_edicion: str | None
            ) -> tuple[RespuestaEncuesta, str | None]:
    """Guarda (o cambia) la respuesta de la persona; devuelve (respuesta, clave de edición nueva o None). Lanza
    NoPuedeResponder si, en una encuesta anónima, ya respondió y este navegador no trae su clave."""
    comprobar(encuesta, inscripcion)
    mesa_id, modalidad = inscripcion.mesa_id, modalidad_de(inscripcion.id)
    nueva = None
    if not encuesta.anonima:
        respuesta = db.session.execute(select(RespuestaEncuesta).where(
            RespuestaEncuesta.encuesta_id == encuesta.id, RespuestaEncuesta.inscripcion_id == inscripcion.id)) \
            .scalar_one_or_none()
    else:
        respuesta = db.session.execute(select(RespuestaEncuesta).where(
            RespuestaEncuesta.encuesta_id == encuesta.id,
            RespuestaEncuesta.clave_edicion == resumen_de_clave(clave_edicion))).scalar_one_or_none() \
            if clave_edicion else None
    if respuesta is None:
        if ya_respondio(encuesta, inscripcion.id):
            raise NoPuedeResponder(_("Ya respondió esta encuesta. Como es anónima, su respuesta solo se puede cambiar "
                                     "desde el navegador con el que la envió."), 409)
        nueva = secrets.token_urlsafe(24) if encuesta.anonima else None
        respuesta = RespuestaEncuesta(encuesta_id=encuesta.id,
                                      inscripcion_id=None if encuesta.anonima else inscripcion.id,
                                      clave_edicion=resumen_de_clave(nueva) if nueva else None)
        try:
            with db.session.begin_nested():  # dos envíos a la vez: solo uno cuenta como la respuesta de la persona
                db.session.add(ParticipacionEncuesta(encuesta_id=encuesta.id, inscripcion_id=inscripcion.id))
                db.session.add(respuesta)
        except IntegrityError:
            raise NoPuedeResponder(_("Ya respondió esta encuesta."), 409) from None
    respuesta.valores, respuesta.mesa_id, respuesta.modalidad = valores, mesa_id, modalidad
    db.session.flush()
    return respuesta, nueva


# --- Resultados ---------------------------------------------------------------------------------------------
@dataclass
class Distribucion:
    """Las valoraciones de 1 a 5 de una pregunta (o de una fila de una matriz)."""
    cuentas: dict[int, int] = field(default_factory=lambda: dict.fromkeys(VALORES, 0))

    def anotar(self, valor, veces: int = 1) -> None:
        if valor in self.cuentas:
            self.cuentas[valor] += veces

    @property
    def total(self) -> int:
        return sum(self.cuentas.values())

    @property
    def media(self) -> float | None:
        return sum(v * n for v, n in self.cuentas.items()) / self.total if self.total else None


@dataclass
class ResultadoPregunta:
    pregunta: PreguntaEncuesta
    respuestas: int = 0  # cuántas personas la respondieron
    distribucion: Distribucion | None = None  # valoración
    filas: list[tuple[int, str, Distribucion]] = field(default_factory=list)  # matrices
    opciones: list[tuple[str, int]] = field(default_factory=list)  # opciones, con cuántas veces se eligió
    textos: list[str] = field(default_factory=list)


@dataclass
class Resultados:
    encuesta: Encuesta
    respuestas: int
    elegibles: int
    preguntas: list[ResultadoPregunta]

    @property
    def tasa(self) -> float | None:
        return self.respuestas / self.elegibles if self.elegibles else None


def elegibles(encuesta: Encuesta, mesa_id: int | None = None, modalidad: str | None = None) -> int:
    """Cuántas personas pueden responder (las asistentes o todas las confirmadas), con los mismos filtros."""
    condiciones = [Inscripcion.evento_id == encuesta.evento_id, Inscripcion.estado == "confirmada"]
    if mesa_id is not None:
        condiciones.append(Inscripcion.mesa_id == mesa_id)
    presencial = exists().where(Asistencia.inscripcion_id == Inscripcion.id, Asistencia.origen.in_(("qr", "manual")))
    en_linea = exists().where(Asistencia.inscripcion_id == Inscripcion.id, Asistencia.origen == "en_linea")
    if modalidad == "presencial":
        condiciones += [presencial, ~en_linea]
    elif modalidad == "en_linea":
        condiciones += [en_linea, ~presencial]
    elif modalidad == "ambas":
        condiciones += [presencial, en_linea]
    elif encuesta.publico == "asistentes":
        condiciones.append(presencial | en_linea)
    return db.session.scalar(select(func.count()).select_from(Inscripcion).where(*condiciones))


def resultados(encuesta: Encuesta, mesa_id: int | None = None, modalidad: str | None = None) -> Resultados:
    """Recuentos, medias y distribuciones de cada pregunta, con los filtros dados. Consultas fijas: las
    respuestas, las filas de las matrices y cuántas personas podían responder."""
    consulta = select(RespuestaEncuesta.valores).where(RespuestaEncuesta.encuesta_id == encuesta.id)
    if mesa_id is not None:
        consulta = consulta.where(RespuestaEncuesta.mesa_id == mesa_id)
    if modalidad:
        consulta = consulta.where(RespuestaEncuesta.modalidad == modalidad)
    todas = db.session.execute(consulta).scalars().all()
    preguntas = encuesta.preguntas
    sesiones = _sesiones(encuesta.evento_id) if any(p.tipo == "matriz_sesiones" for p in preguntas) else []
    mesas = mesas_del_evento(encuesta.evento_id) if any(p.tipo == "matriz_mesas" for p in preguntas) else []
    # Una sola pasada por las respuestas (no una por pregunta), y cada valor distinto se anota una vez con sus
    # veces (Counter): con 2 000 respuestas × 20 preguntas, un 40 % menos de cálculo (bench/encuesta.py).
    dadas_por_clave = defaultdict(list)
    for valores in todas:
        for clave, valor in valores.items():
            dadas_por_clave[clave].append(valor)
    calculos = []
    for pregunta in preguntas:
        dadas = dadas_por_clave.get(str(pregunta.id), [])
        resultado = ResultadoPregunta(pregunta, respuestas=len(dadas))
        if pregunta.tipo == "valoracion":
            resultado.distribucion = Distribucion()
            for valor, veces in Counter(dadas).items():
                resultado.distribucion.anotar(valor, veces)
        elif pregunta.tipo in ("matriz_sesiones", "matriz_mesas"):
            por_fila = {fila: Distribucion() for fila, _ in filas(pregunta, encuesta.evento_id, mesas, sesiones)}
            for (fila, nota), veces in Counter(par for valor in dadas for par in valor.items()).items():
                if int(fila) in por_fila:
                    por_fila[int(fila)].anotar(nota, veces)
            resultado.filas = [(fila, nombre, por_fila[fila])
                               for fila, nombre in filas(pregunta, encuesta.evento_id, mesas, sesiones)]
        elif pregunta.tipo in CON_OPCIONES:
            cuentas = Counter(o for valor in dadas for o in (valor if isinstance(valor, list) else [valor]))
            resultado.opciones = [(opcion, cuentas.get(opcion, 0)) for opcion in pregunta.opciones]
        else:
            resultado.textos = [texto for texto in dadas if texto]
        calculos.append(resultado)
    return Resultados(encuesta, len(todas), elegibles(encuesta, mesa_id, modalidad), calculos)


def es_de_valoracion(pregunta: PreguntaEncuesta) -> bool:
    return pregunta.tipo in DE_VALORACION
