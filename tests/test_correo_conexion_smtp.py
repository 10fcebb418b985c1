"""Una conexión SMTP por tanda de la bandeja de salida (servidor aiosmtpd en 127.0.0.1): los correos de una tanda
salen por la misma conexión; un destinatario rechazado deja «fallido» solo su correo; si el servidor corta la
conexión entre dos mensajes, se abre otra y cada correo llega una sola vez."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from apoyo_inscripciones import unico
from eventos import correo
from eventos.extensiones import db
from eventos.modelos import CorreoSaliente

pytest.importorskip("aiosmtpd.controller", reason="pip install aiosmtpd (extra «pruebas»)")
from apoyo_smtp import ServidorSMTP  # noqa: E402


@pytest.fixture()
def servidor_smtp(app):
    """Arranca el servidor que se le pida (`ServidorSMTP(...)`) y apunta la aplicación a él."""
    arrancados = []
    anterior = {clave: app.config.get(clave) for clave in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME")}

    def arrancar(**opciones) -> ServidorSMTP:
        servidor = ServidorSMTP(**opciones)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=servidor.arrancar(), MAIL_USE_TLS=False, MAIL_USERNAME=None)
        arrancados.append(servidor)
        return servidor

    yield arrancar
    for servidor in arrancados:
        servidor.detener()
    app.config.update(anterior)


def encolar_y_entregar(app, evento_id: int, destinatarios: list[str]) -> tuple[int, int]:
    with app.app_context():
        for destinatario in destinatarios:
            correo.encolar(destinatario, f"Aviso para {destinatario}", "Texto del aviso.", "anuncio", evento_id)
        db.session.commit()
        return correo.entregar_pendientes(limite=len(destinatarios), evento_id=evento_id)


def bandeja(app, evento_id: int) -> dict[str, tuple[str, int, str]]:
    with app.app_context():
        return {d: (estado, intentos, error) for d, estado, intentos, error in db.session.execute(
            select(CorreoSaliente.destinatario, CorreoSaliente.estado, CorreoSaliente.intentos,
                   CorreoSaliente.ultimo_error).where(CorreoSaliente.evento_id == evento_id))}


def test_los_correos_de_una_tanda_salen_por_una_sola_conexion(app, eventos_prueba, servidor_smtp):
    servidor = servidor_smtp()
    evento = eventos_prueba()
    destinatarios = [unico("tanda") for _ in range(20)]
    assert encolar_y_entregar(app, evento.id, destinatarios) == (20, 0)
    assert servidor.por_destinatario() == {d: 1 for d in destinatarios}
    assert servidor.conexiones() == 1
    assert {valor[:2] for valor in bandeja(app, evento.id).values()} == {("enviado", 1)}


def test_un_destinatario_rechazado_deja_fallido_solo_su_correo(app, eventos_prueba, servidor_smtp):
    evento = eventos_prueba()
    destinatarios = [unico("tanda") for _ in range(6)]
    rechazado = destinatarios[2]
    servidor = servidor_smtp(rechazar=[rechazado])
    assert encolar_y_entregar(app, evento.id, destinatarios) == (5, 1)
    assert servidor.por_destinatario() == {d: 1 for d in destinatarios if d != rechazado}
    estados = bandeja(app, evento.id)
    estado, intentos, error = estados.pop(rechazado)
    assert (estado, intentos) == ("fallido", 1) and "550" in error
    assert {valor[:2] for valor in estados.values()} == {("enviado", 1)}


@pytest.mark.parametrize("corte", ["cerrar", "421"])
def test_si_el_servidor_corta_la_conexion_se_abre_otra_y_nada_sale_dos_veces(app, eventos_prueba, servidor_smtp, corte):
    servidor = servidor_smtp(cortar_cada=3, corte=corte)
    evento = eventos_prueba()
    destinatarios = [unico("corte") for _ in range(10)]
    assert encolar_y_entregar(app, evento.id, destinatarios) == (10, 0)
    assert servidor.por_destinatario() == {d: 1 for d in destinatarios}
    assert servidor.conexiones() == 4  # 3 + 3 + 3 + 1
    assert {valor[:2] for valor in bandeja(app, evento.id).values()} == {("enviado", 1)}


def test_si_la_conexion_se_corta_tras_enviar_el_mensaje_no_se_reenvia_en_la_misma_tanda(app, eventos_prueba,
                                                                                         servidor_smtp):
    """Cortada durante DATA, sin respuesta: el servidor pudo haberlo aceptado. Queda «fallido» para su reintento
    con espera (como sin conexión compartida), no se envía otra vez al momento; los demás salen."""
    servidor = servidor_smtp(cortar_cada=3, corte="sin_responder")
    evento = eventos_prueba()
    destinatarios = [unico("sin-respuesta") for _ in range(7)]
    assert encolar_y_entregar(app, evento.id, destinatarios) == (5, 2)
    assert servidor.por_destinatario() == {d: 1 for d in destinatarios}
    estados = bandeja(app, evento.id)
    assert [estados[d][:2] for d in destinatarios] == [("enviado", 1)] * 2 + [("fallido", 1)] + \
        [("enviado", 1)] * 2 + [("fallido", 1)] + [("enviado", 1)]
