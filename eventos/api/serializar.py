"""Objetos JSON de la API v1. Horas en ISO 8601 con el desfase de la zona del evento."""
from __future__ import annotations

from functools import lru_cache

from flask import url_for

from ..zonas import iso


def evento_resumen(evento, disponibilidad) -> dict:
    zona = evento.zona_horaria
    return {
        "slug": evento.slug,
        "titulo": evento.titulo,
        "lema": evento.lema,
        "estado": evento.estado,
        "modalidad": evento.modalidad,
        "sede": evento.sede,
        "organizadores": list(evento.organizadores or []),
        "zona_horaria": zona,
        "zonas_adicionales": list(evento.zonas_adicionales or []),
        "fecha_inicio": evento.fecha_inicio.isoformat(),
        "fecha_fin": evento.fecha_fin.isoformat(),
        "fechas_ilustrativas": evento.fechas_ilustrativas,
        "inicio": iso(evento.inicio, zona),
        "fin": iso(evento.fin, zona),
        "url": url_for("publico.evento", slug=evento.slug, _external=True),
        "api": url_for("api.evento", slug=evento.slug, _external=True),
        "inscripcion": inscripcion(evento, disponibilidad),
    }


def inscripcion(evento, disponibilidad) -> dict:
    zona = evento.zona_horaria
    return {
        "abierta": evento.inscripcion_abierta,
        "apertura": iso(evento.inscripcion_apertura, zona),
        "cierre": iso(evento.inscripcion_cierre, zona),
        "cupo": evento.cupo,
        "confirmadas": disponibilidad.confirmadas,
        "en_espera": disponibilidad.en_espera,
        "requiere_aprobacion": evento.requiere_aprobacion,
        "url": url_for("inscripciones.formulario", slug=evento.slug, _external=True) if evento.inscripcion_cierre else None,
    }


def evento_completo(evento, disponibilidad) -> dict:
    datos = evento_resumen(evento, disponibilidad)
    datos.update({
        "resumen": evento.resumen,
        "nota_conceptual": evento.nota_conceptual,
        "objetivos": evento.objetivos,
        "resultados_esperados": evento.resultados_esperados,
        "formato_y_metodologia": evento.formato_y_metodologia,
        "nota_fechas": evento.nota_fechas,
        "version_programa": evento.version_programa,
        "sesiones": _sesiones(evento),
        "mesas": [mesa(m) for m in evento.mesas],
        "guias": [guia(g) for g in evento.guias],
        "materiales": [material(m) for m in evento.materiales],
    })
    return datos


def _sesiones(evento) -> list[dict]:
    """Las sesiones del programa. Muchas comparten horario (salas en paralelo): cada instante se escribe
    una vez. La dirección de cada sesión es la base más su clave, que ya es segura en una URL (solo
    minúsculas, cifras y guiones)."""
    hora = lru_cache(maxsize=None)(lambda instante: iso(instante, evento.zona_horaria))
    base = url_for("publico.sesion", slug=evento.slug, clave="", _external=True)
    return [{
        "id": s.id,
        "clave": s.clave,
        "titulo": s.titulo,
        "tipo": s.tipo,
        "inicio": hora(s.inicio),
        "fin": hora(s.fin),
        "horario_ilustrativo": s.horario_ilustrativo,
        "sesion_padre_id": s.padre_id,
        "sala": s.sala,
        "objetivo": s.objetivo,
        "descripcion": s.descripcion,
        "participantes": [p._asdict() for p in s.participantes],
        "materiales": [material(m) for m in s.materiales],
        "url": base + s.clave,
    } for s in evento.sesiones]


def mesa(m) -> dict:
    return {"id": m.id, "clave": m.clave, "nombre": m.nombre, "descripcion": m.descripcion, "cupo": m.cupo,
            "sala": m.sala, "sesiones": [s.id for s in m.sesiones]}


def guia(g) -> dict:
    return {
        "id": g.id,
        "sesion_id": g.sesion_id,
        "titulo": g.titulo,
        "pregunta_rectora": g.pregunta_rectora or None,
        "bloques": [{"id": b.id, "titulo": b.titulo,
                     "preguntas": [{"id": p.id, "numero": p.numero, "texto": p.texto} for p in b.preguntas]}
                    for b in g.bloques],
    }


def material(m) -> dict:
    url = url_for("publico.material", material_id=m.id, nombre=m.nombre_archivo, _external=True) if m.archivo else m.url
    return {"titulo": m.titulo, "tipo": m.tipo, "descripcion": m.descripcion, "url": url,
            "tipo_mime": m.tipo_mime or None, "tamano": m.tamano or None}
