"""Inscripciones en la oficina: lista con búsqueda y filtros, ficha de cada persona, altas a mano,
confirmar / aprobar / cancelar / reenviar, exportación a CSV y Excel, preguntas propias del formulario,
ajustes de la inscripción y bandeja de correo saliente del evento.

Las reglas (cupo, lista de espera, aprobación, correos de cada paso) están solo en
inscripciones/servicios.py: aquí se llaman, nunca se repiten.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Response, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, ngettext
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..entrada import Formulario
from .. import correo as bandeja
from ..datos_personales import servicios as privacidad
from ..exportar import TIPO_CSV, TIPO_XLSX, csv_bytes, xlsx_bytes
from ..extensiones import db
from ..inscripciones import avisos, masivas, servicios
from ..inscripciones.formularios import (FormularioInscripcionBase, clase_de_formulario, datos_de_formulario,
                                         opciones_de_pais)
from ..modelos import (ESTADOS_INSCRIPCION, MODALIDADES_PARTICIPACION, TIPOS_PREGUNTA, Auditoria, CorreoSaliente,
                       Inscripcion, Mesa, PreguntaInscripcion)
from ..modelos.evento import RETENCION_MESES_POR_OMISION
from ..paises import orden_de_pais
from ..paises import nombres as nombres_de_paises
from ..texto import plegar
from ..zonas import ahora, nombre_lugar, reloj_local
from . import bp
from .formularios import REQUERIDO, FormularioVacio
from ..permisos import auditar, vista_de_evento
from ..seguridad import ruta_local
from .ordenables import Ordenable, registrar
from .servicios import lineas

POR_PAGINA = 100
TIPOS_CON_OPCIONES = ("opcion_unica", "opcion_multiple")


# --- Formularios ---------------------------------------------------------------------------------

class FormularioInscripcionManual(FormularioInscripcionBase):
    """Los campos del formulario público; el consentimiento aquí solo se anota (no es obligatorio)."""
    consentimiento = BooleanField(_l("La persona dio su consentimiento al aviso de privacidad por otro medio "
                                     "(correo, papel, teléfono…)."))


class FormularioAjustesInscripcion(Formulario):
    requiere_aprobacion = BooleanField(_l("Revisar y aprobar cada inscripción antes de confirmarla"))
    aviso_privacidad = TextAreaField(_l("Aviso de privacidad"), validators=[Optional(), Length(max=20000)])
    retencion_meses = IntegerField(_l("Meses que se guardan los datos personales tras el evento"), validators=[
        Optional(), NumberRange(0, RETENCION_MESES_POR_OMISION,
                                              lazy_ngettext("Entre 0 y %(num)d mes.", "Entre 0 y %(num)d meses.",
                                                            RETENCION_MESES_POR_OMISION))])


class FormularioPreguntaInscripcion(Formulario):
    texto = StringField(_l("Pregunta"), validators=[DataRequired(REQUERIDO), Length(max=500)])
    tipo = SelectField(_l("Tipo de respuesta"), choices=list(TIPOS_PREGUNTA.items()))
    # Sin Optional(): vacío, validate_opciones también comprueba que una pregunta con opciones las tenga.
    opciones = TextAreaField(_l("Opciones (una por línea)"), validators=[Length(max=5000)])
    obligatoria = BooleanField(_l("Respuesta obligatoria"))

    def validate_opciones(self, campo):
        if self.tipo.data not in TIPOS_CON_OPCIONES:
            return
        opciones = lineas(campo.data)
        if len(opciones) < 2:
            raise ValidationError(_l("Escriba al menos dos opciones, una por línea."))
        if len(opciones) > 50:
            raise ValidationError(_l("Como máximo 50 opciones."))
        if any(len(o) > 200 for o in opciones):
            raise ValidationError(_l("Cada opción puede tener como máximo 200 caracteres."))
        if len({o.casefold() for o in opciones}) != len(opciones):
            raise ValidationError(_l("Hay opciones repetidas."))


# --- Utilidades ----------------------------------------------------------------------------------

def privado(respuesta, codigo: int = 200) -> Response:
    """Datos personales: que ningún proxy ni el navegador los guarden."""
    respuesta = make_response(respuesta, codigo)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


def mesas_por_id(evento) -> dict[int, Mesa]:
    """Las mesas del evento en una consulta (la lista nunca toca `inscripcion.mesa`, que sería una por fila)."""
    return {m.id: m for m in db.session.execute(
        select(Mesa).where(Mesa.evento_id == evento.id).order_by(Mesa.orden, Mesa.id)).scalars()}


def _volver(evento, por_omision: str) -> str:
    """Adónde volver tras una acción: solo páginas de inscripciones de este evento (nunca otro sitio)."""
    base = url_for("organizacion.inscripciones", slug=evento.slug)
    destino = ruta_local(request.args.get("volver"), base)
    return destino if destino and destino[len(base):len(base) + 1] in ("", "?", "/", "#") else por_omision


def _respuesta_legible(pregunta, valor) -> str:
    if valor in (None, "", []):
        return ""
    if isinstance(valor, list):
        return ", ".join(str(v) for v in valor)
    if pregunta is not None and pregunta.tipo == "si_no":
        return {"si": _("Sí"), "no": _("No")}.get(valor, str(valor))
    return str(valor)


# --- Filtros (lista y exportaciones) ---------------------------------------------------------------

@dataclass
class Filtro:
    q: str = ""
    estado: str = ""
    mesa: int | None = None
    pais: str = ""
    institucion: str = ""

    def argumentos(self) -> dict:
        """Los filtros activos, para repetirlos en enlaces (páginas, exportar)."""
        return {clave: valor for clave, valor in vars(self).items() if valor not in ("", None)}

    @property
    def activo(self) -> bool:
        return bool(self.argumentos())


def leer_filtro(mesas: dict) -> Filtro:
    """Los filtros de la URL; un valor que no existe es un error claro (400), no una lista vacía."""
    args = request.args
    filtro = Filtro(q=args.get("q", "").strip(), estado=args.get("estado", "").strip(),
                    pais=args.get("pais", "").strip().upper(), institucion=args.get("institucion", "").strip())
    if len(filtro.q) > 200:
        abort(400, description=_("La búsqueda es demasiado larga (máximo 200 caracteres)."))
    if len(filtro.institucion) > 300:
        abort(400, description=_("La institución es demasiado larga (máximo 300 caracteres)."))
    if filtro.estado and filtro.estado not in ESTADOS_INSCRIPCION:
        abort(400, description=_("Estado desconocido: elija uno de la lista."))
    mesa = args.get("mesa", "").strip()
    if mesa:
        if not mesa.isdigit() or int(mesa) not in mesas:
            abort(400, description=_("Esa mesa no es de este evento: elija una de la lista."))
        filtro.mesa = int(mesa)
    if filtro.pais and filtro.pais not in nombres_de_paises(g.idioma):
        abort(400, description=_("País desconocido: elija uno de la lista."))
    return filtro


def consulta_filtrada(evento, filtro: Filtro):
    """Las inscripciones del evento que cumplen los filtros (sin orden ni límites).

    El texto se busca plegado (sin acentos ni mayúsculas) en las columnas ya plegadas de la inscripción,
    y `autoescape` hace que % y _ se busquen tal cual: funciona igual en SQLite y en PostgreSQL.
    """
    consulta = select(Inscripcion).where(Inscripcion.evento_id == evento.id)
    if filtro.q:
        consulta = consulta.where(Inscripcion.busqueda.contains(plegar(filtro.q), autoescape=True))
    if filtro.estado:
        consulta = consulta.where(Inscripcion.estado == filtro.estado)
    if filtro.mesa is not None:
        consulta = consulta.where(Inscripcion.mesa_id == filtro.mesa)
    if filtro.pais:
        consulta = consulta.where(Inscripcion.pais == filtro.pais)
    if filtro.institucion:
        consulta = consulta.where(Inscripcion.institucion_plegada.contains(plegar(filtro.institucion), autoescape=True))
    return consulta


def _pagina() -> int:
    texto = request.args.get("pagina", "1").strip()
    if not texto.isdigit() or int(texto) < 1:
        abort(400, description=_("Número de página no válido."))
    return int(texto)


# --- Lista ----------------------------------------------------------------------------------------

def _lista(evento, ajustes=None, codigo=200):
    mesas = mesas_por_id(evento)
    filtro = leer_filtro(mesas)
    disponibilidad = servicios.disponibilidad(evento)
    consulta = consulta_filtrada(evento, filtro)
    total = db.session.scalar(select(func.count()).select_from(consulta.subquery()))
    paginas = max(1, -(-total // POR_PAGINA))
    pagina = min(_pagina(), paginas)
    filas = db.session.execute(consulta.order_by(Inscripcion.creado_en, Inscripcion.id)
                               .offset((pagina - 1) * POR_PAGINA).limit(POR_PAGINA)).scalars().all()
    paises_usados = db.session.execute(
        select(Inscripcion.pais).where(Inscripcion.evento_id == evento.id, Inscripcion.pais != "").distinct()).scalars().all()
    instituciones = db.session.execute(
        select(Inscripcion.institucion).where(Inscripcion.evento_id == evento.id, Inscripcion.institucion != "")
        .distinct().order_by(Inscripcion.institucion).limit(1000)).scalars().all()
    correos_por_estado = dict(db.session.execute(
        select(CorreoSaliente.estado, func.count()).where(
            CorreoSaliente.evento_id == evento.id, CorreoSaliente.estado.in_(("pendiente", "fallido")))
        .group_by(CorreoSaliente.estado)).all())
    nombres_pais = nombres_de_paises(g.idioma)
    if ajustes is None:
        ajustes = FormularioAjustesInscripcion(formdata=None, obj=evento)
    return privado(render_template(
        "organizacion/inscripciones.html", evento=evento, mesas=mesas, filtro=filtro, disponibilidad=disponibilidad,
        borrado=privacidad.fecha_de_borrado(evento), maximo_retencion=RETENCION_MESES_POR_OMISION,
        canceladas=disponibilidad.canceladas, total=total, pagina=pagina, paginas=paginas, filas=filas, nombres_pais=nombres_pais,
        paises_usados=sorted(paises_usados, key=orden_de_pais(g.idioma)),
        instituciones=instituciones, correos_por_estado=correos_por_estado, estados=ESTADOS_INSCRIPCION,
        modalidades=MODALIDADES_PARTICIPACION, ajustes=ajustes, estado_inscripcion=evento.estado_inscripcion(),
        operaciones=masivas.OPERACIONES,
        volver=url_for("organizacion.inscripciones", slug=evento.slug, **filtro.argumentos(),
                       **({"pagina": pagina} if pagina > 1 else {}))), codigo)


@bp.get("/eventos/<slug>/inscripciones")
@vista_de_evento()
def inscripciones(evento):
    return _lista(evento)


@bp.post("/eventos/<slug>/inscripciones/ajustes")
@vista_de_evento(auditoria=_l("Ajustes de la inscripción"))
def ajustes_inscripcion(evento):
    formulario = FormularioAjustesInscripcion()
    if not formulario.validate_on_submit():
        return _lista(evento, formulario, 400)
    evento.requiere_aprobacion = bool(formulario.requiere_aprobacion.data)
    evento.aviso_privacidad = (formulario.aviso_privacidad.data or "").strip()
    if formulario.retencion_meses.data is not None:  # vacío: se queda como estaba
        evento.retencion_meses = formulario.retencion_meses.data
    db.session.commit()
    flash(_("Ajustes de la inscripción guardados."), "info")
    return redirect(url_for("organizacion.inscripciones", slug=evento.slug) + "#ajustes")


# --- Ficha de una inscripción --------------------------------------------------------------------

@bp.get("/eventos/<slug>/inscripciones/<int:inscripcion_id>")
@vista_de_evento((Inscripcion, "inscripcion_id"))
def inscripcion(evento, inscripcion):
    mesas = mesas_por_id(evento)
    preguntas = list(evento.preguntas_inscripcion)
    respuestas = [(p.texto, _respuesta_legible(p, inscripcion.respuestas.get(str(p.id)))) for p in preguntas]
    vigentes = {str(p.id) for p in preguntas}
    # Respuestas a preguntas que ya se quitaron del formulario: se conservan y se muestran aparte.
    antiguas = [_respuesta_legible(None, valor) for clave, valor in (inscripcion.respuestas or {}).items()
                if clave not in vigentes]
    correos = db.session.execute(select(CorreoSaliente).where(CorreoSaliente.inscripcion_id == inscripcion.id)
                                 .order_by(CorreoSaliente.creado_en, CorreoSaliente.id)).scalars().all()
    return privado(render_template(
        "organizacion/inscripcion.html", evento=evento, inscripcion=inscripcion, mesa=mesas.get(inscripcion.mesa_id),
        borrado=privacidad.fecha_de_borrado(evento),
        respuestas=respuestas, antiguas=antiguas, correos=correos,
        nombre_pais=nombres_de_paises(g.idioma).get(inscripcion.pais, inscripcion.pais),
        modalidades=MODALIDADES_PARTICIPACION, volver=request.path))


@bp.get("/eventos/<slug>/inscripciones/<int:inscripcion_id>/datos.json")
@vista_de_evento((Inscripcion, "inscripcion_id"))
def datos_de_inscripcion(evento, inscripcion):
    """Todo lo que se guarda de la persona (para atender una petición de acceso recibida por otro medio). La
    descarga queda en la auditoría, con el número de la inscripción."""
    db.session.add(Auditoria(evento_id=evento.id, usuario_id=current_user.id, accion="Descarga de datos personales",
                             cambios=[{"accion": "descargó", "objeto": f"Inscripción n.º {inscripcion.id}"}]))
    contenido = json.dumps(privacidad.datos_de(inscripcion), ensure_ascii=False, indent=2)
    db.session.commit()
    respuesta = privado(contenido)
    respuesta.content_type = "application/json; charset=utf-8"
    respuesta.headers["Content-Disposition"] = f'attachment; filename="datos-inscripcion-{inscripcion.id}.json"'
    return respuesta


@bp.post("/eventos/<slug>/inscripciones/<int:inscripcion_id>/borrar-datos")
@vista_de_evento((Inscripcion, "inscripcion_id"), boton=True)
def borrar_datos_de_inscripcion(evento, inscripcion):
    """Borrar los datos de la persona a petición suya recibida por otro medio (la auditoría anota el número de
    la inscripción, nunca sus datos)."""
    privacidad.borrar(inscripcion.id, usuario_id=current_user.id)
    db.session.commit()
    flash(_("Se borraron los datos personales de la inscripción n.º %(numero)d.", numero=inscripcion.id), "info")
    return redirect(url_for("organizacion.inscripcion", slug=evento.slug, inscripcion_id=inscripcion.id), 303)


@bp.post("/eventos/<slug>/inscripciones/<int:inscripcion_id>/cancelar")
@vista_de_evento((Inscripcion, "inscripcion_id"), boton=True,
                 auditoria=_l("Inscripción cancelada por la organización"))
def cancelar_inscripcion(evento, inscripcion):
    destino = _volver(evento, url_for("organizacion.inscripcion", slug=evento.slug, inscripcion_id=inscripcion.id))
    if inscripcion.estado == "cancelada":
        flash(_("Esta inscripción ya estaba cancelada."), "error")
        return redirect(destino, 303)
    nombre = inscripcion.nombre_completo
    promovidas = servicios.cancelar(inscripcion.id)
    nombres_promovidas = ", ".join(p.nombre_completo for p in promovidas)
    db.session.commit()
    flash(_("Inscripción de %(nombre)s cancelada; se le avisó por correo.", nombre=nombre), "info")
    if promovidas:
        flash(_("Pasaron de la lista de espera a confirmadas (y se les avisó): %(nombres)s.",
                nombres=nombres_promovidas), "info")
    return redirect(destino, 303)


@bp.post("/eventos/<slug>/inscripciones/<int:inscripcion_id>/promover")
@vista_de_evento((Inscripcion, "inscripcion_id"), boton=True)
def promover_inscripcion(evento, inscripcion):
    destino = _volver(evento, url_for("organizacion.inscripcion", slug=evento.slug, inscripcion_id=inscripcion.id))
    nombre, pendiente = inscripcion.nombre_completo, inscripcion.estado == "pendiente"
    auditar(_l("Inscripción aprobada por la organización") if pendiente
            else _l("Inscripción confirmada desde la lista de espera"))
    try:
        if pendiente:
            estado = servicios.aprobar(inscripcion.id)
        else:
            servicios.promover(inscripcion.id)
            estado = "confirmada"
    except servicios.InscripcionNoPosible as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(destino, 303)
    db.session.commit()
    if estado == "confirmada":
        flash(_("Inscripción de %(nombre)s confirmada; se le avisó por correo.", nombre=nombre), "info")
    else:
        flash(_("Inscripción de %(nombre)s aprobada, pero no hay plazas libres: pasó a la lista de espera.",
                nombre=nombre), "aviso")
    return redirect(destino, 303)


@bp.post("/eventos/<slug>/inscripciones/<int:inscripcion_id>/reenviar")
@vista_de_evento((Inscripcion, "inscripcion_id"), boton=True,
                 auditoria=_l("Reenvío del correo de inscripción"))
def reenviar_confirmacion(evento, inscripcion):
    destino = _volver(evento, url_for("organizacion.inscripcion", slug=evento.slug, inscripcion_id=inscripcion.id))
    if not inscripcion.activa:
        flash(_("La inscripción está cancelada: no hay confirmación que reenviar."), "error")
        return redirect(destino, 303)
    avisos.alta(inscripcion)
    db.session.commit()
    flash(_("Se volvió a enviar el correo de la inscripción a %(correo)s.", correo=inscripcion.correo), "info")
    return redirect(destino, 303)


# --- Alta a mano ---------------------------------------------------------------------------------

def _formulario_manual(evento):
    formulario = clase_de_formulario(evento, FormularioInscripcionManual)()
    formulario.pais.choices = opciones_de_pais(g.idioma)
    if "mesa" in formulario:
        por_mesa = servicios.disponibilidad(evento).por_mesa
        formulario.mesa.choices = [
            (m.id, ngettext("%(mesa)s — %(confirmadas)d de %(num)d confirmada", "%(mesa)s — %(confirmadas)d de %(num)d confirmadas",
                           m.cupo, mesa=m.nombre, confirmadas=por_mesa.get(m.id, 0)) if m.cupo else m.nombre)
            for m in evento.mesas]
    return formulario


@bp.route("/eventos/<slug>/inscripciones/nueva", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Inscripción añadida por la organización"))
def nueva_inscripcion(evento):
    formulario = _formulario_manual(evento)
    if formulario.validate_on_submit():
        datos = datos_de_formulario(formulario, evento, por_organizacion=True)
        try:
            nueva, es_nueva = servicios.inscribir(evento.id, datos, por_organizacion=True)
        except servicios.InscripcionNoPosible as error:
            db.session.rollback()
            formulario.form_errors.append(str(error))
        else:
            db.session.commit()
            if es_nueva:
                flash(_("Inscripción de %(nombre)s añadida: %(estado)s. Se le envió el correo correspondiente.",
                        nombre=nueva.nombre_completo, estado=nueva.etiqueta_estado), "info")
            else:
                flash(_("%(correo)s ya tenía una inscripción en este evento: no se cambió nada.",
                        correo=nueva.correo), "aviso")
            return redirect(url_for("organizacion.inscripcion", slug=evento.slug, inscripcion_id=nueva.id), 303)
    codigo = 400 if formulario.is_submitted() else 200
    return privado(render_template("organizacion/inscripcion_nueva.html", evento=evento, formulario=formulario,
                                    estado_inscripcion=evento.estado_inscripcion()), codigo)


# --- Exportar ------------------------------------------------------------------------------------

def _filas_exportacion(evento, filtro):
    mesas = mesas_por_id(evento)
    preguntas = list(evento.preguntas_inscripcion)
    nombres_pais = nombres_de_paises(g.idioma)
    yield ([_("Nombre"), _("Apellidos"), _("Correo"), _("Institución"), _("Cargo"), _("País (código)"), _("País"),
            _("Ciudad"), _("Modalidad"), _("Mesa"), _("Estado"),
            _("Fecha de inscripción (hora de %(lugar)s)", lugar=nombre_lugar(evento.zona_horaria, g.idioma))]
           + [p.texto for p in preguntas])
    consulta = consulta_filtrada(evento, filtro).order_by(Inscripcion.creado_en, Inscripcion.id)
    for i in db.session.execute(consulta.execution_options(yield_per=500)).scalars():
        mesa = mesas.get(i.mesa_id)
        respuestas = i.respuestas or {}
        yield ([i.nombre, i.apellidos, i.correo, i.institucion, i.cargo, i.pais, nombres_pais.get(i.pais, ""), i.ciudad,
                str(MODALIDADES_PARTICIPACION.get(i.modalidad, i.modalidad)), mesa.nombre if mesa else "",
                str(i.etiqueta_estado), reloj_local(i.creado_en, evento.zona_horaria)]
               + [_respuesta_legible(p, respuestas.get(str(p.id))) for p in preguntas])


def descarga(contenido: bytes, tipo: str, nombre: str) -> Response:
    respuesta = Response(contenido, content_type=tipo,
                         headers={"Content-Disposition": f'attachment; filename="{nombre}"'})
    return privado(respuesta)


@bp.get("/eventos/<slug>/inscripciones.csv")
@vista_de_evento()
def exportar_inscripciones_csv(evento):
    encabezados, *filas = _filas_exportacion(evento, leer_filtro(mesas_por_id(evento)))
    return descarga(csv_bytes(encabezados, filas), TIPO_CSV, f"inscripciones-{evento.slug}.csv")


@bp.get("/eventos/<slug>/inscripciones.xlsx")
@vista_de_evento()
def exportar_inscripciones_xlsx(evento):
    encabezados, *filas = _filas_exportacion(evento, leer_filtro(mesas_por_id(evento)))
    return descarga(xlsx_bytes(encabezados, filas, hoja=_("Inscripciones")),
                     TIPO_XLSX,
                     f"inscripciones-{evento.slug}.xlsx")


# --- Preguntas propias del formulario ------------------------------------------------------------

def _aplicar_pregunta(pregunta, formulario):
    pregunta.texto = formulario.texto.data.strip()
    pregunta.tipo = formulario.tipo.data
    pregunta.opciones = lineas(formulario.opciones.data) if pregunta.tipo in TIPOS_CON_OPCIONES else []
    pregunta.obligatoria = bool(formulario.obligatoria.data)


def _lista_preguntas(evento, nueva, codigo=200):
    return render_template("organizacion/preguntas_inscripcion.html", evento=evento, nueva=nueva,
                           tipos_con_opciones=TIPOS_CON_OPCIONES), codigo


@bp.get("/eventos/<slug>/preguntas-inscripcion")
@vista_de_evento()
def preguntas_inscripcion(evento):
    return _lista_preguntas(evento, FormularioPreguntaInscripcion(formdata=None))


@bp.post("/eventos/<slug>/preguntas-inscripcion")
@vista_de_evento(auditoria=_l("Nueva pregunta del formulario de inscripción"))
def nueva_pregunta_inscripcion(evento):
    formulario = FormularioPreguntaInscripcion()
    if not formulario.validate_on_submit():
        return _lista_preguntas(evento, formulario, 400)
    pregunta = PreguntaInscripcion(orden=max((p.orden for p in evento.preguntas_inscripcion), default=-1) + 1)
    _aplicar_pregunta(pregunta, formulario)
    pregunta.evento = evento
    db.session.add(pregunta)
    db.session.commit()
    flash(_("Pregunta añadida al formulario de inscripción."), "info")
    return redirect(url_for("organizacion.preguntas_inscripcion", slug=evento.slug) + f"#pregunta-{pregunta.id}")


@bp.route("/eventos/<slug>/preguntas-inscripcion/<int:pregunta_inscripcion_id>", methods=["GET", "POST"])
@vista_de_evento((PreguntaInscripcion, "pregunta_inscripcion_id"),
                 auditoria=_l("Edición de una pregunta del formulario de inscripción"))
def pregunta_inscripcion(evento, pregunta):
    formulario = FormularioPreguntaInscripcion()
    if not formulario.is_submitted():
        formulario.texto.data, formulario.tipo.data = pregunta.texto, pregunta.tipo
        formulario.opciones.data = "\n".join(pregunta.opciones or [])
        formulario.obligatoria.data = pregunta.obligatoria
    elif formulario.validate_on_submit():
        _aplicar_pregunta(pregunta, formulario)
        db.session.commit()
        flash(_("Pregunta guardada."), "info")
        return redirect(url_for("organizacion.preguntas_inscripcion", slug=evento.slug) + f"#pregunta-{pregunta.id}")
    codigo = 400 if formulario.is_submitted() else 200
    return render_template("organizacion/pregunta_inscripcion.html", evento=evento, pregunta=pregunta,
                           formulario=formulario, tipos_con_opciones=TIPOS_CON_OPCIONES), codigo


registrar(Ordenable(
    PreguntaInscripcion, "pregunta_inscripcion", "preguntas-inscripcion/<int:pregunta_inscripcion_id>",
    volver=lambda p: url_for("organizacion.preguntas_inscripcion", slug=p.evento.slug),
    auditoria_borrar=_l("Pregunta del formulario de inscripción eliminada"),
    auditoria_mover=_l("Cambio del orden de las preguntas del formulario de inscripción"),
    coleccion=lambda p: p.evento.preguntas_inscripcion, ancla="pregunta",
    aviso_borrado=lambda p: _("Pregunta «%(texto)s» eliminada del formulario (las respuestas ya recibidas se "
                              "conservan).", texto=p.texto)))


# --- Correo saliente -----------------------------------------------------------------------------

@bp.get("/eventos/<slug>/correos")
@vista_de_evento()
def correos(evento):
    sin_enviar = db.session.execute(
        select(CorreoSaliente).where(CorreoSaliente.evento_id == evento.id,
                                     CorreoSaliente.estado.in_(("pendiente", "fallido")))
        .order_by(CorreoSaliente.creado_en, CorreoSaliente.id).limit(500)).scalars().all()
    enviados = db.session.scalar(select(func.count()).where(
        CorreoSaliente.evento_id == evento.id, CorreoSaliente.estado == "enviado"))
    return privado(render_template("organizacion/correos.html", evento=evento, correos=sin_enviar, enviados=enviados,
                                    intentos_maximos=bandeja.INTENTOS_MAXIMOS, acciones=FormularioVacio()))


@bp.post("/eventos/<slug>/correos/reintentar")
@vista_de_evento(boton=True, auditoria=_l("Reintento de los correos fallidos"))
def reintentar_correos(evento):
    momento = ahora()
    # Un correo que otro proceso reclamó hace menos de un minuto (fallido sin error) se está enviando: no se
    # toca, o saldría dos veces. Pasado ese minuto, se da por interrumpido y se reintenta.
    en_curso = (CorreoSaliente.ultimo_error == "") & \
        (CorreoSaliente.proximo_intento > momento + bandeja.plazo_de_reclamo() - bandeja.ENVIO_EN_CURSO)
    fallidos = db.session.execute(select(CorreoSaliente).where(
        CorreoSaliente.evento_id == evento.id, CorreoSaliente.estado == "fallido", ~en_curso)).scalars().all()
    if not fallidos:
        flash(_("No hay correos fallidos que reintentar."), "info")
        return redirect(url_for("organizacion.correos", slug=evento.slug), 303)
    ids = [c.id for c in fallidos]
    for saliente in fallidos:
        saliente.proximo_intento = momento
        # Agotados los reintentos automáticos, el botón concede uno más (si no, nunca se volvería a intentar).
        saliente.intentos = min(saliente.intentos, bandeja.INTENTOS_MAXIMOS - 1)
    db.session.commit()
    bandeja.entregar_pendientes(limite=len(ids), evento_id=evento.id, primero=ids)
    por_estado = dict(db.session.execute(select(CorreoSaliente.estado, func.count())
                                         .where(CorreoSaliente.id.in_(ids)).group_by(CorreoSaliente.estado)).all())
    enviados = por_estado.get("enviado", 0)
    siguen = len(ids) - enviados
    if siguen:
        flash(_("Reintento terminado: %(enviados)s, %(fallidos)s (vea el error).",
                enviados=ngettext("%(num)d enviado", "%(num)d enviados", enviados),
                fallidos=ngettext("%(num)d sigue sin poder entregarse", "%(num)d siguen sin poder entregarse", siguen)), "aviso")
    else:
        flash(ngettext("Reintento terminado: %(num)d correo enviado.", "Reintento terminado: %(num)d correos enviados.",
                       enviados), "info")
    return redirect(url_for("organizacion.correos", slug=evento.slug), 303)


# --- Código de acreditación ----------------------------------------------------------------------

@bp.post("/eventos/<slug>/inscripciones/<int:inscripcion_id>/reemitir-codigo")
@vista_de_evento((Inscripcion, "inscripcion_id"), auditoria=_l("Reemitir código de acreditación"), boton=True)
def reemitir_codigo(evento, inscripcion):
    """Credencial perdida o compartida: un código nuevo, y el anterior deja de servir en la puerta.
    Si la inscripción está confirmada, el correo con el QR nuevo sale en la misma transacción."""
    from ..acreditacion import servicios as acreditacion
    destino = _volver(evento, url_for("organizacion.inscripcion", slug=evento.slug, inscripcion_id=inscripcion.id))
    if not inscripcion.activa:
        flash(_("La inscripción está cancelada: no tiene código de acreditación que reemitir."), "error")
        return redirect(destino, 303)
    acreditacion.reemitir_codigo(inscripcion)
    if inscripcion.estado == "confirmada":
        avisos.alta(inscripcion)
    db.session.commit()
    if inscripcion.estado == "confirmada":
        flash(_("Código nuevo creado: el anterior ya no sirve. Se envió a %(correo)s el correo con el QR nuevo.",
                correo=inscripcion.correo), "info")
    else:
        flash(_("Código nuevo creado: el anterior ya no sirve. La persona recibirá el QR cuando se confirme su "
                "inscripción."), "info")
    return redirect(destino, 303)
