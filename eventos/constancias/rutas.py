"""Página pública para comprobar una constancia por su código (/verificar/)."""
from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from .. import zonas
from ..extensiones import limiter
from ..zonas import rango_de_fechas
from . import servicios

bp = Blueprint("constancias", __name__)


def _limite():
    """Pocas consultas por minuto y dirección: adivinar códigos de 60 bits así es inútil."""
    return current_app.config.get("LIMITE_VERIFICACION", "30 per minute")


_limitar = limiter.shared_limit(_limite, scope="verificar-constancia")


@bp.app_template_global()
def motivo_sin_constancia(inscripcion):
    """Para la página personal: por qué no puede descargar su constancia (None si puede)."""
    return servicios.motivo_no_disponible(inscripcion)


@bp.app_template_filter("codigo_constancia")
def codigo_constancia(codigo: str) -> str:
    return servicios.con_guiones(codigo)


def _pagina(codigo_http=200, **contexto):
    respuesta = make_response(render_template("constancias/verificar.html", **contexto), codigo_http)
    respuesta.headers["Cache-Control"] = "no-store"
    return respuesta


@bp.get("/verificar/")
@_limitar
def formulario():
    escrito = request.args.get("codigo")
    if escrito is None:
        return _pagina()
    codigo = servicios.normalizar(escrito)
    if codigo is None:
        return _pagina(400, escrito=escrito[:40], error=_(
            "Un código de constancia tiene 12 letras y números, como K7QM-2XPA-9TRD. Revise lo que escribió."))
    return redirect(url_for("constancias.verificar", codigo=servicios.con_guiones(codigo)), 303)


@bp.get("/verificar/<codigo>")
@_limitar
def verificar(codigo):
    constancia = servicios.buscar(codigo)
    if constancia is None:
        return _pagina(404, escrito=codigo[:40], no_encontrada=True)
    inscripcion = constancia.inscripcion
    evento = inscripcion.evento
    idioma = g.idioma
    if constancia.retirada_en is not None:  # la persona borró sus datos: no hay a quién atribuírsela
        return _pagina(410, escrito=codigo[:40], retirada=True, evento=evento)
    return _pagina(
        constancia=constancia, codigo=servicios.con_guiones(constancia.codigo), nombre=inscripcion.nombre_completo,
        evento=evento, fechas=rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, idioma),
        emitida=format_date(zonas.a_local(constancia.emitida_en, evento.zona_horaria).date(), "long"))
