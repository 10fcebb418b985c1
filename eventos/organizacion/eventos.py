"""Eventos en la oficina: lista, crear, datos generales, estado, duplicar, importar/exportar, auditoría."""
import json

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import zonas
from ..extensiones import db
from ..modelos import Auditoria, Evento, RolEvento
from ..servicios import programa
from . import bp
from .formularios import (FormularioDuplicar, FormularioEvento, FormularioImportar, FormularioVacio,
                          opciones_de_zonas)
from ..permisos import auditar, exigir_admin, vista_de_evento
from .resumen import cifras_de_eventos, resumen_de_evento
from .servicios import (LARGO_SLUG, anotar_problemas, aplicar_evento, avisar_enlace_publicado, clave_base,
                        datos_evento, importar_archivo, rellenar_formulario_evento, slug_para_evento)

TRANSICIONES = {
    "publicado": ("borrador", "cerrado"),
    "cerrado": ("publicado",),
    "borrador": ("publicado",),
}


def _formulario_evento(evento: Evento | None = None) -> FormularioEvento:
    formulario = FormularioEvento()
    formulario.zona_horaria.choices = list(zonas.zonas_para_selector(g.idioma))
    formulario.zonas_adicionales.choices = opciones_de_zonas(g.idioma, evento.zonas_adicionales if evento else ())
    return formulario


def _slug_del_evento_nuevo(formulario: FormularioEvento) -> str | None:
    """El identificador con que se creará el evento. Vacío, o igual al que se propone a partir del título
    (lo que rellena estaticos/js/formularios.js), se forma con el título y se hace único (-2, -3…); escrito
    a mano, se respeta tal cual. Devuelve el texto escrito si hubo que cambiarlo, para avisar."""
    escrito = (formulario.slug.data or "").strip()
    if escrito and escrito != clave_base(formulario.titulo.data, "evento", LARGO_SLUG):
        return None
    formulario.slug.data = slug_para_evento(formulario.titulo.data)
    return escrito if escrito and escrito != formulario.slug.data else None


@bp.get("/")
def inicio():
    if current_user.es_admin:
        eventos = db.session.execute(select(Evento).order_by(Evento.fecha_inicio.desc())).scalars().all()
    else:
        eventos = db.session.execute(
            select(Evento).join(RolEvento).where(RolEvento.usuario_id == current_user.id, RolEvento.rol == "organizador")
            .order_by(Evento.fecha_inicio.desc())).scalars().all()
    acredita = db.session.execute(
        select(Evento).join(RolEvento).where(RolEvento.usuario_id == current_user.id, RolEvento.rol == "acreditador")
        .order_by(Evento.fecha_inicio.desc())).scalars().all()
    return render_template("organizacion/inicio.html", eventos=eventos, cifras=cifras_de_eventos(eventos),
                           acredita=acredita, mesas=current_user.mesas_moderadas)


@bp.route("/eventos/nuevo", methods=["GET", "POST"])
def nuevo_evento():
    exigir_admin()
    formulario = _formulario_evento()
    if not formulario.is_submitted():
        formulario.zona_horaria.data = "America/Mexico_City"
    if formulario.validate_on_submit():
        en_uso = _slug_del_evento_nuevo(formulario)
        plan, problemas = programa.leer_evento(datos_evento(formulario))
        if db.session.execute(select(Evento.id).where(Evento.slug == plan["slug"])).first():
            formulario.slug.errors = [_("Ya existe un evento con ese identificador.")]
        elif not problemas:
            auditar(_l("Creación del evento"))
            evento = Evento(estado="borrador")
            aplicar_evento(evento, plan)
            evento.constancias_habilitadas = bool(formulario.constancias_habilitadas.data)
            db.session.add(evento)
            db.session.add(RolEvento(evento=evento, usuario=current_user, rol="organizador"))
            db.session.commit()
            flash(_("Evento creado como borrador. Añada la agenda y publíquelo cuando esté listo."), "info")
            if en_uso:
                flash(_("La dirección «%(escrito)s» ya era de otro evento: este usa «%(slug)s».", escrito=en_uso,
                        slug=evento.slug), "info")
            return redirect(url_for("organizacion.evento", slug=evento.slug))
        anotar_problemas(formulario, problemas, {})
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/evento_datos.html", formulario=formulario, evento=None), codigo


@bp.get("/eventos/<slug>/")
@vista_de_evento()
def evento(evento):
    return render_template("organizacion/evento.html", evento=evento, acciones=FormularioVacio(),
                           transiciones=TRANSICIONES[evento.estado], resumen=resumen_de_evento(evento))


