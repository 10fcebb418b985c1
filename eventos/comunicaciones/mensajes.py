"""Cada correo de comunicaciones se compone al entregarlo, con los datos de ese momento y en el idioma de la
persona (si la organización escribió esa versión; si no, en el de la versión principal). El texto que escribe la
organización es texto llano: en la parte HTML va escapado, con sus párrafos y sus direcciones como enlaces."""
from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes, policy
from typing import NamedTuple
from urllib.parse import urlsplit

from babel.dates import format_date
from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext as _
from markupsafe import Markup, escape

from .. import calendario, correo, instantanea, qr, zonas
from ..encuestas import participacion as encuestas
from ..inscripciones import avisos
from ..texto import fecha_hora_en
from ..extensiones import db
from ..modelos import CorreoSaliente
from ..zonas import ahora
from .servicios import rellenar

TIPOS = ("recordatorio", "anuncio", "despues", "cambios")
CON_BAJA = ("anuncio", "despues")  # los anuncios se pueden dejar de recibir; recordatorios y avisos, no
_DIRECCION = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def parrafos_html(texto: str) -> Markup:
    """Texto llano como HTML inerte: párrafos, saltos de línea y direcciones web como enlaces."""
    bloques = [b for b in re.split(r"\n\s*\n", texto.replace("\r\n", "\n").strip()) if b.strip()]
    html = []
    for bloque in bloques:
        escapado = str(escape(bloque))
        enlazado = _DIRECCION.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escapado)
        html.append("<p>" + enlazado.replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(html))


def dominio_publico() -> str:
    return urlsplit(current_app.config["URL_PUBLICA"]).hostname or "localhost"


def enlace_baja(inscripcion) -> str:
    return url_for("inscripciones.baja_anuncios", token=qr.firmar_baja(inscripcion), _external=True)


def _horario(sesion, evento, zona_persona: str, idioma: str) -> dict:
    """La sesión en la zona del evento y, si es otra, en la de la persona, con nombres legibles de las zonas."""
    def en(zona):
        inicio, fin = zonas.a_local(sesion.inicio, zona), zonas.a_local(sesion.fin, zona)
        return {"fecha": format_date(inicio.date(), "full", locale=idioma), "horas": f"{inicio:%H:%M}–{fin:%H:%M}",
                "lugar": zonas.nombre_lugar(zona, idioma)}
    return {"evento": en(evento.zona_horaria),
            "persona": en(zona_persona) if zona_persona != evento.zona_horaria else None}


class _Tramo(NamedTuple):
    inicio: datetime
    fin: datetime


def _horario_de_aviso(datos: dict, evento, zona_persona: str, idioma: str) -> dict:
    """El horario de un aviso de cambios (instantes guardados como texto ISO)."""
    return _horario(_Tramo(datetime.fromisoformat(datos["inicio"]), datetime.fromisoformat(datos["fin"])),
                    evento, zona_persona, idioma)


def _texto_hora(parte: dict) -> str:
    return f"{parte['horas']} ({parte['lugar']})"


def _invitacion_a_la_encuesta(evento, inscripcion, idioma: str) -> dict:
    """El enlace personal a la encuesta de evaluación (si esta persona puede responderla) y, si todavía no
    abre, desde cuándo."""
    encuesta = encuestas.encuesta_para_el_correo(evento.id, inscripcion)
    if encuesta is None:
        return {"enlace_encuesta": None}
    abre = None
    if not encuesta.abierta():
        abre = {"fecha": fecha_hora_en(encuesta.abre_en, evento.zona_horaria),
                "lugar": zonas.nombre_lugar(evento.zona_horaria, idioma)}
    return {"enlace_encuesta": url_for("encuestas.responder", token=qr.firmar_gestion(inscripcion), _external=True),
            "encuesta_abre": abre}


