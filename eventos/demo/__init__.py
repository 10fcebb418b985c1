"""Eventos de demostración: los tres foros de las semillas y su próxima edición."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from .. import zonas
from ..extensiones import db
from ..modelos import Evento
from ..servicios import programa

CARPETA_DATOS = Path(__file__).resolve().parent / "datos"
SLUGS = ("jornadas-mexico-ue", "gsef2021", "gobiernos-locales-en-accion")


def leer(slug: str) -> dict:
    with (CARPETA_DATOS / f"{slug}.yaml").open(encoding="utf-8") as archivo:
        return yaml.safe_load(archivo)


def fecha_proxima_edicion(original: date, hoy: date) -> date:
    """Mismo día de la semana, en semanas enteras, al menos un mes después de hoy."""
    semanas = max(1, -(-((hoy + timedelta(days=30)) - original).days // 7))
    semanas = -(-semanas // 52) * 52  # años de 52 semanas: fecha parecida cada año
    return original + timedelta(weeks=semanas)


def cargar() -> list[str]:
    """Carga lo que falte (idempotente) y devuelve qué hizo, línea a línea. Deja todo escrito (flush) en la
    transacción de quien llama, que confirma: el comando `flask demo`, o una prueba."""
    informe = []
    for slug in SLUGS:
        original = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
        if original is None:
            original = programa.importar(leer(slug), base=CARPETA_DATOS)
            db.session.flush()
            informe.append(f"creado {slug}")
        else:
            informe.append(f"ya existía {slug}")
        siguiente = db.session.execute(
            select(Evento).where(Evento.edicion_anterior_id == original.id)).scalar_one_or_none()
        if siguiente is None:
            siguiente = _crear_proxima_edicion(original)
            informe.append(f"creado {siguiente.slug} (próxima edición)")
        else:
            informe.append(f"ya existía {siguiente.slug} (próxima edición)")
    db.session.flush()
    return informe


def _crear_proxima_edicion(original: Evento) -> Evento:
    hoy = zonas.hoy_en(original.zona_horaria)  # la inscripción abre a la medianoche local que ya pasó
    nueva_fecha = fecha_proxima_edicion(original.fecha_inicio, hoy)
    slug = f"{original.slug.removesuffix('2021')}-{nueva_fecha.year}".replace("--", "-").strip("-")
    evento = programa.duplicar(original, slug, nueva_fecha, estado="publicado")
    evento.fechas_ilustrativas = True
    evento.nota_fechas = (f"Próxima edición de demostración: mismo programa y mismas horas locales que la edición "
                          f"de {original.fecha_inicio.year}, en fechas futuras elegidas para poder probar la inscripción.")
    zona = evento.zona_horaria
    evento.inscripcion_apertura = zonas.inicio_del_dia(hoy, zona)
    evento.inscripcion_cierre = zonas.a_utc(datetime.combine(nueva_fecha - timedelta(days=1), time(23, 59)), zona)
    evento.cupo = original.cupo or 200
    db.session.flush()
    return evento
