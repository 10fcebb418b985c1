"""Páginas públicas: lista de eventos, evento con su agenda y página de cada sesión."""
from __future__ import annotations

from flask import Blueprint, abort, g, make_response, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from .. import instantanea, zonas
from ..cache import respuesta_condicional
from ..extensiones import db
from ..modelos import Evento, Material, Sesion
from ..servicios import materiales as almacen
from .agenda import VistaHoraria, contexto_del_programa, pagina_evento

bp = Blueprint("publico", __name__)


# El contenido (cientos de KB en un foro grande) no pasa por la plantilla del marco: se dibuja el marco con este
# comentario, que solo la plantilla puede escribir (lo que escribe la gente sale escapado), y el contenido se pone en
# su lugar ya en UTF-8.
_CONTENIDO = Markup("<!--contenido-->")


def _pagina(partes: tuple, generar):
    """Página pública del programa. `generar()` da (contenido en UTF-8, título, descripción).

    Sin sesión iniciada, la página entera se guarda por su ETag, que lleva todo lo que la cambia: el
    programa (`partes`), la ruta, el idioma y la zona. Con sesión, la cabecera lleva el nombre y un
    token CSRF propios: se dibuja para cada petición (desde la instantánea, sin tocar la caché)."""
    def pagina() -> bytes:
        contenido, titulo, descripcion = generar()
        marco = render_template("publico/marco.html", contenido=_CONTENIDO, titulo=titulo, descripcion=descripcion)
        antes, despues = marco.split(_CONTENIDO)
        return b"".join((antes.encode(), contenido, despues.encode()))

    if current_user.is_authenticated:
        respuesta = make_response(pagina())
        respuesta.headers["Cache-Control"] = "private, no-store"
    else:
        respuesta = respuesta_condicional(("pagina", request.path, g.idioma, g.zona_visitante, g.zona_detectada,
                                           g.zona_sin_elegir, *partes), pagina)
    respuesta.vary.update(("Cookie", "Accept-Language"))
    return respuesta


@bp.get("/")
def inicio():
    eventos = db.session.execute(
        Evento.consulta_publicados().order_by(Evento.fecha_inicio)
    ).scalars().all()
    pasados = sorted((e for e in eventos if e.termino()), key=lambda e: e.fecha_inicio, reverse=True)
    proximos = [e for e in eventos if not e.termino()]
    return render_template("publico/inicio.html", proximos=proximos, pasados=pasados)


@bp.get("/eventos/<slug>/")
def evento(slug):
    fila = Evento.version_publicada(slug) or abort(404)

    def generar():
        evento = instantanea.de_version(fila.programa)
        return pagina_evento(evento, g.idioma, g.zona_visitante), evento.titulo, evento.lema

    return _pagina(("evento", *fila.programa, fila.estado_inscripcion), generar)


@bp.get("/eventos/<slug>/sesiones/<clave>")
def sesion(slug, clave):
    fila = Evento.version_publicada(slug) or abort(404)
    grabacion_visible = _grabacion_visible(fila.id, clave)

    def generar():
        evento = instantanea.de_version(fila.programa)
        sesion = next((s for s in evento.sesiones if s.clave == clave), None)
        if sesion is None:
            abort(404)
        mesas = sesion.mesas
        guias = [gu for gu in evento.guias if gu.sesion_id == sesion.id or (gu.sesion_id is None and mesas)]
        html = render_template("publico/_sesion.html", evento=evento, sesion=sesion, mesas=mesas, guias=guias,
                               grabacion_visible=grabacion_visible,
                               **contexto_del_programa(evento, VistaHoraria(evento, g.zona_visitante, g.idioma)))
        return html.encode(), f"{sesion.titulo} · {evento.titulo}", evento.titulo

    return _pagina(("sesion", *fila.programa, clave, grabacion_visible), generar)


def _grabacion_visible(evento_id: int, clave: str) -> bool:
    """Si la página de la sesión enlaza ya su grabación: la tiene y la sesión terminó.

    Va en la clave de la página (como el estado de la inscripción en la del evento): al terminar la sesión
    la página cambia sin que cambie el programa, y la caché no sirve la de antes. Es una consulta pequeña
    (por la clave única de la sesión), sin cargar el programa."""
    fin = db.session.execute(select(Sesion.fin).where(
        Sesion.evento_id == evento_id, Sesion.clave == clave, Sesion.grabacion != "")).scalar_one_or_none()
    return fin is not None and fin <= zonas.ahora()


@bp.get("/materiales/<int:material_id>/<path:nombre>")
def material(material_id, nombre):
    material = db.session.get(Material, material_id)
    if material is None or not material.evento.publicado or nombre != material.nombre_archivo:
        abort(404)
    return almacen.descarga(material, max_age=3600)
