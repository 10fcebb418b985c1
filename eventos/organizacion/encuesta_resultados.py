"""Resultados de la encuesta de evaluación para la organización: la tasa de respuesta, un gráfico (SVG hecho
aquí, con sus números también en una tabla) por pregunta, los comentarios, filtros por mesa y por modalidad,
el informe para imprimir y las respuestas en CSV y Excel.

Los recuentos los calcula encuestas/servicios.py (`resultados`); aquí solo se presentan. En una encuesta
anónima nada de lo que sale de aquí dice qué inscripción dio qué respuesta: ni nombres, ni el id de la
respuesta, ni el orden de llegada (los comentarios van en orden alfabético y las filas de la descarga en el
orden del id, que es al azar). Número fijo de consultas, sin importar cuántas respuestas o preguntas haya.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask import abort, current_app, g, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..encuestas import servicios as encuestas
from ..exportar import TIPO_CSV, TIPO_XLSX, csv_bytes, xlsx_bytes
from ..extensiones import db
from ..modelos import Inscripcion
from ..modelos.encuestas import CON_OPCIONES, PUBLICOS_ENCUESTA, Encuesta, RespuestaEncuesta, SeccionEncuesta
from ..permisos import vista_de_evento
from ..zonas import rango_de_fechas
from . import bp
from .inscripciones import descarga, privado

MODALIDADES = {"presencial": _l("Presencial"), "en_linea": _l("En línea"),
               "ambas": _l("Presencial y en línea")}
MATRICES = ("matriz_sesiones", "matriz_mesas")
SEPARADOR_OPCIONES = "; "


# --- Filtros ------------------------------------------------------------------------------------------

@dataclass
class Filtro:
    mesa: tuple[int, str] | None = None  # (id, nombre)
    modalidad: str | None = None

    @property
    def mesa_id(self) -> int | None:
        return self.mesa[0] if self.mesa else None

    def argumentos(self) -> dict:
        """Los filtros activos, para repetirlos en los enlaces (informe, descargas)."""
        argumentos = {}
        if self.mesa:
            argumentos["mesa"] = self.mesa[0]
        if self.modalidad:
            argumentos["modalidad"] = self.modalidad
        return argumentos

    def descripcion(self) -> str:
        partes = []
        if self.mesa:
            partes.append(_("Mesa: %(nombre)s", nombre=self.mesa[1]))
        if self.modalidad:
            partes.append(_("Modalidad: %(modalidad)s", modalidad=MODALIDADES[self.modalidad]))
        return (_("Filtrado por") + " — " + " · ".join(partes)) if partes else ""

    def sufijo(self) -> str:
        """Para el nombre del archivo: «-mesa-12», «-en_linea»."""
        return (f"-mesa-{self.mesa[0]}" if self.mesa else "") + (f"-{self.modalidad}" if self.modalidad else "")


def _leer_filtro(mesas: dict[int, str]) -> Filtro:
    """Los filtros de la URL; una mesa que no es de este evento o una modalidad desconocida: 400."""
    filtro = Filtro()
    mesa = request.args.get("mesa", "").strip()
    if mesa:
        if not (mesa.isascii() and mesa.isdigit()) or int(mesa) not in mesas:
            abort(400, description=_("Esa mesa no es de este evento: elija una de la lista."))
        filtro.mesa = (int(mesa), mesas[int(mesa)])
    modalidad = request.args.get("modalidad", "").strip()
    if modalidad:
        if modalidad not in MODALIDADES:
            abort(400, description=_("Elija una modalidad de la lista: presencial, en línea o ambas."))
        filtro.modalidad = modalidad
    return filtro


# --- Datos --------------------------------------------------------------------------------------------

def _encuesta(evento_id: int) -> Encuesta | None:
    """La encuesta con sus secciones y preguntas en tres consultas, tenga las secciones que tenga."""
    return db.session.execute(
        select(Encuesta).where(Encuesta.evento_id == evento_id)
        .options(selectinload(Encuesta.secciones).selectinload(SeccionEncuesta.preguntas))).scalar_one_or_none()


def _respuestas(encuesta: Encuesta, filtro: Filtro, *columnas):
    """Las respuestas que pasan el filtro, con `columnas`. Identificada: con la inscripción, por apellidos;
    anónima: sin ella y en el orden del id (al azar), no en el de llegada."""
    consulta = select(*columnas).where(RespuestaEncuesta.encuesta_id == encuesta.id)
    if filtro.mesa:
        consulta = consulta.where(RespuestaEncuesta.mesa_id == filtro.mesa_id)
    if filtro.modalidad:
        consulta = consulta.where(RespuestaEncuesta.modalidad == filtro.modalidad)
    if encuesta.anonima:
        return consulta.order_by(RespuestaEncuesta.id)
    return consulta.outerjoin(Inscripcion, Inscripcion.id == RespuestaEncuesta.inscripcion_id) \
        .order_by(Inscripcion.apellidos, Inscripcion.nombre, RespuestaEncuesta.id)


def _autor(nombre, apellidos) -> str:
    return f"{nombre or ''} {apellidos or ''}".strip() or _("(inscripción borrada)")


def _textos_con_autor(encuesta: Encuesta, filtro: Filtro) -> dict[str, list[tuple[str, str]]]:
    """Solo en encuestas identificadas: {id de pregunta de texto: [(texto, quién lo escribió)]}."""
    claves = [str(p.id) for p in encuesta.preguntas if p.tipo in ("texto_corto", "texto_largo")]
    if encuesta.anonima or not claves:
        return {}
    textos = {clave: [] for clave in claves}
    # Solo los textos (JSON_EXTRACT / ->>), no todo `valores`: la base no manda ni se decodifica lo demás.
    columnas = [RespuestaEncuesta.valores[clave].as_string() for clave in claves]
    for nombre, apellidos, *escritos in db.session.execute(
            _respuestas(encuesta, filtro, Inscripcion.nombre, Inscripcion.apellidos, *columnas)):
        for clave, texto in zip(claves, escritos):
            if texto:
                textos[clave].append((texto, _autor(nombre, apellidos)))
    return textos


# --- Presentación: barras y tablas --------------------------------------------------------------------

@dataclass
class Barra:
    etiqueta: str
    cuenta: int
    porcentaje: str
    proporcion: float  # largo de la barra: 0..1 respecto de la más larga
    detalle: str = ""  # en las valoraciones, la etiqueta del 1 y del 5 («Nada útil»)


@dataclass
class Fila:
    """Una fila de una matriz: la sesión o la mesa, su media y su distribución."""
    id: int
    nombre: str
    total: int
    media: float | None
    media_texto: str
    cuentas: list[int]
    descripcion: str


@dataclass
class Pregunta:
    resultado: encuestas.ResultadoPregunta
    barras: list[Barra] = field(default_factory=list)
    descripcion: str = ""  # el gráfico en palabras, para <desc>
    media: str = ""
    filas: list[Fila] = field(default_factory=list)
    textos: list[tuple[str, str | None]] = field(default_factory=list)  # (texto, autor o None)

    @property
    def tipo(self) -> str:
        return self.resultado.pregunta.tipo


class Numeros:
    """Números con el formato del idioma de la página (cada valor distinto se formatea una vez)."""

    def __init__(self):
        self.decimal = lru_cache(maxsize=None)(lambda valor: format_decimal(valor, format="0.00"))
        self.porcentaje = lru_cache(maxsize=None)(lambda cuenta, total: format_percent(cuenta / total)
                                                  if total else "—")

    def media(self, media: float | None) -> str:
        return "—" if media is None else self.decimal(round(media, 2))


def _barras(pares: list[tuple[str, int]], total: int, numeros: Numeros) -> list[Barra]:
    mayor = max((cuenta for _e, cuenta in pares), default=0)
    return [Barra(etiqueta, cuenta, numeros.porcentaje(cuenta, total), cuenta / mayor if mayor else 0.0)
            for etiqueta, cuenta in pares]


def _nombre_barra(barra: Barra) -> str:
    return f"{barra.etiqueta} ({barra.detalle})" if barra.detalle else barra.etiqueta


def _en_palabras(barras: list[Barra]) -> str:
    return "; ".join(_("%(etiqueta)s: %(cuenta)d (%(porcentaje)s)", etiqueta=_nombre_barra(b), cuenta=b.cuenta,
                       porcentaje=b.porcentaje) for b in barras)


def _media_en_palabras(media: str, total: int) -> str:
    return ngettext("Media: %(media)s de 5, con %(num)d respuesta.",
                    "Media: %(media)s de 5, con %(num)d respuestas.", total, media=media)


def _extremos(pregunta) -> dict[int, str]:
    """{1: «Nada útil», 5: «Muy útil»}: lo que significan los extremos de la escala, si la pregunta lo dice."""
    etiquetas = [str(e) for e in (pregunta.etiquetas or [])[:2]] if isinstance(pregunta.etiquetas, list) else []
    return dict(zip((1, 5), etiquetas))


def _valoracion(pregunta: Pregunta, numeros: Numeros) -> None:
    distribucion = pregunta.resultado.distribucion
    extremos = _extremos(pregunta.resultado.pregunta)
    pregunta.barras = _barras([(str(v), n) for v, n in distribucion.cuentas.items()], distribucion.total, numeros)
    for barra, valor in zip(pregunta.barras, distribucion.cuentas):
        barra.detalle = extremos.get(valor, "")
    pregunta.media = numeros.media(distribucion.media)
    pregunta.descripcion = _en_palabras(pregunta.barras) + ". " + _media_en_palabras(pregunta.media,
                                                                                        distribucion.total)


def _matriz(pregunta: Pregunta, numeros: Numeros) -> None:
    for fila_id, nombre, distribucion in pregunta.resultado.filas:
        media = numeros.media(distribucion.media)
        pregunta.filas.append(Fila(fila_id, nombre, distribucion.total, distribucion.media, media,
                                   list(distribucion.cuentas.values()),
                                   _media_en_palabras(media, distribucion.total)))


def _opciones(pregunta: Pregunta, numeros: Numeros) -> None:
    pregunta.barras = _barras(pregunta.resultado.opciones, pregunta.resultado.respuestas, numeros)
    pregunta.descripcion = _en_palabras(pregunta.barras) + ". " + ngettext(
        "%(num)d persona respondió.", "%(num)d personas respondieron.", pregunta.resultado.respuestas)


def _textos(pregunta: Pregunta, con_autor: dict[str, list[tuple[str, str]]]) -> None:
    clave = str(pregunta.resultado.pregunta.id)
    if clave in con_autor:
        pregunta.textos = con_autor[clave]
    else:  # anónima: en orden alfabético, nunca en el de llegada
        pregunta.textos = [(texto, None) for texto in sorted(pregunta.resultado.textos, key=str.casefold)]


def _presentar(resultados: encuestas.Resultados, con_autor) -> list[tuple[SeccionEncuesta, list[Pregunta]]]:
    numeros = Numeros()
    por_id = {r.pregunta.id: Pregunta(r) for r in resultados.preguntas}
    for pregunta in por_id.values():
        if pregunta.tipo == "valoracion":
            _valoracion(pregunta, numeros)
        elif pregunta.tipo in MATRICES:
            _matriz(pregunta, numeros)
        elif pregunta.tipo in CON_OPCIONES:
            _opciones(pregunta, numeros)
        else:
            _textos(pregunta, con_autor)
    return [(seccion, [por_id[p.id] for p in seccion.preguntas if p.id in por_id])
            for seccion in resultados.encuesta.secciones]


def _enlace_al_editor(evento) -> str | None:
    """La página donde se arma la encuesta (otra sección de la oficina), si la aplicación la tiene."""
    if "organizacion.encuesta" in current_app.view_functions:
        return url_for("organizacion.encuesta", slug=evento.slug)
    return None


def _contexto(evento) -> dict:
    mesas = dict(encuestas.mesas_del_evento(evento.id))
    filtro = _leer_filtro(mesas)
    encuesta = _encuesta(evento.id)
    contexto = {"evento": evento, "encuesta": encuesta, "filtro": filtro, "mesas": mesas,
                "modalidades": MODALIDADES, "publicos": PUBLICOS_ENCUESTA, "editor": _enlace_al_editor(evento)}
    if encuesta is not None:
        resultados = encuestas.resultados(encuesta, filtro.mesa_id, filtro.modalidad)
        contexto.update(resultados=resultados, tasa=Numeros().porcentaje(resultados.respuestas, resultados.elegibles),
                        secciones=_presentar(resultados, _textos_con_autor(encuesta, filtro)))
    return contexto


# --- Páginas ------------------------------------------------------------------------------------------

@bp.get("/eventos/<slug>/encuesta/resultados")
@vista_de_evento()
def encuesta_resultados(evento):
    return privado(render_template("organizacion/encuesta_resultados.html", **_contexto(evento)))


@bp.get("/eventos/<slug>/encuesta/resultados/informe")
@vista_de_evento()
def encuesta_resultados_informe(evento):
    return privado(render_template(
        "organizacion/encuesta_resultados_informe.html", **_contexto(evento),
        rango_fechas=rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.idioma)))


# --- Descargas ----------------------------------------------------------------------------------------

def _filas_de_matrices(encuesta: Encuesta) -> dict[int, list[tuple[int, str]]]:
    """{id de pregunta: [(id de fila, nombre)]}: una consulta por tipo de matriz, no una por pregunta."""
    por_tipo, filas = {}, {}
    for pregunta in encuesta.preguntas:
        if pregunta.tipo in MATRICES:
            if pregunta.tipo not in por_tipo:
                por_tipo[pregunta.tipo] = encuestas.filas(pregunta, encuesta.evento_id)
            filas[pregunta.id] = por_tipo[pregunta.tipo]
    return filas


def _celdas(pregunta, valor, filas_matriz):
    """Las celdas de una pregunta: valoraciones como números, varias opciones unidas con «; »."""
    if pregunta.tipo in MATRICES:
        valor = valor if isinstance(valor, dict) else {}
        return [valor.get(str(fila_id)) for fila_id, _nombre in filas_matriz]
    if valor is None:
        return [None]
    if pregunta.tipo == "opcion_multiple":
        return [SEPARADOR_OPCIONES.join(valor) if isinstance(valor, list) else str(valor)]
    return [valor]


def _tabla(encuesta: Encuesta | None, filtro: Filtro, mesas: dict[int, str]):
    """(encabezados, filas): una fila por respuesta, una columna por pregunta (y por fila de cada matriz).
    Anónima: un número correlativo y nada más de quién respondió; identificada: nombre y correo."""
    identificada = encuesta is not None and not encuesta.anonima
    encabezados = [_("N.º")] + ([_("Nombre"), _("Correo")] if identificada else []) + [_("Mesa"), _("Modalidad")]
    if encuesta is None:
        return encabezados, []
    preguntas = encuesta.preguntas
    matrices = _filas_de_matrices(encuesta)
    for pregunta in preguntas:
        if pregunta.tipo in MATRICES:
            encabezados += [f"{pregunta.texto} — {nombre}" for _id, nombre in matrices[pregunta.id]]
        else:
            encabezados.append(pregunta.texto)
    columnas = [RespuestaEncuesta.valores, RespuestaEncuesta.mesa_id, RespuestaEncuesta.modalidad]
    if identificada:
        columnas += [Inscripcion.nombre, Inscripcion.apellidos, Inscripcion.correo]
    modalidades = {clave: str(nombre) for clave, nombre in MODALIDADES.items()}
    filas = []
    for numero, (valores, mesa_id, modalidad, *persona) in enumerate(
            db.session.execute(_respuestas(encuesta, filtro, *columnas)), start=1):
        fila = [numero]
        if identificada:
            nombre, apellidos, correo = persona
            fila += [_autor(nombre, apellidos), correo or ""]
        fila += [mesas.get(mesa_id, ""), modalidades.get(modalidad, modalidad)]
        for pregunta in preguntas:
            fila += _celdas(pregunta, valores.get(str(pregunta.id)), matrices.get(pregunta.id))
        filas.append(fila)
    return encabezados, filas


def _exportacion(evento):
    mesas = dict(encuestas.mesas_del_evento(evento.id))
    filtro = _leer_filtro(mesas)
    encabezados, filas = _tabla(_encuesta(evento.id), filtro, mesas)
    return encabezados, filas, f"encuesta-{evento.slug}{filtro.sufijo()}"


@bp.get("/eventos/<slug>/encuesta/respuestas.csv")
@vista_de_evento()
def encuesta_respuestas_csv(evento):
    encabezados, filas, nombre = _exportacion(evento)
    return descarga(csv_bytes(encabezados, filas), TIPO_CSV, f"{nombre}.csv")


@bp.get("/eventos/<slug>/encuesta/respuestas.xlsx")
@vista_de_evento()
def encuesta_respuestas_xlsx(evento):
    encabezados, filas, nombre = _exportacion(evento)
    return descarga(xlsx_bytes(encabezados, filas, hoja=_("Encuesta")), TIPO_XLSX, f"{nombre}.xlsx")
