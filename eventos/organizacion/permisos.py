"""Carga de objetos de la oficina comprobando quién puede tocarlos (404 si no existe, 403 si no puede)."""
from collections.abc import Callable

from flask import abort, current_app, g
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensiones import db
from ..modelos import Evento


def evento_con_permiso(slug: str, permiso: Callable[[Evento, object], bool], mensaje: str) -> Evento:
    """El evento de la URL (404 si no existe) si `permiso(evento, current_user)` (p. ej.
    `Evento.puede_gestionar`); si no, 403 con `mensaje`."""
    evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
    if evento is None:
        abort(404)
    if not permiso(evento, current_user):
        abort(403, description=mensaje)
    return evento


def evento_gestionable(slug: str) -> Evento:
    return evento_con_permiso(slug, Evento.puede_gestionar,
                              _("Solo las personas que organizan este evento pueden gestionarlo."))


def de_evento(modelo, objeto_id: int, evento: Evento):
    """Un objeto (sesión, mesa, guía…) que debe pertenecer al evento de la URL."""
    objeto = db.session.get(modelo, objeto_id)
    if objeto is None or _evento_de(objeto) != evento.id:
        abort(404)
    return objeto


def _evento_de(objeto) -> int | None:
    for camino in (("evento_id",), ("guia", "evento_id"), ("bloque", "guia", "evento_id"), ("sesion", "evento_id")):
        valor = objeto
        for parte in camino:
            valor = getattr(valor, parte, None)
            if valor is None:
                break
        else:
            return valor
    return None


def exigir_admin():
    if not current_user.es_admin:
        abort(403, description=_("Solo la administración del sitio puede hacer esto."))


def auditar(accion) -> None:
    """Nombre de la acción para la auditoría de los cambios de esta petición. Se guarda en el idioma
    por omisión del sitio (no en el de quien actúa), para que el registro no mezcle idiomas."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        g.accion_auditoria = str(accion)


def exigir_boton(direccion: str | None = None) -> None:
    """Un POST de un solo botón (publicar, quitar, mover…): token CSRF válido y, si mueve, una dirección válida."""
    from .formularios import FormularioVacio
    if not FormularioVacio().validate_on_submit() or (direccion is not None and direccion not in ("arriba", "abajo")):
        abort(400)
