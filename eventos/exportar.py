"""Hojas de cálculo para descargar (CSV y XLSX), a salvo de la inyección de fórmulas.

Lo usan la exportación de inscripciones de la oficina y el programa imprimible. Toda celda que una hoja
de cálculo podría ejecutar como fórmula se neutraliza con `celda_segura`.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

TIPO_CSV = "text/csv; charset=utf-8"
TIPO_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PELIGROSOS = ("=", "+", "-", "@", "\t", "\r")


def celda_segura(texto) -> str:
    """Texto de una celda que una hoja de cálculo no ejecutará como fórmula (inyección en CSV/Excel).

    Lo que empieza por =, +, -, @, tabulador o retorno de carro lleva delante un apóstrofo, que las hojas
    de cálculo entienden como «esto es texto». En XLSX, además, la celda se escribe como texto.
    """
    texto = "" if texto is None else str(texto)
    return "'" + texto if texto.startswith(PELIGROSOS) else texto


def csv_bytes(encabezados: Sequence, filas: Iterable[Sequence]) -> bytes:
    """CSV en UTF-8 con BOM (así Excel reconoce los acentos y la ñ), cada celda neutralizada."""
    texto = io.StringIO()
    texto.write("\ufeff")
    escritor = csv.writer(texto)
    escritor.writerow([celda_segura(valor) for valor in encabezados])
    for fila in filas:
        escritor.writerow([celda_segura(valor) for valor in fila])
    return texto.getvalue().encode("utf-8")


def xlsx_bytes(encabezados: Sequence, filas: Iterable[Sequence], hoja: str = "Hoja 1", *,
               numeros: bool = False) -> bytes:
    """Libro XLSX de una hoja: encabezados en negrita y fijos, anchos según el contenido.

    Todas las celdas son texto (con `numeros=True`, los int y float van como números); las que empiezan
    como una fórmula se guardan como texto literal con «quotePrefix», así que Excel o LibreOffice no las
    evalúan ni al abrirlas ni al editarlas.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    libro = Workbook()
    hoja_activa = libro.active
    # Excel limita el nombre de la hoja a 31 caracteres y prohíbe algunos signos.
    hoja_activa.title = "".join(c for c in str(hoja) if c not in "[]:*?/\\")[:31] or "Hoja 1"
    anchos: dict[int, int] = {}
    negrita = Font(bold=True)

    def escribir(n_fila, fila, cabecera=False):
        for n_columna, valor in enumerate(fila, start=1):
            celda = hoja_activa.cell(row=n_fila, column=n_columna)
            if numeros and isinstance(valor, (int, float)) and not isinstance(valor, bool):
                celda.value = valor
                anchos[n_columna] = max(anchos.get(n_columna, 0), len(str(valor)))
                continue
            texto = ILLEGAL_CHARACTERS_RE.sub("", "" if valor is None else str(valor))
            celda.value = texto
            if celda_segura(texto) != texto:
                # Texto literal (nunca fórmula), marcado como tal para que Excel no lo reinterprete al editarlo.
                celda.data_type = "s"
                celda.quotePrefix = True
            if cabecera:
                celda.font = negrita
            anchos[n_columna] = max(anchos.get(n_columna, 0), min(len(texto), 60))

    escribir(1, encabezados, cabecera=True)
    for n_fila, fila in enumerate(filas, start=2):
        escribir(n_fila, fila)
    for n_columna, ancho in anchos.items():
        hoja_activa.column_dimensions[get_column_letter(n_columna)].width = max(10, ancho + 2)
    hoja_activa.freeze_panes = "A2"
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()
