"""La síntesis entre mesas fuera de la aplicación: Markdown, Word (DOCX), CSV y Excel (XLSX).

Todo sale de `servicios.matriz` (ya filtrada) y de sus `servicios.cruces`: cada pregunta, en el orden de
la guía, con la respuesta de cada mesa. El texto de las respuestas lo escriben los moderadores: en
ningún formato puede convertirse en HTML, fórmula o estructura del documento.

- Markdown: el texto de cada respuesta va tal cual (con su formato sencillo) dentro de una cita (`> `),
  así no puede abrir encabezados ni romper el documento; `&`, `<` y `>` van como entidades (se ven
  igual, pero ningún visor las interpreta como HTML) y los corchetes escapados (sin enlaces ni
  imágenes, que podrían llevar `javascript:`). Los textos de una línea (títulos, mesas, puntos clave)
  se escapan por completo.
- DOCX: python-docx escribe texto, nunca marcado; se quitan los caracteres que XML no admite. Lleva en
  sus propiedades el título, la autoría (los organizadores del evento) y el idioma del documento.
- CSV/XLSX: `eventos/exportar.py`, a salvo de la inyección de fórmulas; en el XLSX, el número de la
  pregunta y las intervenciones son números y la hora de la última edición, fecha y hora de la zona del evento.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby

from flask_babel import gettext as _
from flask_babel import ngettext

from markupsafe import Markup

from ..exportar import autoria, csv_bytes, xlsx_bytes
from ..texto import markdown_seguro
from ..zonas import a_local, nombre_lugar, reloj_local
from . import servicios

FORMATO_HORA = "%Y-%m-%d %H:%M"


# --- Estructura común -----------------------------------------------------------------------------

@dataclass
class PreguntaInforme:
    pregunta: object
    cruces: list


@dataclass
class BloqueInforme:
    bloque: object
    preguntas: list[PreguntaInforme] = field(default_factory=list)


@dataclass
class GuiaInforme:
    guia: object
    nombre: str
    bloques: list[BloqueInforme] = field(default_factory=list)


def informe(cruces: list[servicios.Cruce], nombre_guia) -> list[GuiaInforme]:
    """Los cruces agrupados por guía → bloque → pregunta (conservan el orden de la matriz).
    `nombre_guia(guia)` da el nombre que se muestra de cada guía."""
    guias = []
    for guia, de_guia in groupby(cruces, key=lambda c: c.guia):
        g = GuiaInforme(guia, nombre_guia(guia))
        for bloque, de_bloque in groupby(de_guia, key=lambda c: c.bloque):
            b = BloqueInforme(bloque)
            for pregunta, de_pregunta in groupby(de_bloque, key=lambda c: c.pregunta):
                b.preguntas.append(PreguntaInforme(pregunta, list(de_pregunta)))
            g.bloques.append(b)
        guias.append(g)
    return guias


@lru_cache(maxsize=2048)
def html(texto: str) -> Markup:
    """El texto de una respuesta como HTML inerte (el filtro `markdown`), recordado por texto: la síntesis,
    el informe y el tablero vuelven a mostrar cientos de respuestas que casi nunca cambian entre una carga
    y la siguiente. Solo se recuerda la conversión del texto, nunca quién puede verla."""
    return markdown_seguro(texto)


def hora(respuesta, evento) -> str:
    return a_local(respuesta.actualizada_en, evento.zona_horaria).strftime(FORMATO_HORA) if respuesta else ""


def autor(respuesta) -> str:
    return respuesta.actualizada_por.nombre if respuesta and respuesta.actualizada_por else ""


def texto_intervenciones(n) -> str:
    return ngettext("%(num)d intervención", "%(num)d intervenciones", n) if n is not None else ""


# --- CSV y XLSX -----------------------------------------------------------------------------------

def filas(evento, cruces, idioma: str) -> tuple[list[str], list[list]]:
    """Una fila por mesa × pregunta (las que la mesa responde o ya respondió); la hora de la última
    edición, en la zona del evento (dicha en el encabezado)."""
    encabezados = [_("Bloque"), _("Número"), _("Pregunta"), _("Mesa"), _("Respuesta"), _("Puntos clave"),
                   _("Intervenciones"),
                   _("Actualizada (hora de %(lugar)s)", lugar=nombre_lugar(evento.zona_horaria, idioma)), _("Por")]
    datos = []
    for c in cruces:
        r = c.respuesta
        datos.append([c.bloque.titulo, c.pregunta.numero, c.pregunta.texto, c.mesa.nombre,
                      r.texto if r else "", "\n".join(r.puntos_clave or []) if r else "",
                      None if r is None else r.intervenciones,
                      reloj_local(r.actualizada_en, evento.zona_horaria) if r else None, autor(r)])
    return encabezados, datos


def csv(evento, cruces, idioma: str) -> bytes:
    return csv_bytes(*filas(evento, cruces, idioma))


def xlsx(evento, cruces, idioma: str) -> bytes:
    return xlsx_bytes(*filas(evento, cruces, idioma), hoja=_("Síntesis"))


# --- Markdown -------------------------------------------------------------------------------------

_ENTIDADES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_EN_LINEA = re.compile(r"[\\`*_\[\]#|~!&<>]")
_INICIO_DE_BLOQUE = re.compile(r"^(\d+)([.)])|^([-+=:])")


def md_en_linea(texto) -> str:
    """Un texto de una línea sin ningún efecto en Markdown: ni formato, ni enlaces, ni HTML, ni bloques."""
    texto = " ".join(str(texto or "").split())

    def escapar(m):
        caracter = m.group(0)
        return _ENTIDADES.get(caracter, "\\" + caracter)
    texto = _EN_LINEA.sub(escapar, texto)
    return _INICIO_DE_BLOQUE.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\" + m.group(3), texto)


def md_texto(texto) -> str:
    """Texto con formato sencillo de quien escribe: se conserva, sin HTML, enlaces ni imágenes."""
    texto = str(texto or "").replace("\r\n", "\n").replace("\r", "\n")
    texto = re.sub(r"[&<>]", lambda m: _ENTIDADES[m.group(0)], texto)
    return texto.replace("[", "\\[").replace("]", "\\]")


def md_cita(texto) -> str:
    """El texto dentro de una cita: cada línea con `> `, así nada sale de ella."""
    return "\n".join(("> " + linea).rstrip() for linea in md_texto(texto).split("\n"))


def _md_meta(evento, r) -> str:
    partes = [texto_intervenciones(r.intervenciones)] if r.intervenciones is not None else []
    partes.append(_("Actualizada: %(hora)s", hora=hora(r, evento)) + (f" ({autor(r)})" if autor(r) else ""))
    return "*" + md_en_linea(" · ".join(partes)) + "*"


def markdown(evento, cruces, nombre_guia, rango_fechas: str, filtro: str = "") -> str:
    lineas = [f"# {md_en_linea(evento.titulo)}", "", f"**{md_en_linea(_('Sistematización de las mesas de trabajo'))}**",
              "", md_en_linea(_("Fechas: %(fechas)s", fechas=rango_fechas))]
    if filtro:
        lineas += ["", md_en_linea(filtro)]
    for titulo, texto in ((_("Objetivos"), evento.objetivos), (_("Resultados esperados"), evento.resultados_esperados)):
        if texto.strip():
            lineas += ["", f"## {md_en_linea(titulo)}", "", md_texto(texto.strip())]
    varias = len({c.guia.id for c in cruces}) > 1
    for g in informe(cruces, nombre_guia):
        if varias:
            lineas += ["", f"## {md_en_linea(g.nombre)}"]
        if g.guia.pregunta_rectora:
            lineas += ["", f"**{md_en_linea(_('Pregunta rectora'))}:** {md_en_linea(g.guia.pregunta_rectora)}"]
        for b in g.bloques:
            lineas += ["", f"{'###' if varias else '##'} {md_en_linea(b.bloque.titulo)}"]
            for p in b.preguntas:
                lineas += ["", f"{'####' if varias else '###'} {p.pregunta.numero}. {md_en_linea(p.pregunta.texto)}"]
                for c in p.cruces:
                    lineas += ["", f"{'#####' if varias else '####'} {md_en_linea(c.mesa.nombre)}", ""]
                    r = c.respuesta
                    if r is None:
                        lineas.append("*" + md_en_linea(_("Sin respuesta.")) + "*")
                        continue
                    lineas.append(md_cita(r.texto) if r.texto else "*" + md_en_linea(_("(Sin texto.)")) + "*")
                    if r.puntos_clave:
                        lineas += ["", f"**{md_en_linea(_('Puntos clave'))}:**", ""]
                        lineas += [f"- {md_en_linea(punto)}" for punto in r.puntos_clave]
                    lineas += ["", _md_meta(evento, r)]
    return "\n".join(lineas) + "\n"


# --- DOCX -----------------------------------------------------------------------------------------

_NEGRITA = re.compile(r"\*\*(.+?)\*\*")
_VINETA = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_NUMERADA = re.compile(r"^(\s*)\d+[.)]\s+(.*)$")


def _limpio(texto) -> str:
    """Sin los caracteres de control que XML (y Word) no admiten."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    return ILLEGAL_CHARACTERS_RE.sub("", str(texto or ""))


