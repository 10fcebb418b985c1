"""Las horas de las páginas del programa y la página del evento dibujada por partes.

Casi toda la página del evento depende solo del programa y del idioma; lo que depende de la zona de
quien visita es pequeño: una línea de horas por franja horaria distinta, el selector de zona, la
leyenda y el plazo de inscripción. Así que la página se dibuja una vez por versión e idioma como un
*molde* con huecos, y para cada zona solo se dibujan los huecos (`pagina_evento`).
"""
from __future__ import annotations

import re
import sys
from datetime import date
from functools import cached_property, lru_cache
from operator import attrgetter

from babel.dates import format_date
from flask import current_app, g, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from .. import calendario, zonas
from ..cache import memoria
from ..modelos import TIPOS_SESION


class VistaHoraria:
    """Zonas en las que se muestra una página: la del evento (siempre), adicionales y la del visitante,
    y las partes de la página que dependen de ellas."""

    def __init__(self, evento, zona_visitante: str | None, idioma: str):
        self.evento, self.zona_visitante, self.idioma = evento, zona_visitante, idioma
        self.zonas = zonas.zonas_de_vista(evento.zona_horaria, evento.zonas_adicionales, zona_visitante, idioma)
        # Las zonas del evento (la suya y las adicionales) y, si es otra, la de quien visita, que va al final.
        otra = zona_visitante and zona_visitante not in (evento.zona_horaria, *(evento.zonas_adicionales or []))
        self.fijas, self.otra = (self.zonas[:-1], self.zonas[-1:]) if otra else (self.zonas, [])
        self._tramos: dict = {}
        self._celdas: dict = {}
        self._lineas: dict = {}
        self._lineas_escritas: dict = {}

    # Textos repetidos en cada fila: se traducen una vez por página, y solo si la página los usa (rellenar un
    # molde sin zona de quien visita no los necesita).
    @cached_property
    def etiquetas(self) -> dict[str, str]:
        return {"evento": _("evento"), "su_zona": _("su zona"),
                "horario_ilustrativo": _("horario ilustrativo"), "mesas": _("Mesas:")}

    @cached_property
    def tipos(self) -> dict[str, str]:
        return {clave: str(etiqueta) for clave, etiqueta in TIPOS_SESION.items()}

    def tramos_fijos(self, sesion) -> list[zonas.Tramo]:
        """Las horas de la sesión en las zonas del evento; en un foro muchas sesiones comparten horario
        (salas en paralelo): se convierten una vez por franja."""
        clave = (sesion.inicio, sesion.fin)
        if clave not in self._tramos:
            self._tramos[clave] = zonas.tramos(sesion.inicio, sesion.fin, self.fijas, sesion.dia_local, self.idioma)
        return self._tramos[clave]

    def desfase(self, nombre_zona: str) -> str:
        return zonas.desfase_texto(self.evento.inicio, nombre_zona)

    def fecha_larga(self, dia: date) -> str:
        return format_date(dia, "full", locale=self.idioma)

    # --- Lo que depende de la zona de quien visita -------------------------------------------------

    def celda(self, sesion) -> Markup:
        """Las horas de una sesión (dibujadas una vez por franja)."""
        clave = (sesion.inicio, sesion.fin, sesion.horario_ilustrativo)
        if clave not in self._celdas:
            self._celdas[clave] = self.macros.horas(self, sesion)
        return self._celdas[clave]

    def linea_visitante(self, sesion) -> Markup:
        """La línea de horas en la zona de quien visita, si no es una de las del evento."""
        return self.linea_de_otra_zona(sesion.inicio, sesion.fin, sesion.dia_local) if self.otra else Markup()

    def linea_de_otra_zona(self, inicio, fin, dia: date) -> Markup:
        """La línea de una franja (`dia`: su día en la zona del evento). Se dibuja una vez por horas escritas:
        en la mayoría de las zonas, las franjas de cada día del foro dan las mismas líneas. (La línea de otra
        zona no lleva `<time datetime>`: su HTML depende solo de las horas y la fecha escritas.)"""
        franja = (inicio, fin)
        if franja not in self._lineas:
            tramo, = zonas.tramos(inicio, fin, self.otra, dia, self.idioma)
            escrita = (tramo.inicio, tramo.fin, tramo.dia_distinto)
            if escrita not in self._lineas_escritas:
                self._lineas_escritas[escrita] = self.macros.linea(self, tramo)
            self._lineas[franja] = self._lineas_escritas[escrita]
        return self._lineas[franja]

    def selector(self) -> Markup:
        return self.macros.selector_zona(self, opciones_de_zona(self.idioma, self.zona_visitante))

    def leyenda(self) -> Markup:
        return self.macros.leyenda(self)

    def inscribirse(self) -> Markup:
        return Markup(render_template("publico/_inscribirse.html", evento=self.evento,
                                      zona_visitante=self.zona_visitante))

    @cached_property
    def macros(self):
        return current_app.jinja_env.get_template("publico/_macros.html").make_module({"g": g})


