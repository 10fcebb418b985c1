"""Agenda en la oficina: sesiones (anidadas) y las personas de cada sesión con su rol."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import zonas
from ..texto import etiqueta_sesion, fecha_larga
from ..extensiones import db
from ..modelos import Participacion, Persona, Sesion
from ..servicios import programa
from . import bp
from .formularios import FormularioParticipacion, FormularioSesion, FormularioVacio
from ..permisos import de_evento, vista_de_evento
from .ordenables import Ordenable, registrar
from .servicios import (anotar_problemas, aplicar_sesion, avisar_enlace_publicado, clave_desde, datos_sesion,
                        salas_ocupadas)

CAMPOS_SESION = {"inicio": "hora_inicio", "fin": "hora_fin", "sesiones": "padre"}


def _formulario_sesion(evento, sesion=None) -> FormularioSesion:
    formulario = FormularioSesion(obj=None)
    formulario.dia.choices = [(d.isoformat(), fecha_larga(d)) for d in _dias(evento)]
    formulario.padre.choices = [(0, _("— Ninguna (sesión principal) —"))] + [
        (s.id, etiqueta_sesion(s))
        for s in evento.sesiones_raiz if sesion is None or s.id != sesion.id]
    return formulario


def _dias(evento):
    from datetime import timedelta
    return [evento.fecha_inicio + timedelta(days=n) for n in range((evento.fecha_fin - evento.fecha_inicio).days + 1)]


def _rellenar(formulario, sesion, evento):
    for campo in ("titulo", "tipo", "horario_ilustrativo", "sala", "enlace", "grabacion", "objetivo", "descripcion",
                  "clave"):
        getattr(formulario, campo).data = getattr(sesion, campo)
    inicio, fin = zonas.a_local(sesion.inicio, evento.zona_horaria), zonas.a_local(sesion.fin, evento.zona_horaria)
    formulario.dia.data = inicio.date().isoformat()
    formulario.hora_inicio.data, formulario.hora_fin.data = inicio.time(), fin.time()
    formulario.padre.data = sesion.padre_id or 0


def _guardar(formulario, evento, sesion):
    """Valida con las reglas del programa y guarda; devuelve True si quedó guardada."""
    padre = de_evento(Sesion, formulario.padre.data, evento) if formulario.padre.data else None
    datos = datos_sesion(formulario, evento)
    usadas = {s.clave for s in evento.sesiones if sesion is None or s.id != sesion.id}
    datos["clave"] = datos["clave"] or (sesion.clave if sesion else clave_desde(datos["titulo"], usadas))
    plan, problemas = programa.leer_sesion(datos, evento)
    problemas += _problemas_del_arbol(evento, sesion, plan, padre)
    if problemas:
        anotar_problemas(formulario, problemas, CAMPOS_SESION)
        return False
    habia_enlace = evento.tiene_enlace_de_conexion
    if sesion is None:
        sesion = Sesion(evento=evento, orden=len(evento.sesiones))
        db.session.add(sesion)
    aplicar_sesion(sesion, plan)
    sesion.padre = padre
    db.session.flush()
    ocupadas = salas_ocupadas(sesion)
    avisar_enlace_publicado(evento, habia_enlace)
    db.session.commit()
    if ocupadas:
        flash(_("Aviso: la sala «%(sala)s» también está ocupada por %(lista)s a esa hora.", sala=sesion.sala,
                lista=", ".join(f"«{s.titulo}»" for s in ocupadas)), "aviso")
    flash(_("Sesión guardada."), "info")
    return sesion


def _problemas_del_arbol(evento, sesion, plan, padre) -> list:
    """Las reglas entre sesiones sobre el árbol del evento tal como quedaría, antes de tocar nada."""
    propia = sesion.id if sesion else "nueva"
    antes = [programa.NodoSesion.de(s, "sesion" if s is sesion else None) for s in evento.sesiones]
    cambiada = programa.NodoSesion(propia, plan["clave"], plan["titulo"], plan["inicio"], plan["fin"],
                                   padre.id if padre else None, "sesion")
    despues = [n for n in antes if n.ref != propia] + [cambiada]
    return programa.validar_arbol(despues, antes)


@bp.get("/eventos/<slug>/agenda")
@vista_de_evento()
def agenda(evento):
    return render_template("organizacion/agenda.html", evento=evento, acciones=FormularioVacio())


@bp.route("/eventos/<slug>/sesiones/nueva", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Nueva sesión"))
def nueva_sesion(evento):
    formulario = _formulario_sesion(evento)
    if formulario.validate_on_submit():
        sesion = _guardar(formulario, evento, None)
        if sesion:
            return redirect(url_for("organizacion.sesion", slug=evento.slug, sesion_id=sesion.id))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/sesion.html", evento=evento, sesion=None, formulario=formulario), codigo


@bp.route("/eventos/<slug>/sesiones/<int:sesion_id>", methods=["GET", "POST"])
@vista_de_evento((Sesion, "sesion_id"), auditoria=_l("Edición de una sesión"))
def sesion(evento, sesion):
    formulario = _formulario_sesion(evento, sesion)
    if not formulario.is_submitted():
        _rellenar(formulario, sesion, evento)
    elif formulario.validate_on_submit():
        if _guardar(formulario, evento, sesion):
            return redirect(url_for("organizacion.sesion", slug=evento.slug, sesion_id=sesion.id))
    codigo = 400 if formulario.is_submitted() else 200
    personas = db.session.execute(select(Persona.nombre).where(Persona.evento_id == evento.id).order_by(Persona.nombre)).scalars().all()
    return render_template("organizacion/sesion.html", evento=evento, sesion=sesion, formulario=formulario,
                           nueva_persona=FormularioParticipacion(formdata=None), acciones=FormularioVacio(),
                           personas=personas), codigo


registrar(Ordenable(
    Sesion, "sesion", "sesiones/<int:sesion_id>", volver=lambda s: url_for("organizacion.agenda", slug=s.evento.slug),
    auditoria_borrar=_l("Sesión eliminada"),
    aviso_borrado=lambda s: _("Sesión «%(titulo)s» eliminada.", titulo=s.titulo)))


def _persona(evento, nombre: str, tratamiento: str) -> Persona:
    """La misma persona del evento si ya existe con ese nombre; si no, una nueva."""
    persona = db.session.execute(
        select(Persona).where(Persona.evento_id == evento.id, Persona.nombre == nombre.strip())).scalar_one_or_none()
    if persona is None:
        persona = Persona(evento=evento, nombre=nombre.strip())
        db.session.add(persona)
    if tratamiento is not None:
        persona.tratamiento = tratamiento.strip()
    return persona


def _aplicar_participacion(participacion, formulario, evento):
    participacion.persona = _persona(evento, formulario.nombre.data, formulario.tratamiento.data or "")
    for campo in ("rol", "cargo", "institucion", "ciudad", "pais"):
        setattr(participacion, campo, (getattr(formulario, campo).data or "").strip())


@bp.post("/eventos/<slug>/sesiones/<int:sesion_id>/participantes")
@vista_de_evento((Sesion, "sesion_id"), auditoria=_l("Persona añadida a una sesión"))
def nueva_participacion(evento, sesion):
    formulario = FormularioParticipacion()
    if not formulario.validate_on_submit():
        personas = db.session.execute(select(Persona.nombre).where(Persona.evento_id == evento.id)).scalars().all()
        editar = _formulario_sesion(evento, sesion)
        _rellenar(editar, sesion, evento)
        return render_template("organizacion/sesion.html", evento=evento, sesion=sesion, formulario=editar,
                               nueva_persona=formulario, acciones=FormularioVacio(), personas=personas), 400
    with db.session.no_autoflush:
        participacion = Participacion(sesion=sesion, orden=len(sesion.participaciones))
        _aplicar_participacion(participacion, formulario, evento)
    db.session.add(participacion)
    db.session.commit()
    flash(_("Se añadió a %(nombre)s a la sesión.", nombre=participacion.persona.nombre), "info")
    return redirect(url_for("organizacion.sesion", slug=evento.slug, sesion_id=sesion.id))


@bp.route("/eventos/<slug>/participaciones/<int:participacion_id>", methods=["GET", "POST"])
@vista_de_evento((Participacion, "participacion_id"), auditoria=_l("Edición de una participación"))
def participacion(evento, participacion):
    formulario = FormularioParticipacion(obj=participacion)
    if not formulario.is_submitted():
        formulario.nombre.data = participacion.persona.nombre
        formulario.tratamiento.data = participacion.persona.tratamiento
    if formulario.validate_on_submit():
        _aplicar_participacion(participacion, formulario, evento)
        db.session.commit()
        flash(_("Datos guardados."), "info")
        return redirect(url_for("organizacion.sesion", slug=evento.slug, sesion_id=participacion.sesion_id))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/participacion.html", evento=evento, participacion=participacion,
                           formulario=formulario), codigo


registrar(Ordenable(
    Participacion, "participacion", "participaciones/<int:participacion_id>",
    volver=lambda p: url_for("organizacion.sesion", slug=p.sesion.evento.slug, sesion_id=p.sesion_id),
    auditoria_borrar=_l("Persona quitada de una sesión"), auditoria_mover=_l("Cambio del orden de las personas"),
    coleccion=lambda p: p.sesion.participaciones))