def componer(saliente: CorreoSaliente) -> tuple[str, bytes] | None:
    """(asunto, mensaje MIME), o None si ya no corresponde enviarlo (la persona canceló o pidió no recibir
    anuncios, la sesión ya empezó o el recordatorio se desactivó)."""
    inscripcion = saliente.inscripcion
    if inscripcion is None or inscripcion.estado == "cancelada":
        return None
    if saliente.tipo in CON_BAJA and inscripcion.sin_anuncios_en is not None:
        return None
    if saliente.tipo == "recordatorio" and (
            inscripcion.estado != "confirmada" or not saliente.recordatorio.activo or saliente.sesion is None
            or saliente.sesion.inicio <= ahora()):
        return None
    evento = instantanea.programa_de(inscripcion.evento)
    idioma_persona = inscripcion.idioma or "es"
    origen = saliente.recordatorio if saliente.tipo == "recordatorio" else saliente.anuncio
    idioma, version = origen.version(idioma_persona)
    zona_persona = inscripcion.zona_horaria or evento.zona_horaria
    with current_app.test_request_context(base_url=current_app.config["URL_PUBLICA"]), force_locale(idioma):
        valores = {"nombre": inscripcion.nombre, "apellidos": inscripcion.apellidos, "evento": evento.titulo,
                   "enlace": avisos.enlace_personal(inscripcion)}
        contexto = {"tipo": saliente.tipo, "evento": evento, "inscripcion": inscripcion, "idioma": idioma,
                    "enlace": valores["enlace"], "baja": enlace_baja(inscripcion) if saliente.tipo in CON_BAJA else None}
        adjuntos = []
        if saliente.tipo == "recordatorio":
            sesion = next((s for s in evento.sesiones_raiz if s.id == saliente.sesion_id), None)
            if sesion is None:
                return None
            horario = _horario(sesion, evento, zona_persona, idioma)
            conexion = avisos.enlace_conexion(inscripcion) if inscripcion.en_linea and (
                sesion.enlace or evento.enlace_virtual) else ""
            valores.update(sesion=sesion.titulo, fecha=horario["evento"]["fecha"],
                           hora_evento=_texto_hora(horario["evento"]),
                           hora_persona=_texto_hora(horario["persona"] or horario["evento"]), enlace_conexion=conexion)
            contexto.update(sesion=sesion, horario=horario, conexion=conexion)
        elif saliente.tipo == "cambios":
            propias = {s.id for s in calendario.sesiones_personales(evento, inscripcion)}
            cambios = [dict(c, horario_antes=_horario_de_aviso(c["antes"], evento, zona_persona, idioma),
                            horario_despues=(_horario_de_aviso(c["despues"], evento, zona_persona, idioma)
                                             if c["despues"] else None))
                       for c in saliente.anuncio.datos.get("cambios", [])
                       if c["sesion_id"] is None or c["sesion_id"] in propias]
            if not cambios:
                return None
            contexto["cambios"] = cambios
        elif saliente.tipo == "despues":
            propias = calendario.sesiones_personales(evento, inscripcion)
            contexto.update(grabaciones=[s for s in propias if s.grabacion],
                            materiales=any(s.materiales for s in propias) or bool(evento.materiales),
                            constancia=evento.constancias_habilitadas and bool(inscripcion.asistencias))
            contexto.update(_invitacion_a_la_encuesta(evento, inscripcion, idioma))
        if saliente.tipo in ("recordatorio", "cambios"):
            adjuntos.append((f"{evento.slug}.ics", "text/calendar", calendario.documento_personal(evento, inscripcion)))
        asunto = rellenar(version["asunto"], valores) if version.get("asunto") else \
            _("Cambios en su programa: %(evento)s", evento=evento.titulo)
        texto_organizacion = rellenar(version.get("texto", ""), valores)
        contexto.update(texto=texto_organizacion, html_organizacion=parrafos_html(texto_organizacion))
        texto = render_template("comunicaciones/correo.txt", **contexto)
        html = render_template("comunicaciones/correo.html", **contexto)
        cabeceras = {}
        if contexto["baja"]:
            cabeceras = {"List-Unsubscribe": f"<{contexto['baja']}>",
                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        mensaje = correo.construir(inscripcion.correo, asunto, texto, html, tuple(adjuntos), cabeceras=cabeceras)
    return correo.asunto_en_una_linea(asunto), bytes(mensaje)


def para_el_equipo(anuncio, usuario) -> tuple[str, str]:
    """(asunto, texto) de un anuncio al equipo de moderación, que no tiene inscripción ni enlace personal."""
    idioma, version = anuncio.version(None)
    valores = {"nombre": usuario.nombre, "apellidos": "", "evento": anuncio.evento.titulo,
               "enlace": url_for("organizacion.evento", slug=anuncio.evento.slug, _external=True)}
    return rellenar(version["asunto"], valores), rellenar(version["texto"], valores)


def vista_previa(anuncio_o_recordatorio, persona, tipo: str, sesion=None) -> dict:
    """Asunto, texto y HTML tal como los recibiría `persona` (la primera del segmento), sin anotar nada."""
    if persona is None:
        return {}
    if not hasattr(persona, "evento_id"):  # una cuenta del equipo
        asunto, texto = para_el_equipo(anuncio_o_recordatorio, persona)
        return {"asunto": asunto, "texto": texto, "html": parrafos_html(texto), "destinatario": persona.correo}
    saliente = CorreoSaliente(tipo=tipo, inscripcion=persona, destinatario=persona.correo,
                        anuncio=anuncio_o_recordatorio if tipo != "recordatorio" else None,
                        recordatorio=anuncio_o_recordatorio if tipo == "recordatorio" else None,
                        sesion=sesion, sesion_id=sesion.id if sesion else None)
    try:
        compuesto = componer(saliente)
    finally:
        if saliente in db.session:
            db.session.expunge(saliente)
    if compuesto is None:
        return {}
    mensaje = message_from_bytes(compuesto[1], policy=policy.default)
    return {"asunto": compuesto[0], "destinatario": persona.correo,
            "texto": mensaje.get_body(("plain",)).get_content(),
            "html": Markup(mensaje.get_body(("html",)).get_content())}
