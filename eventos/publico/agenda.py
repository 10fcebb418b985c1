"""Lo que la página necesita para mostrar horas: zonas de la vista y tramos de cada sesión."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from functools import lru_cache

from babel.dates import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from .. import zonas
from ..modelos import TIPOS_SESION


@dataclass
class VistaHoraria:
    """Zonas en las que se muestra una página: la del evento (siempre), adicionales y la del visitante."""
    evento: object
    zona_visitante: str | None
    idioma: str

    def __post_init__(self):
        self.zonas = zonas.zonas_de_vista(self.evento.zona_horaria, self.evento.zonas_adicionales,
                                          self.zona_visitante, self.idioma)
        # Textos repetidos en cada fila: se traducen una vez por página.
        self.etiquetas = {"evento": _("evento"), "su_zona": _("su zona"),
                          "horario_ilustrativo": _("horario ilustrativo"), "mesas": _("Mesas:")}
        self.tipos = {clave: str(etiqueta) for clave, etiqueta in TIPOS_SESION.items()}
        self._tramos: dict = {}
        self._iso: dict = {}
        self._celdas: dict = {}

    def tramos(self, sesion) -> list[zonas.Tramo]:
        # En un foro muchas sesiones comparten horario (salas en paralelo): se convierte una vez.
        clave = (sesion.inicio, sesion.fin)
        if clave not in self._tramos:
            dia = zonas.a_local(sesion.inicio, self.evento.zona_horaria).date()
            self._tramos[clave] = zonas.tramos(sesion.inicio, sesion.fin, self.zonas, dia, self.idioma)
        return self._tramos[clave]

    def celda(self, sesion, dibujar):
        """HTML de las horas de una sesión, dibujado una vez por horario distinto (`dibujar` es la macro)."""
        clave = (sesion.inicio, sesion.fin, sesion.horario_ilustrativo)
        if clave not in self._celdas:
            self._celdas[clave] = dibujar(self, sesion)
        return self._celdas[clave]

    def desfase(self, nombre_zona: str) -> str:
        return zonas.desfase_texto(self.evento.inicio, nombre_zona)

    def fecha_larga(self, dia: date) -> str:
        return format_date(dia, "full", locale=self.idioma)

    def iso(self, instante) -> str:
        if instante not in self._iso:
            self._iso[instante] = zonas.iso(instante, self.evento.zona_horaria)
        return self._iso[instante]


def rango_de_fechas(inicio: date, fin: date, idioma: str) -> str:
    if inicio == fin:
        return format_date(inicio, "long", locale=idioma)
    return f"{format_date(inicio, 'long', locale=idioma)} – {format_date(fin, 'long', locale=idioma)}"


@lru_cache(maxsize=8)
def _opciones_de_zona(idioma: str) -> str:
    return "".join(f'<option value="{escape(valor)}">{escape(etiqueta)}</option>'
                   for valor, etiqueta in zonas.zonas_para_selector(idioma))


def opciones_de_zona(idioma: str, elegida: str | None) -> Markup:
    """Las ~430 opciones del selector, generadas una vez por idioma; se marca la elegida."""
    html = _opciones_de_zona(idioma)
    if elegida:
        html = html.replace(f'<option value="{escape(elegida)}">', f'<option value="{escape(elegida)}" selected>', 1)
    return Markup(html)
