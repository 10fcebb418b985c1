"""Bandeja de salida: un correo que no se puede componer o entregar (plantilla, carpeta de correo, título
con salto de línea, proceso interrumpido) queda «fallido» con su error y su próximo intento, la
organización lo ve y «Reintentar» lo alcanza, y los demás correos salen igual. La entrega del cartero no
depende de que el servidor cierre la respuesta."""
from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from urllib.parse import urlencode

from datetime import timedelta

import pytest
import time_machine
from jinja2 import TemplateSyntaxError
from sqlalchemy import delete, select
from werkzeug.serving import make_server

from apoyo import crear_usuario, enviar, entrar
from apoyo_inscripciones import datos_inscripcion, inscribir, mensajes_para, token_de, unico
from eventos import correo as bandeja
from eventos.extensiones import db
from eventos.inscripciones import avisos
from eventos.modelos import CorreoSaliente, Evento, Inscripcion, Usuario
from eventos.zonas import ahora


@pytest.fixture()
def oficina(app):
    """Cliente con una cuenta de administración (ve la bandeja de cualquier evento); se borra al final."""
    correo = unico("admin-bandeja")
    with app.app_context():
        crear_usuario(correo, admin=True)
        db.session.commit()
    cliente = app.test_client()
    entrar(cliente, correo)
    yield cliente
    with app.app_context():
        db.session.execute(delete(Usuario).where(Usuario.correo == correo))
        db.session.commit()


@pytest.fixture()
def proceso_aparte(app, monkeypatch):
    """Como con `flask correo enviar --continuo`: las peticiones solo anotan; el comando entrega."""
    monkeypatch.setitem(app.config, "CORREO_AL_RESPONDER", False)

    def entregar():
        return app.test_cli_runner().invoke(args=["correo", "enviar"])
    return entregar


def saliente_de(app, correo: str) -> CorreoSaliente:
    """El correo de la inscripción de esa dirección (su única fila en la bandeja)."""
    with app.app_context():
        fila = db.session.execute(
            select(CorreoSaliente).join(Inscripcion).where(Inscripcion.correo == correo)).scalar_one()
        db.session.expunge(fila)
        return fila


def pagina_de_correos(oficina, slug: str) -> str:
    return oficina.get(f"/organizacion/eventos/{slug}/correos").get_data(as_text=True)


def reintentar(oficina, slug: str) -> str:
    respuesta = enviar(oficina, f"/organizacion/eventos/{slug}/correos/reintentar", follow_redirects=True)
    return respuesta.get_data(as_text=True)


def test_un_correo_que_no_se_puede_componer_queda_fallido_y_los_demas_salen(app, eventos_prueba, oficina,
                                                                             proceso_aparte, monkeypatch):
    evento = eventos_prueba()
    roto, siguiente = unico("plantilla-rota"), unico("despues-de-la-rota")
    for correo in (roto, siguiente):
        inscribir(app.test_client(), evento.slug, correo)
    plantilla = avisos.render_template

    def plantilla_rota_para_uno(nombre, **contexto):
        if contexto["inscripcion"].correo == roto:
            raise TemplateSyntaxError("no existe el filtro 'fecha_bonita'", 3, name=nombre)
        return plantilla(nombre, **contexto)

    monkeypatch.setattr(avisos, "render_template", plantilla_rota_para_uno)
    proceso_aparte()

    fallido = saliente_de(app, roto)
    assert (fallido.estado, fallido.intentos) == ("fallido", 1)
    assert "fecha_bonita" in fallido.ultimo_error
    assert fallido.proximo_intento > ahora()  # se reintentará solo
    assert saliente_de(app, siguiente).estado == "enviado"
    assert len(mensajes_para(app, siguiente)) == 1

    pagina = pagina_de_correos(oficina, evento.slug)
    assert roto in pagina and "Falló" in pagina and "fecha_bonita" in pagina
    monkeypatch.setattr(avisos, "render_template", plantilla)  # la plantilla, corregida
    assert "1 correo enviado" in reintentar(oficina, evento.slug)
    assert len(mensajes_para(app, roto)) == 1


