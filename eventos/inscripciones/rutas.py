"""Vistas de la inscripción (participantes). Las reglas están en servicios.py."""
import hashlib
import json

from flask import (Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from .. import calendario, instantanea, qr, zonas
from ..comunicaciones import servicios as comunicaciones
from ..datos_personales import servicios as privacidad
from ..encuestas import participacion as encuesta_personal
from ..extensiones import csrf, db, limiter
from ..modelos import Asistencia, Evento
from ..zonas import rango_de_fechas
from ..mesas.servicios import mesa_de_participante
from ..permisos import exigir_boton
from . import avisos, servicios
from .formularios import (FormularioDatosPersonales, clase_de_formulario, datos_de_formulario, datos_personales,
                          opciones_de_pais)

bp = Blueprint("inscripciones", __name__)


def _limite():
    return current_app.config["LIMITE_INSCRIPCION"]


def _evento_publicado(slug: str) -> Evento:
    evento = Evento.para_inscripcion(slug)
    if evento is None:
        abort(404)
    return evento


def _opciones(formulario, evento, disponibilidad):
    formulario.pais.choices = opciones_de_pais(g.idioma)
    if "mesa" in formulario:
        formulario.mesa.choices = [(m.id, _etiqueta_mesa(m, disponibilidad)) for m in evento.mesas]


def _etiqueta_mesa(mesa, disponibilidad) -> str:
    if mesa.cupo is None or disponibilidad is None:
        return mesa.nombre
    libres = max(0, mesa.cupo - disponibilidad.por_mesa.get(mesa.id, 0))
    if libres == 0:
        return _("%(mesa)s — completa: lista de espera", mesa=mesa.nombre)
    return ngettext("%(mesa)s — %(libres)d de %(num)d plaza libre", "%(mesa)s — %(libres)d de %(num)d plazas libres", mesa.cupo,
                    mesa=mesa.nombre, libres=libres)


@bp.route("/eventos/<slug>/inscripcion", methods=["GET", "POST"])
@limiter.limit(_limite, methods=["POST"])
def formulario(slug):
    mensaje = None
    if request.method == "POST":
        inscrita, mensaje = _inscribir(slug)
        if inscrita:
            return redirect(url_for("inscripciones.recibida", slug=slug))
    # La página: el formulario (con los errores del envío, si los hubo) o por qué no hay inscripción.
    evento = _evento_publicado(slug)
    estado = evento.estado_inscripcion()
    contexto = {"evento": evento, "estado": estado, "rango_fechas": rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.idioma),
                "zona_visitante": g.zona_visitante}
    if estado != "abierta" or mensaje:
        codigo = 403 if request.method == "POST" else 200
        return render_template("inscripciones/no_disponible.html", **contexto, mensaje=mensaje), codigo
    formulario = clase_de_formulario(evento)()
    disponibilidad = servicios.disponibilidad(evento)
    _opciones(formulario, evento, disponibilidad)  # con las plazas libres de cada mesa
    codigo = 400 if formulario.is_submitted() and not formulario.validate() else 200
    return render_template("inscripciones/formulario.html", formulario=formulario, disponibilidad=disponibilidad,
                           aviso_privacidad=privacidad.texto_del_aviso(evento), **contexto), codigo


def _inscribir(slug: str) -> tuple[bool, str | None]:
    """Un envío del formulario, con lo justo del evento (`servicios.evento_del_formulario`: bajo una
    avalancha de inscripciones, ninguna carga el evento entero). Devuelve (True, None) si la inscripción
    quedó guardada; si no, (False, el motivo si la regla la rechazó), y la vista muestra la página."""
    evento = servicios.evento_del_formulario(slug)
    if evento is None:
        abort(404)
    if evento.estado_inscripcion() != "abierta":
        return False, None
    formulario = clase_de_formulario(evento)()
    _opciones(formulario, evento, None)
    if not formulario.validate_on_submit():
        return False, None
    datos = datos_de_formulario(formulario, evento)
    try:
        servicios.inscribir(evento.id, datos)
    except servicios.InscripcionNoPosible as error:
        db.session.rollback()
        return False, str(error)
    db.session.commit()
    session["inscripcion_correo"] = datos["correo"]
    return True, None


