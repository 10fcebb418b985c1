"""Todas las reglas de zonas horarias de la aplicación.

- Los instantes se guardan en UTC (`FechaHoraUTC` convierte en la frontera con la base de datos).
- Cada evento tiene su zona IANA; las horas que escriben los organizadores son horas locales de esa
  zona y se convierten con pytz `localize()` (nunca `tzinfo=`), rechazando horas inexistentes o
  ambiguas.
- Al mostrar, la zona del evento siempre aparece y se rotula; las zonas adicionales del evento y la
  del visitante se añaden al lado, nunca en su lugar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import pytz
from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, get_timezone_location, parse_pattern
from flask_babel import lazy_gettext as _l
from sqlalchemy.types import DateTime, TypeDecorator

UTC = pytz.utc
FORMATO_HORA_LOCAL = "%Y-%m-%d %H:%M"


class ErrorDeZona(ValueError):
    """Error de entrada con un mensaje legible para quien la escribió."""

    def __init__(self, mensaje):
        super().__init__(str(mensaje))
        self.mensaje = mensaje


class ZonaDesconocida(ErrorDeZona):
    pass


class HoraInexistente(ErrorDeZona):
    pass


class HoraAmbigua(ErrorDeZona):
    pass


class FormatoDeHoraInvalido(ErrorDeZona):
    pass


@lru_cache(maxsize=1024)
def zona(nombre: str) -> pytz.BaseTzInfo:
    try:
        return pytz.timezone(nombre)
    except (pytz.UnknownTimeZoneError, AttributeError, ValueError):
        raise ZonaDesconocida(_l("«%(zona)s» no es una zona horaria conocida (use un nombre IANA, p. ej. America/Mexico_City).", zona=nombre)) from None


def es_zona_valida(nombre) -> bool:
    return isinstance(nombre, str) and nombre in pytz.all_timezones_set


def a_utc(hora_local: datetime, nombre_zona: str) -> datetime:
    """Convierte una hora de reloj (sin zona) de `nombre_zona` al instante UTC correspondiente."""
    if hora_local.tzinfo is not None:
        raise ValueError("a_utc() espera una hora local sin zona")
    tz = zona(nombre_zona)
    try:
        return tz.localize(hora_local, is_dst=None).astimezone(UTC)
    except pytz.NonExistentTimeError:
        raise HoraInexistente(_l(
            "La hora %(hora)s no existe en %(zona)s: ese día el reloj se adelanta por el cambio de horario.",
            hora=hora_local.strftime(FORMATO_HORA_LOCAL), zona=nombre_zona)) from None
    except pytz.AmbiguousTimeError:
        raise HoraAmbigua(_l(
            "La hora %(hora)s ocurre dos veces en %(zona)s (el reloj se atrasa por el cambio de horario); elija otra hora.",
            hora=hora_local.strftime(FORMATO_HORA_LOCAL), zona=nombre_zona)) from None


def leer_reloj(texto: str) -> datetime:
    """'2021-06-11 11:00' → la hora de reloj, sin zona."""
    try:
        return datetime.strptime(str(texto).strip(), FORMATO_HORA_LOCAL)
    except ValueError:
        raise FormatoDeHoraInvalido(_l("«%(texto)s» no es una fecha y hora válida (formato AAAA-MM-DD HH:MM).", texto=texto)) from None


def a_local(instante: datetime, nombre_zona: str) -> datetime:
    return instante.astimezone(zona(nombre_zona))


def reloj_local(instante: datetime | None, nombre_zona: str) -> datetime | None:
    """La hora de reloj (sin zona) de un instante en `nombre_zona`: lo que guarda una celda de una hoja de
    cálculo, que no sabe de zonas (la zona se dice en el encabezado de la columna)."""
    return None if instante is None else a_local(instante, nombre_zona).replace(tzinfo=None, microsecond=0)


def hora_local_texto(instante: datetime, nombre_zona: str) -> str:
    return a_local(instante, nombre_zona).strftime(FORMATO_HORA_LOCAL)


@lru_cache(maxsize=1024)
def inicio_del_dia(dia: date, nombre_zona: str) -> datetime:
    """Primer instante del día local (la medianoche puede no existir en algunas zonas). Memorizado: la puerta
    calcula la ventana de acreditación en cada lectura."""
    tz = zona(nombre_zona)
    return tz.normalize(tz.localize(datetime.combine(dia, time()), is_dst=False)).astimezone(UTC)


def desfase_texto(instante: datetime, nombre_zona: str) -> str:
    """'UTC−05:00' con el signo menos tipográfico."""
    desfase = a_local(instante, nombre_zona).utcoffset()
    minutos = int(desfase.total_seconds() // 60)
    signo = "+" if minutos >= 0 else "−"
    horas, mins = divmod(abs(minutos), 60)
    return f"UTC{signo}{horas:02d}:{mins:02d}"


@dataclass(frozen=True)
class _SoloElNombre:
    """Babel solo usa el nombre de la zona (`.zone`, como en pytz) para buscar cómo se llama en cada idioma.
    Con el nombre como texto, cargaría antes las reglas de la zona: para las ~430 del selector, 3 MB en
    cada proceso que no se usan."""
    zone: str


@lru_cache(maxsize=2048)
def nombre_lugar(nombre_zona: str, idioma: str) -> str:
    """Nombre legible de la zona en el idioma de la página: 'Ciudad de México', 'Montevideo'."""
    if nombre_zona == "UTC":
        return "UTC"
    try:
        return get_timezone_location(_SoloElNombre(nombre_zona), locale=idioma, return_city=True)
    except (LookupError, ValueError):
        return nombre_zona.rsplit("/", 1)[-1].replace("_", " ")


def _region(nombre_zona: str) -> str:
    return nombre_zona.split("/", 1)[0] if "/" in nombre_zona else ""


def etiqueta_zona(nombre_zona: str, idioma: str) -> str:
    """'Ciudad de México — America/Mexico_City': el nombre legible y el identificador IANA."""
    return f"{nombre_lugar(nombre_zona, idioma)} — {nombre_zona}"


@lru_cache(maxsize=8)
def zonas_para_selector(idioma: str) -> tuple[tuple[str, str], ...]:
    """(id, etiqueta) de las zonas comunes, ordenadas por región y ciudad."""
    opciones = sorted((_region(nombre), nombre_lugar(nombre, idioma), nombre) for nombre in pytz.common_timezones)
    return tuple((nombre, etiqueta_zona(nombre, idioma)) for _, _, nombre in opciones)


# Las regiones de los identificadores IANA, con un nombre para agrupar las zonas en los selectores.
REGIONES = {"": _l("Tiempo universal"), "Africa": _l("África"), "America": _l("América"), "Antarctica": _l("Antártida"),
            "Arctic": _l("Ártico"), "Asia": _l("Asia"), "Atlantic": _l("Océano Atlántico"), "Australia": _l("Australia"),
            "Canada": _l("Canadá"), "Europe": _l("Europa"), "Indian": _l("Océano Índico"),
            "Pacific": _l("Océano Pacífico"), "US": _l("Estados Unidos")}


def zonas_por_region(idioma: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Las zonas del selector agrupadas por región: [(nombre de la región, [(id, etiqueta), …]), …]."""
    grupos: dict[str, list[tuple[str, str]]] = {}
    for nombre, etiqueta in zonas_para_selector(idioma):
        grupos.setdefault(_region(nombre), []).append((nombre, etiqueta))
    return [(str(REGIONES.get(region, region)), opciones) for region, opciones in grupos.items()]


