"""La encuesta de evaluación en la oficina: crearla a partir de una propuesta por omisión, sus datos (título,
fechas en la hora del evento, a quién va, si es anónima) y sus secciones y preguntas en orden. Quién responde,
cómo se guardan las respuestas y los resultados: encuestas/servicios.py."""
from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import zonas
from ..encuestas import servicios
from ..extensiones import db
from ..modelos import PreguntaEncuesta, RespuestaEncuesta, SeccionEncuesta
from ..modelos.encuestas import CON_OPCIONES, DE_VALORACION
from ..permisos import vista_de_evento
from ..texto import fecha_hora_en
from . import bp
from .formularios import (FormularioEncuesta, FormularioPreguntaEncuesta, FormularioSeccionEncuesta, con_ids_unicos,
                          formularios_del_grupo)
from .ordenables import Ordenable, registrar

RESULTADOS = "organizacion.encuesta_resultados"


# --- Ayudas ------------------------------------------------------------------------------------------
def _url_encuesta(evento, ancla: str = "") -> str:
    return url_for("organizacion.encuesta", slug=evento.slug) + (f"#{ancla}" if ancla else "")


def _exigir_encuesta(encuesta):
    """La encuesta del evento; 404 si todavía no tiene (sus datos y secciones no se pueden guardar)."""
    if encuesta is None:
        abort(404, description=_("Este evento todavía no tiene encuesta de evaluación."))
    return encuesta


def _respuestas_por_pregunta(encuesta) -> tuple[int, Counter]:
    """Cuántas respuestas tiene la encuesta y cuántas contestaron cada pregunta ({"<id>": n})."""
    valores = db.session.execute(select(RespuestaEncuesta.valores)
                                 .where(RespuestaEncuesta.encuesta_id == encuesta.id)).scalars().all()
    return len(valores), Counter(clave for v in valores for clave in v)


def _olvidar_respuestas(encuesta_id: int, preguntas) -> int:
    """Quita de cada respuesta lo contestado a esas preguntas (que se van a borrar); devuelve a cuántas tocó.
    Así una pregunta nueva nunca hereda respuestas ajenas, aunque la base reutilice el id de una borrada."""
    claves = {str(p.id) for p in preguntas}
    tocadas = 0
    for respuesta in db.session.execute(select(RespuestaEncuesta)
                                        .where(RespuestaEncuesta.encuesta_id == encuesta_id)).scalars():
        if claves & set(respuesta.valores):
            respuesta.valores = {k: v for k, v in respuesta.valores.items() if k not in claves}
            tocadas += 1
    return tocadas


def _marcar_borrada(objeto, coleccion) -> None:
    """Sacarla de su colección (lo que hace ordenables) solo la borraría durante el flush, sin que la auditoría lo
    viera; marcada aquí (con lo que contiene), la auditoría anota qué se eliminó. La colección se carga antes: una
    carga posterior ya no la contendría, y ordenables no podría quitarla de ella."""
    list(coleccion)
    db.session.delete(objeto)


def _filas_de_matrices(evento) -> dict[str, list[str]]:
    """Lo que valoran las matrices de este evento: las sesiones del programa (sin recesos) y las mesas."""
    return {tipo: [nombre for _id, nombre in servicios.filas(SimpleNamespace(tipo=tipo), evento.id)]
            for tipo in ("matriz_sesiones", "matriz_mesas")}


def estado_encuesta(encuesta) -> tuple[str, str]:
    """(clave, texto) del estado: borrador, pronto, abierta o cerrada; las fechas, en la hora del evento."""
    zona, momento = encuesta.evento.zona_horaria, zonas.ahora()
    if encuesta.abre_en is None:
        return "borrador", _("Borrador: no tiene fecha de apertura, así que nadie puede responderla todavía.")
    if momento < encuesta.abre_en:
        return "pronto", _("Todavía no está abierta: se abrirá el %(fecha)s.",
                           fecha=fecha_hora_en(encuesta.abre_en, zona))
    if encuesta.cierra_en is not None and encuesta.cierra_en <= momento:
        return "cerrada", _("Cerrada desde el %(fecha)s.", fecha=fecha_hora_en(encuesta.cierra_en, zona))
    if encuesta.cierra_en is not None:
        return "abierta", _("Abierta hasta el %(fecha)s.", fecha=fecha_hora_en(encuesta.cierra_en, zona))
    return "abierta", _("Abierta, sin fecha de cierre.")


