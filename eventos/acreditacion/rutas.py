"""Páginas de acreditación: el escáner de la puerta (la API está en api/acreditacion.py).

El escáner lee con la cámara del teléfono o del portátil, guarda cada lectura en el dispositivo antes
de enviarla y sigue funcionando sin red: un service worker (servido desde /acreditacion/sw.js para que
su alcance cubra /acreditacion/) guarda la página y sus archivos para poder recargarla sin conexión.
"""
from flask import Blueprint, abort, current_app, g, render_template, request, send_from_directory
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import zonas
from ..extensiones import db, login
from ..modelos import ESTADOS_INSCRIPCION, Evento, RolEvento
from ..permisos import evento_con_permiso, puede_acreditar
from ..zonas import rango_de_fechas
from ..texto import etiqueta_sesion

bp = Blueprint("acreditacion", __name__)

SCRIPT_SERVICE_WORKER = "js/sw-acreditacion.js"


@bp.before_request
def exigir_sesion():
    """Como la oficina: sin sesión, a la página de entrada (el service worker es público: no lleva datos)."""
    if request.endpoint != "acreditacion.service_worker" and not current_user.is_authenticated:
        return login.unauthorized()


@bp.get("/")
def inicio():
    """Los eventos en los que la persona puede acreditar (todos, si administra el sitio)."""
    consulta = select(Evento).order_by(Evento.fecha_inicio.desc(), Evento.titulo)
    if not current_user.es_admin:
        consulta = consulta.where(Evento.id.in_(select(RolEvento.evento_id).where(
            RolEvento.usuario_id == current_user.id, RolEvento.rol.in_(("organizador", "acreditador")))))
    return render_template("acreditacion/inicio.html", eventos=db.session.execute(consulta).scalars().all())


@bp.get("/<slug>/")
def escaner(slug):
    evento = evento_con_permiso(slug, puede_acreditar)
    sesion_id = None
    if "sesion" in request.args:
        sesion_id = request.args.get("sesion", type=int)
        if sesion_id not in {s.id for s in evento.sesiones}:
            abort(404, description=_("Esa sesión no existe en este evento. Elija otra en el escáner."))
    sesiones = [(s.id, etiqueta_sesion(s)) for s in evento.sesiones]
    desde, hasta = evento.ventana_acreditacion()
    fechas = rango_de_fechas(zonas.a_local(desde, evento.zona_horaria).date(), evento.fecha_fin, g.idioma)
    respuesta = current_app.make_response(render_template(
        "acreditacion/escaner.html", evento=evento, sesiones=sesiones, sesion_id=sesion_id,
        estados=ESTADOS_INSCRIPCION, fechas_acreditacion=fechas, acreditando_ahora=desde <= zonas.ahora() < hasta))
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.get("/sw.js")
def service_worker():
    """El script del service worker, servido bajo /acreditacion/ para que su alcance cubra los escáneres."""
    respuesta = send_from_directory(current_app.static_folder, SCRIPT_SERVICE_WORKER,
                                    mimetype="text/javascript", max_age=0)
    respuesta.headers["Cache-Control"] = "no-cache"
    return respuesta
