"""Comunicaciones en la oficina: lo enviado y cómo va su entrega, los recordatorios antes de cada sesión, los
cambios del programa sin avisar (solo se avisan con su botón) y el compositor de anuncios y del mensaje de
después del evento: vista previa con una persona real, prueba a la propia dirección y envío confirmado.

Las reglas (segmentos, marcadores, a quién llega cada cosa) están en comunicaciones/servicios.py; todo
correo sale por la bandeja de salida."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import correo
from ..comunicaciones import mensajes, servicios
from ..extensiones import db, es_entero_bd
from ..modelos import Anuncio, CorreoSaliente, Inscripcion, Recordatorio, Sesion
from ..permisos import exigir_boton, vista_de_evento
from ..seguridad import POLITICA_CONTENIDO
from ..zonas import ahora
from . import bp
from .formularios import (IDIOMAS_MENSAJE, FormularioAnuncio, FormularioAvisoCambios,
                          FormularioRecordatorio)
from .inscripciones import consulta_filtrada, leer_filtro, mesas_por_id, privado

ACCIONES_ANUNCIO = ("vista_previa", "prueba", "enviar")
ACCIONES_RECORDATORIO = ("vista_previa", "guardar")
EXPLICACION_MARCADORES = {
    "nombre": _l("nombre de la persona"), "apellidos": _l("sus apellidos"), "evento": _l("título del evento"),
    "enlace": _l("su página personal"), "sesion": _l("título de la sesión"),
    "fecha": _l("fecha de la sesión (hora del evento)"), "hora_evento": _l("horario en la hora del evento"),
    "hora_persona": _l("horario en la hora de la persona"),
    "enlace_conexion": _l("su enlace personal para conectarse, si participa en línea"),
}
LEYENDAS_VERSION = {"es": _l("Versión en español"), "en": _l("Versión en inglés"), "pt": _l("Versión en portugués")}
# El HTML de la vista previa (un iframe aislado, sin scripts) lleva estilos en atributos, como el correo.
POLITICA_CON_VISTA_PREVIA = POLITICA_CONTENIDO + "; style-src-attr 'unsafe-inline'"


def etiqueta_antelacion(minutos: int) -> str:
    """«24 h antes», «1 h 30 min antes», «30 min antes»."""
    horas, resto = divmod(minutos, 60)
    if not horas:
        return _("%(minutos)d min antes", minutos=resto)
    if not resto:
        return _("%(horas)d h antes", horas=horas)
    return _("%(horas)d h %(minutos)d min antes", horas=horas, minutos=resto)


# --- La página de comunicaciones ---------------------------------------------------------------------
def _etiqueta_segmento(anuncio: Anuncio, mesas: dict[int, str]) -> str:
    segmento = anuncio.segmento or {}
    tipo = segmento.get("tipo", "")
    if anuncio.tipo == "cambios":
        return _("Quienes tienen esas sesiones en su programa")
    if tipo == "seleccion":
        return ngettext("%(num)d persona elegida", "%(num)d personas elegidas", len(segmento.get("ids", [])))
    etiqueta = str(servicios.SEGMENTOS.get(tipo, tipo))
    if tipo == "mesas":
        nombres = [mesas.get(m, _("(mesa eliminada)")) for m in segmento.get("mesas", [])]
        return f"{etiqueta}: {', '.join(nombres)}"
    return etiqueta


def _asunto(anuncio: Anuncio) -> str:
    asunto = anuncio.version(None)[1].get("asunto", "")
    if asunto:
        return asunto
    return _("(asunto automático: «Cambios en su programa»)") if anuncio.tipo == "cambios" else ""


def _cambio_legible(cambio: servicios.Cambio) -> dict:
    """Un cambio pendiente con sus instantes como fechas (se guardan como texto ISO)."""
    def tramo(datos):
        return {**datos, "inicio": datetime.fromisoformat(datos["inicio"]), "fin": datetime.fromisoformat(datos["fin"])}
    return {"titulo": cambio.titulo, "antes": tramo(cambio.antes), "campos": cambio.campos,
            "despues": tramo(cambio.despues) if cambio.despues is not None else None}


def _pagina(evento, aviso, codigo=200):
    mesas = {m.id: m.nombre for m in evento.mesas}
    anuncios = db.session.execute(
        select(Anuncio).options(selectinload(Anuncio.creado_por))
        .where(Anuncio.evento_id == evento.id, Anuncio.enviado_en.is_not(None))
        .order_by(Anuncio.enviado_en.desc(), Anuncio.id.desc())).scalars().all()
    recordatorios = db.session.execute(
        select(Recordatorio).where(Recordatorio.evento_id == evento.id)
        .order_by(Recordatorio.minutos_antes.desc(), Recordatorio.id)).scalars().all()
    cambios = servicios.cambios_pendientes(evento)
    return privado(render_template(
        "organizacion/comunicaciones.html", evento=evento, cifras=servicios.resultados(evento),
        historial=[(a, _asunto(a), _etiqueta_segmento(a, mesas)) for a in anuncios],
        recordatorios=[(r, etiqueta_antelacion(r.minutos_antes), servicios.proximos_envios(r) if r.activo else [])
                       for r in recordatorios],
        cambios=[_cambio_legible(c) for c in cambios],
        afectadas=servicios.contar_afectadas(evento, cambios) if cambios else 0,
        aviso=aviso, marcadores=servicios.MARCADORES), codigo)


@bp.get("/eventos/<slug>/comunicaciones")
@vista_de_evento()
def comunicaciones(evento):
    return _pagina(evento, FormularioAvisoCambios(formdata=None))


@bp.post("/eventos/<slug>/comunicaciones/cambios")
@vista_de_evento(auditoria=_l("Aviso de cambios del programa"))
def avisar_cambios(evento):
    """Lo único que avisa de los cambios del programa: nada sale solo."""
    formulario = FormularioAvisoCambios()
    if formulario.validate_on_submit():
        nota = (formulario.nota.data or "").replace("\r\n", "\n").strip()
        try:
            anuncio = servicios.avisar_cambios(evento, nota, formulario.idioma.data, current_user)
        except servicios.DatosInvalidos as error:
            formulario.nota.errors = [*formulario.nota.errors, str(error)]
        else:
            if anuncio is None:
                flash(_("No había cambios del programa sin avisar."), "info")
            else:
                db.session.commit()
                flash(ngettext("Aviso de cambios enviado a %(num)d persona.",
                               "Aviso de cambios enviado a %(num)d personas.", anuncio.destinatarios), "info")
            return redirect(url_for("organizacion.comunicaciones", slug=evento.slug) + "#cambios", 303)
    return _pagina(evento, formulario, 400)


# --- Textos del mensaje (anuncios y recordatorios) ------------------------------------------------------
def _idioma_de_la_oficina() -> str:
    idioma = g.get("idioma", "es")
    return idioma if idioma in IDIOMAS_MENSAJE else "es"


def _textos_validos(formulario, permitidos: tuple[str, ...]) -> dict | None:
    """{idioma: {"asunto", "texto"}} si la versión principal está completa y todas las versiones usan solo
    marcadores permitidos; si no, None con los errores anotados en el formulario (se llama tras validarlo)."""
    principal = formulario.idioma.data
    if principal not in IDIOMAS_MENSAJE or any(
            formulario[f"{campo}_{idioma}"].errors for idioma in IDIOMAS_MENSAJE for campo in ("asunto", "texto")):
        return None
    textos = formulario.textos()
    completo = True
    for campo in (formulario[f"asunto_{principal}"], formulario[f"texto_{principal}"]):
        if not (campo.data or "").strip():
            campo.errors = [*campo.errors, _("La versión principal necesita asunto y texto.")]
            completo = False
    if not completo:
        return None
    for idioma, version in textos.items():
        try:
            servicios.validar_textos({idioma: version}, permitidos)
        except servicios.DatosInvalidos as error:
            formulario.form_errors.append(f"{LEYENDAS_VERSION[idioma]}: {error}")
            return None
    return textos


@dataclass
class VistaPrevia:
    """Lo que la página muestra tras «Vista previa»: el correo de una persona real y a cuántas llegaría."""
    correo: dict  # asunto, destinatario, texto, html (vacío: nadie a quien componérselo)
    cuantas: int | None = None
    huella: str = ""
    motivo: str = ""  # por qué no hay correo que mostrar


def _con_vista_previa(respuesta, vista: VistaPrevia | None):
    if vista is not None and vista.correo:
        respuesta.headers["Content-Security-Policy"] = POLITICA_CON_VISTA_PREVIA
    return respuesta


def _versiones_visibles(formulario) -> tuple[list[str], list[str], bool]:
    """(idiomas a la vista, idiomas en «otras versiones», si esas se muestran abiertas)."""
    principal = formulario.idioma.data if formulario.idioma.data in IDIOMAS_MENSAJE else "es"
    otros = [i for i in IDIOMAS_MENSAJE if i != principal]
    campos = [formulario[f"{campo}_{idioma}"] for idioma in otros for campo in ("asunto", "texto")]
    abiertas = any(campo.data or campo.errors for campo in campos)
    return [principal], otros, abiertas


# --- Anuncios y mensaje de después del evento -------------------------------------------------------
def _formulario_anuncio(evento, con_seleccion: bool, **opciones) -> FormularioAnuncio:
    formulario = FormularioAnuncio(**opciones)
    formulario.segmento.choices = [(clave, etiqueta) for clave, etiqueta in servicios.SEGMENTOS.items()
                                   if (clave != "seleccion" or con_seleccion) and (clave != "mesas" or evento.mesas)]
    formulario.mesas.choices = [(m.id, m.nombre) for m in evento.mesas]
    return formulario


def _formulario_inicial(evento, tipo: str, ids=()) -> FormularioAnuncio:
    formulario = _formulario_anuncio(evento, bool(ids), formdata=None)
    formulario.ids.data = list(ids)
    formulario.segmento.data = "seleccion" if ids else ("asistieron" if tipo == "despues" else "confirmadas")
    idioma = _idioma_de_la_oficina()
    textos = {}
    if tipo == "despues":
        textos[idioma] = {"asunto": _("Gracias por participar en {evento}"),
                          "texto": _("Hola, {nombre}:\n\nGracias por participar en {evento}. Debajo encontrará lo que "
                                     "dejamos para usted: grabaciones, materiales y, si corresponde, su constancia.\n\n"
                                     "Un saludo,\nLa organización")}
    formulario.rellenar_textos(textos, idioma)
    return formulario


def _pantalla_anuncio(evento, tipo: str, formulario, vista: VistaPrevia | None = None, aviso: str = "",
                      codigo: int = 200):
    visibles, otros, abiertas = _versiones_visibles(formulario)
    pagina = render_template(
        "organizacion/comunicaciones_anuncio.html", evento=evento, tipo=tipo, formulario=formulario,
        vista=vista, aviso=aviso, visibles=visibles, otros=otros, abiertas=abiertas,
        marcadores=servicios.MARCADORES, explicaciones=EXPLICACION_MARCADORES, leyendas=LEYENDAS_VERSION,
        destino=url_for("organizacion.mensaje_despues" if tipo == "despues" else "organizacion.nuevo_anuncio",
                        slug=evento.slug))
    return _con_vista_previa(privado(pagina, codigo), vista)


def _leer_anuncio(evento, tipo: str, formulario) -> Anuncio | None:
    """El anuncio que describe el formulario, sin añadirlo a la sesión; None con los errores anotados (todos
    a la vez: los de los campos, los de los textos y los del segmento)."""
    valido = formulario.validate_on_submit()
    textos = _textos_validos(formulario, servicios.MARCADORES)
    segmento = _segmento_valido(evento, formulario)
    if not valido or textos is None or segmento is None:
        return None
    return Anuncio(evento=evento, tipo=tipo, segmento=segmento, textos=textos, idioma=formulario.idioma.data)


def _segmento_valido(evento, formulario) -> dict | None:
    if formulario.segmento.errors or formulario.mesas.errors or formulario.ids.errors:
        return None
    try:
        return servicios.segmento_de(evento, formulario.segmento.data, mesas=formulario.mesas.data or (),
                                     ids=formulario.ids.data or ())
    except servicios.DatosInvalidos as error:
        formulario.segmento.errors = [*formulario.segmento.errors, str(error)]
        return None


def _huella(anuncio: Anuncio) -> str:
    """Resume lo que mostró la vista previa: si al enviar el mensaje o el segmento son otros, no se envía."""
    contenido = json.dumps([anuncio.tipo, anuncio.segmento, anuncio.idioma, anuncio.textos], sort_keys=True)
    return hashlib.sha256(contenido.encode()).hexdigest()[:32]


def _encolar_prueba(evento, compuesto: dict) -> None:
    """El correo de la vista previa, tal cual, a quien lo está escribiendo (por la bandeja de salida)."""
    asunto = _("[Prueba] %(asunto)s", asunto=compuesto["asunto"])
    mensaje = correo.construir(current_user.correo, asunto, compuesto["texto"], str(compuesto["html"]))
    saliente = CorreoSaliente(evento_id=evento.id, tipo="prueba", destinatario=current_user.correo,
                              asunto=correo.asunto_en_una_linea(asunto)[:correo.LARGO_ASUNTO], mensaje=bytes(mensaje))
    db.session.add(saliente)
    correo.programar_entrega(saliente)


def _desde_la_lista(evento, tipo: str):
    """Llega de la lista de inscripciones: el compositor con las personas marcadas o, con «todas las que cumplen
    estos filtros», con las que los cumplen ahora (el filtro de la URL se repite aquí, como en las acciones en
    bloque)."""
    exigir_boton()
    if request.form.get("alcance") == "filtro":
        filtro = leer_filtro(mesas_por_id(evento))
        ids = db.session.execute(consulta_filtrada(evento, filtro).with_only_columns(Inscripcion.id)).scalars().all()
        if not ids:
            flash(_("Ninguna inscripción cumple esos filtros: no hay a quién escribir."), "error")
            return redirect(url_for("organizacion.inscripciones", slug=evento.slug, **filtro.argumentos()), 303)
        return _pantalla_anuncio(evento, tipo, _formulario_inicial(evento, tipo, sorted(ids)))
    ids = request.form.getlist("ids")
    if not all(len(i) <= 10 and i.isascii() and i.isdigit() and es_entero_bd(int(i)) for i in ids):
        abort(400, description=_("La selección de personas no es válida."))
    if not ids:
        flash(_("Marque en la lista a las personas a las que quiere escribir."), "error")
        return redirect(url_for("organizacion.inscripciones", slug=evento.slug), 303)
    return _pantalla_anuncio(evento, tipo, _formulario_inicial(evento, tipo, sorted({int(i) for i in ids})))


def _no_enviado(formulario, cuantas: int, huella: str) -> str:
    """Por qué «Enviar» no envía (vacío: sí se envía): lo confirmado no es lo que hay ahora."""
    if formulario.cuantas.data is None or not formulario.huella.data:
        return _("Antes de enviar, revise la vista previa. No se envió nada.")
    if formulario.huella.data != huella:
        return _("El mensaje o los destinatarios cambiaron desde la vista previa: revísela y vuelva a confirmar. "
                 "No se envió nada.")
    if formulario.cuantas.data != cuantas:
        return ngettext("Ahora el mensaje llegaría a %(num)d persona, no a %(antes)d como decía la vista previa: "
                        "revísela y vuelva a confirmar. No se envió nada.",
                        "Ahora el mensaje llegaría a %(num)d personas, no a %(antes)d como decía la vista previa: "
                        "revísela y vuelva a confirmar. No se envió nada.", cuantas, antes=formulario.cuantas.data)
    if not cuantas:
        return _("Nadie recibiría este mensaje. No se envió nada.")
    return ""


def _enviar(evento, anuncio: Anuncio):
    anuncio.creado_por_id = current_user.id
    db.session.add(anuncio)
    cuantas = servicios.enviar(anuncio)
    db.session.commit()
    if anuncio.tipo == "despues":
        flash(ngettext("Mensaje de después del evento enviado a %(num)d persona.",
                       "Mensaje de después del evento enviado a %(num)d personas.", cuantas), "info")
    else:
        flash(ngettext("Anuncio enviado a %(num)d persona.", "Anuncio enviado a %(num)d personas.", cuantas), "info")
    return redirect(url_for("organizacion.comunicaciones", slug=evento.slug) + f"#anuncio-{anuncio.id}", 303)


def _compositor(evento, tipo: str):
    if request.method == "GET":
        return _pantalla_anuncio(evento, tipo, _formulario_inicial(evento, tipo))
    accion = request.form.get("accion")
    if accion is None:
        return _desde_la_lista(evento, tipo)
    if accion not in ACCIONES_ANUNCIO:
        abort(400, description=_("Acción desconocida."))
    formulario = _formulario_anuncio(evento, bool(request.form.getlist("ids")))
    anuncio = _leer_anuncio(evento, tipo, formulario)
    if anuncio is None:
        return _pantalla_anuncio(evento, tipo, formulario, codigo=400)
    cuantas, huella = servicios.contar(evento, anuncio.segmento), _huella(anuncio)
    aviso = _no_enviado(formulario, cuantas, huella) if accion == "enviar" else ""
    if accion == "enviar" and not aviso:
        return _enviar(evento, anuncio)
    compuesto = mensajes.vista_previa(anuncio, servicios.muestra(evento, anuncio.segmento), tipo)
    vista = VistaPrevia(compuesto, cuantas, huella, "" if compuesto else _("Nadie recibiría este mensaje."))
    if accion == "prueba" and compuesto:
        _encolar_prueba(evento, compuesto)
        db.session.commit()
        flash(_("Prueba anotada en la bandeja de salida para %(correo)s: le llegará en unos momentos, tal como la "
                "recibiría %(persona)s.", correo=current_user.correo, persona=compuesto["destinatario"]), "info")
    elif accion == "prueba":
        aviso = _("No hay a quién componerle el mensaje: el segmento está vacío. No se envió ninguna prueba.")
    return _pantalla_anuncio(evento, tipo, formulario, vista, aviso)


@bp.route("/eventos/<slug>/comunicaciones/anuncio", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Envío de un anuncio"))
def nuevo_anuncio(evento):
    return _compositor(evento, "anuncio")


@bp.route("/eventos/<slug>/comunicaciones/despues", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Envío del mensaje de después del evento"))
def mensaje_despues(evento):
    return _compositor(evento, "despues")


# --- Recordatorios -----------------------------------------------------------------------------------
def _formulario_recordatorio_inicial(recordatorio: Recordatorio | None) -> FormularioRecordatorio:
    formulario = FormularioRecordatorio(formdata=None)
    if recordatorio is None:
        idioma = _idioma_de_la_oficina()
        formulario.rellenar_textos({idioma: {
            "asunto": _("Recordatorio: {sesion}"),
            "texto": _("Hola, {nombre}: le recordamos que {sesion} empieza el {fecha} a las {hora_evento} "
                       "(su hora: {hora_persona}).")}}, idioma)
        return formulario
    formulario.rellenar_textos(recordatorio.textos or {}, recordatorio.idioma)
    formulario.rellenar_antelacion(recordatorio.minutos_antes)
    formulario.activo.data = recordatorio.activo
    return formulario


def _previa_recordatorio(evento, borrador: Recordatorio) -> VistaPrevia:
    """El recordatorio de la próxima sesión tal como le llegaría a la primera persona confirmada."""
    persona = servicios.muestra(evento, {"tipo": "confirmadas"})
    sesion = db.session.execute(
        select(Sesion).where(Sesion.evento_id == evento.id, Sesion.padre_id.is_(None), Sesion.inicio > ahora())
        .order_by(Sesion.inicio, Sesion.orden).limit(1)).scalar_one_or_none()
    if persona is None:
        return VistaPrevia({}, motivo=_("Todavía no hay personas confirmadas con quien mostrar el recordatorio."))
    if sesion is None:
        return VistaPrevia({}, motivo=_("No quedan sesiones por empezar: este recordatorio ya no se enviaría."))
    compuesto = mensajes.vista_previa(borrador, persona, "recordatorio", sesion=sesion)
    return VistaPrevia(compuesto, motivo="" if compuesto else _("No se pudo componer el recordatorio."))


def _pantalla_recordatorio(evento, recordatorio, formulario, vista: VistaPrevia | None = None, codigo: int = 200):
    visibles, otros, abiertas = _versiones_visibles(formulario)
    pagina = render_template(
        "organizacion/comunicaciones_recordatorio.html", evento=evento, recordatorio=recordatorio,
        formulario=formulario, vista=vista, visibles=visibles, otros=otros, abiertas=abiertas,
        maximo_minutos=servicios.MINUTOS_MAXIMOS, marcadores=servicios.MARCADORES_RECORDATORIO,
        explicaciones=EXPLICACION_MARCADORES, leyendas=LEYENDAS_VERSION,
        destino=url_for("organizacion.recordatorio", slug=evento.slug, recordatorio_id=recordatorio.id)
        if recordatorio else url_for("organizacion.nuevo_recordatorio", slug=evento.slug))
    return _con_vista_previa(privado(pagina, codigo), vista)


def _editor_recordatorio(evento, recordatorio: Recordatorio | None):
    if request.method == "GET":
        return _pantalla_recordatorio(evento, recordatorio, _formulario_recordatorio_inicial(recordatorio))
    accion = request.form.get("accion", "guardar")
    if accion not in ACCIONES_RECORDATORIO:
        abort(400, description=_("Acción desconocida."))
    formulario = FormularioRecordatorio()
    valido = formulario.validate_on_submit()
    textos = _textos_validos(formulario, servicios.MARCADORES_RECORDATORIO)
    if not valido or textos is None:
        return _pantalla_recordatorio(evento, recordatorio, formulario, codigo=400)
    if accion == "vista_previa":
        borrador = Recordatorio(evento=evento, minutos_antes=formulario.minutos_antes(), textos=textos,
                                idioma=formulario.idioma.data, activo=True)
        return _pantalla_recordatorio(evento, recordatorio, formulario, _previa_recordatorio(evento, borrador))
    if recordatorio is None:
        recordatorio = Recordatorio(evento=evento, creado_por_id=current_user.id)
        db.session.add(recordatorio)
    elif formulario.minutos_antes() > recordatorio.minutos_antes or (formulario.activo.data and not recordatorio.activo):
        recordatorio.vigente_desde = ahora()  # los momentos de envío que ya pasaron no se envían tarde
    recordatorio.minutos_antes = formulario.minutos_antes()
    recordatorio.textos, recordatorio.idioma = textos, formulario.idioma.data
    recordatorio.activo = bool(formulario.activo.data)
    db.session.commit()
    flash(_("Recordatorio «%(antelacion)s» guardado.", antelacion=etiqueta_antelacion(recordatorio.minutos_antes)),
          "info")
    return redirect(url_for("organizacion.comunicaciones", slug=evento.slug) + f"#recordatorio-{recordatorio.id}", 303)


@bp.route("/eventos/<slug>/comunicaciones/recordatorios/nuevo", methods=["GET", "POST"])
@vista_de_evento(auditoria=_l("Nuevo recordatorio"))
def nuevo_recordatorio(evento):
    return _editor_recordatorio(evento, None)


@bp.route("/eventos/<slug>/comunicaciones/recordatorios/<int:recordatorio_id>", methods=["GET", "POST"])
@vista_de_evento((Recordatorio, "recordatorio_id"), auditoria=_l("Edición de un recordatorio"))
def recordatorio(evento, recordatorio):
    return _editor_recordatorio(evento, recordatorio)


def _cambiar_actividad(evento, recordatorio: Recordatorio, activo: bool):
    if activo and not recordatorio.activo:
        recordatorio.vigente_desde = ahora()  # lo que tocaba mientras estaba desactivado no se envía tarde
    recordatorio.activo = activo
    db.session.commit()
    etiqueta = etiqueta_antelacion(recordatorio.minutos_antes)
    flash(_("Recordatorio «%(antelacion)s» activado.", antelacion=etiqueta) if activo
          else _("Recordatorio «%(antelacion)s» desactivado: no se enviará.", antelacion=etiqueta), "info")
    return redirect(url_for("organizacion.comunicaciones", slug=evento.slug) + f"#recordatorio-{recordatorio.id}", 303)


@bp.post("/eventos/<slug>/comunicaciones/recordatorios/<int:recordatorio_id>/activar")
@vista_de_evento((Recordatorio, "recordatorio_id"), boton=True, auditoria=_l("Recordatorio activado"))
def activar_recordatorio(evento, recordatorio):
    return _cambiar_actividad(evento, recordatorio, True)


@bp.post("/eventos/<slug>/comunicaciones/recordatorios/<int:recordatorio_id>/desactivar")
@vista_de_evento((Recordatorio, "recordatorio_id"), boton=True, auditoria=_l("Recordatorio desactivado"))
def desactivar_recordatorio(evento, recordatorio):
    return _cambiar_actividad(evento, recordatorio, False)


@bp.post("/eventos/<slug>/comunicaciones/recordatorios/<int:recordatorio_id>/eliminar")
@vista_de_evento((Recordatorio, "recordatorio_id"), boton=True, auditoria=_l("Recordatorio eliminado"))
def eliminar_recordatorio(evento, recordatorio):
    etiqueta = etiqueta_antelacion(recordatorio.minutos_antes)
    db.session.delete(recordatorio)
    db.session.commit()
    flash(_("Recordatorio «%(antelacion)s» eliminado.", antelacion=etiqueta), "info")
    return redirect(url_for("organizacion.comunicaciones", slug=evento.slug) + "#recordatorios", 303)
