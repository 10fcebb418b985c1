"""Equipo del evento: organización y acreditación (RolEvento) y moderación de cada mesa (Mesa.moderadores).

A quien aún no tiene cuenta se le crea una sin contraseña y se le envía por correo un enlace para
elegirla (el mismo enlace firmado que «¿Olvidó su contraseña?").
"""
from email_validator import EmailNotValidError, validate_email
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from .. import correo
from ..cuentas.servicios import buscar_por_correo, token_restablecer
from ..extensiones import db
from ..modelos import ROLES_EVENTO, Mesa, RolEvento, Usuario
from . import bp
from .formularios import FormularioMiembro, FormularioVacio
from ..permisos import auditar, puede_asignar_organizadores, vista_de_evento

PREFIJO_MODERADOR = "moderador:"


class FormularioEquipo(FormularioMiembro):
    # El rol se comprueba en la vista: «organizador» sin permiso es un 403 y una mesa ajena, un error claro.
    rol = SelectField(_l("Rol"), validate_choice=False)


def _formulario(evento, **kwargs) -> FormularioEquipo:
    formulario = FormularioEquipo(**kwargs)
    formulario.rol.choices = [("acreditador", ROLES_EVENTO["acreditador"])] + [
        (f"{PREFIJO_MODERADOR}{m.id}", _("Moderación de «%(mesa)s»", mesa=m.nombre)) for m in evento.mesas]
    if puede_asignar_organizadores(current_user, evento):
        formulario.rol.choices.append(("organizador", ROLES_EVENTO["organizador"]))
    return formulario


def _pagina(evento, formulario, codigo=200):
    roles = sorted(evento.roles, key=lambda r: (r.rol != "organizador", r.rol, r.usuario.nombre.lower()))
    return render_template("organizacion/equipo.html", evento=evento, formulario=formulario, roles=roles,
                           acciones=FormularioVacio(),
                           asigna_organizadores=puede_asignar_organizadores(current_user, evento)), codigo


def _rol_elegido(valor: str, evento) -> tuple[str, Mesa | None] | None:
    """('acreditador'|'organizador', None) o ('moderador', mesa); None si el valor no vale para este evento."""
    if valor in ROLES_EVENTO:
        return valor, None
    if valor and valor.startswith(PREFIJO_MODERADOR) and valor[len(PREFIJO_MODERADOR):].isdigit():
        mesa = db.session.get(Mesa, int(valor[len(PREFIJO_MODERADOR):]))
        if mesa is not None and mesa.evento_id == evento.id:
            return "moderador", mesa
    return None


def _invitar(usuario: Usuario, evento, etiqueta_rol: str) -> None:
    """Deja la invitación (enlace para elegir contraseña) en la bandeja de salida del evento."""
    db.session.flush()  # el enlace firmado lleva el id y el sello de la cuenta, aunque sea nueva
    enlace = url_for("cuentas.restablecer", token=token_restablecer(usuario, invitacion=True), _external=True)
    texto = render_template("organizacion/correo_invitacion.txt", usuario=usuario, evento=evento, rol=etiqueta_rol,
                            enlace=enlace, invita=current_user.nombre,
                            dias=current_app.config["INVITACION_VALIDEZ_SEGUNDOS"] // 86400,
                            recuperar=url_for("cuentas.recuperar", _external=True))
    correo.encolar(usuario.correo, _("Invitación al equipo de «%(evento)s»", evento=evento.titulo), texto,
                   tipo="invitacion", evento_id=evento.id)


@bp.get("/eventos/<slug>/equipo")
@vista_de_evento()
def equipo(evento):
    return _pagina(evento, _formulario(evento, formdata=None))


