"""Documentos en PDF: credenciales (gafetes) con su código QR y constancias de asistencia.

Aquí solo se reúnen los datos y se dibuja; quién puede pedir cada documento lo deciden las vistas y
cuándo hay derecho a constancia, constancias/servicios.py.

- Letra: DejaVu Sans (en pdf/fuentes/, con su licencia), que tiene acentos, ñ, ç, ã, ü y también
  ł, ř, ş, ő… de los nombres europeos; se incrusta solo el subconjunto usado.
- QR: dibujado como vectores (nítido a cualquier tamaño de impresión) a partir de la misma matriz que
  qr.py usa para las imágenes, así que lleva exactamente `qr.contenido_qr(inscripcion)`.
- Credenciales: 95 × 68 mm (caben en las fundas de 100 × 70), 2 × 4 por hoja A4, con marcas de corte
  en los márgenes y un contorno gris fino para quien corta con tijeras.
- Metadatos: título, autoría (los organizadores del evento, o su título si no los tiene), asunto e idioma
  del documento (/Lang del catálogo PDF, para lectores de pantalla y buscadores).
- Memoria: reportlab y las dos letras ocupan unos 6 MB por proceso. Este módulo se importa dentro de las
  vistas que dan un PDF, nunca al arrancar: un worker que no da ninguno no los carga. Las credenciales solo
  dibujan en el lienzo; platypus (párrafos y maquetación, unos 2 MB más) lo importa solo la constancia.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from babel.dates import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select

from . import qr, zonas
from .exportar import autoria
from .extensiones import db
from .modelos import MODALIDADES, Inscripcion, Mesa
from .paises import nombres as nombres_de_paises

CARPETA_FUENTES = Path(__file__).resolve().parent / "pdf" / "fuentes"
LETRA, LETRA_NEGRITA = "DejaVuSans", "DejaVuSans-Bold"
GRIS = colors.Color(0.35, 0.35, 0.35)
ACENTO = colors.Color(0.05, 0.30, 0.45)

ANCHO_CREDENCIAL, ALTO_CREDENCIAL = 95 * mm, 68 * mm
COLUMNAS, FILAS = 2, 4
MARGEN = 5 * mm  # dentro de cada credencial
LADO_QR = 30 * mm  # con su zona de silencio (4 módulos) incluida
MARCA_CORTE, SEPARACION_MARCA = 5 * mm, 1.5 * mm


@lru_cache(maxsize=1)
def _registrar_letras() -> None:
    """Una vez por proceso: leer las dos fuentes TrueType (luego cada PDF incrusta su subconjunto)."""
    pdfmetrics.registerFont(TTFont(LETRA, str(CARPETA_FUENTES / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(LETRA_NEGRITA, str(CARPETA_FUENTES / "DejaVuSans-Bold.ttf")))


def respuesta_pdf(contenido: bytes, nombre: str):
    """Respuesta HTTP para ver e imprimir el PDF; lleva datos personales: que nadie la guarde en caché."""
    from flask import make_response
    respuesta = make_response(contenido)
    respuesta.content_type = "application/pdf"
    respuesta.headers["Content-Disposition"] = f'inline; filename="{nombre}"'
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


# --- Datos -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatosEvento:
    """Lo que los documentos dicen del evento, ya en el idioma del documento."""
    titulo: str
    fechas: str
    sede: str
    modalidad: str
    modalidad_clave: str
    organizadores: tuple[str, ...]
    idioma: str = "es"  # el del documento: va en sus metadatos (/Lang)

    @property
    def autoria(self) -> str:
        return autoria(self.organizadores, self.titulo)


@dataclass(frozen=True)
class Credencial:
    nombre: str
    institucion: str
    pais: str
    mesa: str
    contenido_qr: str


@dataclass(frozen=True)
class DatosConstancia:
    nombre: str
    evento: DatosEvento
    codigo: str  # con guiones, como se escribe
    url_verificacion: str
    emitida: str
    forma_de_asistencia: str  # "presencial", "en_linea" o "ambas"
    sesiones: list[tuple[str, str]] = field(default_factory=list)  # (fecha, título)


def datos_evento(evento, idioma: str) -> DatosEvento:
    return DatosEvento(
        titulo=evento.titulo, fechas=zonas.rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, idioma),
        sede=evento.sede or "", modalidad=str(MODALIDADES.get(evento.modalidad, evento.modalidad)),
        modalidad_clave=evento.modalidad, organizadores=tuple(evento.organizadores or ()), idioma=idioma)


def _orden(apellidos: str, nombre: str) -> tuple[str, str]:
    """Orden alfabético que no manda «Álvarez» detrás de «Zúñiga»: sin acentos ni mayúsculas, y la ñ
    entre la n y la o, como en el diccionario."""
    def plano(texto):
        texto = (texto or "").casefold().replace("ñ", "n{").replace("n\u0303", "n{")  # «{» va detrás de la «z»
        return "".join(c for c in unicodedata.normalize("NFKD", texto) if not unicodedata.combining(c))
    return plano(apellidos), plano(nombre)


def credenciales_confirmadas(evento, idioma: str, mesa_id: int | None = None, ids=None) -> list[Credencial]:
    """Las credenciales de todas las inscripciones confirmadas (una consulta), por apellidos y nombre; con
    `mesa_id`, solo las de esa mesa; con `ids`, solo las de esas inscripciones."""
    consulta = (select(Inscripcion.id, Inscripcion.nombre, Inscripcion.apellidos, Inscripcion.institucion,
                       Inscripcion.pais, Inscripcion.codigo, Mesa.nombre.label("mesa"))
                .outerjoin(Mesa, Mesa.id == Inscripcion.mesa_id)
                .where(Inscripcion.evento_id == evento.id, Inscripcion.estado == "confirmada"))
    if mesa_id is not None:
        consulta = consulta.where(Inscripcion.mesa_id == mesa_id)
    if ids is not None:
        consulta = consulta.where(Inscripcion.id.in_(list(ids)))
    filas = sorted(db.session.execute(consulta).all(), key=lambda f: (*_orden(f.apellidos, f.nombre), f.id))
    paises = nombres_de_paises(idioma)
    return [Credencial(nombre=f"{f.nombre} {f.apellidos}".strip(), institucion=f.institucion,
                       pais=paises.get(f.pais, f.pais), mesa=f.mesa or "", contenido_qr=qr.contenido_qr(f))
            for f in filas]


def credencial_de(inscripcion, idioma: str) -> Credencial:
    return Credencial(nombre=inscripcion.nombre_completo, institucion=inscripcion.institucion,
                      pais=nombres_de_paises(idioma).get(inscripcion.pais, inscripcion.pais),
                      mesa=inscripcion.mesa.nombre if inscripcion.mesa else "",
                      contenido_qr=qr.contenido_qr(inscripcion))


def datos_constancia(inscripcion, constancia, asistencias, url_verificacion: str, codigo: str,
                     idioma: str) -> DatosConstancia:
    evento = inscripcion.evento
    zona = evento.zona_horaria
    origenes = {a.origen for a in asistencias}
    en_persona, en_linea = bool(origenes - {"en_linea"}), "en_linea" in origenes
    forma = "ambas" if en_persona and en_linea else ("en_linea" if en_linea else "presencial")
    con_sesion = sorted((a.sesion for a in asistencias if a.sesion is not None), key=lambda s: (s.inicio, s.id))
    sesiones = [(format_date(zonas.a_local(s.inicio, zona).date(), "medium", locale=idioma), s.titulo) for s in con_sesion]
    return DatosConstancia(
        nombre=inscripcion.nombre_completo, evento=datos_evento(evento, idioma), codigo=codigo,
        url_verificacion=url_verificacion, forma_de_asistencia=forma, sesiones=sesiones,
        emitida=format_date(zonas.a_local(constancia.emitida_en, zona).date(), "long", locale=idioma))


# --- Dibujo común --------------------------------------------------------------------------------------

def _dibujar_qr(lienzo, texto: str, x: float, y: float, lado: float) -> None:
    """El QR como rectángulos negros, uno por cada racha de módulos oscuros de una fila.

    Se escriben los operadores PDF directamente, en unidades de módulo (enteros), con la escala en la
    matriz de transformación: así 500 códigos cuestan milisegundos y no segundos."""
    matriz = qr.matriz(texto)
    n = len(matriz)
    rectangulos = []
    for i, fila in enumerate(matriz):
        base = n - 1 - i
        j = 0
        while j < n:
            if not fila[j]:
                j += 1
                continue
            fin = j
            while fin < n and fila[fin]:
                fin += 1
            rectangulos.append(f"{j} {base} {fin - j} 1 re")
            j = fin
    lienzo.saveState()
    lienzo.transform(lado / n, 0, 0, lado / n, x, y)
    lienzo.setFillColor(colors.black)
    lienzo.addLiteral("\n".join(rectangulos) + "\nf")
    lienzo.restoreState()


def _recortar(linea: str, letra: str, tamano: float, ancho: float) -> str:
    if pdfmetrics.stringWidth(linea, letra, tamano) <= ancho:
        return linea
    while linea and pdfmetrics.stringWidth(linea + "…", letra, tamano) > ancho:
        linea = linea[:-1]
    return linea.rstrip() + "…"


def _lineas(texto: str, letra: str, tamano: float, ancho: float, maximo: int) -> list[str]:
    """El texto partido en líneas que caben en `ancho`; si sobran, la última acaba en «…»."""
    lineas = simpleSplit(texto or "", letra, tamano, ancho)
    if len(lineas) > maximo:
        lineas = lineas[:maximo]
        lineas[-1] += " …"
    return [_recortar(linea, letra, tamano, ancho) for linea in lineas]


def _ajustar(texto: str, letra: str, ancho: float, maximo: int, tamanos) -> tuple[float, list[str]]:
    """El mayor tamaño con el que el texto cabe entero en `maximo` líneas (o el menor, recortado)."""
    for tamano in tamanos:
        lineas = simpleSplit(texto or "", letra, tamano, ancho)
        if len(lineas) <= maximo and all(pdfmetrics.stringWidth(linea, letra, tamano) <= ancho for linea in lineas):
            return tamano, lineas
    return tamanos[-1], _lineas(texto, letra, tamanos[-1], ancho, maximo)


def _escribir(lienzo, lineas, letra, tamano, x, y, interlineado=1.2, color=colors.black) -> float:
    """Escribe las líneas hacia abajo desde la línea base `y`; devuelve la base de la línea siguiente."""
    lienzo.setFont(letra, tamano)
    lienzo.setFillColor(color)
    for linea in lineas:
        lienzo.drawString(x, y, linea)
        y -= tamano * interlineado
    return y


# --- Credenciales --------------------------------------------------------------------------------------

def credenciales_pdf(evento: DatosEvento, credenciales: list[Credencial]) -> bytes:
    """Hojas A4 con 2 × 4 credenciales, en el orden dado, y marcas de corte."""
    _registrar_letras()
    salida = io.BytesIO()
    lienzo = canvas.Canvas(salida, pagesize=A4, pageCompression=1, lang=evento.idioma)
    lienzo.setTitle(_("Credenciales · %(evento)s", evento=evento.titulo))
    lienzo.setAuthor(evento.autoria)
    lienzo.setSubject(evento.titulo)
    lienzo.setCreator("eventos")
    ancho_pagina, alto_pagina = A4
    margen_x = (ancho_pagina - COLUMNAS * ANCHO_CREDENCIAL) / 2
    margen_y = (alto_pagina - FILAS * ALTO_CREDENCIAL) / 2
    cabecera = _cabecera_credencial(evento)
    por_hoja = COLUMNAS * FILAS
    for inicio in range(0, max(len(credenciales), 1), por_hoja):
        hoja = credenciales[inicio:inicio + por_hoja]
        for posicion, credencial in enumerate(hoja):
            fila, columna = divmod(posicion, COLUMNAS)
            x = margen_x + columna * ANCHO_CREDENCIAL
            y = alto_pagina - margen_y - (fila + 1) * ALTO_CREDENCIAL
            _dibujar_credencial(lienzo, cabecera, credencial, x, y)
        _marcas_de_corte(lienzo, margen_x, margen_y, -(-len(hoja) // COLUMNAS))
        lienzo.showPage()
    lienzo.save()
    return salida.getvalue()


@dataclass(frozen=True)
class _Cabecera:
    titulo: tuple[str, ...]
    tamano_titulo: float
    fechas: str


def _cabecera_credencial(evento: DatosEvento) -> _Cabecera:
    """Igual en todas las credenciales del evento: se compone una vez por documento."""
    ancho = ANCHO_CREDENCIAL - 2 * MARGEN
    tamano, lineas = _ajustar(evento.titulo, LETRA_NEGRITA, ancho, 2, (9, 8.5, 8, 7.5, 7))
    fechas = " · ".join(p for p in (evento.fechas, evento.sede) if p)
    return _Cabecera(tuple(lineas), tamano, _recortar(fechas, LETRA, 7, ancho))


def _dibujar_credencial(lienzo, cabecera: _Cabecera, credencial: Credencial, x: float, y: float) -> None:
    ancho_util = ANCHO_CREDENCIAL - 2 * MARGEN
    lienzo.setStrokeColor(colors.Color(0.8, 0.8, 0.8))
    lienzo.setLineWidth(0.25)
    lienzo.rect(x, y, ANCHO_CREDENCIAL, ALTO_CREDENCIAL, stroke=1, fill=0)

    # Cabecera: título del evento (hasta dos líneas), fechas y sede; una raya de color debajo.
    base = y + ALTO_CREDENCIAL - MARGEN - cabecera.tamano_titulo
    base = _escribir(lienzo, cabecera.titulo, LETRA_NEGRITA, cabecera.tamano_titulo, x + MARGEN, base,
                     color=ACENTO)
    base = _escribir(lienzo, [cabecera.fechas], LETRA, 7, x + MARGEN, base - 1, color=GRIS)
    raya = base + 7 * 1.2 - 9.5
    lienzo.setStrokeColor(ACENTO)
    lienzo.setLineWidth(1.2)
    lienzo.line(x + MARGEN, raya, x + ANCHO_CREDENCIAL - MARGEN, raya)

    # Nombre, lo más grande que quepa en dos líneas a todo lo ancho.
    tamano, lineas = _ajustar(credencial.nombre, LETRA_NEGRITA, ancho_util, 2, (20, 18, 16, 14, 12, 11))
    base = _escribir(lienzo, lineas, LETRA_NEGRITA, tamano, x + MARGEN, raya - 4 * mm - tamano * 0.75, 1.1)

    # Abajo: el QR a la derecha; institución, país y mesa a su izquierda.
    x_qr = x + ANCHO_CREDENCIAL - LADO_QR - 2 * mm
    y_qr = y + 2 * mm
    _dibujar_qr(lienzo, credencial.contenido_qr, x_qr, y_qr, LADO_QR)
    ancho_datos = x_qr - (x + MARGEN) - 1 * mm
    base = min(base - 1.5 * mm, y_qr + LADO_QR - 4 * mm)
    base = _escribir(lienzo, _lineas(credencial.institucion, LETRA, 8.5, ancho_datos, 3), LETRA, 8.5, x + MARGEN, base)
    if credencial.pais:
        base = _escribir(lienzo, _lineas(credencial.pais, LETRA, 8, ancho_datos, 1), LETRA, 8, x + MARGEN, base,
                         color=GRIS)
    if credencial.mesa:
        etiqueta = _("Mesa")
        # «Mesa 3: Territorios» no necesita otra «Mesa:» delante.
        texto = credencial.mesa if credencial.mesa.casefold().startswith(etiqueta.casefold()) else \
            _("Mesa: %(mesa)s", mesa=credencial.mesa)
        _escribir(lienzo, _lineas(texto, LETRA_NEGRITA, 8.5, ancho_datos, 2), LETRA_NEGRITA, 8.5, x + MARGEN,
                  base - 1 * mm)


def _marcas_de_corte(lienzo, margen_x: float, margen_y: float, filas: int) -> None:
    """Rayas cortas en los márgenes, en la prolongación de cada línea de corte de la cuadrícula."""
    ancho_pagina, alto_pagina = A4
    arriba = alto_pagina - margen_y
    abajo = arriba - filas * ALTO_CREDENCIAL
    lienzo.setStrokeColor(colors.black)
    lienzo.setLineWidth(0.4)
    for columna in range(COLUMNAS + 1):
        x = margen_x + columna * ANCHO_CREDENCIAL
        lienzo.line(x, arriba + SEPARACION_MARCA, x, arriba + SEPARACION_MARCA + MARCA_CORTE)
        lienzo.line(x, abajo - SEPARACION_MARCA, x, abajo - SEPARACION_MARCA - MARCA_CORTE)
    derecha = margen_x + COLUMNAS * ANCHO_CREDENCIAL
    for fila in range(filas + 1):
        y = arriba - fila * ALTO_CREDENCIAL
        lienzo.line(margen_x - SEPARACION_MARCA, y, margen_x - SEPARACION_MARCA - MARCA_CORTE, y)
        lienzo.line(derecha + SEPARACION_MARCA, y, derecha + SEPARACION_MARCA + MARCA_CORTE, y)


# --- Constancias ---------------------------------------------------------------------------------------

def _estilos() -> dict:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=LETRA, fontSize=12, leading=17, alignment=TA_CENTER)
    return {
        "organizadores": ParagraphStyle("organizadores", base, fontSize=10.5, leading=14, textColor=GRIS),
        "titulo": ParagraphStyle("titulo", base, fontName=LETRA_NEGRITA, fontSize=24, leading=30, textColor=ACENTO),
        "texto": base,
        "nombre": ParagraphStyle("nombre", base, fontName=LETRA_NEGRITA, fontSize=22, leading=28),
        "evento": ParagraphStyle("evento", base, fontName=LETRA_NEGRITA, fontSize=15, leading=20),
        "subtitulo": ParagraphStyle("subtitulo", base, fontName=LETRA_NEGRITA, fontSize=11, leading=15),
        "sesion": ParagraphStyle("sesion", base, fontSize=10, leading=13.5, alignment=0, leftIndent=20 * mm,
                                 rightIndent=14 * mm, bulletIndent=16 * mm, bulletFontName=LETRA, spaceAfter=2),
        "pie": ParagraphStyle("pie", base, fontSize=9, leading=12.5, alignment=0, textColor=GRIS),
        "codigo": ParagraphStyle("codigo", base, fontName=LETRA_NEGRITA, fontSize=12, leading=16, alignment=0),
    }


def _lugar(evento: DatosEvento) -> str:
    if evento.modalidad_clave == "virtual" or not evento.sede:
        return _("Modalidad: %(modalidad)s.", modalidad=evento.modalidad)
    return _("Sede: %(sede)s. Modalidad: %(modalidad)s.", sede=evento.sede, modalidad=evento.modalidad)


def constancia_pdf(datos: DatosConstancia) -> bytes:
    """Constancia de asistencia (A4 vertical) con el código y la dirección para verificarla."""
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer  # solo aquí: las credenciales no lo usan

    _registrar_letras()
    e = _estilos()
    evento = datos.evento
    asistio = {"presencial": _("asistió de forma presencial a"),
               "en_linea": _("asistió en línea a"),
               "ambas": _("asistió de forma presencial y en línea a")}[datos.forma_de_asistencia]
    partes = []
    if evento.organizadores:
        partes += [Paragraph(escape(" · ".join(evento.organizadores)), e["organizadores"]), Spacer(1, 14 * mm)]
    else:
        partes.append(Spacer(1, 20 * mm))
    partes += [
        Paragraph(escape(_("Constancia de asistencia")), e["titulo"]), Spacer(1, 12 * mm),
        Paragraph(escape(_("Se hace constar que")), e["texto"]), Spacer(1, 4 * mm),
        Paragraph(escape(datos.nombre), e["nombre"]), Spacer(1, 4 * mm),
        Paragraph(escape(asistio), e["texto"]), Spacer(1, 3 * mm),
        Paragraph(escape(evento.titulo), e["evento"]), Spacer(1, 3 * mm),
        Paragraph(escape(_("Fechas: %(fechas)s.", fechas=evento.fechas)), e["texto"]),
        Paragraph(escape(_lugar(evento)), e["texto"]),
    ]
    if datos.sesiones:
        partes += [Spacer(1, 8 * mm), Paragraph(escape(_("Sesiones a las que asistió")), e["subtitulo"]), Spacer(1, 2 * mm)]
        partes += [Paragraph(f"{escape(fecha)} — {escape(titulo)}", e["sesion"], bulletText="•")
                   for fecha, titulo in datos.sesiones]
    partes += [Spacer(1, 10 * mm), Paragraph(escape(_("Emitida el %(fecha)s.", fecha=datos.emitida)), e["texto"])]

    def pie(lienzo, documento):
        """Código de verificación y QR a la dirección de verificación, al pie de cada página."""
        lienzo.setStrokeColor(ACENTO)
        lienzo.setLineWidth(1.5)
        lienzo.rect(12 * mm, 12 * mm, A4[0] - 24 * mm, A4[1] - 24 * mm)
        lienzo.setLineWidth(0.5)
        lienzo.rect(14 * mm, 14 * mm, A4[0] - 28 * mm, A4[1] - 28 * mm)
        lado = 24 * mm
        x, y = documento.leftMargin, 20 * mm
        _dibujar_qr(lienzo, datos.url_verificacion, x, y, lado)
        ancho = documento.width - lado - 4 * mm
        texto = [Paragraph(escape(_("Código de verificación:")) + " " + escape(datos.codigo), e["codigo"]),
                 Paragraph(escape(_("Compruebe que esta constancia es auténtica en:")), e["pie"]),
                 Paragraph(escape(datos.url_verificacion), e["pie"])]
        alto = y + lado - 2 * mm
        for parrafo in texto:
            alto_parrafo = parrafo.wrap(ancho, 40 * mm)[1]
            alto -= alto_parrafo
            parrafo.drawOn(lienzo, x + lado + 4 * mm, alto)
            alto -= 1 * mm

    salida = io.BytesIO()
    documento = SimpleDocTemplate(
        salida, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=24 * mm, bottomMargin=46 * mm,
        title=_("Constancia de asistencia · %(nombre)s", nombre=datos.nombre), author=evento.autoria,
        subject=evento.titulo, lang=evento.idioma, creator="eventos", pageCompression=1)
    documento.build(partes, onFirstPage=pie, onLaterPages=pie)
    return salida.getvalue()
