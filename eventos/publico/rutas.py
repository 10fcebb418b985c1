"""Páginas públicas: lista de eventos, evento con su agenda y página de cada sesión."""
from __future__ import annotations

import hashlib

from flask import (Blueprint, abort, current_app, g, make_response, render_template, request,
                   url_for)
from flask_login import current_user
from markupsafe import Markup

from .. import calendario
from ..extensiones import cache, db
from ..modelos import Evento, Material
from ..servicios import materiales as almacen
from .agenda import VistaHoraria, opciones_de_zona, rango_de_fechas

bp = Blueprint("publico", __name__)


def _etag(*partes) -> str:
    """Identifica todo lo que cambia la página: programa, idioma, zonas y ruta (enlaces de idioma)."""
    version_app = current_app.config.get("VERSION_DESPLIEGUE", "1")
    datos = "|".join(str(p) for p in (version_app, request.path, g.idioma, g.zona_visitante, g.zona_detectada,
                                      g.zona_sin_elegir, *partes))
    return hashlib.sha256(datos.encode()).hexdigest()[:32]


def _version(slug: str):
    fila = Evento.version_publicada(slug)
    if fila is None:
        abort(404)
    return fila


def _pagina_condicional(etag: str, generar):
    """Página pública guardada en caché por versión del programa, zona e idioma.

    `generar()` devuelve (contenido, título, descripción). Sin sesión iniciada se guarda la página
    entera ya codificada y se responde 304 a peticiones condicionales; con sesión, la cabecera lleva
    el nombre y un token CSRF propios, así que solo se reutiliza el contenido.
    """
    anonimo = not current_user.is_authenticated
    if anonimo and request.if_none_match.contains(etag):
        respuesta = make_response("", 304)
    else:
        pagina = cache.get(f"pagina:{etag}") if anonimo else None
        if pagina is None:
            contenido = cache.get(f"contenido:{etag}")
            if contenido is None:
                contenido = generar()
                cache.set(f"contenido:{etag}", contenido)
            html, titulo, descripcion = contenido
            pagina = render_template("publico/marco.html", contenido=Markup(html), titulo=titulo,
                                     descripcion=descripcion).encode()
            if anonimo:
                cache.set(f"pagina:{etag}", pagina)
        respuesta = make_response(pagina)
        respuesta.content_type = "text/html; charset=utf-8"
    if anonimo:
        respuesta.set_etag(etag)
        respuesta.headers["Cache-Control"] = "no-cache"
    else:
        respuesta.headers["Cache-Control"] = "private, no-store"
    respuesta.vary.update(("Cookie", "Accept-Language"))
    return respuesta


def _contexto_pagina(evento):
    base_sesiones = url_for("publico.sesion", slug=evento.slug, clave="")
    return {"vista": VistaHoraria(evento, g.zona_visitante, g.idioma), "calendario": calendario,
            "opciones_zona": opciones_de_zona(g.idioma, g.zona_visitante),
            "rango_fechas": rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.idioma),
            "url_sesion": lambda clave: base_sesiones + clave}


@bp.get("/")
def inicio():
    eventos = db.session.execute(
        Evento.consulta_publicados().order_by(Evento.fecha_inicio)
    ).scalars().all()
    pasados = sorted((e for e in eventos if e.termino()), key=lambda e: e.fecha_inicio, reverse=True)
    proximos = [e for e in eventos if not e.termino()]
    return render_template("publico/inicio.html", proximos=proximos, pasados=pasados,
                           rango=lambda e: rango_de_fechas(e.fecha_inicio, e.fecha_fin, g.idioma))


@bp.get("/eventos/<slug>/")
def evento(slug):
    fila = _version(slug)
    etag = _etag("evento", slug, fila.id, fila.version_programa, fila.actualizado_en, fila.estado_inscripcion)

    def generar():
        evento = Evento.con_programa(slug)
        html = render_template("publico/_evento.html", evento=evento, **_contexto_pagina(evento))
        return html, evento.titulo, evento.lema

    return _pagina_condicional(etag, generar)


@bp.get("/eventos/<slug>/sesiones/<clave>")
def sesion(slug, clave):
    fila = _version(slug)
    etag = _etag("sesion", slug, fila.id, fila.version_programa, fila.actualizado_en, clave)

    def generar():
        evento = Evento.con_programa(slug)
        sesion = next((s for s in evento.sesiones if s.clave == clave), None)
        if sesion is None:
            abort(404)
        mesas = [m for m in evento.mesas if sesion in m.sesiones]
        guias = [gu for gu in evento.guias if gu.sesion_id == sesion.id or (gu.sesion_id is None and mesas)]
        html = render_template("publico/_sesion.html", evento=evento, sesion=sesion, mesas=mesas, guias=guias,
                               **_contexto_pagina(evento))
        return html, f"{sesion.titulo} · {evento.titulo}", evento.titulo

    return _pagina_condicional(etag, generar)


@bp.get("/materiales/<int:material_id>/<path:nombre>")
def material(material_id, nombre):
    material = db.session.get(Material, material_id)
    if material is None or not material.evento.publicado or nombre != material.nombre_archivo:
        abort(404)
    return almacen.descarga(material, max_age=3600)