def test_sin_carpeta_de_correo_cada_correo_queda_fallido_y_reintentar_los_entrega(
        app, eventos_prueba, oficina, proceso_aparte, monkeypatch, tmp_path):
    evento = eventos_prueba()
    correos = [unico("sin-carpeta") for _ in range(2)]
    for correo in correos:
        inscribir(app.test_client(), evento.slug, correo)
    no_es_carpeta = tmp_path / "correo"
    no_es_carpeta.write_text("un archivo donde debería haber una carpeta")
    carpeta = app.config["MAIL_CARPETA"]
    monkeypatch.setitem(app.config, "MAIL_CARPETA", str(no_es_carpeta))
    proceso_aparte()

    for correo in correos:  # el primero no detuvo al segundo: los dos se intentaron
        fallido = saliente_de(app, correo)
        assert (fallido.estado, fallido.intentos) == ("fallido", 1) and fallido.ultimo_error
    monkeypatch.setitem(app.config, "MAIL_CARPETA", carpeta)
    assert "2 correos enviados" in reintentar(oficina, evento.slug)
    assert [len(mensajes_para(app, correo)) for correo in correos] == [1, 1]


def test_titulo_con_salto_de_linea_el_correo_sale_con_el_asunto_en_una_linea(app, eventos_prueba, proceso_aparte):
    partido, normal = eventos_prueba(), eventos_prueba()
    with app.app_context():
        db.session.get(Evento, partido.id).titulo = "Foro de\r\nprueba"
        db.session.commit()
    persona, otra = unico("titulo-partido"), unico("otro-evento")
    inscribir(app.test_client(), partido.slug, persona)
    inscribir(app.test_client(), normal.slug, otra)
    proceso_aparte()

    mensaje, = mensajes_para(app, persona)
    assert mensaje["Subject"] == "Inscripción confirmada: Foro de prueba"
    assert saliente_de(app, persona).asunto == "Inscripción confirmada: Foro de prueba"
    assert len(mensajes_para(app, otra)) == 1


def test_correo_interrumpido_en_su_ultimo_intento_se_ve_fallido_y_reintentar_lo_alcanza(app, eventos_prueba, oficina,
                                                                                        proceso_aparte, monkeypatch):
    evento = eventos_prueba()
    correo = unico("interrumpido")
    inscribir(app.test_client(), evento.slug, correo)
    saliente_id = saliente_de(app, correo).id
    with app.app_context():  # siete intentos ya gastados: este es el último automático
        db.session.get(CorreoSaliente, saliente_id).intentos = bandeja.INTENTOS_MAXIMOS - 1
        db.session.commit()
    entregar = bandeja.entregar_bytes

    def detener(*args):
        raise KeyboardInterrupt  # alguien detiene `flask correo enviar` (Ctrl+C) a mitad del envío

    monkeypatch.setattr(bandeja, "entregar_bytes", detener)
    assert "Aborted" in proceso_aparte().output
    monkeypatch.setattr(bandeja, "entregar_bytes", entregar)

    interrumpido = saliente_de(app, correo)
    assert (interrumpido.estado, interrumpido.intentos) == ("fallido", bandeja.INTENTOS_MAXIMOS)
    proceso_aparte()
    assert saliente_de(app, correo).estado == "fallido"  # agotados los intentos, ya no se intenta solo
    pagina = pagina_de_correos(oficina, evento.slug)
    assert correo in pagina and "Entrega en curso o interrumpida" in pagina
    assert "Ninguno automático: use «Reintentar»" in pagina
    # Recién reclamado, podría estar enviándose en otro proceso: «Reintentar» no lo toca (saldría dos veces).
    assert "No hay correos fallidos que reintentar" in reintentar(oficina, evento.slug)
    with time_machine.travel(ahora() + bandeja.ENVIO_EN_CURSO + timedelta(seconds=5)):  # ya es un envío interrumpido
        assert "1 correo enviado" in reintentar(oficina, evento.slug)
    assert len(mensajes_para(app, correo)) == 1


def test_si_el_proceso_termina_a_mitad_de_un_trozo_lo_no_enviado_vuelve_a_la_bandeja_al_momento(
        app, eventos_prueba, proceso_aparte):
    """Los correos se reclaman de trozo en trozo. Si el proceso termina tras el primero (un trabajador web que se
    reinicia), los demás del trozo no esperan el plazo de reclamo (diez minutos): vuelven a estar pendientes."""
    evento = eventos_prueba()
    correos = [unico("trozo-a-medias") for _ in range(3)]
    for correo in correos:
        inscribir(app.test_client(), evento.slug, correo)
    turnos = iter([True, True, False])  # antes de reclamar y antes de cada correo: sale uno y se detiene
    with app.app_context():
        assert bandeja.entregar_pendientes(evento_id=evento.id, turno=lambda: next(turnos)) == (1, 0)
    estados = [(saliente_de(app, c).estado, saliente_de(app, c).intentos) for c in correos]
    assert estados == [("enviado", 1), ("pendiente", 0), ("pendiente", 0)]
    proceso_aparte()
    assert [len(mensajes_para(app, correo)) for correo in correos] == [1, 1, 1]