class _Word:
    """Un documento de python-docx al que se añaden párrafos al final, en tiempo constante.

    `Document.add_paragraph` busca el estilo por su nombre entre todos los estilos y el final de la
    sección entre todos los párrafos, en cada párrafo: con los miles de párrafos de una síntesis de
    20 mesas × 30 preguntas eso eran segundos. Aquí el estilo se resuelve una vez y el final de la
    sección se aparta mientras se escribe. El texto entra siempre como texto (`w:t`), nunca como marcado.
    """

    def __init__(self, titulo: str, autor: str, idioma: str, asunto: str = ""):
        from docx import Document
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        self.documento = Document()
        propiedades = self.documento.core_properties
        propiedades.title = titulo[:255]
        propiedades.author = autor[:255]
        propiedades.last_modified_by = autor[:255]  # si no, el de la plantilla de python-docx
        propiedades.subject = asunto[:255]
        propiedades.language = idioma
        propiedades.comments = ""  # la plantilla trae «generated by python-docx»
        # El idioma también en el formato por omisión del texto: Word revisa la ortografía en ese idioma.
        formato = self.documento.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lengua = formato.find(qn("w:lang"))
        if lengua is None:
            lengua = OxmlElement("w:lang")
            formato.append(lengua)
        lengua.set(qn("w:val"), idioma)
        self.cuerpo = self.documento.element.body
        self.seccion = self.cuerpo.sectPr
        self.cuerpo.remove(self.seccion)
        self.estilos: dict[str, str] = {}

    def parrafo(self, texto: str = "", estilo: str | None = None, negrita=False, cursiva=False, con_negritas=False):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        p = OxmlElement("w:p")
        if estilo:
            if estilo not in self.estilos:
                self.estilos[estilo] = self.documento.styles[estilo].style_id
            propiedades = OxmlElement("w:pPr")
            propiedades.append(OxmlElement("w:pStyle", attrs={qn("w:val"): self.estilos[estilo]}))
            p.append(propiedades)
        self.cuerpo.append(p)
        if con_negritas:  # `**así**` en negrita; el resto, tal cual
            posicion = 0
            for m in _NEGRITA.finditer(texto):
                self.texto(p, texto[posicion:m.start()])
                self.texto(p, m.group(1), negrita=True)
                posicion = m.end()
            self.texto(p, texto[posicion:])
        else:
            self.texto(p, texto, negrita, cursiva)
        return p

    @staticmethod
    def texto(p, texto: str, negrita=False, cursiva=False) -> None:
        """Un fragmento (`w:r`) de texto literal al final del párrafo, en negrita o cursiva si se pide."""
        if not texto:
            return
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        r = OxmlElement("w:r")
        if negrita or cursiva:
            formato = OxmlElement("w:rPr")
            for activo, etiqueta in ((negrita, "w:b"), (cursiva, "w:i")):
                if activo:
                    formato.append(OxmlElement(etiqueta))
            r.append(formato)
        t = OxmlElement("w:t")
        t.text = texto
        if texto != texto.strip():
            t.set(qn("xml:space"), "preserve")
        r.append(t)
        p.append(r)

    def titulo(self, texto: str, nivel: int):
        return self.parrafo(texto, "Title" if nivel == 0 else f"Heading {nivel}")

    def markdown(self, texto: str) -> None:
        """Markdown sencillo a párrafos: párrafos, viñetas y listas numeradas (con su sangría)."""
        lineas: list[str] = []

        def cerrar():
            if lineas:
                self.parrafo(" ".join(lineas), con_negritas=True)
                lineas.clear()

        for linea in _limpio(texto).replace("\r\n", "\n").split("\n"):
            lista = _VINETA.match(linea) or _NUMERADA.match(linea)
            if lista:
                cerrar()
                estilo = "List Bullet" if lista.re is _VINETA else "List Number"
                if len(lista.group(1)) >= 2:
                    estilo += " 2"
                self.parrafo(lista.group(2).strip(), estilo, con_negritas=True)
            elif linea.strip():
                lineas.append(linea.strip())
            else:
                cerrar()
        cerrar()

    def bytes(self) -> bytes:
        self.cuerpo.append(self.seccion)
        salida = io.BytesIO()
        self.documento.save(salida)
        return salida.getvalue()


