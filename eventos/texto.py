"""Texto con formato sencillo (Markdown sin HTML) convertido a HTML seguro para las plantillas, y texto
plegado para buscar sin acentos ni mayúsculas."""
import unicodedata

from markdown_it import MarkdownIt
from markupsafe import Markup

# "commonmark" con html=False: cualquier etiqueta escrita por un usuario se muestra como texto.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown_seguro(texto: str | None) -> Markup:
    return Markup(_md.render(texto or ""))


def plegar(texto: str | None) -> str:
    """El texto sin acentos ni mayúsculas, para comparar al buscar: «Pérez NÚÑEZ» → «perez nunez».

    Se guarda plegado y se busca plegado: así SQLite y PostgreSQL comparan igual, sin extensiones.
    La segunda descomposición separa los acentos que aparecen al pasar a minúsculas («İ» → «i̇»).
    """
    descompuesto = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", texto or "").casefold())
    return "".join(c for c in descompuesto if not unicodedata.combining(c))



def tamano_archivo(octetos: int) -> str:
    from flask_babel import format_decimal
    if octetos < 1024:
        return f"{octetos} B"
    if octetos < 1024 * 1024:
        return f"{format_decimal(round(octetos / 1024, 1))} KB"
    return f"{format_decimal(round(octetos / 1024 / 1024, 1))} MB"


def etiqueta_estado(valor: str) -> str:
    from .modelos import ESTADOS
    return str(ESTADOS.get(valor, valor))


def fecha_larga(dia) -> str:
    """'viernes, 11 de junio de 2021' en el idioma de la página."""
    from flask_babel import format_date
    return format_date(dia, "full")


def etiqueta_modalidad(valor: str) -> str:
    from .modelos import MODALIDADES
    return str(MODALIDADES.get(valor, valor))


def hora_evento(instante, evento, formato: str = "%Y-%m-%d %H:%M") -> str:
    """Un instante como hora de reloj de la zona del evento (oficina, auditoría)."""
    from .zonas import a_local
    return a_local(instante, evento.zona_horaria).strftime(formato) if instante else ""


def fecha_hora_en(instante, zona: str) -> str:
    """'lunes, 7 de junio de 2027, 23:59' en esa zona y en el idioma de la página."""
    from flask_babel import format_date
    from .zonas import a_local
    local = a_local(instante, zona)
    return f"{format_date(local.date(), 'full')}, {local:%H:%M}"


def fechas_del_evento(evento) -> str:
    """«2–3 de noviembre de 2027»: los días del evento en el idioma de la página."""
    from flask import g
    from .zonas import rango_de_fechas
    return rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.get("idioma", "es"))


def lugar_zona(zona: str) -> str:
    from flask import g
    from .zonas import nombre_lugar
    return nombre_lugar(zona, g.get("idioma", "es"))


def etiqueta_sesion(sesion) -> str:
    """'vie, 11 jun 2021 11:15 · Panel 1…' para elegir una sesión en un formulario (hora local del evento)."""
    from flask_babel import format_date
    from .zonas import a_local
    local = a_local(sesion.inicio, sesion.evento.zona_horaria)
    return f"{format_date(local.date(), 'EEE d MMM y')} {local:%H:%M} · {'↳ ' if sesion.padre_id else ''}{sesion.titulo}"


def registrar_filtros(app):
    app.add_template_filter(markdown_seguro, "markdown")
    app.add_template_filter(tamano_archivo, "tamano_archivo")
    app.add_template_filter(etiqueta_modalidad, "modalidad")
    app.add_template_filter(hora_evento, "hora_evento")
    app.add_template_filter(etiqueta_estado, "estado")
    app.add_template_filter(fecha_larga, "fecha_larga")
    app.add_template_filter(fecha_hora_en, "fecha_hora_en")
    app.add_template_filter(lugar_zona, "lugar_zona")
    app.add_template_filter(fechas_del_evento, "fechas_del_evento")
    from .permisos import puede_gestionar
    app.jinja_env.globals["puede_gestionar"] = puede_gestionar