@bp.route("/eventos/<slug>/datos", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Edición de los datos generales"))
def datos(evento):
    formulario = _formulario_evento(evento)
    if not formulario.is_submitted():
        rellenar_formulario_evento(formulario, evento)
        formulario.constancias_habilitadas.data = evento.constancias_habilitadas
    formulario.slug.data = evento.slug  # el identificador no cambia: enlaces y calendarios dependen de él
    if formulario.validate_on_submit():
        plan, problemas = programa.leer_evento(datos_evento(formulario), slug=evento.slug)
        if not problemas:
            habia_enlace = evento.tiene_enlace_de_conexion
            errores = aplicar_evento(evento, plan, conservar_horas_locales=formulario.conservar_horas.data)
            if not errores:
                evento.constancias_habilitadas = bool(formulario.constancias_habilitadas.data)
                avisar_enlace_publicado(evento, habia_enlace)
                db.session.commit()
                flash(_("Datos guardados."), "info")
                return redirect(url_for("organizacion.evento", slug=evento.slug))
            db.session.rollback()
            formulario.form_errors.extend(errores)
        anotar_problemas(formulario, problemas, {})
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/evento_datos.html", formulario=formulario, evento=evento), codigo


@bp.post("/eventos/<slug>/estado/<nuevo>")
@vista_de_evento(boton=True)
def cambiar_estado(evento, nuevo):
    if nuevo not in TRANSICIONES.get(evento.estado, ()):
        abort(400, description=_("No se puede pasar de «%(de)s» a «%(a)s».", de=evento.estado, a=nuevo))
    auditar({"publicado": _l("Publicación del evento"), "cerrado": _l("Cierre del evento"),
             "borrador": _l("Retirada del evento (vuelve a borrador)")}[nuevo])
    evento.estado = nuevo
    db.session.commit()
    flash({"publicado": _("El evento está publicado."), "cerrado": _("El evento está cerrado."),
           "borrador": _("El evento volvió a borrador: ya no es público.")}[nuevo], "info")
    return redirect(url_for("organizacion.evento", slug=evento.slug))


@bp.route("/eventos/<slug>/duplicar", methods=["GET", "POST"])
@vista_de_evento()
def duplicar(evento):
    formulario = FormularioDuplicar()
    if formulario.validate_on_submit():
        if db.session.execute(select(Evento.id).where(Evento.slug == formulario.slug.data)).first():
            formulario.slug.errors = [_("Ya existe un evento con ese identificador.")]
        else:
            auditar(_l("Duplicado desde «%(slug)s»", slug=evento.slug))
            try:
                copia = programa.duplicar(evento, formulario.slug.data, formulario.fecha_inicio.data)
            except programa.ProgramaInvalido as error:
                db.session.rollback()
                formulario.form_errors.extend(str(p) for p in error.problemas)
            else:
                db.session.add(RolEvento(evento=copia, usuario=current_user, rol="organizador"))
                db.session.commit()
                flash(_("Copia creada como borrador, con las mismas horas locales."), "info")
                return redirect(url_for("organizacion.evento", slug=copia.slug))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/duplicar.html", formulario=formulario, evento=evento), codigo


@bp.get("/eventos/<slug>/exportar.<formato>")
@vista_de_evento()
def exportar(evento, formato):
    if formato not in ("yaml", "json"):
        abort(404)
    datos = programa.exportar(Evento.con_programa(evento.slug, solo_publicados=False))
    if formato == "json":
        cuerpo, tipo = json.dumps(datos, ensure_ascii=False, indent=2, default=str), "application/json"
    else:
        import yaml
        cuerpo, tipo = yaml.safe_dump(datos, allow_unicode=True, sort_keys=False, width=100), "application/yaml"
    return Response(cuerpo, content_type=f"{tipo}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{evento.slug}.{formato}"'})


@bp.route("/importar", methods=["GET", "POST"])
def importar():
    exigir_admin()
    formulario = FormularioImportar()
    problemas = []
    if formulario.validate_on_submit():
        archivo = request.files.get("archivo")
        if not archivo or not archivo.filename:
            formulario.archivo.errors = [_("Elija un archivo YAML o JSON.")]
        else:
            auditar(_l("Importación del programa desde «%(archivo)s»", archivo=archivo.filename[:100]))
            try:
                evento = importar_archivo(archivo.read(), archivo.filename, formulario.slug.data)
            except programa.ProgramaInvalido as error:
                db.session.rollback()
                problemas = error.problemas
            else:
                db.session.add(RolEvento(evento=evento, usuario=current_user, rol="organizador"))
                db.session.commit()
                flash(_("Programa importado."), "info")
                return redirect(url_for("organizacion.evento", slug=evento.slug))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/importar.html", formulario=formulario, problemas=problemas), codigo


@bp.get("/eventos/<slug>/auditoria")
@vista_de_evento()
def auditoria(evento):
    registros = db.session.execute(
        select(Auditoria).where(Auditoria.evento_id == evento.id).order_by(Auditoria.creado_en.desc(), Auditoria.id.desc())
        .limit(300)).scalars().all()
    return render_template("organizacion/auditoria.html", evento=evento, registros=registros)
