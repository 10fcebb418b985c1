"""Lo que la página necesita para mostrar horas: zonas de la vista y tramos de cada sesión."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from .. import zonas


@dataclass
class VistaHoraria:
    """Zonas en las que se muestra una página: la del evento (siempre), adicionales y la del visitante."""
    evento: object
    zona_visitante: str | None
    idioma: str

    def __post_init__(self):
        self.zonas = zonas.zonas_de_vista(self.evento.zona_horaria, self.evento.zonas_adicionales,
                                          self.zona_visitante, self.idioma)
        self.visitante_distinta = bool(self.zona_visitante) and self.zona_visitante != self.evento.zona_horaria \
            and self.zona_visitante not in (self.evento.zonas_adicionales or [])

    def tramos(self, sesion) -> list[zonas.Tramo]:
        return zonas.tramos(sesion.inicio, sesion.fin, self.zonas, sesion.dia_local, self.idioma)

    def desfase(self, nombre_zona: str) -> str:
        return zonas.desfase_texto(self.evento.inicio, nombre_zona)

    def fecha_larga(self, dia: date) -> str:
        return format_date(dia, "full", locale=self.idioma)

    def iso(self, instante) -> str:
        return zonas.iso(instante, self.evento.zona_horaria)


def rango_de_fechas(inicio: date, fin: date, idioma: str) -> str:
    if inicio == fin:
        return format_date(inicio, "long", locale=idioma)
    return f"{format_date(inicio, 'long', locale=idioma)} – {format_date(fin, 'long', locale=idioma)}"
