"""Mesas de trabajo en la oficina: datos, orden y sesiones en las que se reúne cada una.

Los moderadores de cada mesa se asignan en la página del equipo (equipo.py); aquí solo se muestran.
"""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensiones import db
from ..modelos import Mesa
from . import bp
from .formularios import FormularioMesa, FormularioVacio
from ..permisos import vista_de_evento
from .ordenables import Ordenable, registrar
from ..texto import etiqueta_sesion
from .servicios import clave_desde

CAMPOS_MESA = ("nombre", "descripcion", "cupo", "sala", "enlace")


class CasillasSesiones(SelectMultipleField):
    """Casillas de las sesiones del evento (con un mensaje claro si llega una sesión ajena)."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        validas = {valor for valor, _etiqueta in self.choices}
        if any(valor not in validas for valor in self.data or ()):
            raise ValidationError(_("Elija solo sesiones de este evento."))


class FormularioMesaSesiones(FormularioMesa):
    sesiones = CasillasSesiones(_l("Sesiones en las que se reúne"), coerce=int)


def _formulario(evento, **kwargs) -> FormularioMesaSesiones:
    formulario = FormularioMesaSesiones(**kwargs)
    formulario.sesiones.choices = [
        (s.id, etiqueta_sesion(s))
        for s in evento.sesiones]
    return formulario


def _rellenar(formulario, mesa):
    for campo in CAMPOS_MESA:
        getattr(formulario, campo).data = getattr(mesa, campo)
    formulario.sesiones.data = [s.id for s in mesa.sesiones]


def _aplicar(mesa, formulario, evento):
    mesa.nombre = formulario.nombre.data.strip()
    for campo in ("descripcion", "sala", "enlace"):
        setattr(mesa, campo, (getattr(formulario, campo).data or "").strip())
    mesa.cupo = formulario.cupo.data
    elegidas = set(formulario.sesiones.data or ())
    mesa.sesiones = [s for s in evento.sesiones if s.id in elegidas]


def _lista(evento, nueva, codigo=200):
    return render_template("organizacion/mesas.html", evento=evento, nueva=nueva, acciones=FormularioVacio()), codigo


@bp.get("/eventos/<slug>/mesas")
@vista_de_evento()
def mesas(evento):
    return _lista(evento, _formulario(evento, formdata=None))


@bp.post("/eventos/<slug>/mesas")
@vista_de_evento(auditoria=_l("Nueva mesa"))
def nueva_mesa(evento):
    formulario = _formulario(evento)
    if not formulario.validate_on_submit():
        return _lista(evento, formulario, 400)
    mesa = Mesa(clave=clave_desde(formulario.nombre.data, {m.clave for m in evento.mesas}, por_omision="mesa"),
                orden=max((m.orden for m in evento.mesas), default=-1) + 1)
    _aplicar(mesa, formulario, evento)  # antes de unirla al evento: así no se guarda a medias
    mesa.evento = evento
    db.session.add(mesa)
    db.session.commit()
    flash(_("Mesa «%(nombre)s» creada.", nombre=mesa.nombre), "info")
    return redirect(url_for("organizacion.mesas", slug=evento.slug) + f"#mesa-{mesa.id}")


@bp.route("/eventos/<slug>/mesas/<int:mesa_id>", methods=["GET", "POST"])
@vista_de_evento((Mesa, "mesa_id"), auditoria=_l("Edición de una mesa"))
def mesa(evento, mesa):
    formulario = _formulario(evento)
    if not formulario.is_submitted():
        _rellenar(formulario, mesa)
    elif formulario.validate_on_submit():
        _aplicar(mesa, formulario, evento)
        db.session.commit()
        flash(_("Mesa guardada."), "info")
        return redirect(url_for("organizacion.mesas", slug=evento.slug) + f"#mesa-{mesa.id}")
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/mesa.html", evento=evento, mesa=mesa, formulario=formulario,
                           acciones=FormularioVacio()), codigo


registrar(Ordenable(
    Mesa, "mesa", "mesas/<int:mesa_id>", volver=lambda m: url_for("organizacion.mesas", slug=m.evento.slug),
    auditoria_borrar=_l("Mesa eliminada"), auditoria_mover=_l("Cambio del orden de las mesas"),
    coleccion=lambda m: m.evento.mesas, ancla="mesa",
    aviso_borrado=lambda m: _("Mesa «%(nombre)s» eliminada.", nombre=m.nombre)))