@bp.get("/eventos/<slug>/inscripcion/recibida")
def recibida(slug):
    """La misma respuesta para una dirección nueva y para una ya inscrita: el correo dice lo que pasó."""
    evento = _evento_publicado(slug)
    return render_template("inscripciones/recibida.html", evento=evento, correo=session.get("inscripcion_correo"))


def _formulario_datos(inscripcion, evento, **kwargs):
    formulario = clase_de_formulario(evento, FormularioDatosPersonales, con_preguntas=False)(**kwargs)
    _opciones(formulario, evento, servicios.disponibilidad(evento))
    formulario.pais.choices = opciones_de_pais(g.idioma, inscripcion.pais)
    return formulario


@bp.route("/inscripcion/<token>", methods=["GET", "POST"])
@limiter.limit(_limite, methods=["POST"])
def personal(token):
    inscripcion = qr.inscripcion_del_enlace(token)
    evento = instantanea.programa_por_id(inscripcion.evento_id)
    formulario = _formulario_datos(inscripcion, evento, obj=inscripcion)
    if request.method == "GET" and "mesa" in formulario:
        formulario.mesa.data = inscripcion.mesa_id
    if inscripcion.activa and formulario.validate_on_submit():
        try:
            servicios.cambiar_datos(inscripcion.id, datos_personales(formulario))
        except servicios.InscripcionNoPosible as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("inscripciones.personal", token=token), 303)
        db.session.commit()
        flash(_("Datos guardados."), "info")
        return redirect(url_for("inscripciones.personal", token=token))
    codigo = 400 if formulario.is_submitted() else 200
    respuesta = make_response(render_template(
        "inscripciones/personal.html", inscripcion=inscripcion, evento=evento, formulario=formulario, token=token,
        agenda=avisos.agenda_personal(evento, inscripcion),
        webcal=calendario.direccion_webcal(url_for("calendario.personal", clave=inscripcion.clave_calendario, _external=True)),
        zona_persona=inscripcion.zona_horaria or evento.zona_horaria,
        su_mesa=mesa_de_participante(evento, inscripcion),
        invitacion_encuesta=encuesta_personal.invitacion(inscripcion.evento_id, inscripcion)), codigo)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.post("/inscripcion/<token>/cancelar")
@limiter.limit(_limite)
def cancelar(token):
    inscripcion = qr.inscripcion_del_enlace(token)
    exigir_boton()
    servicios.cancelar(inscripcion.id)
    db.session.commit()
    flash(_("Su inscripción quedó cancelada. Le enviamos la confirmación por correo."), "info")
    return redirect(url_for("inscripciones.personal", token=token))


