"""Envío de correo: por SMTP si hay MAIL_SERVER; si no, cada mensaje se escribe como .eml en
instance/correo/ y se anota en el registro (así funciona sin configurar nada)."""
from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

registro = logging.getLogger(__name__)


class ErrorDeEnvio(Exception):
    pass


def construir(destinatario: str, asunto: str, texto: str, html: str | None = None,
              adjuntos: tuple[tuple[str, str, bytes], ...] = ()) -> EmailMessage:
    """Mensaje listo para enviar; `adjuntos` son (nombre, tipo MIME, contenido)."""
    mensaje = EmailMessage()
    mensaje["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    mensaje["To"] = destinatario
    mensaje["Subject"] = asunto
    mensaje["Date"] = formatdate(localtime=False)
    mensaje["Message-ID"] = make_msgid(domain="eventos.local")
    mensaje.set_content(texto)
    if html:
        mensaje.add_alternative(html, subtype="html")
    for nombre, tipo, contenido in adjuntos:
        principal, _, secundario = tipo.partition("/")
        mensaje.add_attachment(contenido, maintype=principal, subtype=secundario.split(";")[0], filename=nombre)
    return mensaje


def entregar(mensaje: EmailMessage) -> str:
    """Entrega el mensaje; devuelve dónde quedó. Lanza ErrorDeEnvio si el servidor lo rechaza."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        carpeta = Path(config["MAIL_CARPETA"])
        carpeta.mkdir(parents=True, exist_ok=True)
        archivo = carpeta / f"{uuid.uuid4().hex}.eml"
        archivo.write_bytes(bytes(mensaje))
        registro.info("Correo para %s («%s») guardado en %s", mensaje["To"], mensaje["Subject"], archivo)
        return str(archivo)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(mensaje)
    except (OSError, smtplib.SMTPException) as error:
        raise ErrorDeEnvio(str(error)) from error
    registro.info("Correo para %s («%s») enviado por %s", mensaje["To"], mensaje["Subject"], config["MAIL_SERVER"])
    return config["MAIL_SERVER"]
