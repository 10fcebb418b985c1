"""Hojas de cálculo para descargar (CSV y XLSX), a salvo de la inyección de fórmulas, y los metadatos
comunes de los documentos (autoría).

Lo usan las exportaciones de la oficina (inscripciones, asistencia, síntesis de las mesas, encuesta) y
el programa en tabla. Las filas llevan valores con su tipo: texto, números (int/float), booleanos,
fechas (`date`), horas (`time`) y fechas con hora (`datetime` SIN zona: la hora de reloj en la zona del
evento, que da `zonas.reloj_local`; la zona va en el encabezado de la columna, p. ej. «Registrada (hora
de Ciudad de México)»).

- XLSX: cada valor en una celda de su tipo (las fechas y horas con su formato, así se ordenan y se
  suman); los booleanos como «Sí»/«No», igual que en el CSV y que las respuestas «Sí / no».
- CSV: todo como texto, con las fechas y horas escritas «AAAA-MM-DD HH:MM».
Toda celda de texto que una hoja de cálculo podría ejecutar como fórmula se neutraliza (`celda_segura`).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

TIPO_CSV = "text/csv; charset=utf-8"
TIPO_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PELIGROSOS = ("=", "+", "-", "@", "\t", "\r")

# Formatos de número de Excel/LibreOffice para las celdas de fecha y hora (los mismos en todos los idiomas:
# AAAA-MM-DD no se confunde entre el orden día/mes y el mes/día).
FORMATO_FECHA_HORA = "yyyy-mm-dd hh:mm"
FORMATO_FECHA = "yyyy-mm-dd"
FORMATO_HORA = "hh:mm"


def celda_segura(texto) -> str:
    """Texto de una celda que una hoja de cálculo no ejecutará como fórmula (inyección en CSV/Excel).

    Lo que empieza por =, +, -, @, tabulador o retorno de carro lleva delante un apóstrofo, que las hojas
    de cálculo entienden como «esto es texto». En XLSX, además, la celda se escribe como texto.
    """
    texto = "" if texto is None else str(texto)
    return "'" + texto if texto.startswith(PELIGROSOS) else texto


def _si_no(valor: bool) -> str:
    from flask_babel import gettext as _
    return _("Sí") if valor else _("No")


def _sin_zona(valor):
    """Las fechas con hora de una hoja son horas de reloj: una con zona es un error de quien llama (la
    hoja no guarda zonas y la mostraría en UTC sin decirlo)."""
    if isinstance(valor, (datetime, time)) and valor.tzinfo is not None:
        raise ValueError("Las horas de una hoja de cálculo van sin zona: conviértalas con zonas.reloj_local()")
    return valor


def texto_celda(valor) -> str:
    """Un valor de una fila como texto (CSV): fechas y horas «AAAA-MM-DD HH:MM», booleanos «Sí»/«No»."""
    if valor is None:
        return ""
    if isinstance(valor, bool):
        return _si_no(valor)
    if isinstance(valor, datetime):
        return _sin_zona(valor).strftime("%Y-%m-%d %H:%M")
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, time):
        return _sin_zona(valor).strftime("%H:%M")
    return str(valor)


def csv_bytes(encabezados: Sequence, filas: Iterable[Sequence]) -> bytes:
    """CSV en UTF-8 con BOM (así Excel reconoce los acentos y la ñ), cada celda como texto y neutralizada."""
    texto = io.StringIO()
    texto.write("\ufeff")
    escritor = csv.writer(texto)
    escritor.writerow([celda_segura(texto_celda(valor)) for valor in encabezados])
    for fila in filas:
        escritor.writerow([celda_segura(texto_celda(valor)) for valor in fila])
    return texto.getvalue().encode("utf-8")


def _ancho(valor) -> int:
    """Caracteres que ocupa el valor en su columna (hasta 60); de paso rechaza las horas con zona."""
    if isinstance(valor, (datetime, time)):
        return 16 if isinstance(_sin_zona(valor), datetime) else 5
    if isinstance(valor, date):
        return 10
    return min(len(texto_celda(valor)), 60)


def xlsx_bytes(encabezados: Sequence, filas: Iterable[Sequence], hoja: str = "Hoja 1") -> bytes:
    """Libro XLSX de una hoja: encabezados en negrita y fijos, anchos según el contenido, celdas con tipo.

    Números, fechas y horas van como tales (con su formato); el resto, como texto. Los textos que empiezan
    como una fórmula se guardan como texto literal con «quotePrefix», así que Excel o LibreOffice no los
    evalúan ni al abrirlos ni al editarlos. El libro se escribe fila a fila (modo «write_only» de
    openpyxl): no guarda en memoria un objeto por celda.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    filas = filas if isinstance(filas, (list, tuple)) else list(filas)
    # En modo write_only los anchos de columna van antes de la primera fila: se miden primero (y así un
    # valor que no cabe en una hoja se rechaza antes de empezar a escribirla).
    anchos: dict[int, int] = {}
    for fila in (encabezados, *filas):
        for n_columna, valor in enumerate(fila, start=1):
            anchos[n_columna] = max(anchos.get(n_columna, 0), _ancho(valor))
    libro = Workbook(write_only=True)
    # Excel limita el nombre de la hoja a 31 caracteres y prohíbe algunos signos.
    hoja_activa = libro.create_sheet("".join(c for c in str(hoja) if c not in "[]:*?/\\")[:31] or "Hoja 1")
    negrita = Font(bold=True)
    for n_columna, ancho in anchos.items():
        hoja_activa.column_dimensions[get_column_letter(n_columna)].width = max(10, ancho + 2)
    hoja_activa.freeze_panes = "A2"

    def celda(valor, cabecera=False):
        if isinstance(valor, bool):
            valor = _si_no(valor)
        if isinstance(valor, (int, float, datetime, date, time)):
            c = WriteOnlyCell(hoja_activa, value=_sin_zona(valor))
            if isinstance(valor, datetime):
                c.number_format = FORMATO_FECHA_HORA
            elif isinstance(valor, date):
                c.number_format = FORMATO_FECHA
            elif isinstance(valor, time):
                c.number_format = FORMATO_HORA
            return c
        texto = ILLEGAL_CHARACTERS_RE.sub("", "" if valor is None else str(valor))
        c = WriteOnlyCell(hoja_activa, value=texto)
        if celda_segura(texto) != texto:
            # Texto literal (nunca fórmula), marcado como tal para que Excel no lo reinterprete al editarlo.
            c.data_type = "s"
            c.quotePrefix = True
        if cabecera:
            c.font = negrita
        return c

    hoja_activa.append([celda(valor, cabecera=True) for valor in encabezados])
    for fila in filas:
        hoja_activa.append([None if valor is None or valor == "" else celda(valor) for valor in fila])
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


# --- Metadatos de los documentos (DOCX y PDF) ------------------------------------------------------------

def autoria(organizadores, titulo: str = "") -> str:
    """Quién firma un documento del evento (su «autor» en los metadatos): los organizadores, separados por
    « · »; si el evento no los tiene, su título; si tampoco, el nombre de la aplicación."""
    from flask_babel import gettext as _
    nombres = [str(n).strip() for n in (organizadores or ()) if str(n).strip()]
    return " · ".join(nombres) or (titulo or "").strip() or _("Foros y seminarios")