@bp.post("/eventos/<slug>/equipo")
@vista_de_evento()
def nuevo_miembro(evento):
    formulario = _formulario(evento)
    if formulario.rol.data == "organizador" and not puede_asignar_organizadores(current_user, evento):
        abort(403, description=_("Solo la administración del sitio puede nombrar organizadores."))
    if not formulario.validate_on_submit():
        return _pagina(evento, formulario, 400)
    elegido = _rol_elegido(formulario.rol.data, evento)
    if elegido is None:
        formulario.rol.errors = [_("Elija un rol de la lista (las mesas deben ser de este evento).")]
        return _pagina(evento, formulario, 400)
    rol, mesa = elegido
    try:
        direccion = validate_email(formulario.correo.data, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        formulario.correo.errors = [_("Escriba una dirección de correo válida.")]
        return _pagina(evento, formulario, 400)
    usuario = buscar_por_correo(direccion)
    nombre = (formulario.nombre.data or "").strip()
    if usuario is None and not nombre:
        formulario.nombre.errors = [_("No hay ninguna cuenta con ese correo: escriba el nombre de la persona para crearla.")]
        return _pagina(evento, formulario, 400)
    etiqueta = _("Moderación de «%(mesa)s»", mesa=mesa.nombre) if mesa else str(ROLES_EVENTO[rol])

    if usuario is not None and (usuario in mesa.moderadores if mesa else rol in usuario.roles_en(evento)):
        flash(_("%(nombre)s ya tiene el rol «%(rol)s».", nombre=usuario.nombre, rol=etiqueta), "info")
        return redirect(url_for("organizacion.equipo", slug=evento.slug))

    auditar(_l("Nuevo miembro del equipo: %(rol)s", rol=etiqueta))
    nueva_cuenta = usuario is None
    if nueva_cuenta:
        usuario = Usuario(correo=direccion, nombre=nombre, clave_hash="")
        db.session.add(usuario)
    if mesa:
        mesa.moderadores.append(usuario)
    else:
        db.session.add(RolEvento(evento=evento, usuario=usuario, rol=rol))
    invitada = nueva_cuenta or not usuario.clave_hash  # sin contraseña aún: se le envía un enlace para elegirla
    if invitada:
        _invitar(usuario, evento, etiqueta)
    db.session.commit()

    if invitada:
        flash(_("Se creó la cuenta de %(nombre)s con el rol «%(rol)s» y le enviamos un correo para elegir su "
                "contraseña.", nombre=usuario.nombre, rol=etiqueta) if nueva_cuenta else
              _("%(nombre)s tiene ahora el rol «%(rol)s». Aún no había elegido su contraseña: le enviamos "
                "otro enlace.", nombre=usuario.nombre, rol=etiqueta), "info")
    else:
        flash(_("%(nombre)s ya tenía cuenta: ahora tiene el rol «%(rol)s» y puede entrar con su contraseña.",
                nombre=usuario.nombre, rol=etiqueta), "info")
    return redirect(url_for("organizacion.equipo", slug=evento.slug))


@bp.post("/eventos/<slug>/equipo/roles/<int:rol_id>/quitar")
@vista_de_evento((RolEvento, "rol_id"), boton=True)
def quitar_rol(evento, rol):
    if rol.rol == "organizador" and not puede_asignar_organizadores(current_user, evento):
        abort(403, description=_("Solo la administración del sitio puede quitar organizadores."))
    auditar(_l("Rol quitado del equipo: %(rol)s", rol=rol.etiqueta))
    nombre, etiqueta = rol.usuario.nombre, rol.etiqueta
    db.session.delete(rol)
    db.session.commit()
    flash(_("%(nombre)s ya no tiene el rol «%(rol)s».", nombre=nombre, rol=etiqueta), "info")
    return redirect(url_for("organizacion.equipo", slug=evento.slug))


@bp.post("/eventos/<slug>/equipo/mesas/<int:mesa_id>/moderadores/<int:usuario_id>/quitar")
@vista_de_evento((Mesa, "mesa_id"), boton=True, auditoria=_l("Moderación quitada de una mesa"))
def quitar_moderador(evento, mesa, usuario_id):
    usuario = next((u for u in mesa.moderadores if u.id == usuario_id), None)
    if usuario is None:
        abort(404)
    mesa.moderadores.remove(usuario)
    db.session.commit()
    flash(_("%(nombre)s ya no modera «%(mesa)s».", nombre=usuario.nombre, mesa=mesa.nombre), "info")
    return redirect(url_for("organizacion.equipo", slug=evento.slug) + f"#mesa-equipo-{mesa.id}")