def _enlace_resultados(evento) -> str | None:
    """La página de resultados, si ya existe en esta versión de la aplicación."""
    return url_for(RESULTADOS, slug=evento.slug) if RESULTADOS in current_app.view_functions else None


# --- La página de la encuesta -----------------------------------------------------------------------
def _formulario_encuesta(encuesta) -> FormularioEncuesta:
    formulario = FormularioEncuesta(formdata=None, obj=encuesta)
    zona = encuesta.evento.zona_horaria
    for campo in (formulario.abre_en, formulario.cierra_en):
        instante = getattr(encuesta, campo.name)
        campo.data = zonas.a_local(instante, zona).replace(tzinfo=None) if instante else None
    return formulario


def _pagina(evento, encuesta, codigo=200, formulario=None, nueva_seccion=None, renombrar=None, nueva_pregunta=None):
    """La página de la encuesta. Un formulario enviado con errores ocupa su sitio en la página (código 400);
    `renombrar` y `nueva_pregunta` son (seccion_id, formulario)."""
    if encuesta is None:
        return render_template("organizacion/encuesta.html", evento=evento, encuesta=None), codigo
    total, por_pregunta = _respuestas_por_pregunta(encuesta)
    secciones = []
    for seccion in encuesta.secciones:
        formularios = formularios_del_grupo(seccion, "seccion", FormularioSeccionEncuesta, FormularioPreguntaEncuesta,
                                            renombrar, nueva_pregunta)
        con_respuestas = any(por_pregunta[str(p.id)] for p in seccion.preguntas)
        secciones.append((seccion, *formularios, con_respuestas))
    return render_template(
        "organizacion/encuesta.html", evento=evento, encuesta=encuesta, estado=estado_encuesta(encuesta),
        respuestas=total, por_pregunta=por_pregunta, elegibles=servicios.elegibles(encuesta),
        resultados=_enlace_resultados(evento), formulario=con_ids_unicos(formulario or _formulario_encuesta(encuesta),
                                                                   "encuesta"),
        secciones=secciones, nueva_seccion=con_ids_unicos(nueva_seccion or FormularioSeccionEncuesta(formdata=None),
                                                    "nueva-seccion"),
        filas=_filas_de_matrices(evento), con_opciones=CON_OPCIONES, de_valoracion=DE_VALORACION), codigo


def _aplicar_encuesta(encuesta, formulario, respuestas: int) -> bool:
    """Guarda los datos del formulario ya validado; False (con el error en su campo) si las horas no existen
    en la zona del evento o si se quiere cambiar el anonimato de una encuesta que ya tiene respuestas."""
    zona, instantes, valido = encuesta.evento.zona_horaria, {}, True
    for campo in (formulario.abre_en, formulario.cierra_en):
        try:
            instantes[campo.name] = zonas.a_utc(campo.data, zona) if campo.data else None
        except zonas.ErrorDeZona as error:
            campo.errors = [*campo.errors, str(error.mensaje)]
            valido = False
    anonima = bool(formulario.anonima.data)
    if respuestas and anonima != encuesta.anonima:
        formulario.anonima.errors = [*formulario.anonima.errors, _(
            "La encuesta ya tiene respuestas, así que ya no puede cambiar si es anónima: las respuestas anónimas no "
            "pueden pasar a llevar el nombre de nadie, ni las identificadas dejar de llevarlo (quien respondió lo "
            "hizo sabiendo cuál era el caso).")]
        valido = False
    if not valido:
        return False
    encuesta.titulo = formulario.titulo.data.strip()
    encuesta.introduccion = (formulario.introduccion.data or "").replace("\r\n", "\n").strip()
    encuesta.abre_en, encuesta.cierra_en = instantes["abre_en"], instantes["cierra_en"]
    encuesta.publico = formulario.publico.data
    encuesta.anonima = anonima
    return True


