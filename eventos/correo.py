"""Envío de correo: por SMTP si hay MAIL_SERVER; si no, cada mensaje se escribe como .eml en
instance/correo/ y se anota en el registro (así funciona sin configurar nada)."""
from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

registro = logging.getLogger(__name__)


class ErrorDeEnvio(Exception):
    pass


def construir(destinatario: str, asunto: str, texto: str, html: str | None = None,
              adjuntos: tuple[tuple[str, str, bytes], ...] = (),
              imagenes_en_linea: tuple[tuple[str, bytes], ...] = ()) -> EmailMessage:
    """Mensaje listo para enviar; `adjuntos` son (nombre, tipo MIME, contenido) e
    `imagenes_en_linea` (cid, PNG) para `<img src="cid:…">` en la versión HTML."""
    mensaje = EmailMessage()
    mensaje["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    mensaje["To"] = destinatario
    mensaje["Subject"] = asunto
    mensaje["Date"] = formatdate(localtime=False)
    mensaje["Message-ID"] = make_msgid(domain="eventos.local")
    mensaje.set_content(texto)
    if html:
        mensaje.add_alternative(html, subtype="html")
        parte_html = mensaje.get_payload()[1]
        for cid, contenido in imagenes_en_linea:
            parte_html.add_related(contenido, "image", "png", cid=f"<{cid}>")
    for nombre, tipo, contenido in adjuntos:
        principal, _, secundario = tipo.partition("/")
        if principal == "text":  # texto en UTF-8 declarado (p. ej. el .ics con acentos)
            mensaje.add_attachment(contenido.decode("utf-8"), subtype=secundario.split(";")[0], charset="utf-8",
                                   filename=nombre)
        else:
            mensaje.add_attachment(contenido, maintype=principal, subtype=secundario.split(";")[0], filename=nombre)
    return mensaje


def entregar(mensaje: EmailMessage) -> str:
    """Entrega el mensaje; devuelve dónde quedó. Lanza ErrorDeEnvio si el servidor lo rechaza."""
    return entregar_bytes(bytes(mensaje), mensaje["To"], str(mensaje["Subject"]))


def entregar_bytes(contenido: bytes, destinatario: str, asunto: str) -> str:
    """Entrega un mensaje MIME ya serializado (tal como se guardó en la bandeja de salida)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        carpeta = Path(config["MAIL_CARPETA"])
        carpeta.mkdir(parents=True, exist_ok=True)
        archivo = carpeta / f"{uuid.uuid4().hex}.eml"
        archivo.write_bytes(contenido)
        registro.info("Correo para %s («%s») guardado en %s", destinatario, asunto, archivo)
        return str(archivo)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.sendmail(config["MAIL_DEFAULT_SENDER"], [destinatario], contenido.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))  # SMTP exige CRLF
    except (OSError, smtplib.SMTPException) as error:
        raise ErrorDeEnvio(str(error)) from error
    registro.info("Correo para %s («%s») enviado por %s", destinatario, asunto, config["MAIL_SERVER"])
    return config["MAIL_SERVER"]


# --- Bandeja de salida --------------------------------------------------------------------------
INTENTOS_MAXIMOS = 8


def programar_entrega():
    """Pide que la bandeja de salida se entregue cuando termine esta petición (si se entrega en el
    propio proceso web; con un proceso aparte, `flask correo enviar --continuo`, no hace nada)."""
    from flask import g, has_request_context
    if has_request_context() and current_app.config.get("CORREO_AL_RESPONDER", True):
        g.entregar_correo = True


def entregar_pendientes(limite: int = 50, evento_id: int | None = None) -> tuple[int, int]:
    """Compone y entrega los correos que tocan; devuelve (enviados, fallidos). Reintenta con espera
    creciente (1, 2, 4… minutos) hasta INTENTOS_MAXIMOS; los fallidos quedan visibles con su error.

    Varios procesos pueden llamarla a la vez: cada correo se reclama antes con una actualización
    condicional (solo un proceso la consigue) y ninguno mantiene bloqueos mientras envía.
    """
    from sqlalchemy import select, update

    from .extensiones import db
    from .inscripciones.avisos import componer
    from .modelos import CorreoSaliente
    from .zonas import ahora

    consulta = (select(CorreoSaliente.id, CorreoSaliente.intentos)
                .where(CorreoSaliente.estado != "enviado", CorreoSaliente.proximo_intento <= ahora(),
                       CorreoSaliente.intentos < INTENTOS_MAXIMOS)
                .order_by(CorreoSaliente.id).limit(limite))
    if evento_id is not None:
        consulta = consulta.where(CorreoSaliente.evento_id == evento_id)
    candidatos = db.session.execute(consulta).all()
    db.session.commit()
    enviados = fallidos = 0
    for correo_id, intentos in candidatos:
        # Si el proceso muriera a mitad de envío, el correo se reintentaría a los 10 minutos.
        reclamado = db.session.execute(
            update(CorreoSaliente)
            .where(CorreoSaliente.id == correo_id, CorreoSaliente.intentos == intentos, CorreoSaliente.estado != "enviado")
            .values(intentos=intentos + 1, proximo_intento=ahora() + timedelta(minutes=10))
        ).rowcount
        db.session.commit()
        if not reclamado:
            continue  # otro proceso lo tomó
        saliente = db.session.get(CorreoSaliente, correo_id)
        try:
            if saliente.mensaje is None:
                saliente.asunto, saliente.mensaje = componer(saliente)
            entregar_bytes(saliente.mensaje, saliente.destinatario, saliente.asunto)
        except ErrorDeEnvio as error:
            saliente.estado = "fallido"
            saliente.ultimo_error = str(error)[:2000]
            saliente.proximo_intento = ahora() + timedelta(minutes=2 ** (saliente.intentos - 1))
            fallidos += 1
        else:
            saliente.estado = "enviado"
            saliente.enviado_en = ahora()
            saliente.ultimo_error = ""
            enviados += 1
        db.session.commit()
    return enviados, fallidos


def registrar_entrega(app):
    """Tras cada petición que anotó correo, la entrega sucede cuando la respuesta ya salió."""
    from flask import g

    @app.after_request
    def entregar_al_cerrar(respuesta):
        if g.pop("entregar_correo", False):
            def entregar_ahora():
                with app.app_context():
                    try:
                        entregar_pendientes()
                    except Exception:  # noqa: BLE001 — la entrega nunca debe afectar a la petición
                        app.logger.exception("Fallo al entregar la bandeja de salida")

            respuesta.call_on_close(entregar_ahora)
        return respuesta
