"""Quién puede hacer qué, en un solo módulo que usan todos los blueprints.

- Los predicados: `puede_gestionar`, `puede_acreditar`, `puede_asignar_organizadores` (por evento) y
  `puede_moderar` (por mesa).
- La entrada única de las vistas que actúan sobre un evento, `vista_de_evento`: el evento de la URL
  (404 si no existe), el permiso (403), el objeto del evento que nombra la URL (404 si es de otro
  evento), la etiqueta de la auditoría y, en los POST de un solo botón, el token CSRF.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, request
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from .extensiones import db
from .modelos import Evento


# --- Predicados ----------------------------------------------------------------------------------
def _con_cuenta(usuario) -> bool:
    return bool(usuario and usuario.is_authenticated)


def tiene_rol(usuario, evento: Evento, *roles: str) -> bool:
    return _con_cuenta(usuario) and any(r.evento_id == evento.id and r.rol in roles for r in usuario.roles)


def puede_gestionar(usuario, evento: Evento) -> bool:
    """Organizadores del evento y administradores del sitio."""
    return _con_cuenta(usuario) and (usuario.es_admin or tiene_rol(usuario, evento, "organizador"))


def puede_acreditar(usuario, evento: Evento) -> bool:
    """Quien gestiona el evento y su equipo de acreditación."""
    return puede_gestionar(usuario, evento) or tiene_rol(usuario, evento, "acreditador")


def puede_asignar_organizadores(usuario, evento: Evento) -> bool:
    return _con_cuenta(usuario) and usuario.es_admin


def puede_moderar(usuario, mesa) -> bool:
    """Sus moderadores/relatores, y quien gestiona el evento."""
    return puede_gestionar(usuario, mesa.evento) or \
        (_con_cuenta(usuario) and any(m.id == usuario.id for m in mesa.moderadores))


MENSAJES = {
    puede_gestionar: lambda: _("Solo las personas que organizan este evento pueden gestionarlo."),
    puede_acreditar: lambda: _("Solo el equipo de acreditación y la organización de este evento pueden hacer esto."),
}


# --- Cargas con permiso --------------------------------------------------------------------------
def evento_con_permiso(slug: str, permiso: Callable = puede_gestionar, mensaje: str | None = None) -> Evento:
    """El evento de la URL (404 si no existe) si `permiso(current_user, evento)`; si no, 403 con `mensaje`
    (o el del permiso)."""
    evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
    if evento is None:
        abort(404)
    if not permiso(current_user, evento):
        abort(403, description=mensaje or MENSAJES[permiso]())
    return evento


def mesa_con_permiso(mesa_id: int, mensaje: str):
    """La mesa de la URL (404 si no existe) si quien pide puede moderarla; si no, 403 con `mensaje`."""
    from .modelos import Mesa
    mesa = db.session.get(Mesa, mesa_id)
    if mesa is None:
        abort(404)
    if not puede_moderar(current_user, mesa):
        abort(403, description=mensaje)
    return mesa


def de_evento(modelo, objeto_id: int, evento: Evento):
    """Un objeto (sesión, mesa, guía…) que debe pertenecer al evento de la URL."""
    objeto = db.session.get(modelo, objeto_id)
    if objeto is None or _evento_de(objeto) != evento.id:
        abort(404)
    return objeto


def _evento_de(objeto) -> int | None:
    for camino in (("evento_id",), ("guia", "evento_id"), ("bloque", "guia", "evento_id"), ("sesion", "evento_id"),
                   ("encuesta", "evento_id"), ("seccion", "encuesta", "evento_id")):
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


def exigir_boton(direccion: str | None = None) -> None:
    """Un POST de un solo botón (publicar, quitar, mover…): token CSRF válido y, si mueve, una dirección válida."""
    from flask_wtf import FlaskForm
    if not FlaskForm().validate_on_submit() or (direccion is not None and direccion not in ("arriba", "abajo")):
        abort(400)


def auditar(accion) -> None:
    """Nombre de la acción para la auditoría de los cambios de esta petición. Se guarda en el idioma
    por omisión del sitio (no en el de quien actúa), para que el registro no mezcle idiomas."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        g.accion_auditoria = str(accion)


# --- La entrada única de las vistas sobre un evento ----------------------------------------------
def vista_de_evento(objeto: tuple[type, str] | None = None, *, permiso: Callable = puede_gestionar,
                    auditoria=None, boton: bool = False):
    """Decora una vista `/eventos/<slug>/…`: la vista recibe el evento (y, con `objeto=(Modelo,
    "parametro_id")`, el objeto del evento que nombra la URL) en lugar del slug y del id.

    `auditoria` es el nombre de la acción para la auditoría (solo cuenta si la petición cambia algo);
    `boton=True`: los POST son de un solo botón; exige el token CSRF y, si la URL lleva `direccion`, que sea válida.
    """
    def decorar(vista):
        @wraps(vista)
        def envoltura(slug, **argumentos):
            evento = evento_con_permiso(slug, permiso)
            objetos = []
            if objeto is not None:
                modelo, parametro = objeto
                objetos.append(de_evento(modelo, argumentos.pop(parametro), evento))
            if boton and request.method == "POST":
                exigir_boton(argumentos.get("direccion"))
            if auditoria is not None:
                auditar(auditoria)
            return vista(evento, *objetos, **argumentos)
        return envoltura
    return decorar