@bp.route("/eventos/<slug>/encuesta", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Edición de la encuesta de evaluación"))
def encuesta(evento):
    encuesta = servicios.encuesta_de(evento.id)
    formulario = FormularioEncuesta()
    if not formulario.is_submitted():
        return _pagina(evento, encuesta)
    _exigir_encuesta(encuesta)
    if not formulario.validate_on_submit() or \
            not _aplicar_encuesta(encuesta, formulario, _respuestas_por_pregunta(encuesta)[0]):
        return _pagina(evento, encuesta, 400, formulario=formulario)
    db.session.commit()
    flash(_("Encuesta guardada."), "info")
    return redirect(_url_encuesta(evento))


@bp.post("/eventos/<slug>/encuesta/crear")
@vista_de_evento(auditoria=_l("Creación de la encuesta de evaluación"), boton=True)
def crear_encuesta(evento):
    destino = _url_encuesta(evento)
    if servicios.encuesta_de(evento.id) is not None:
        flash(_("Este evento ya tiene su encuesta de evaluación."), "info")
        return redirect(destino)
    try:
        servicios.crear_por_omision(evento)
        db.session.commit()
    except IntegrityError:  # otra pestaña la creó a la vez: queda la suya
        db.session.rollback()
        flash(_("Este evento ya tiene su encuesta de evaluación."), "info")
        return redirect(destino)
    flash(_("Encuesta creada con la propuesta por omisión. Revise sus preguntas y ponga las fechas de apertura y "
            "cierre: hasta que tenga fecha de apertura, nadie puede responderla."), "info")
    return redirect(destino)


# --- Secciones -------------------------------------------------------------------------------------
@bp.post("/eventos/<slug>/encuesta/secciones")
@vista_de_evento(auditoria=_l("Nueva sección en la encuesta de evaluación"))
def nueva_seccion_encuesta(evento):
    encuesta = _exigir_encuesta(servicios.encuesta_de(evento.id))
    formulario = FormularioSeccionEncuesta()
    if not formulario.validate_on_submit():
        return _pagina(evento, encuesta, 400, nueva_seccion=formulario)
    seccion = SeccionEncuesta(titulo=formulario.titulo.data.strip(), orden=len(encuesta.secciones))
    encuesta.secciones.append(seccion)
    db.session.commit()
    flash(_("Sección «%(titulo)s» añadida. Añada ahora sus preguntas.", titulo=seccion.titulo), "info")
    return redirect(_url_encuesta(evento, f"seccion-{seccion.id}"))


@bp.post("/eventos/<slug>/encuesta/secciones/<int:seccion_encuesta_id>")
@vista_de_evento((SeccionEncuesta, "seccion_encuesta_id"),
                 auditoria=_l("Cambio del título de una sección de la encuesta de evaluación"))
def seccion_encuesta(evento, seccion):
    formulario = FormularioSeccionEncuesta()
    if not formulario.validate_on_submit():
        return _pagina(evento, seccion.encuesta, 400, renombrar=(seccion.id, formulario))
    seccion.titulo = formulario.titulo.data.strip()
    db.session.commit()
    flash(_("Sección «%(titulo)s» guardada.", titulo=seccion.titulo), "info")
    return redirect(_url_encuesta(evento, f"seccion-{seccion.id}"))


def _al_borrar_seccion(seccion) -> str:
    """Justo antes de borrarla: quita lo contestado a sus preguntas, la marca como borrada y devuelve el aviso."""
    tocadas = _olvidar_respuestas(seccion.encuesta_id, seccion.preguntas)
    _marcar_borrada(seccion, seccion.encuesta.secciones)
    aviso = _("Sección «%(titulo)s» eliminada con sus preguntas.", titulo=seccion.titulo)
    if tocadas:
        aviso += " " + ngettext("Se quitó lo que había contestado %(num)d persona a esas preguntas.",
                                "Se quitó lo que habían contestado %(num)d personas a esas preguntas.", tocadas)
    return aviso


registrar(Ordenable(
    SeccionEncuesta, "seccion_encuesta", "encuesta/secciones/<int:seccion_encuesta_id>",
    volver=lambda s: _url_encuesta(s.encuesta.evento),
    auditoria_borrar=_l("Sección eliminada de la encuesta de evaluación"),
    auditoria_mover=_l("Cambio del orden de las secciones de la encuesta de evaluación"),
    coleccion=lambda s: s.encuesta.secciones, ancla="seccion", aviso_borrado=_al_borrar_seccion))


# --- Preguntas -------------------------------------------------------------------------------------
def _aplicar_pregunta(pregunta, formulario) -> None:
    pregunta.tipo = formulario.tipo.data
    pregunta.texto = formulario.texto.data.strip()
    pregunta.ayuda = (formulario.ayuda.data or "").strip()
    pregunta.obligatoria = bool(formulario.obligatoria.data)
    etiquetas = [(formulario.etiqueta_minima.data or "").strip(), (formulario.etiqueta_maxima.data or "").strip()]
    pregunta.etiquetas = etiquetas if pregunta.tipo in DE_VALORACION and any(etiquetas) else []
    pregunta.opciones = [linea.strip() for linea in (formulario.opciones.data or "").splitlines() if linea.strip()] \
        if pregunta.tipo in CON_OPCIONES else []


def _rellenar_pregunta(formulario, pregunta) -> None:
    formulario.tipo.data, formulario.texto.data = pregunta.tipo, pregunta.texto
    formulario.ayuda.data, formulario.obligatoria.data = pregunta.ayuda, pregunta.obligatoria
    minima, maxima = (list(pregunta.etiquetas or []) + ["", ""])[:2]
    formulario.etiqueta_minima.data, formulario.etiqueta_maxima.data = minima, maxima
    formulario.opciones.data = "\n".join(pregunta.opciones or [])


def _respuestas_a(pregunta) -> int:
    return _respuestas_por_pregunta(pregunta.seccion.encuesta)[1][str(pregunta.id)]


@bp.post("/eventos/<slug>/encuesta/secciones/<int:seccion_encuesta_id>/preguntas")
@vista_de_evento((SeccionEncuesta, "seccion_encuesta_id"), auditoria=_l("Nueva pregunta en la encuesta de evaluación"))
def nueva_pregunta_encuesta(evento, seccion):
    formulario = FormularioPreguntaEncuesta()
    if not formulario.validate_on_submit():
        return _pagina(evento, seccion.encuesta, 400, nueva_pregunta=(seccion.id, formulario))
    pregunta = PreguntaEncuesta(orden=len(seccion.preguntas))
    _aplicar_pregunta(pregunta, formulario)
    seccion.preguntas.append(pregunta)
    db.session.commit()
    flash(_("Pregunta añadida a «%(titulo)s».", titulo=seccion.titulo), "info")
    return redirect(_url_encuesta(evento, f"pregunta-{pregunta.id}"))


@bp.route("/eventos/<slug>/encuesta/preguntas/<int:pregunta_encuesta_id>", methods=["GET", "POST"])
@vista_de_evento((PreguntaEncuesta, "pregunta_encuesta_id"),
                 auditoria=_l("Edición de una pregunta de la encuesta de evaluación"))
def pregunta_encuesta(evento, pregunta):
    formulario = FormularioPreguntaEncuesta()
    respuestas = _respuestas_a(pregunta)
    if not formulario.is_submitted():
        _rellenar_pregunta(formulario, pregunta)
    elif formulario.validate_on_submit():
        if respuestas and formulario.tipo.data != pregunta.tipo:
            formulario.tipo.errors = [*formulario.tipo.errors, ngettext(
                "Esta pregunta ya tiene %(num)d respuesta: su tipo no puede cambiar (la respuesta dejaría de tener "
                "sentido). Si necesita otro tipo, añada una pregunta nueva.",
                "Esta pregunta ya tiene %(num)d respuestas: su tipo no puede cambiar (las respuestas dejarían de "
                "tener sentido). Si necesita otro tipo, añada una pregunta nueva.", respuestas)]
        else:
            _aplicar_pregunta(pregunta, formulario)
            db.session.commit()
            flash(_("Pregunta guardada."), "info")
            return redirect(_url_encuesta(evento, f"pregunta-{pregunta.id}"))
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/encuesta_pregunta.html", evento=evento, pregunta=pregunta,
                           formulario=formulario, respuestas=respuestas, filas=_filas_de_matrices(evento),
                           con_opciones=CON_OPCIONES, de_valoracion=DE_VALORACION), codigo


def _al_borrar_pregunta(pregunta) -> str:
    """Justo antes de borrarla: quita lo contestado a ella, la marca como borrada y devuelve el aviso."""
    tocadas = _olvidar_respuestas(pregunta.seccion.encuesta_id, [pregunta])
    _marcar_borrada(pregunta, pregunta.seccion.preguntas)
    aviso = _("Pregunta «%(texto)s» eliminada.", texto=pregunta.texto)
    if tocadas:
        aviso += " " + ngettext("Se quitó la respuesta que tenía (%(num)d).",
                                "Se quitaron las %(num)d respuestas que tenía.", tocadas)
    return aviso


registrar(Ordenable(
    PreguntaEncuesta, "pregunta_encuesta", "encuesta/preguntas/<int:pregunta_encuesta_id>",
    volver=lambda p: _url_encuesta(p.seccion.encuesta.evento),
    auditoria_borrar=_l("Pregunta eliminada de la encuesta de evaluación"),
    auditoria_mover=_l("Cambio del orden de las preguntas de la encuesta de evaluación"),
    coleccion=lambda p: p.seccion.preguntas, ancla="pregunta", aviso_borrado=_al_borrar_pregunta))
