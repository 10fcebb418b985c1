"""Correo por SMTP de verdad (servidor aiosmtpd en 127.0.0.1): la confirmación llega; si el servidor
no responde, la inscripción sigue adelante y el correo queda «fallido» en la bandeja de salida hasta
que un reintento lo entrega."""
from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventos import correo
from eventos.extensiones import db
from eventos.modelos import CorreoSaliente
from eventos.zonas import ahora
from apoyo_inscripciones import inscribir, inscripcion_de, unico

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


class Buzon:
    """Manejador de aiosmtpd que guarda cada mensaje recibido."""

    def __init__(self):
        self.mensajes: list[tuple[list[str], email.message.EmailMessage]] = []
        self._cerrojo = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        mensaje = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._cerrojo:
            self.mensajes.append((list(envelope.rcpt_tos), mensaje))
        return "250 Message accepted for delivery"

    def para(self, direccion: str):
        with self._cerrojo:
            return [m for destinatarios, m in self.mensajes if direccion in destinatarios]


class Controlador(aiosmtpd_controller.Controller):
    """Controller que acepta port=0 (el sistema elige un puerto libre) y lo anota en `self.port`."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def arrancar(buzon: Buzon, puerto: int = 0) -> Controlador:
    controlador = Controlador(buzon, hostname="127.0.0.1", port=puerto, ready_timeout=5)
    controlador.start()
    return controlador


@pytest.fixture()
def smtp(app):
    """Servidor SMTP en loopback y la aplicación apuntando a él (se restaura al terminar)."""
    buzon = Buzon()
    controlador = arrancar(buzon)
    anterior = {clave: app.config.get(clave) for clave in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controlador.port, MAIL_USE_TLS=False, MAIL_USERNAME=None)
    estado = {"controlador": controlador}
    try:
        yield buzon, estado
    finally:
        if estado["controlador"] is not None:
            estado["controlador"].stop()
        app.config.update(anterior)


def salientes_de(app, inscripcion_id: int) -> list[CorreoSaliente]:
    with app.app_context():
        filas = db.session.execute(select(CorreoSaliente).where(CorreoSaliente.inscripcion_id == inscripcion_id)
                                   .order_by(CorreoSaliente.id)).scalars().all()
        for fila in filas:
            db.session.expunge(fila)
        return filas


def test_confirmacion_por_smtp_fallo_y_reintento(app, eventos_prueba, smtp):
    buzon, estado = smtp
    evento = eventos_prueba(cupo=10)

    # 1. Con el servidor en marcha: llega exactamente un mensaje a la persona.
    primera = unico("smtp")
    r = inscribir(app.test_client(), evento.slug, primera)
    assert r.status_code == 302
    recibidos = buzon.para(primera)
    assert len(recibidos) == 1
    mensaje = recibidos[0]
    assert mensaje["To"] == primera
    assert mensaje["Subject"] == f"Inscripción confirmada: {evento.titulo}"
    assert [p["Content-ID"] for p in mensaje.walk() if p.get_content_type() == "image/png"] == ["<qr-inscripcion>"]
    assert any(p.get_filename() == f"{evento.slug}.ics" for p in mensaje.iter_attachments())
    saliente, = salientes_de(app, inscripcion_de(app, evento, primera).id)
    assert (saliente.estado, saliente.intentos, saliente.ultimo_error) == ("enviado", 1, "")
    assert saliente.enviado_en is not None

    # 2. Servidor caído: la inscripción se guarda igual y el correo queda «fallido» con su error.
    puerto = estado["controlador"].port
    estado["controlador"].stop()
    estado["controlador"] = None
    segunda = unico("smtp-caido")
    r = inscribir(app.test_client(), evento.slug, segunda)
    assert r.status_code == 302
    inscripcion = inscripcion_de(app, evento, segunda)
    assert inscripcion.estado == "confirmada"
    saliente, = salientes_de(app, inscripcion.id)
    assert saliente.estado == "fallido" and saliente.intentos == 1
    assert saliente.ultimo_error.strip()
    assert saliente.proximo_intento > ahora()  # espera antes de reintentar
    assert buzon.para(segunda) == []

    # Mientras no toque reintentar, entregar_pendientes() no lo intenta otra vez.
    with app.app_context():
        correo.entregar_pendientes()
    assert salientes_de(app, inscripcion.id)[0].intentos == 1

    # 3. El servidor vuelve (mismo puerto): al llegar la hora del reintento se entrega.
    estado["controlador"] = arrancar(buzon, puerto)
    assert estado["controlador"].port == puerto
    with app.app_context():
        fila = db.session.get(CorreoSaliente, saliente.id)
        fila.proximo_intento = ahora() - timedelta(seconds=1)
        db.session.commit()
        enviados, fallidos = correo.entregar_pendientes()
    assert enviados >= 1 and fallidos == 0
    saliente, = salientes_de(app, inscripcion.id)
    assert (saliente.estado, saliente.intentos, saliente.ultimo_error) == ("enviado", 2, "")
    recibidos = buzon.para(segunda)
    assert len(recibidos) == 1
    assert recibidos[0]["Subject"] == f"Inscripción confirmada: {evento.titulo}"
    # Y el primero no se reenvió.
    assert len(buzon.para(primera)) == 1
