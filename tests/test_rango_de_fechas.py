"""Las fechas de un evento como se escriben en cada idioma (formato de intervalos de CLDR)."""
from __future__ import annotations

from datetime import date

import pytest

from eventos.zonas import rango_de_fechas

FINO = "\u2009"  # CLDR separa con espacios finos la raya de un intervalo entre dos meses o años

CASOS = {
    # mismo mes, meses distintos, años distintos, un solo día
    "es": ["2–3 de noviembre de 2027", f"30 de octubre{FINO}–{FINO}2 de noviembre de 2027",
           f"30 de diciembre de 2027{FINO}–{FINO}2 de enero de 2028", "2 de noviembre de 2027"],
    "en": [f"November 2{FINO}–{FINO}3, 2027", f"October 30{FINO}–{FINO}November 2, 2027",
           f"December 30, 2027{FINO}–{FINO}January 2, 2028", "November 2, 2027"],
    "pt": [f"2{FINO}–{FINO}3 de novembro de 2027", f"30 de outubro{FINO}–{FINO}2 de novembro de 2027",
           f"30 de dezembro de 2027{FINO}–{FINO}2 de janeiro de 2028", "2 de novembro de 2027"],
}
RANGOS = [(date(2027, 11, 2), date(2027, 11, 3)), (date(2027, 10, 30), date(2027, 11, 2)),
          (date(2027, 12, 30), date(2028, 1, 2)), (date(2027, 11, 2), date(2027, 11, 2))]


@pytest.mark.parametrize("idioma", CASOS)
@pytest.mark.parametrize("caso", range(4), ids=["mismo-mes", "dos-meses", "dos-anos", "un-dia"])
def test_rango_de_fechas_como_se_escribe(idioma, caso):
    assert rango_de_fechas(*RANGOS[caso], idioma) == CASOS[idioma][caso]


@pytest.mark.parametrize("ruta", ["/", "/eventos/jornadas-mexico-ue/", "/eventos/jornadas-mexico-ue/programa/imprimir"])
def test_las_paginas_muestran_el_rango_de_fechas(cliente, ruta):
    html = cliente.get(ruta + "?lang=es").get_data(as_text=True)
    assert "9–10 de noviembre de 2021" in html
    assert "9 de noviembre de 2021 – 10 de noviembre de 2021" not in html
    en = cliente.get(ruta + "?lang=en").get_data(as_text=True)
    assert f"November 9{FINO}–{FINO}10, 2021" in en