@dataclass(frozen=True)
class ZonaVista:
    """Una columna de horas en una página: la zona del evento, una adicional o la del visitante."""
    nombre: str
    lugar: str
    es_del_evento: bool
    es_del_visitante: bool


def zonas_de_vista(zona_evento: str, adicionales, zona_visitante: str | None, idioma: str) -> list[ZonaVista]:
    """La zona del evento primero y siempre; luego las adicionales; la del visitante si es otra."""
    nombres = [zona_evento] + [z for z in (adicionales or []) if z != zona_evento]
    vistas = [ZonaVista(n, nombre_lugar(n, idioma), n == zona_evento, n == zona_visitante) for n in nombres]
    if zona_visitante and zona_visitante not in nombres:
        vistas.append(ZonaVista(zona_visitante, nombre_lugar(zona_visitante, idioma), False, True))
    return vistas


@dataclass(frozen=True)
class Tramo:
    """Inicio y fin de una sesión en una zona: los instantes en esa zona y sus horas ya escritas para la página."""
    zona: ZonaVista
    inicio: str
    fin: str
    dia_distinto: str | None  # fecha local si no coincide con el día del evento
    inicio_local: datetime
    fin_local: datetime


def tramos(inicio: datetime, fin: datetime, vistas: list[ZonaVista], dia_evento: date, idioma: str) -> list[Tramo]:
    """Horas de reloj (24 h, igual en los tres idiomas) de una sesión en cada zona de la vista."""
    resultado = []
    for vista in vistas:
        tz = zona(vista.nombre)
        ini, fi = inicio.astimezone(tz), fin.astimezone(tz)
        otro_dia = None if ini.date() == dia_evento else fecha_corta(ini.date(), idioma)
        resultado.append(Tramo(vista, _reloj(ini), _reloj(fi), otro_dia, ini, fi))
    return resultado


