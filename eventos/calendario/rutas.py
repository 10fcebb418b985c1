"""Calendarios: programa completo, una sesión y el calendario personal suscrito (webcal), con ETag."""
import hashlib

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import calendario, qr
from ..extensiones import cache, db
from ..modelos import Evento, Inscripcion
from ..modelos.inscripciones import secreto

bp = Blueprint("calendario", __name__)


def _etag(*partes) -> str:
    return hashlib.sha256("|".join(str(p) for p in partes).encode()).hexdigest()[:32]


def _respuesta(etag: str, generar, nombre: str, content_type: str, adjunto: bool = False, prefijo: str = "doc"):
    """304 si el documento no cambió; si no, el documento (guardado en caché por su ETag).

    `nombre` es el nombre de archivo completo; `adjunto` lo ofrece para descargar en vez de mostrarlo."""
    if request.if_none_match.contains(etag):
        respuesta = make_response("", 304)
    else:
        contenido = cache.get(f"{prefijo}:{etag}")
        if contenido is None:
            contenido = generar()
            cache.set(f"{prefijo}:{etag}", contenido)
        respuesta = make_response(contenido)
        respuesta.content_type = content_type
        respuesta.headers["Content-Disposition"] = f'{"attachment" if adjunto else "inline"}; filename="{nombre}"'
    respuesta.set_etag(etag)
    respuesta.headers["Cache-Control"] = "no-cache"
    return respuesta


def _respuesta_ics(etag: str, generar, nombre: str):
    """304 si el calendario no cambió; si no, el documento (guardado en caché por su ETag)."""
    return _respuesta(etag, generar, f"{nombre}.ics", "text/calendar; charset=utf-8", prefijo="ics")


@bp.get("/eventos/<slug>/calendario.ics")
def programa(slug):
    fila = Evento.version_publicada(slug)
    if fila is None:
        abort(404)

    def generar():
        evento = Evento.con_programa(slug, solo_agenda=True, con_personas=False)
        return calendario.documento(evento, evento.sesiones_raiz, evento.titulo, calendario.sesiones_retiradas(evento.id))

    return _respuesta_ics(_etag("programa", slug, fila.id, fila.version_programa, fila.actualizado_en), generar, slug)


@bp.get("/eventos/<slug>/sesiones/<clave>/calendario.ics")
def sesion(slug, clave):
    fila = Evento.version_publicada(slug)
    if fila is None:
        abort(404)

    def generar():
        evento = Evento.con_programa(slug, solo_agenda=True)
        encontrada = next((s for s in evento.sesiones if s.clave == clave), None)
        if encontrada is None:
            abort(404)
        return calendario.documento(evento, [encontrada], f"{encontrada.titulo} · {evento.titulo}")

    return _respuesta_ics(_etag("sesion", slug, clave, fila.id, fila.version_programa, fila.actualizado_en),
                          generar, f"{slug}-{clave}")


@bp.get("/calendario/<clave>.ics")
def personal(clave):
    """Calendario suscrito de una persona inscrita (la clave se puede renovar y la anterior deja de valer)."""
    inscripcion = db.session.execute(
        select(Inscripcion).where(Inscripcion.clave_calendario == clave)).scalar_one_or_none()
    if inscripcion is None:
        abort(404, description=_("Este calendario ya no existe: puede que se haya renovado su enlace."))
    evento = inscripcion.evento
    etag = _etag("personal", clave, calendario.clave_personal(evento, inscripcion))

    return _respuesta_ics(etag, lambda: calendario.documento_personal(inscripcion), evento.slug)


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