def test_si_la_base_cae_tras_entregar_el_resultado_se_anota_al_volver_y_no_sale_dos_veces(app, eventos_prueba,
                                                                                             proceso_aparte):
    """PostgreSQL se reinicia justo después de que el servidor SMTP aceptó el correo: anotar «enviado» falla una
    vez. Antes quedaba reclamado sin anotar y, pasado el plazo de reclamo, salía otra vez (bench/cluster.py)."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    evento = eventos_prueba()
    correo = unico("base-caida")
    inscribir(app.test_client(), evento.slug, correo)
    caidas = []

    def caer_una_vez(conexion, cursor, sentencia, parametros, contexto, varias):
        if sentencia.lstrip().upper().startswith("UPDATE CORREO_SALIENTE") and "enviado_en" in sentencia \
                and not caidas:
            caidas.append(sentencia)
            raise OperationalError(sentencia, parametros, ConnectionError("server closed the connection unexpectedly"))

    with app.app_context():
        motor = db.engine
    event.listen(motor, "before_cursor_execute", caer_una_vez)
    try:
        proceso_aparte()
    finally:
        event.remove(motor, "before_cursor_execute", caer_una_vez)
    assert caidas, "la prueba no llegó a cortar la anotación"
    assert saliente_de(app, correo).estado == "enviado"
    with app.app_context(), time_machine.travel(ahora() + bandeja.plazo_de_reclamo() + timedelta(minutes=1)):
        proceso_aparte()
    assert len(mensajes_para(app, correo)) == 1


def test_el_proceso_de_correo_continuo_sobrevive_a_que_la_base_no_responda(app, monkeypatch):
    """`flask correo enviar --continuo` mientras PostgreSQL se reinicia: antes, la primera consulta fallida
    terminaba el proceso y la bandeja dejaba de salir hasta que alguien lo arrancaba (bench/cluster.py)."""
    from sqlalchemy.exc import OperationalError

    llamadas = []

    def bandeja_que_cae_una_vez(limite):  # cada vuelta: anotar los recordatorios que tocan y entregar
        llamadas.append(limite)
        if len(llamadas) == 1:
            raise OperationalError("SELECT", {}, ConnectionError("the database system is shutting down"))
        if len(llamadas) == 2:
            return 3, 0
        raise KeyboardInterrupt  # tercera vuelta: se detiene la prueba
    monkeypatch.setattr(bandeja, "programar_y_entregar", bandeja_que_cae_una_vez)
    resultado = app.test_cli_runner().invoke(args=["correo", "enviar", "--continuo", "--cada", "0"])
    assert len(llamadas) == 3, resultado.output
    assert "La base de datos no responde" in resultado.output and "Enviados: 3; fallidos: 0" in resultado.output


def test_el_enlace_para_restablecer_no_se_queda_en_la_base_una_vez_entregado(app, evento_con_equipo):
    cliente = app.test_client()
    enviar(cliente, "/cuentas/recuperar", {"correo": evento_con_equipo["correos"]["admin"]}).close()
    with app.app_context():
        saliente = db.session.execute(select(CorreoSaliente).where(
            CorreoSaliente.tipo == "restablecer").order_by(CorreoSaliente.id.desc())).scalars().first()
        assert saliente.estado == "enviado" and saliente.mensaje is None


# --- La entrega del cartero, con el servidor de `flask run` --------------------------------------------
@pytest.fixture()
def puerto(app):
    """La aplicación servida por el servidor de Werkzeug (el de `flask run` y de las pruebas en navegador)."""
    http_servidor = make_server("127.0.0.1", 0, app, threaded=True)
    hilo = threading.Thread(target=http_servidor.serve_forever, daemon=True)
    hilo.start()
    yield http_servidor.server_port
    http_servidor.shutdown()
    http_servidor.server_close()
    hilo.join(timeout=10)


def _recibir_respuesta(conexion: socket.socket) -> bytes:
    datos = b""
    while b"\r\n\r\n" not in datos:
        datos += conexion.recv(65536)
    cabeceras, _, cuerpo = datos.partition(b"\r\n\r\n")
    largo = int(next(linea.split(b":")[1] for linea in cabeceras.split(b"\r\n")
                     if linea.lower().startswith(b"content-length:")))
    while len(cuerpo) < largo:
        cuerpo += conexion.recv(65536)
    return cabeceras


def test_el_correo_sale_aunque_el_navegador_corte_la_conexion_al_recibir_la_respuesta(app, eventos_prueba, puerto,
                                                                                    cartero_real):
    """Chromium a veces corta con RST la conexión en cuanto recibe la redirección de un formulario; el
    servidor de Werkzeug entonces no cierra la respuesta (antes, la entrega esperaba a ese cierre)."""
    evento = eventos_prueba()
    correo = unico("conexion-cortada")
    formulario = http.client.HTTPConnection("127.0.0.1", puerto, timeout=10)
    formulario.request("GET", f"/eventos/{evento.slug}/inscripcion")
    respuesta = formulario.getresponse()
    token = token_de(respuesta.read().decode())
    sesion = next(c.split(";")[0] for c in respuesta.headers.get_all("Set-Cookie") if c.startswith("session="))
    formulario.close()
    cuerpo = urlencode({**datos_inscripcion(correo), "csrf_token": token}).encode()
    peticion = (f"POST /eventos/{evento.slug}/inscripcion HTTP/1.1\r\nHost: 127.0.0.1:{puerto}\r\nCookie: {sesion}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(cuerpo)}\r\n\r\n").encode()

    with socket.create_connection(("127.0.0.1", puerto), timeout=10) as conexion:
        conexion.sendall(peticion + cuerpo)
        cabeceras = _recibir_respuesta(conexion)
        conexion.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # cerrar = RST
    assert cabeceras.startswith(b"HTTP/1.1 302")

    limite = time.monotonic() + 30
    while not mensajes_para(app, correo) and time.monotonic() < limite:
        time.sleep(0.05)
    assert len(mensajes_para(app, correo)) == 1, f"en la bandeja: {saliente_de(app, correo).estado}"


def test_un_salto_de_linea_en_una_cabecera_no_anade_cabeceras(app):
    """El MIME se arma con compat32, que no revisa los valores: un salto de línea que llegara a una cabecera
    (un remitente mal configurado, una dirección) hace fallar el correo en vez de inyectar otra cabecera."""
    with app.app_context():
        for destinatario, cabeceras in (("ana@prueba.org\r\nBcc: otra@prueba.org", {}),
                                        ("ana@prueba.org", {"List-Unsubscribe": "<http://x/baja>\nBcc: otra@prueba.org"})):
            with pytest.raises(ValueError):
                bandeja.construir(destinatario, "Asunto", "Texto", cabeceras=cabeceras)
        mensaje = bytes(bandeja.construir("ana@prueba.org", "Foro de\r\nprueba", "Texto"))
        assert b"Subject: Foro de prueba\n" in mensaje and b"Bcc" not in mensaje


def test_si_el_proceso_de_correo_muere_de_golpe_lo_ya_entregado_no_vuelve_a_salir(app, eventos_prueba,
                                                                                   proceso_aparte):
    """Un `kill -9` del proceso de correo a mitad de un trozo (bench/cluster.py lo hace en CI). Los correos se
    reclaman de 25 en 25, pero el resultado de cada uno se anota antes de pasar al siguiente: lo ya entregado no
    sale otra vez al vencer el plazo de reclamo; el que estaba a medias sale entonces, una vez."""
    import os

    evento = eventos_prueba()
    correos = [unico("muere-de-golpe") for _ in range(4)]
    for correo in correos:
        inscribir(app.test_client(), evento.slug, correo)
    entregar = bandeja.entregar_bytes
    hijo = os.fork()
    if hijo == 0:  # el proceso de correo: entrega dos y muere sin limpiar nada al empezar el tercero
        try:
            entregados = []

            def entregar_y_morir(*args):
                if len(entregados) == 2:
                    os._exit(9)
                entregados.append(entregar(*args))
                return entregados[-1]

            bandeja.entregar_bytes = entregar_y_morir
            with app.app_context():
                db.engine.dispose(close=False)  # conexiones propias, no las del proceso de las pruebas
                bandeja.entregar_pendientes(evento_id=evento.id)
        finally:
            os._exit(1)
    assert os.waitpid(hijo, 0)[1] >> 8 == 9, "el proceso de correo no murió donde debía"
    assert sorted(len(mensajes_para(app, correo)) for correo in correos) == [0, 0, 1, 1]
    with app.app_context():
        vencido = ahora() + bandeja.plazo_de_reclamo() + timedelta(minutes=1)
    with time_machine.travel(vencido):
        proceso_aparte()
    assert [len(mensajes_para(app, correo)) for correo in correos] == [1, 1, 1, 1]