_HUECO = re.compile(r"<!--hueco:(\d+)-->")


class _VistaDelMolde(VistaHoraria):
    """Dibuja el molde: en lugar de cada parte que depende de la zona de quien visita deja un hueco (un
    comentario HTML que solo la plantilla puede escribir: lo que escribe la gente sale escapado).

    Hay un molde para quien no eligió zona, uno por cada zona del evento (que lleva la marca «su zona»
    en su línea) y uno para cualquier otra zona, con un hueco para su línea en cada franja."""

    def __init__(self, evento, idioma: str, marca: str | None):
        super().__init__(evento, None if marca == _OTRA else marca, idioma)
        self.marca = marca
        self.huecos: list[tuple] = []

    def _hueco(self, *parte) -> Markup:
        self.huecos.append(parte)
        return Markup(f"<!--hueco:{len(self.huecos) - 1}-->")

    def linea_visitante(self, sesion):
        # El hueco guarda la franja, no la sesión: el molde no retiene la instantánea del programa.
        if self.marca == _OTRA:
            return self._hueco("linea_de_otra_zona", sesion.inicio, sesion.fin, sesion.dia_local)
        return super().linea_visitante(sesion)

    def selector(self):
        return self._hueco("selector")

    def leyenda(self):
        return self._hueco("leyenda")

    def inscribirse(self):
        return self._hueco("inscribirse")


class Molde:
    """Textos fijos de una página y, entre cada dos, la parte que se dibuja para cada zona.

    Los textos se guardan en UTF-8: como `str`, un solo «–» de los horarios hace que Python guarde todo el texto
    con dos bytes por carácter (un molde de 300 sesiones pasaba de ~360 KB a ~715 KB en cada proceso)."""

    def __init__(self, html: str, huecos: list[tuple]):
        partes = _HUECO.split(html)
        self.textos = tuple(parte.encode() for parte in partes[0::2])
        self.huecos = tuple(huecos[int(i)] for i in partes[1::2])
        self.tamano = sum(map(sys.getsizeof, self.textos)) + sys.getsizeof(self.huecos) + sum(
            sys.getsizeof(hueco) + sum(map(sys.getsizeof, hueco)) for hueco in self.huecos)

    def rellenar(self, vista: VistaHoraria) -> bytes:
        """La página en UTF-8: los textos fijos no se decodifican (ni se copian como `str`) en cada petición."""
        piezas = [self.textos[0]]
        for (parte, *argumentos), texto in zip(self.huecos, self.textos[1:]):
            piezas.append(getattr(vista, parte)(*argumentos).encode())
            piezas.append(texto)
        return b"".join(piezas)


_OTRA = "(otra)"


def pagina_evento(evento, idioma: str, zona_visitante: str | None) -> bytes:
    """El contenido de la página del evento: el molde de su versión, idioma y clase de zona, rellenado."""
    del_evento = {evento.zona_horaria, *(evento.zonas_adicionales or [])}
    marca = zona_visitante if zona_visitante in del_evento or zona_visitante is None else _OTRA
    molde = memoria().recordar(
        ("molde-evento", evento.id, evento.version_programa, evento.actualizado_en, idioma, marca),
        lambda: _molde_evento(evento, idioma, marca), medir=attrgetter("tamano"))
    return molde.rellenar(VistaHoraria(evento, zona_visitante, idioma))


def _molde_evento(evento, idioma: str, marca: str | None) -> Molde:
    vista = _VistaDelMolde(evento, idioma, marca)
    html = render_template("publico/_evento.html", evento=evento, **contexto_del_programa(evento, vista))
    return Molde(html, vista.huecos)


def contexto_del_programa(evento, vista: VistaHoraria) -> dict:
    base_sesiones = url_for("publico.sesion", slug=evento.slug, clave="")
    return {"vista": vista, "calendario": calendario,
            "rango_fechas": zonas.rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, vista.idioma),
            "url_sesion": lambda clave: base_sesiones + clave}


@lru_cache(maxsize=8)
def _opciones_de_zona(idioma: str) -> tuple[tuple[str, str, str], ...]:
    """(zona, opción, opción elegida) de las ~430 zonas del selector, una vez por idioma."""
    return tuple((valor, f'<option value="{escape(valor)}">{escape(etiqueta)}</option>',
                  f'<option value="{escape(valor)}" selected>{escape(etiqueta)}</option>')
                 for valor, etiqueta in zonas.zonas_para_selector(idioma))


def opciones_de_zona(idioma: str, elegida: str | None) -> Markup:
    return Markup("".join(marcada if valor == elegida else opcion
                          for valor, opcion, marcada in _opciones_de_zona(idioma)))
