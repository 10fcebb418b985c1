"""Guías de preguntas en la oficina: la guía (de todo el evento o de una sesión), sus bloques o rondas
en orden y las preguntas numeradas de cada bloque. La numeración es continua en toda la guía
(Ronda 1 = 1–5, Ronda 2 = 6–10), como en los programas de los eventos, y se rehace tras cada cambio."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensiones import db
from ..modelos import Bloque, Guia, Pregunta, Sesion
from ..permisos import de_evento, vista_de_evento
from . import bp
from .formularios import (FormularioBloque, FormularioGuia, FormularioPregunta, FormularioVacio, con_ids_unicos,
                          formularios_del_grupo)
from .ordenables import Ordenable, registrar
from ..texto import etiqueta_sesion

def _formulario_guia(evento, **kwargs) -> FormularioGuia:
    formulario = FormularioGuia(**kwargs)
    formulario.sesion.choices = [(0, _("Todo el evento (todas las mesas)"))] + [
        (s.id, etiqueta_sesion(s)) for s in evento.sesiones]
    return formulario


def _aplicar_guia(guia: Guia, formulario, evento) -> None:
    guia.titulo = (formulario.titulo.data or "").strip()
    guia.pregunta_rectora = (formulario.pregunta_rectora.data or "").strip()
    guia.sesion = de_evento(Sesion, formulario.sesion.data, evento) if formulario.sesion.data else None


def nombre_guia(guia: Guia) -> str:
    return guia.titulo or (_("Guía de «%(sesion)s»", sesion=guia.sesion.titulo) if guia.sesion
                           else _("Guía de todo el evento"))


def _pagina_guia(evento, guia, codigo=200, formulario=None, nuevo_bloque=None, renombrar=None, nueva_pregunta=None):
    """La página de la guía. Un formulario enviado con errores ocupa su sitio en la página (código 400);
    `renombrar` y `nueva_pregunta` son (bloque_id, formulario)."""
    if formulario is None:
        formulario = _formulario_guia(evento, formdata=None, obj=guia)
        formulario.sesion.data = guia.sesion_id or 0
    bloques = []
    for bloque in guia.bloques:
        f_renombrar, f_pregunta = formularios_del_grupo(bloque, "bloque", FormularioBloque, FormularioPregunta,
                                                        renombrar, nueva_pregunta)
        f_pregunta.texto.label.text = _("Nueva pregunta para «%(titulo)s»", titulo=bloque.titulo)
        bloques.append((bloque, f_renombrar, f_pregunta))
    return render_template("organizacion/guia.html", evento=evento, guia=guia, nombre=nombre_guia(guia),
                           formulario=con_ids_unicos(formulario, "guia"), bloques=bloques,
                           nuevo_bloque=con_ids_unicos(nuevo_bloque or FormularioBloque(formdata=None), "nuevo-bloque"),
                           acciones=FormularioVacio()), codigo


def _url_guia(guia, ancla: str = "") -> str:
    return url_for("organizacion.guia", slug=guia.evento.slug, guia_id=guia.id) + (f"#{ancla}" if ancla else "")


# --- Guías -----------------------------------------------------------------------------------------

@bp.get("/eventos/<slug>/guias")
@vista_de_evento()
def guias(evento):
    return render_template("organizacion/guias.html", evento=evento, nombre=nombre_guia,
                           formulario=_formulario_guia(evento, formdata=None))


@bp.post("/eventos/<slug>/guias")
@vista_de_evento(auditoria=_l("Nueva guía de preguntas"))
def nueva_guia(evento):
    formulario = _formulario_guia(evento)
    if not formulario.validate_on_submit():
        return render_template("organizacion/guias.html", evento=evento, nombre=nombre_guia, formulario=formulario), 400
    guia = Guia(evento=evento, orden=len(evento.guias))
    db.session.add(guia)
    _aplicar_guia(guia, formulario, evento)
    db.session.commit()
    flash(_("Guía creada. Añada ahora sus bloques o rondas y sus preguntas."), "info")
    return redirect(_url_guia(guia, "nuevo-bloque"))


@bp.route("/eventos/<slug>/guias/<int:guia_id>", methods=["GET", "POST"])
@vista_de_evento((Guia, "guia_id"), auditoria=_l("Edición de una guía de preguntas"))
def guia(evento, guia):
    formulario = _formulario_guia(evento)
    if not formulario.is_submitted():
        return _pagina_guia(evento, guia)
    if not formulario.validate_on_submit():
        return _pagina_guia(evento, guia, 400, formulario=formulario)
    _aplicar_guia(guia, formulario, evento)
    db.session.commit()
    flash(_("Guía guardada."), "info")
    return redirect(_url_guia(guia))


registrar(Ordenable(
    Guia, "guia", "guias/<int:guia_id>", volver=lambda g: url_for("organizacion.guias", slug=g.evento.slug),
    auditoria_borrar=_l("Guía de preguntas eliminada"),
    aviso_borrado=lambda g: _("Guía «%(nombre)s» eliminada.", nombre=nombre_guia(g))))


# --- Bloques o rondas ------------------------------------------------------------------------------

@bp.post("/eventos/<slug>/guias/<int:guia_id>/bloques")
@vista_de_evento((Guia, "guia_id"), auditoria=_l("Nuevo bloque en una guía de preguntas"))
def nuevo_bloque(evento, guia):
    formulario = FormularioBloque()
    if not formulario.validate_on_submit():
        return _pagina_guia(evento, guia, 400, nuevo_bloque=formulario)
    bloque = Bloque(guia=guia, titulo=formulario.titulo.data.strip(), orden=len(guia.bloques))
    db.session.add(bloque)
    guia.renumerar()
    db.session.commit()
    flash(_("Bloque «%(titulo)s» añadido.", titulo=bloque.titulo), "info")
    return redirect(_url_guia(guia, f"bloque-{bloque.id}"))


@bp.post("/eventos/<slug>/bloques/<int:bloque_id>")
@vista_de_evento((Bloque, "bloque_id"), auditoria=_l("Cambio del título de un bloque"))
def bloque(evento, bloque):
    formulario = FormularioBloque()
    if not formulario.validate_on_submit():
        return _pagina_guia(evento, bloque.guia, 400, renombrar=(bloque.id, formulario))
    bloque.titulo = formulario.titulo.data.strip()
    db.session.commit()
    flash(_("Bloque «%(titulo)s» guardado.", titulo=bloque.titulo), "info")
    return redirect(_url_guia(bloque.guia, f"bloque-{bloque.id}"))


# Bloques y preguntas: borrarlos o moverlos rehace la numeración continua de toda la guía.
registrar(Ordenable(
    Bloque, "bloque", "bloques/<int:bloque_id>", volver=lambda b: _url_guia(b.guia),
    auditoria_borrar=_l("Bloque eliminado de una guía de preguntas"),
    auditoria_mover=_l("Cambio del orden de los bloques de una guía"),
    coleccion=lambda b: b.guia.bloques, despues=lambda b: b.guia.renumerar, ancla="bloque",
    aviso_borrado=lambda b: _("Bloque «%(titulo)s» eliminado con sus preguntas.", titulo=b.titulo)))


# --- Preguntas -------------------------------------------------------------------------------------

@bp.post("/eventos/<slug>/bloques/<int:bloque_id>/preguntas")
@vista_de_evento((Bloque, "bloque_id"), auditoria=_l("Nueva pregunta en una guía"))
def nueva_pregunta(evento, bloque):
    formulario = FormularioPregunta()
    if not formulario.validate_on_submit():
        return _pagina_guia(evento, bloque.guia, 400, nueva_pregunta=(bloque.id, formulario))
    pregunta = Pregunta(bloque=bloque, texto=formulario.texto.data.strip(), orden=len(bloque.preguntas), numero=0)
    db.session.add(pregunta)
    bloque.guia.renumerar()
    db.session.commit()
    flash(_("Pregunta %(numero)d añadida.", numero=pregunta.numero), "info")
    # De vuelta al formulario del mismo bloque, para seguir escribiendo preguntas.
    return redirect(_url_guia(bloque.guia, f"bloque-{bloque.id}-nueva-texto"))


@bp.route("/eventos/<slug>/preguntas/<int:pregunta_id>", methods=["GET", "POST"])
@vista_de_evento((Pregunta, "pregunta_id"), auditoria=_l("Edición de una pregunta de una guía"))
def pregunta(evento, pregunta):
    formulario = FormularioPregunta(obj=pregunta)
    if formulario.validate_on_submit():
        pregunta.texto = formulario.texto.data.strip()
        db.session.commit()
        flash(_("Pregunta %(numero)d guardada.", numero=pregunta.numero), "info")
        return redirect(_url_guia(pregunta.bloque.guia, f"pregunta-{pregunta.id}"))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/pregunta.html", evento=evento, pregunta=pregunta, guia=pregunta.bloque.guia,
                           nombre=nombre_guia(pregunta.bloque.guia), formulario=formulario), codigo


registrar(Ordenable(
    Pregunta, "pregunta", "preguntas/<int:pregunta_id>", volver=lambda p: _url_guia(p.bloque.guia),
    auditoria_borrar=_l("Pregunta eliminada de una guía"),
    auditoria_mover=_l("Cambio del orden de las preguntas de una guía"),
    coleccion=lambda p: p.bloque.preguntas, despues=lambda p: p.bloque.guia.renumerar, ancla="pregunta",
    aviso_borrado=lambda p: _("Pregunta %(numero)d eliminada; las siguientes se han renumerado.", numero=p.numero)))