@bp.get("/inscripcion/<token>/datos")
def sus_datos(token):
    """Todo lo que se guarda de la persona, legible; con la descarga en JSON al lado."""
    inscripcion = qr.inscripcion_del_enlace(token)
    respuesta = make_response(render_template("inscripciones/datos.html", token=token, inscripcion=inscripcion,
                                              evento=inscripcion.evento, datos=privacidad.datos_de(inscripcion),
                                              borrado=privacidad.fecha_de_borrado(inscripcion.evento)))
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.get("/inscripcion/<token>/datos.json")
def sus_datos_json(token):
    inscripcion = qr.inscripcion_del_enlace(token)
    respuesta = make_response(json.dumps(privacidad.datos_de(inscripcion), ensure_ascii=False, indent=2))
    respuesta.content_type = "application/json; charset=utf-8"
    respuesta.headers["Content-Disposition"] = f'attachment; filename="datos-{inscripcion.evento.slug}.json"'
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.route("/inscripcion/<token>/borrar", methods=["GET", "POST"])
@limiter.limit(_limite, methods=["POST"])
def borrar_datos(token):
    """Borrar sus datos: una página que explica qué pasa y pide confirmarlo; el POST (con su token CSRF y la casilla
    marcada) anonimiza la inscripción. Después, el enlace personal ya no abre nada."""
    inscripcion = qr.inscripcion_del_enlace(token)
    evento = inscripcion.evento
    error = None
    if request.method == "POST":
        exigir_boton()
        if request.form.get("entiendo") == "si":
            titulo = evento.titulo
            privacidad.borrar(inscripcion.id, usuario_id=None)
            db.session.commit()
            respuesta = make_response(render_template("inscripciones/datos_borrados.html", titulo=titulo))
            respuesta.headers["Cache-Control"] = "private, no-store"
            return respuesta
        error = _("Marque la casilla para confirmar que quiere borrar sus datos.")
    respuesta = make_response(render_template("inscripciones/borrar_datos.html", token=token, inscripcion=inscripcion,
                                              evento=evento, error=error), 400 if error else 200)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.route("/anuncios/baja/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: el proveedor de correo envía «List-Unsubscribe=One-Click» sin token; el enlace firmado basta
@limiter.limit(_limite, methods=["POST"])
def baja_anuncios(token):
    """Dejar de recibir anuncios de este evento, con un clic (el enlace de cada anuncio). GET solo pregunta; el
    POST (el botón de la página, o el del proveedor de correo) da de baja. Recordatorios y avisos siguen."""
    inscripcion = qr.inscripcion_del_enlace(token, "baja-anuncios")
    if request.method == "POST":
        comunicaciones.dar_de_baja(inscripcion)
        db.session.commit()
    respuesta = make_response(render_template(
        "inscripciones/baja_anuncios.html", inscripcion=inscripcion, token=token,
        evento=instantanea.programa_por_id(inscripcion.evento_id)))
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.post("/anuncios/alta/<token>")
@limiter.limit(_limite)
def alta_anuncios(token):
    """Volver a recibir los anuncios (un botón con su token CSRF, en la página de la baja)."""
    inscripcion = qr.inscripcion_del_enlace(token, "baja-anuncios")
    exigir_boton()
    inscripcion.sin_anuncios_en = None
    db.session.commit()
    flash(_("Volverá a recibir los anuncios de este evento."), "info")
    return redirect(url_for("inscripciones.baja_anuncios", token=token), 303)


@bp.get("/inscripcion/<token>/qr.<formato>")
def codigo_qr(token, formato):
    inscripcion = qr.inscripcion_del_enlace(token)
    if formato not in ("png", "svg") or inscripcion.estado != "confirmada":
        abort(404)
    contenido = qr.imagen_png(inscripcion) if formato == "png" else qr.imagen_svg(inscripcion)
    respuesta = make_response(contenido)
    respuesta.content_type = "image/png" if formato == "png" else "image/svg+xml"
    # Se revalida siempre: si la organización reemite el código, la página personal muestra el nuevo. La
    # etiqueta es un resumen del código, nunca el código mismo.
    respuesta.headers["Cache-Control"] = "private, no-cache"
    respuesta.set_etag(hashlib.sha256(inscripcion.codigo.encode()).hexdigest()[:20])
    if request.args.get("descargar"):
        respuesta.headers["Content-Disposition"] = f'attachment; filename="qr-{inscripcion.evento.slug}.{formato}"'
    return respuesta.make_conditional(request)


@bp.get("/inscripcion/<token>/calendario.ics")
def calendario_personal(token):
    inscripcion = qr.inscripcion_del_enlace(token)
    if not inscripcion.activa:
        abort(404)
    evento = instantanea.programa_por_id(inscripcion.evento_id)
    respuesta = make_response(calendario.documento_personal(evento, inscripcion))
    respuesta.content_type = "text/calendar; charset=utf-8"
    respuesta.headers["Content-Disposition"] = f'attachment; filename="{evento.slug}.ics"'
    return respuesta


@bp.route("/inscripcion/<token>/entrar", defaults={"sesion_id": None}, methods=["GET", "POST"])
@bp.route("/inscripcion/<token>/entrar/<int:sesion_id>", methods=["GET", "POST"])
def entrar(token, sesion_id):
    """Página personal de conexión. Abrirla no registra nada (los lectores de correo también abren los
    enlaces): dentro del horario de la sesión, el botón «Entrar» registra la conexión, que cuenta como
    asistencia, y lleva a la reunión. Fuera de él dice cuándo es, en la zona del evento y en la de la persona."""
    inscripcion = qr.inscripcion_del_enlace(token)
    if inscripcion.estado != "confirmada":
        abort(403, description=_("El enlace de conexión es solo para inscripciones confirmadas."))
    if not inscripcion.en_linea:
        abort(403, description=_("Su inscripción es presencial: la conexión en línea es para quien participa en línea."))
    evento = instantanea.programa_por_id(inscripcion.evento_id)
    sesion = next((s for s in evento.sesiones if s.id == sesion_id), None) if sesion_id else _sesion_actual(evento)
    if sesion_id and sesion is None:
        abort(404)
    destino = (sesion.enlace if sesion and sesion.enlace else "") or evento.enlace_virtual
    desde, hasta = evento.ventana_conexion(sesion)
    estado = _estado_de_conexion(destino, desde, hasta)
    if request.method == "POST":
        exigir_boton()
        if estado == "abierta":
            _registrar_conexion(inscripcion, sesion)
            return redirect(destino, 303)
    respuesta = make_response(render_template(
        "inscripciones/entrar.html", inscripcion=inscripcion, evento=evento, sesion=sesion, token=token, estado=estado,
        desde=desde, inicio=sesion.inicio if sesion else evento.inicio, fin=hasta,
        zona_persona=inscripcion.zona_horaria or evento.zona_horaria), 409 if request.method == "POST" else 200)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


def _estado_de_conexion(destino: str, desde, hasta) -> str:
    """«sin_enlace», «aun_no», «abierta» o «terminada», ahora."""
    momento = zonas.ahora()
    if not destino:
        return "sin_enlace"
    if momento < desde:
        return "aun_no"
    return "abierta" if momento < hasta else "terminada"


def _sesion_actual(evento):
    """La sesión en curso o, si no hay ninguna, la siguiente (o la última si ya terminó todo)."""
    momento = zonas.ahora()
    principales = evento.sesiones_raiz
    for sesion in principales:
        if sesion.fin > momento:
            return sesion
    return principales[-1] if principales else None


def _registrar_conexion(inscripcion, sesion):
    alcance = sesion.id if sesion else 0
    existe = db.session.query(Asistencia.id).filter_by(inscripcion_id=inscripcion.id, alcance=alcance).first()
    if existe:
        return
    db.session.add(Asistencia(evento_id=inscripcion.evento_id, inscripcion=inscripcion,
                              sesion_id=sesion.id if sesion else None, alcance=alcance, origen="en_linea"))
    try:
        db.session.commit()
    except IntegrityError:  # otra pestaña registró la misma conexión a la vez
        db.session.rollback()


# --- Credencial y constancia en PDF ----------------------------------------------------------------

@bp.get("/inscripcion/<token>/credencial.pdf")
def credencial(token):
    inscripcion = qr.inscripcion_del_enlace(token)
    if inscripcion.estado != "confirmada":
        abort(404, description=_("La credencial es solo para inscripciones confirmadas."))
    from .. import documentos
    contenido = documentos.credenciales_pdf(documentos.datos_evento(inscripcion.evento, g.idioma),
                                            [documentos.credencial_de(inscripcion, g.idioma)])
    return documentos.respuesta_pdf(contenido, f"credencial-{inscripcion.evento.slug}.pdf")


@bp.get("/inscripcion/<token>/constancia.pdf")
def constancia(token):
    """La primera descarga emite la constancia (y su código); las siguientes repiten el mismo código."""
    from .. import documentos
    from ..constancias import servicios as constancias
    inscripcion = qr.inscripcion_del_enlace(token)
    try:
        emitida = constancias.emitir(inscripcion)
    except constancias.NoDisponible as motivo:
        abort(motivo.estado, description=motivo.mensaje)
    db.session.commit()  # antes de componer el PDF: la constancia emitida no espera al documento
    codigo = constancias.con_guiones(emitida.codigo)
    url = url_for("constancias.verificar", codigo=codigo, _external=True)
    datos = documentos.datos_constancia(inscripcion, emitida, constancias.asistencias(inscripcion), url, codigo,
                                        g.idioma)
    return documentos.respuesta_pdf(documentos.constancia_pdf(datos), f"constancia-{inscripcion.evento.slug}.pdf")
