"""Calendarios: programa completo, una sesión y el calendario personal suscrito (webcal), con ETag."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import calendario, instantanea, qr
from ..cache import respuesta_condicional
from ..extensiones import db
from ..modelos import Evento, Inscripcion
from ..modelos.inscripciones import secreto

bp = Blueprint("calendario", __name__)
TIPO_ICS = "text/calendar; charset=utf-8"


@bp.get("/eventos/<slug>/calendario.ics")
def programa(slug):
    fila = Evento.version_publicada(slug) or abort(404)

    def generar():
        evento = instantanea.de_version(fila.programa)
        return calendario.documento(evento, evento.sesiones_raiz, evento.titulo, retiradas=evento.retiradas)

    return respuesta_condicional(("programa.ics", *fila.programa), generar, tipo=TIPO_ICS, nombre=f"{slug}.ics")


@bp.get("/eventos/<slug>/sesiones/<clave>/calendario.ics")
def sesion(slug, clave):
    fila = Evento.version_publicada(slug) or abort(404)

    def generar():
        evento = instantanea.de_version(fila.programa)
        encontrada = next((s for s in evento.sesiones if s.clave == clave), None)
        if encontrada is None:
            abort(404)
        return calendario.documento(evento, [encontrada], f"{encontrada.titulo} · {evento.titulo}")

    return respuesta_condicional(("sesion.ics", *fila.programa, clave), generar, tipo=TIPO_ICS,
                                 nombre=f"{slug}-{clave}.ics")


@bp.get("/calendario/<clave>.ics")
def personal(clave):
    """Calendario suscrito de una persona inscrita (la clave se puede renovar y la anterior deja de valer).
    Cada calendario personal se pide pocas veces: se escribe al pedirlo (con los VEVENT ya escritos de su
    versión del programa) y no se guarda."""
    inscripcion = db.session.execute(
        select(Inscripcion).where(Inscripcion.clave_calendario == clave)).scalar_one_or_none()
    if inscripcion is None:
        abort(404, description=_("Este calendario ya no existe: puede que se haya renovado su enlace."))
    evento = instantanea.programa_por_id(inscripcion.evento_id)
    return respuesta_condicional(("personal.ics", clave, *calendario.clave_personal(evento, inscripcion)),
                                 lambda: calendario.documento_personal(evento, inscripcion), tipo=TIPO_ICS,
                                 nombre=f"{evento.slug}.ics", guardar=False, privada=True)


@bp.post("/inscripcion/<token>/calendario/renovar")
def renovar(token):
    """Nueva dirección para el calendario suscrito; la anterior deja de funcionar (por si se compartió)."""
    from ..permisos import exigir_boton
    inscripcion = qr.inscripcion_del_enlace(token)
    exigir_boton()
    inscripcion.clave_calendario = secreto()
    db.session.commit()
    flash(_("Su calendario tiene una dirección nueva; la anterior dejó de funcionar. Suscríbase de nuevo."), "info")
    return redirect(url_for("inscripciones.personal", token=token) + "#calendario", 303)


from . import exportaciones  # noqa: E402,F401