def docx(evento, cruces, nombre_guia, rango_fechas: str, idioma: str, filtro: str = "") -> bytes:
    word = _Word(_limpio(evento.titulo), _limpio(autoria(evento.organizadores, evento.titulo)), idioma,
                 _("Sistematización de las mesas de trabajo"))
    word.titulo(_limpio(evento.titulo), 0)
    word.parrafo(_("Sistematización de las mesas de trabajo"), negrita=True)
    word.parrafo(_("Fechas: %(fechas)s", fechas=rango_fechas))
    if filtro:
        word.parrafo(_limpio(filtro))
    for titulo, texto in ((_("Objetivos"), evento.objetivos), (_("Resultados esperados"), evento.resultados_esperados)):
        if texto.strip():
            word.titulo(titulo, 1)
            word.markdown(texto)
    varias = len({c.guia.id for c in cruces}) > 1
    nivel = 2 if varias else 1
    for g in informe(cruces, nombre_guia):
        if varias:
            word.titulo(_limpio(g.nombre), 1)
        if g.guia.pregunta_rectora:
            p = word.parrafo(_("Pregunta rectora") + ": ", negrita=True)
            word.texto(p, _limpio(g.guia.pregunta_rectora))
        for b in g.bloques:
            word.titulo(_limpio(b.bloque.titulo), nivel)
            for p in b.preguntas:
                word.titulo(f"{p.pregunta.numero}. {_limpio(p.pregunta.texto)}", nivel + 1)
                for c in p.cruces:
                    word.titulo(_limpio(c.mesa.nombre), nivel + 2)
                    r = c.respuesta
                    if r is None:
                        word.parrafo(_("Sin respuesta."), cursiva=True)
                        continue
                    word.markdown(r.texto)
                    if r.puntos_clave:
                        word.parrafo(_("Puntos clave") + ":", negrita=True)
                        for punto in r.puntos_clave:
                            word.parrafo(_limpio(punto), "List Bullet")
                    partes = [texto_intervenciones(r.intervenciones)] if r.intervenciones is not None else []
                    partes.append(_("Actualizada: %(hora)s", hora=hora(r, evento)) + (f" ({_limpio(autor(r))})" if autor(r) else ""))
                    word.parrafo(" · ".join(partes), cursiva=True)
    return word.bytes()
