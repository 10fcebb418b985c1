"""Los correos de cada paso de la inscripción, en el idioma y la zona horaria de la persona.

Al inscribir solo se anota qué correo toca (`anotar`); el mensaje se compone al entregarlo
(`componer`), fuera de la petición, para que inscribirse sea rápido incluso con muchas personas a la vez.
"""
from __future__ import annotations

from babel.dates import format_date
from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from .. import calendario, correo, instantanea, qr, zonas
from ..extensiones import db
from ..modelos import CorreoSaliente

ASUNTOS = {
    "confirmada": _l("Inscripción confirmada: {evento}"),
    "en_espera": _l("Está en la lista de espera: {evento}"),
    "pendiente": _l("Inscripción recibida, pendiente de aprobación: {evento}"),
    "promovida": _l("Tiene plaza: inscripción confirmada en {evento}"),
    "ya_inscrita": _l("Ya tiene una inscripción en {evento}"),
    "cancelada": _l("Inscripción cancelada: {evento}"),
    "enlace_publicado": _l("Ya puede conectarse: {evento}"),
}
CON_QR = {"confirmada", "promovida"}
CON_ENLACE = CON_QR | {"enlace_publicado"}  # llevan el enlace personal de conexión a quien asiste en línea


def anotar(inscripcion, tipo: str) -> CorreoSaliente:
    """Deja el correo en la bandeja de salida, en la misma transacción que el cambio que lo origina."""
    saliente = CorreoSaliente(evento_id=inscripcion.evento_id, inscripcion=inscripcion, tipo=tipo,
                              destinatario=inscripcion.correo)
    db.session.add(saliente)
    correo.programar_entrega(saliente)
    return saliente


def alta(inscripcion):
    anotar(inscripcion, inscripcion.estado)


def promovida(inscripcion):
    anotar(inscripcion, "promovida")


def ya_inscrita(inscripcion):
    anotar(inscripcion, "ya_inscrita")


def baja(inscripcion):
    anotar(inscripcion, "cancelada")


def enlace_publicado(evento, habia_enlace: bool) -> int:
    """Si el enlace de conexión acaba de publicarse, avisa a quien tiene plaza y asiste en línea (que
    recibió la confirmación sin él). Devuelve a cuántas personas."""
    if habia_enlace or not evento.tiene_enlace_de_conexion:
        return 0
    personas = [i for i in evento.inscripciones.filter_by(estado="confirmada") if i.en_linea]
    for inscripcion in personas:
        anotar(inscripcion, "enlace_publicado")
    return len(personas)


def enlace_personal(inscripcion) -> str:
    return url_for("inscripciones.personal", token=qr.firmar_gestion(inscripcion), _external=True)


def enlace_conexion(inscripcion) -> str:
    return url_for("inscripciones.entrar", token=qr.firmar_gestion(inscripcion), _external=True)


def agenda_personal(evento, inscripcion) -> list[dict]:
    """Cada sesión de la persona con su horario en su zona y en la del evento (correos y su página)."""
    zona_persona = inscripcion.zona_horaria or evento.zona_horaria
    idioma = str(get_locale())
    filas = []
    for sesion in calendario.sesiones_personales(evento, inscripcion):
        inicio, fin = zonas.a_local(sesion.inicio, zona_persona), zonas.a_local(sesion.fin, zona_persona)
        dia_evento = zonas.a_local(sesion.inicio, evento.zona_horaria).date()
        filas.append({
            "fecha": format_date(inicio.date(), "EEE d MMM y", locale=idioma),
            "fecha_evento": format_date(dia_evento, "EEE d MMM y", locale=idioma),
            # La fecha en la zona de la persona, solo si no es la del evento (las horas del correo van por ella).
            "dia_persona": None if inicio.date() == dia_evento else zonas.fecha_corta(inicio.date(), idioma),
            "horas": f"{inicio:%H:%M}–{fin:%H:%M}",
            "horas_evento": f"{zonas.a_local(sesion.inicio, evento.zona_horaria):%H:%M}–"
                            f"{zonas.a_local(sesion.fin, evento.zona_horaria):%H:%M}",
            "sesion": sesion,
        })
    return filas


def componer(saliente: CorreoSaliente) -> tuple[str, bytes]:
    """(asunto, mensaje MIME) de un correo anotado, con los datos actuales de la inscripción."""
    inscripcion = saliente.inscripcion
    evento = instantanea.programa_de(inscripcion.evento)
    con_qr = saliente.tipo in CON_QR
    # Fuera de la petición que lo anotó, con la dirección pública (la única que admite TRUSTED_HOSTS en producción).
    with current_app.test_request_context(base_url=current_app.config["URL_PUBLICA"]), \
            force_locale(inscripcion.idioma or "es"):
        asunto = str(ASUNTOS[saliente.tipo]).format(evento=evento.titulo)
        contexto = {"inscripcion": inscripcion, "evento": evento, "tipo": saliente.tipo, "con_qr": con_qr,
                    "con_enlace": saliente.tipo in CON_ENLACE,
                    "enlace": enlace_personal(inscripcion), "enlace_conexion": enlace_conexion(inscripcion),
                    "agenda": agenda_personal(evento, inscripcion),
                    "zona_persona": inscripcion.zona_horaria or evento.zona_horaria}
        # La zona del evento primero y luego la de la persona, por su nombre («Ciudad de México»), como en las páginas.
        contexto.update(lugar_evento=zonas.nombre_lugar(evento.zona_horaria, inscripcion.idioma or "es"),
                        lugar_persona=zonas.nombre_lugar(contexto["zona_persona"], inscripcion.idioma or "es"))
        texto = render_template("inscripciones/correo.txt", **contexto)
        html = render_template("inscripciones/correo.html", **contexto)
        adjuntos, imagenes = [], []
        if con_qr and inscripcion.en_persona:
            imagenes.append(("qr-inscripcion", qr.imagen_png(inscripcion)))
        if con_qr:
            adjuntos.append((f"{evento.slug}.ics", "text/calendar", calendario.documento_personal(evento, inscripcion)))
        mensaje = correo.construir(inscripcion.correo, asunto, texto, html, tuple(adjuntos), tuple(imagenes))
    return correo.asunto_en_una_linea(asunto), bytes(mensaje)