def _reloj(hora: datetime) -> str:
    """'09:05' (lo mismo que strftime('%H:%M'), que con las zonas de pytz cuesta varias veces más)."""
    return f"{hora.hour:02d}:{hora.minute:02d}"


@lru_cache(maxsize=4096)
def fecha_corta(dia: date, idioma: str) -> str:
    """'vie 11 jun': Babel interpreta el idioma en cada llamada, y un foro repite pocas fechas."""
    return format_date(dia, "EEE d MMM", locale=idioma)


_MES_ABREVIADO = re.compile(r"(?<![ML])(MMM|LLL)(?![ML])")


@lru_cache(maxsize=1024)
def rango_de_fechas(inicio: date, fin: date, idioma: str) -> str:
    """Unas fechas como se escriben en cada idioma, con el mes entero: «2–3 de noviembre de 2027»,
    «30 de octubre – 2 de noviembre de 2027», 'November 2 – 3, 2027', «2 – 3 de novembro de 2027» (los
    espacios finos alrededor de la raya son los de CLDR); un solo día, «2 de noviembre de 2027».

    Es el formato de intervalos de CLDR (`format_interval`). Para inglés y portugués, CLDR solo trae el
    intervalo con el mes abreviado; Babel no ensancha el campo como pide TR35 (§ intervalFormats), así que
    aquí se toma ese patrón con el mes entero."""
    esqueleto, locale = "yMMMMd", Locale.parse(idioma)
    formatos = locale.interval_formats
    if inicio == fin:
        return format_skeleton(esqueleto, inicio, locale=locale)
    if esqueleto in formatos:
        return format_interval(inicio, fin, esqueleto, locale=locale)
    partes = formatos["yMMMd"]
    campo = "y" if inicio.year != fin.year else "M" if inicio.month != fin.month else "d"
    if campo not in partes:
        return format_interval(inicio, fin, "yMMMd", locale=locale)
    return "".join(parse_pattern(_MES_ABREVIADO.sub(r"\1M", patron)).apply(dia, locale)
                   for patron, dia in zip(partes[campo], (inicio, fin)))


def iso(instante: datetime | None, nombre_zona: str) -> str | None:
    """ISO 8601 con el desfase de la zona del evento: '2021-06-11T11:00:00-05:00'."""
    return a_local(instante, nombre_zona).isoformat() if instante else None


class FechaHoraUTC(TypeDecorator):
    """Columna de instante: acepta solo datetimes con zona, guarda UTC sin zona, devuelve UTC con zona."""
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, valor, dialect):
        if valor is None:
            return None
        if valor.tzinfo is None:
            raise ValueError("FechaHoraUTC necesita un datetime con zona horaria")
        return valor.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, valor, dialect):
        return None if valor is None else valor.replace(tzinfo=UTC)


def ahora() -> datetime:
    """El único reloj de la aplicación (las pruebas lo mueven con time-machine)."""
    return datetime.now(UTC)


def hoy_en(nombre_zona: str) -> date:
    """La fecha de hoy en esa zona: nunca la del instante UTC ni la de la zona del proceso."""
    return a_local(ahora(), nombre_zona).date()


def leer_iso(texto) -> datetime | None:
    """Un instante ISO 8601 con desfase ('2026-11-21T10:00:00-06:00' o '…Z'), en UTC; None si no lo es."""
    if not isinstance(texto, str) or len(texto) > 40:
        return None
    try:
        instante = datetime.fromisoformat(texto)
        return instante.astimezone(UTC) if instante.tzinfo is not None else None
    except (ValueError, OverflowError):  # '0001-01-01T00:00:00+01:00' no cabe en UTC
        return None
