"""El espacio de moderación de las mesas (/mesas/…): la guía compartida, ronda por ronda, con la respuesta
de la mesa a cada pregunta, los conflictos de versión y el historial.

Con JavaScript (estaticos/js/mesa.js) la página guarda sola por la API (PUT /api/v1/mesas/…); sin él,
cada pregunta es un formulario que se envía a `guardar`. Las dos vías usan el mismo servicio y la misma
comprobación de versión: nadie pisa en silencio lo que otra persona guardó.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import ValidationError

from ..extensiones import csrf, db, login
from ..modelos import Evento, Mesa, Respuesta, RolEvento
from ..modelos.usuarios import moderador_mesa
from ..permisos import mesa_con_permiso
from . import servicios

bp = Blueprint("mesas", __name__)

_VINETA = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@bp.before_request
def exigir_sesion():
    if not current_user.is_authenticated:
        return login.unauthorized()


def _sin_cache(respuesta):
    """Respuestas sin publicar y versiones vigentes: ni cachés compartidas ni páginas viejas al volver atrás
    (una página vieja escribiría sobre una versión vieja)."""
    respuesta = make_response(respuesta)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


def mesa_moderable(mesa_id: int) -> Mesa:
    return mesa_con_permiso(mesa_id, _("Solo la moderación de esta mesa y la organización del evento pueden abrir "
                                       "su espacio de trabajo."))


def pregunta_de(mesa: Mesa, pregunta_id: int):
    pregunta = servicios.pregunta_de_mesa(mesa, pregunta_id)
    if pregunta is None:
        abort(404, description=_("Esa pregunta no está en la guía de esta mesa."))
    return pregunta


def puntos_de_texto(texto: str) -> list[str]:
    """Los puntos clave escritos uno por línea (con o sin viñeta «-», «*», «•» o «1.»)."""
    return [_VINETA.sub("", linea) for linea in (texto or "").splitlines()]


def tiene_contenido(respuesta) -> bool:
    return bool(respuesta and (respuesta.texto or respuesta.puntos_clave))


# --- Mis mesas ---------------------------------------------------------------------------------------

def _mesas_visibles():
    """Las mesas que modera la persona y las de los eventos que organiza (todas, si administra el sitio)."""
    consulta = (select(Mesa).join(Evento, Mesa.evento_id == Evento.id)
                .options(selectinload(Mesa.sesiones), selectinload(Mesa.moderadores))
                .order_by(Evento.fecha_inicio.desc(), Evento.id, Mesa.orden, Mesa.id))
    if not current_user.es_admin:
        consulta = consulta.where(or_(
            Mesa.id.in_(select(moderador_mesa.c.mesa_id).where(moderador_mesa.c.usuario_id == current_user.id)),
            Mesa.evento_id.in_(select(RolEvento.evento_id).where(RolEvento.usuario_id == current_user.id,
                                                                 RolEvento.rol == "organizador"))))
    return db.session.execute(consulta).scalars().all()


@bp.get("/")
def inicio():
    mesas = _mesas_visibles()
    con_contenido = or_(Respuesta.texto != "", cast(Respuesta.puntos_clave, Text) != "[]")  # = tiene_contenido
    respondidas = dict(db.session.execute(
        select(Respuesta.mesa_id, func.count()).where(Respuesta.mesa_id.in_([m.id for m in mesas]), con_contenido)
        .group_by(Respuesta.mesa_id)).all()) if mesas else {}
    grupos: list[tuple[Evento, list]] = []
    for mesa in mesas:
        if not grupos or grupos[-1][0].id != mesa.evento_id:
            grupos.append((mesa.evento, []))
        total = sum(len(guia.preguntas) for guia in mesa.evento.guias_de_mesa(mesa))
        modera = any(u.id == current_user.id for u in mesa.moderadores)
        grupos[-1][1].append((mesa, modera, respondidas.get(mesa.id, 0), total))
    return _sin_cache(render_template("mesas/inicio.html", grupos=grupos))


# --- Espacio de trabajo ------------------------------------------------------------------------------

def _rondas(mesa: Mesa) -> list[tuple]:
    """[(guía, bloque, preguntas)] de todas las guías de la mesa, en orden."""
    return [(guia, bloque, preguntas) for guia, bloques in servicios.preguntas_de_mesa(mesa)
            for bloque, preguntas in bloques]


def _pagina_espacio(mesa: Mesa, bloque_id: int | None):
    rondas = _rondas(mesa)
    actual = 0
    if bloque_id is not None:
        indices = [i for i, (_g, bloque, _p) in enumerate(rondas) if bloque.id == bloque_id]
        if not indices:
            abort(404, description=_("Esa ronda no está en la guía de esta mesa."))
        actual = indices[0]
    guia_actual, bloque_actual, preguntas_actuales = rondas[actual] if rondas else (None, None, [])
    respuestas = servicios.respuestas_de_mesa(mesa.id)
    return render_template(
        "mesas/espacio.html", mesa=mesa, evento=mesa.evento, rondas=rondas, actual=actual,
        guia_actual=guia_actual, bloque_actual=bloque_actual, preguntas_actuales=preguntas_actuales,
        respondidas=[sum(1 for p in preguntas if tiene_contenido(respuestas.get(p.id))) for _g, _b, preguntas in rondas],
        total_preguntas=sum(len(preguntas) for _g, _b, preguntas in rondas),
        respuestas=respuestas, varias_guias=len({guia.id for guia, _b, _p in rondas}) > 1)


@bp.get("/<int:mesa_id>/")
def espacio(mesa_id):
    mesa = mesa_moderable(mesa_id)
    return _sin_cache(_pagina_espacio(mesa, request.args.get("bloque", type=int)))


@bp.post("/<int:mesa_id>/preguntas/<int:pregunta_id>")
@csrf.exempt  # se comprueba aquí: si caducó, se devuelve el texto escrito en lugar de perderlo
def guardar(mesa_id, pregunta_id):
    """El guardado sin JavaScript: misma regla que la API (409 con los dos textos si la versión es vieja)."""
    mesa = mesa_moderable(mesa_id)
    pregunta = pregunta_de(mesa, pregunta_id)
    enviado = {"texto": request.form.get("texto", ""), "puntos_clave": request.form.get("puntos_clave", ""),
               "intervenciones": request.form.get("intervenciones", "").strip()}
    version = request.form.get("version", type=int)
    contexto = {"mesa": mesa, "evento": mesa.evento, "pregunta": pregunta, "enviado": enviado,
                "version": version if version is not None else 0}
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        mensaje = _("El formulario caducó (o le falta su código de seguridad) y no se guardó. Su texto está "
                    "abajo: revíselo y guárdelo de nuevo.")
        return _sin_cache(render_template("mesas/revisar.html", mensaje=mensaje, **contexto)), 400
    try:
        contenido = servicios.validar(enviado["texto"], puntos_de_texto(enviado["puntos_clave"]),
                                      enviado["intervenciones"])
        servicios.guardar(mesa.id, pregunta.id, contenido, version, current_user)
    except servicios.RespuestaInvalida as error:
        db.session.rollback()
        return _sin_cache(render_template("mesas/revisar.html", mensaje=str(error), **contexto)), 400
    except servicios.Conflicto as conflicto:
        db.session.rollback()
        actual = conflicto.actual
        propios = [p for p in contenido.puntos_clave if p not in actual.puntos_clave]
        contexto.update(version=actual.version, actual=actual, puntos_fusion=list(actual.puntos_clave) + propios)
        return _sin_cache(render_template("mesas/revisar.html", **contexto)), 409
    db.session.commit()
    flash(_("Respuesta a la pregunta %(numero)d guardada.", numero=pregunta.numero), "info")
    return redirect(url_for("mesas.espacio", mesa_id=mesa.id, bloque=pregunta.bloque_id,
                            _anchor=f"pregunta-{pregunta.id}"), 303)


@bp.get("/<int:mesa_id>/preguntas/<int:pregunta_id>/historial")
def historial(mesa_id, pregunta_id):
    mesa = mesa_moderable(mesa_id)
    pregunta = pregunta_de(mesa, pregunta_id)
    respuesta = servicios.actual(mesa.id, pregunta.id)
    return _sin_cache(render_template("mesas/historial.html", mesa=mesa, evento=mesa.evento, pregunta=pregunta,
                                      respuesta=respuesta, versiones=respuesta.historial if respuesta else []))


@bp.get("/<int:mesa_id>/preguntas/<int:pregunta_id>/vista-previa")
def vista_previa(mesa_id, pregunta_id):
    """La respuesta guardada, ya convertida a HTML inerte, para refrescar la vista previa tras autoguardar."""
    mesa = mesa_moderable(mesa_id)
    pregunta = pregunta_de(mesa, pregunta_id)
    return _sin_cache(render_template("mesas/_vista_previa.html", respuesta=servicios.actual(mesa.id, pregunta.id)))


@bp.get("/token")
def token_csrf():
    """Un token CSRF recién firmado: el autoguardado lo renueva, porque una sesión de trabajo dura más
    que la validez del token de la página."""
    return _sin_cache({"csrf_token": generate_csrf()})
