"""Servidor SMTP de pruebas (aiosmtpd) en 127.0.0.1, en un puerto libre que elige el sistema. Guarda cada mensaje
aceptado con la conexión por la que llegó; puede rechazar destinatarios y cortar cada conexión tras unos
mensajes, como hacen los servidores de verdad (cerrándola, o respondiendo 421 a la orden MAIL siguiente).
Quien lo importe debe haber hecho antes `pytest.importorskip("aiosmtpd.controller")`."""
from __future__ import annotations

import asyncio
import threading
from collections import Counter
from email.parser import BytesHeaderParser
from email.policy import default as politica_por_omision
from typing import NamedTuple

from aiosmtpd.controller import Controller


class Recibido(NamedTuple):
    conexion: tuple  # (host, puerto) del cliente: uno distinto por conexión
    destinatarios: tuple[str, ...]  # los del sobre (RCPT TO)
    contenido: bytes

    def cabeceras(self):
        return BytesHeaderParser(policy=politica_por_omision).parsebytes(self.contenido)


class _Controlador(Controller):
    def _trigger_server(self):  # port=0: anota el puerto que eligió el sistema
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class ServidorSMTP:
    """`rechazar`: direcciones a las que responde 550 en RCPT. `cortar_cada`: tras esos mensajes en una misma
    conexión, la cierra (`corte="cerrar"`) o responde 421 a la siguiente orden MAIL (`corte="421"`); con
    `corte="sin_responder"`, la corta al recibir ese mensaje, sin responder a su DATA (el cliente no sabe si
    se aceptó)."""

    def __init__(self, rechazar=(), cortar_cada: int | None = None, corte: str = "cerrar"):
        self.rechazar = {d.lower() for d in rechazar}
        self.cortar_cada, self.corte = cortar_cada, corte
        self._recibidos: list[Recibido] = []
        self._por_conexion: Counter = Counter()
        self._cerrojo = threading.Lock()
        self._controlador = _Controlador(self, hostname="127.0.0.1", port=0, ready_timeout=5)

    def arrancar(self) -> int:
        self._controlador.start()
        return self._controlador.port

    def detener(self) -> None:
        self._controlador.stop()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.corte == "421" and self.cortar_cada and self._por_conexion[session.peer] >= self.cortar_cada:
            return "421 4.7.0 Demasiados mensajes en esta conexion"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rechazar:
            return "550 5.1.1 No existe ese buzon"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._cerrojo:
            self._recibidos.append(Recibido(session.peer, tuple(d.lower() for d in envelope.rcpt_tos),
                                            envelope.original_content or envelope.content))
            self._por_conexion[session.peer] += 1
            cortar = self.cortar_cada and self._por_conexion[session.peer] % self.cortar_cada == 0
        if cortar and self.corte == "sin_responder":
            server.transport.abort()  # la respuesta ya no sale
        elif cortar and self.corte == "cerrar":  # tras responder «250»: el mensaje quedó aceptado
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted for delivery"

    def recibidos(self) -> list[Recibido]:
        with self._cerrojo:
            return list(self._recibidos)

    def por_destinatario(self) -> Counter:
        return Counter(d for recibido in self.recibidos() for d in recibido.destinatarios)

    def conexiones(self) -> int:
        return len({recibido.conexion for recibido in self.recibidos()})
