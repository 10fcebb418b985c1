"""Las hojas de cálculo (eventos/exportar.py): en el XLSX cada valor con su tipo y su formato; en el CSV, el
mismo valor como texto; las horas siempre de reloj (sin zona), nunca un instante que la hoja mostraría en UTC."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timezone

import pytest
from openpyxl import load_workbook

from eventos.exportar import autoria, csv_bytes, xlsx_bytes
from eventos.zonas import reloj_local

ENCABEZADOS = ["Texto", "Entero", "Decimal", "Sí o no", "Fecha y hora", "Fecha", "Hora", "Vacía"]
FILA = ["=1+1", 3, 2.5, True, datetime(2027, 11, 2, 9, 30), date(2027, 11, 2), time(18, 5), None]


def test_xlsx_con_celdas_de_su_tipo(app):
    with app.test_request_context():
        contenido = xlsx_bytes(ENCABEZADOS, [FILA, FILA], hoja="Prueba: [1]")
    hoja = load_workbook(io.BytesIO(contenido)).active
    assert hoja.title == "Prueba 1" and hoja.freeze_panes == "A2"
    assert [c.value for c in hoja[1]] == ENCABEZADOS and all(c.font.b for c in hoja[1])
    texto, entero, decimal, si_no, fecha_hora, fecha, hora, vacia = hoja[2]
    assert texto.value == "=1+1" and texto.data_type == "s" and texto.quotePrefix
    assert (entero.value, entero.data_type, decimal.value, decimal.data_type) == (3, "n", 2.5, "n")
    assert si_no.value == "Sí"
    assert fecha_hora.value == datetime(2027, 11, 2, 9, 30) and fecha_hora.number_format == "yyyy-mm-dd hh:mm"
    assert fecha.value == datetime(2027, 11, 2) and fecha.is_date and fecha.number_format == "yyyy-mm-dd"
    assert hora.value == time(18, 5) and hora.number_format == "hh:mm"
    assert vacia.value is None
    assert hoja.column_dimensions["E"].width >= 16  # «2027-11-02 09:30» cabe


def test_csv_con_el_mismo_valor_como_texto(app):
    with app.test_request_context():
        contenido = csv_bytes(ENCABEZADOS, [FILA])
    filas = list(csv.reader(io.StringIO(contenido.decode("utf-8-sig"))))
    assert filas[1] == ["'=1+1", "3", "2.5", "Sí", "2027-11-02 09:30", "2027-11-02", "18:05", ""]


def test_una_hora_con_zona_no_entra_en_la_hoja(app):
    instante = datetime(2027, 11, 2, 15, 30, tzinfo=timezone.utc)
    with app.test_request_context(), pytest.raises(ValueError):
        xlsx_bytes(["Hora"], [[instante]])
    assert reloj_local(instante, "America/Mexico_City") == datetime(2027, 11, 2, 9, 30)
    assert reloj_local(None, "America/Mexico_City") is None


def test_autoria_de_los_documentos(app):
    with app.test_request_context():
        assert autoria(["Una", " ", "Otra"], "Foro") == "Una · Otra"
        assert autoria([], "Foro") == "Foro"
        assert autoria(None, "") == "Foros y seminarios"
