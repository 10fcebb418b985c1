"""Inscripción en línea por HTTP: alta, correo de confirmación (QR y .ics), enlace personal, cupo y
lista de espera, plazo, privacidad, entradas inválidas, límite de peticiones, API y conexión en línea.

Cada prueba crea su propio evento pequeño (programa.importar) y lo borra al terminar.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from apoyo import configuracion
from app import create_app
from eventos import zonas
from eventos.extensiones import db
from eventos.modelos import Asistencia, CorreoSaliente, Evento, Inscripcion, RolEvento, Sesion, Usuario

from apoyo_inscripciones import (texto_local, ZONA_EVENTO, ZONA_VISITANTE, SEDE, URL_REUNION, URL_REUNION_SESION, crear_evento, borrar_evento, token_de, unico, datos_inscripcion, inscribir, enviar_con_token, mensajes_para, texto_de, html_de, token_personal, inscripcion_de, estados, cuantas, leer_qr, sin_espacios, horas)

pytestmark = pytest.mark.reloj  # depende de la hora: .ci/run la repite en instantes difíciles


# --- Camino completo -------------------------------------------------------------------------------
def test_inscripcion_completa_correo_qr_pagina_personal_y_baja(app, eventos_prueba):
    pytest.importorskip("zxingcpp", reason="para leer los QR: pip install zxing-cpp (extra «pruebas»)")
    evento = eventos_prueba(cupo=10)
    cliente = app.test_client()
    cliente.set_cookie("tz", ZONA_VISITANTE)
    correo = unico("ana")

    r = inscribir(cliente, evento.slug, correo)
    assert r.status_code == 302, r.get_data(as_text=True)[-800:]
    assert r.headers["Location"].endswith(f"/eventos/{evento.slug}/inscripcion/recibida")
    recibida = sin_espacios(cliente.get(r.headers["Location"]))
    assert "Revise su correo" in recibida and correo in recibida

    inscripcion = inscripcion_de(app, evento, correo)
    assert inscripcion.estado == "confirmada" and inscripcion.zona_horaria == ZONA_VISITANTE
    assert inscripcion.consentimiento_en is not None and inscripcion.confirmada_en is not None

    mensaje, = mensajes_para(app, correo)
    assert mensaje["Subject"] == f"Inscripción confirmada: {evento.titulo}"
    texto, html = texto_de(mensaje), html_de(mensaje)
    madrid = horas(evento.dia, "10:00", "11:00", ZONA_VISITANTE)
    assert madrid != "10:00–11:00"
    for parte in (texto, html):
        assert evento.titulo in parte and SEDE in parte and "Sesión de apertura" in parte
        assert madrid in parte and "10:00–11:00" in parte  # su zona y la del evento
        # Las zonas por su nombre, como en las páginas; nunca el identificador IANA.
        assert "Ciudad de México" in parte and "Madrid" in parte
        assert ZONA_VISITANTE not in parte and ZONA_EVENTO not in parte
    # Primero la hora del evento y después la suya, cada una rotulada.
    assert f"10:00–11:00 (Ciudad de México, hora del evento) · {madrid} (Madrid, su hora) — Sesión de apertura" in texto
    assert html.index("Ciudad de México (hora del evento)") < html.index("Madrid (su hora)")

    # El QR va en línea en la parte HTML y contiene el código de la inscripción.
    assert 'src="cid:qr-inscripcion"' in html
    imagenes = [p for p in mensaje.walk() if p.get_content_type() == "image/png"]
    assert [p["Content-ID"] for p in imagenes] == ["<qr-inscripcion>"]
    assert leer_qr(imagenes[0].get_content()) == "EV1-" + inscripcion.codigo

    # El calendario adjunto: horas con TZID de la zona del evento.
    import icalendar
    adjunto, = [p for p in mensaje.iter_attachments() if p.get_filename() == f"{evento.slug}.ics"]
    assert adjunto.get_content_type() == "text/calendar"
    # RFC 5545: un .ics sin «charset» es UTF-8 (el paquete email de Python supondría ASCII).
    calendario = icalendar.Calendar.from_ical(adjunto.get_payload(decode=True).decode("utf-8"))
    vevents = calendario.walk("VEVENT")
    assert {str(v["SUMMARY"]) for v in vevents} >= {"Sesión de apertura"}
    primero = next(v for v in vevents if str(v["SUMMARY"]) == "Sesión de apertura")
    assert primero["DTSTART"].params["TZID"] == ZONA_EVENTO
    assert primero["DTSTART"].dt.replace(tzinfo=None) == datetime.combine(evento.dia, datetime.min.time()).replace(hour=10)
    assert ZONA_EVENTO in {str(z["TZID"]) for z in calendario.walk("VTIMEZONE")}

    # El enlace personal (en las dos versiones del correo).
    token = token_personal(mensaje)
    assert f"http://localhost/inscripcion/{token}" in html

    pagina = cliente.get(f"/inscripcion/{token}")
    assert pagina.status_code == 200
    assert "no-store" in pagina.headers["Cache-Control"]
    html_pagina = sin_espacios(pagina)
    assert "Confirmada" in html_pagina and "Ayuntamiento de Prueba" in html_pagina
    assert 'alt="Código QR de acreditación de Ana Pruebas"' in html_pagina  # (enlaces: test_pagina_personal_enlaza_…)
    texto_pagina = re.sub(r"<[^>]+>", "", html_pagina)  # lo que se lee (las horas van en <time>)
    assert madrid in texto_pagina and "10:00–11:00" in texto_pagina

    png = cliente.get(f"/inscripcion/{token}/qr.png")
    assert png.status_code == 200 and png.content_type == "image/png"
    assert leer_qr(png.data) == "EV1-" + inscripcion.codigo
    svg = cliente.get(f"/inscripcion/{token}/qr.svg")
    assert svg.status_code == 200 and svg.content_type.startswith("image/svg+xml")
    ics = cliente.get(f"/inscripcion/{token}/calendario.ics")
    assert ics.status_code == 200 and f"TZID={ZONA_EVENTO}".encode() in ics.data

    # Cambia su institución desde su página.
    r = enviar_con_token(cliente, f"/inscripcion/{token}", f"/inscripcion/{token}", {
        "nombre": "Ana", "apellidos": "Pruebas", "institucion": "Gobierno Municipal de Cholula",
        "cargo": "Coordinadora", "pais": "MX", "ciudad": "Puebla"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/inscripcion/{token}")
    pagina = sin_espacios(cliente.get(f"/inscripcion/{token}"))
    assert "Datos guardados." in pagina and "Gobierno Municipal de Cholula" in pagina
    assert inscripcion_de(app, evento, correo).institucion == "Gobierno Municipal de Cholula"

    # Cancela (con CSRF): queda cancelada, recibe el correo y el QR deja de servirse.
    r = enviar_con_token(cliente, f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar")
    assert r.status_code == 302
    cancelada = inscripcion_de(app, evento, correo)
    assert cancelada.estado == "cancelada" and cancelada.cancelada_en is not None
    asuntos = [m["Subject"] for m in mensajes_para(app, correo)]
    assert asuntos == [f"Inscripción confirmada: {evento.titulo}", f"Inscripción cancelada: {evento.titulo}"]
    pagina = sin_espacios(cliente.get(f"/inscripcion/{token}"))
    assert "Cancelada" in pagina and "Esta inscripción está cancelada." in pagina
    assert cliente.get(f"/inscripcion/{token}/qr.png").status_code == 404
    with app.app_context():
        saliente = db.session.execute(select(CorreoSaliente.estado).where(
            CorreoSaliente.inscripcion_id == inscripcion.id)).scalars().all()
    assert saliente == ["enviado", "enviado"]


# --- Duplicados y privacidad -------------------------------------------------------------------------
def _normalizar(html: str) -> str:
    """El token CSRF es distinto en cada sesión por diseño: lo único que no se compara."""
    return re.sub(r'(name="csrf-token" content=|name="csrf_token" value=)"[^"]+"', r'\1"…"', html)


def test_inscribir_dos_veces_no_revela_nada_y_avisa_al_dueno(app, eventos_prueba):
    evento = eventos_prueba(cupo=10)
    correo = unico("duplicada")
    primera, segunda = app.test_client(), app.test_client()

    r1 = inscribir(primera, evento.slug, correo)
    r2 = inscribir(segunda, evento.slug, correo, nombre="Otra", institucion="Intento ajeno")
    assert r1.status_code == r2.status_code == 302
    assert r1.headers["Location"] == r2.headers["Location"]
    p1, p2 = primera.get(r1.headers["Location"]), segunda.get(r2.headers["Location"])
    assert p1.status_code == p2.status_code == 200
    assert _normalizar(p1.get_data(as_text=True)).encode() == _normalizar(p2.get_data(as_text=True)).encode()

    # Una sola fila y sin cambios: quien no es dueño de la dirección no sobrescribe nada.
    assert estados(app, evento) == {correo: "confirmada"}
    inscripcion = inscripcion_de(app, evento, correo)
    assert inscripcion.nombre == "Ana" and inscripcion.institucion == "Ayuntamiento de Prueba"
    # La misma dirección con otras mayúsculas tampoco crea otra inscripción.
    assert inscribir(app.test_client(), evento.slug, correo.upper()).status_code == 302
    assert cuantas(app, evento) == 1

    confirmacion, aviso, aviso2 = mensajes_para(app, correo)
    assert confirmacion["Subject"] == f"Inscripción confirmada: {evento.titulo}"
    assert aviso["Subject"] == aviso2["Subject"] == f"Ya tiene una inscripción en {evento.titulo}"
    assert "Ya tiene una inscripción (Confirmada)" in sin_espacios(texto_de(aviso))
    assert token_personal(aviso)  # su enlace personal, solo en su buzón


# --- Cupo, lista de espera, promoción y aprobación -----------------------------------------------------
def test_cupo_del_evento_lleno_pasa_a_lista_de_espera(app, eventos_prueba):
    evento = eventos_prueba(cupo=2)
    correos = [unico(f"cupo{n}") for n in range(3)]
    for correo in correos:
        assert inscribir(app.test_client(), evento.slug, correo).status_code == 302
    assert estados(app, evento) == {correos[0]: "confirmada", correos[1]: "confirmada", correos[2]: "en_espera"}
    mensaje, = mensajes_para(app, correos[2])
    assert mensaje["Subject"] == f"Está en la lista de espera: {evento.titulo}"
    assert "lista de espera" in texto_de(mensaje)
    assert not [p for p in mensaje.walk() if p.get_content_type() == "image/png"]  # sin QR
    token = token_personal(mensaje)
    assert "En lista de espera" in sin_espacios(app.test_client().get(f"/inscripcion/{token}"))
    assert app.test_client().get(f"/inscripcion/{token}/qr.png").status_code == 404
    formulario = sin_espacios(app.test_client().get(f"/eventos/{evento.slug}/inscripcion"))
    assert "El cupo está completo" in formulario


def test_mesa_llena_pasa_a_lista_de_espera_aunque_el_evento_tenga_lugar(app, eventos_prueba):
    evento = eventos_prueba(cupo=10, mesas=[("a", 1), ("b", None)])
    mesa_a, mesa_b = evento.mesas["a"], evento.mesas["b"]
    c1, c2, c3 = unico("mesa1"), unico("mesa2"), unico("mesa3")
    assert inscribir(app.test_client(), evento.slug, c1, mesa=str(mesa_a)).status_code == 302
    formulario = sin_espacios(app.test_client().get(f"/eventos/{evento.slug}/inscripcion"))
    assert "Mesa a — completa: lista de espera" in formulario
    assert inscribir(app.test_client(), evento.slug, c2, mesa=str(mesa_a)).status_code == 302
    assert inscribir(app.test_client(), evento.slug, c3, mesa=str(mesa_b)).status_code == 302
    assert estados(app, evento) == {c1: "confirmada", c2: "en_espera", c3: "confirmada"}
    assert inscripcion_de(app, evento, c2).mesa_id == mesa_a
    # Una mesa que no es de este evento no se acepta.
    r = inscribir(app.test_client(), evento.slug, unico("mesa-ajena"), mesa="999999")
    assert r.status_code == 400 and cuantas(app, evento) == 3


def test_baja_promueve_en_orden_a_quien_espera_y_cabe_en_su_mesa(app, eventos_prueba):
    evento = eventos_prueba(cupo=2, mesas=[("a", 1), ("b", None)])
    mesa_a, mesa_b = str(evento.mesas["a"]), str(evento.mesas["b"])
    orden = [("conf-a", mesa_a), ("conf-b", mesa_b), ("espera-a", mesa_a), ("espera-b1", mesa_b), ("espera-b2", mesa_b)]
    correos = {nombre: unico(nombre) for nombre, _ in orden}
    for nombre, mesa in orden:
        assert inscribir(app.test_client(), evento.slug, correos[nombre], mesa=mesa).status_code == 302
    assert estados(app, evento) == {correos["conf-a"]: "confirmada", correos["conf-b"]: "confirmada",
                                    correos["espera-a"]: "en_espera", correos["espera-b1"]: "en_espera",
                                    correos["espera-b2"]: "en_espera"}

    # Se libera una plaza del evento en la mesa b: «espera-a» llegó antes pero su mesa sigue llena,
    # así que la plaza es de «espera-b1» (la primera que cabe); «espera-b2» sigue esperando.
    token = token_personal(mensajes_para(app, correos["conf-b"])[0])
    cliente = app.test_client()
    assert enviar_con_token(cliente, f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar").status_code == 302
    assert estados(app, evento) == {correos["conf-a"]: "confirmada", correos["conf-b"]: "cancelada",
                                    correos["espera-a"]: "en_espera", correos["espera-b1"]: "confirmada",
                                    correos["espera-b2"]: "en_espera"}
    promovida = mensajes_para(app, correos["espera-b1"])[-1]
    assert promovida["Subject"] == f"Tiene plaza: inscripción confirmada en {evento.titulo}"
    assert [p["Content-ID"] for p in promovida.walk() if p.get_content_type() == "image/png"] == ["<qr-inscripcion>"]
    assert len(mensajes_para(app, correos["espera-a"])) == 1  # solo el de la lista de espera
    assert len(mensajes_para(app, correos["espera-b2"])) == 1

    # Se libera la plaza de la mesa a: ahora sí le toca a «espera-a», antes que a «espera-b2».
    token = token_personal(mensajes_para(app, correos["conf-a"])[0])
    assert enviar_con_token(cliente, f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar").status_code == 302
    assert estados(app, evento)[correos["espera-a"]] == "confirmada"
    assert estados(app, evento)[correos["espera-b2"]] == "en_espera"
    assert mensajes_para(app, correos["espera-a"])[-1]["Subject"].startswith("Tiene plaza:")
    assert len(mensajes_para(app, correos["espera-b2"])) == 1

    # Cancelar dos veces no promueve a nadie más.
    assert enviar_con_token(cliente, f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar").status_code == 302
    assert estados(app, evento)[correos["espera-b2"]] == "en_espera"


def test_con_aprobacion_la_inscripcion_queda_pendiente(app, eventos_prueba):
    evento = eventos_prueba(cupo=5, requiere_aprobacion=True)
    formulario = sin_espacios(app.test_client().get(f"/eventos/{evento.slug}/inscripcion"))
    assert "La organización revisa cada inscripción antes de confirmarla." in formulario
    correo = unico("pendiente")
    assert inscribir(app.test_client(), evento.slug, correo).status_code == 302
    assert estados(app, evento) == {correo: "pendiente"}
    mensaje, = mensajes_para(app, correo)
    assert mensaje["Subject"] == f"Inscripción recibida, pendiente de aprobación: {evento.titulo}"
    assert not [p for p in mensaje.walk() if p.get_content_type() == "image/png"]
    token = token_personal(mensaje)
    assert "Pendiente de aprobación" in sin_espacios(app.test_client().get(f"/inscripcion/{token}"))
    assert app.test_client().get(f"/inscripcion/{token}/qr.png").status_code == 404


# --- Plazo de inscripción ------------------------------------------------------------------------------
def _plazo(html: str) -> str:
    encontrado = re.search(r'<p class="plazo">(.*?)</p>', html, re.DOTALL)
    assert encontrado, "la página no muestra el plazo"
    return sin_espacios(encontrado.group(1))


def _post_cerrado(app, evento, correo):
    cliente = app.test_client()
    token = token_de(cliente.get(f"/eventos/{evento.slug}/inscripcion").get_data(as_text=True))
    respuesta = cliente.post(f"/eventos/{evento.slug}/inscripcion",
                             data={**datos_inscripcion(correo), "csrf_token": token})
    respuesta.close()
    return respuesta


def test_antes_de_la_apertura_dice_cuando_abre_en_ambas_zonas(app, eventos_prueba):
    ahora_evento = datetime.now(ZoneInfo(ZONA_EVENTO))
    apertura = datetime.combine(ahora_evento.date() + timedelta(days=3), datetime.min.time()).replace(hour=9, minute=30)
    evento = eventos_prueba(cupo=5, apertura=texto_local(apertura), cierre=timedelta(days=10))
    en_madrid = apertura.replace(tzinfo=ZoneInfo(ZONA_EVENTO)).astimezone(ZoneInfo(ZONA_VISITANTE))

    r = app.test_client().get(f"/eventos/{evento.slug}/inscripcion")
    assert r.status_code == 200
    plazo = _plazo(r.get_data(as_text=True))
    assert "La inscripción abre el" in plazo and "09:30" in plazo and "hora del evento" in plazo
    assert f"{apertura.year}" in plazo

    visitante = app.test_client()
    visitante.set_cookie("tz", ZONA_VISITANTE)
    plazo = _plazo(visitante.get(f"/eventos/{evento.slug}/inscripcion").get_data(as_text=True))
    assert "09:30" in plazo and "hora del evento" in plazo
    assert f"{en_madrid:%H:%M}" in plazo and "su zona" in plazo
    assert 'name="consentimiento"' not in visitante.get(f"/eventos/{evento.slug}/inscripcion").get_data(as_text=True)

    correo = unico("temprano")
    r = _post_cerrado(app, evento, correo)
    assert r.status_code == 403
    assert "La inscripción abre el" in sin_espacios(r)
    assert cuantas(app, evento) == 0 and mensajes_para(app, correo) == []
    # La página pública del evento anuncia lo mismo, sin botón para inscribirse.
    pagina = app.test_client().get(f"/eventos/{evento.slug}/").get_data(as_text=True)
    assert "La inscripción abre el" in _plazo(pagina) and f"/eventos/{evento.slug}/inscripcion\"" not in pagina


def test_despues_del_cierre_dice_que_cerro(app, eventos_prueba):
    evento = eventos_prueba(cupo=5, apertura=timedelta(days=-5), cierre=timedelta(days=-1))
    r = app.test_client().get(f"/eventos/{evento.slug}/inscripcion")
    assert r.status_code == 200
    assert "La inscripción está cerrada." in sin_espacios(r)
    assert "La inscripción cerró el" in _plazo(r.get_data(as_text=True))
    correo = unico("tarde")
    r = _post_cerrado(app, evento, correo)
    assert r.status_code == 403 and "La inscripción está cerrada." in sin_espacios(r)
    assert cuantas(app, evento) == 0 and mensajes_para(app, correo) == []


def test_evento_no_publicado_no_tiene_inscripcion(app, eventos_prueba):
    evento = eventos_prueba(cupo=5, estado="borrador")
    cliente = app.test_client()
    assert cliente.get(f"/eventos/{evento.slug}/inscripcion").status_code == 404
    token = token_de(cliente.get("/cuentas/entrar").get_data(as_text=True))
    r = cliente.post(f"/eventos/{evento.slug}/inscripcion", data={**datos_inscripcion(unico()), "csrf_token": token})
    assert r.status_code == 404
    assert cliente.get(f"/eventos/{evento.slug}/inscripcion/recibida").status_code == 404
    assert cliente.get(f"/api/v1/eventos/{evento.slug}").status_code == 404
    assert cuantas(app, evento) == 0


# --- Entradas inválidas ------------------------------------------------------------------------------
@pytest.mark.parametrize("cambios, mensaje", [
    ({"correo": "esto-no-es-un-correo"}, "Escriba una dirección de correo válida"),
    ({"consentimiento": None}, "Para inscribirse debe aceptar el aviso de privacidad."),
    ({"nombre": "x" * 500}, "El campo no puede tener más de 120 caracteres."),
    ({"institucion": "y" * 301}, "El campo no puede tener más de 300 caracteres."),
    ({"nombre": "<script>alert(1)</script>"}, "No use etiquetas HTML ni código"),
    ({"institucion": "<b>x</b>"}, "No use etiquetas HTML ni código"),
    ({"ciudad": "javascript:alert(1)"}, "No use etiquetas HTML ni código"),
    ({"nombre": "   "}, "Este campo es obligatorio."),
    ({"pais": "ZZ"}, "Opción inválida."),
], ids=["correo", "consentimiento", "nombre-largo", "institucion-larga", "script", "etiqueta", "javascript",
        "nombre-vacio", "pais"])
def test_datos_invalidos_se_rechazan_con_un_mensaje_claro(app, eventos_prueba, cambios, mensaje):
    evento = eventos_prueba(cupo=5)
    correo = unico("invalida")
    if cambios.get("correo"):
        correo = cambios["correo"]
    r = inscribir(app.test_client(), evento.slug, correo, **{k: v for k, v in cambios.items() if k != "correo"})
    assert r.status_code == 400
    pagina = r.get_data(as_text=True)
    assert "Hay un problema" in sin_espacios(pagina) and mensaje in sin_espacios(pagina)
    # El resumen de errores enlaza con el campo que falló (y el foco va al resumen: tests/navegador).
    assert f'<a href="#{next(iter(cambios))}">' in pagina
    assert "<script>alert(1)</script>" not in pagina and "<b>x</b>" not in pagina
    assert cuantas(app, evento) == 0
    assert mensajes_para(app, correo) == []


def test_sin_token_csrf_se_rechaza(app, eventos_prueba):
    evento = eventos_prueba(cupo=5)
    correo = unico("sin-csrf")
    r = inscribir(app.test_client(), evento.slug, correo, con_csrf=False)
    assert r.status_code == 400 and "código de seguridad" in sin_espacios(r)
    assert cuantas(app, evento) == 0 and mensajes_para(app, correo) == []


def _alterar(token: str, posicion: int) -> str:
    caracter = token[posicion]
    otro = "B" if caracter != "B" else "C"
    return token[:posicion] + otro + token[posicion + 1:]


def test_enlaces_personales_inventados_o_alterados_dan_404(app, eventos_prueba):
    evento = eventos_prueba(cupo=5)
    correo = unico("token")
    assert inscribir(app.test_client(), evento.slug, correo).status_code == 302
    token = token_personal(mensajes_para(app, correo)[0])
    cliente = app.test_client()
    assert cliente.get(f"/inscripcion/{token}").status_code == 200
    carga, firma = token.rsplit(".", 1)
    alterados = ["basura", "a.b", _alterar(token, 0), _alterar(token, len(carga) // 2),
                 _alterar(token, len(carga) + 1 + len(firma) // 2)]
    for alterado in alterados:
        assert alterado != token
        r = cliente.get(f"/inscripcion/{alterado}")
        assert r.status_code == 404, alterado
        assert "Este enlace personal no es válido" in sin_espacios(r)
        for sufijo in ("qr.png", "qr.svg", "calendario.ics", "entrar"):
            assert cliente.get(f"/inscripcion/{alterado}/{sufijo}").status_code == 404
        csrf = token_de(cliente.get("/cuentas/entrar").get_data(as_text=True))
        assert cliente.post(f"/inscripcion/{alterado}/cancelar", data={"csrf_token": csrf}).status_code == 404
        assert cliente.post(f"/inscripcion/{alterado}", data={"csrf_token": csrf, "nombre": "Hackeo"}).status_code == 404
    inscripcion = inscripcion_de(app, evento, correo)
    assert inscripcion.estado == "confirmada" and inscripcion.nombre == "Ana"
    # Cancelar sin token CSRF tampoco hace nada.
    assert cliente.post(f"/inscripcion/{token}/cancelar").status_code == 400
    assert inscripcion_de(app, evento, correo).estado == "confirmada"


def test_lo_escrito_por_la_persona_se_muestra_escapado(app, eventos_prueba):
    evento = eventos_prueba(cupo=5)
    correo = unico("escape")
    crudo = "O'Brien & Hijos \"SA\""
    escapado = "O&#39;Brien &amp; Hijos &#34;SA&#34;"
    r = inscribir(app.test_client(), evento.slug, correo, nombre=crudo, institucion=crudo)
    assert r.status_code == 302
    assert inscripcion_de(app, evento, correo).nombre == crudo  # se guarda tal cual

    mensaje, = mensajes_para(app, correo)
    html = html_de(mensaje)
    assert escapado in html and crudo not in html
    assert crudo in texto_de(mensaje)  # el texto plano lo lleva sin escapar, como debe

    pagina = app.test_client().get(f"/inscripcion/{token_personal(mensaje)}").get_data(as_text=True)
    assert escapado in pagina and crudo not in pagina
    assert f'value="{escapado}"' in pagina  # también en los campos del formulario


# --- Límite de peticiones --------------------------------------------------------------------------------
def test_limite_de_inscripciones_por_cliente(app, eventos_prueba, tmp_path, url_bd):
    evento = eventos_prueba(cupo=50)
    limitada = create_app({**configuracion(tmp_path, url_bd), "LIMITE_INSCRIPCION": "3 per minute"})
    cliente = limitada.test_client()
    correos = [unico(f"limite{n}") for n in range(4)]
    codigos = [inscribir(cliente, evento.slug, correo).status_code for correo in correos]
    assert codigos == [302, 302, 302, 429]
    r = inscribir(cliente, evento.slug, unico("limite-extra"))
    assert r.status_code == 429 and "Demasiados intentos seguidos" in sin_espacios(r)
    assert sorted(estados(app, evento)) == sorted(correos[:3])
    # Ver el formulario (GET) no cuenta.
    assert cliente.get(f"/eventos/{evento.slug}/inscripcion").status_code == 200


# --- API ---------------------------------------------------------------------------------------------
RE_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?[+-]\d\d:\d\d$")


def test_api_publica_plazo_y_recuentos(app, eventos_prueba):
    evento = eventos_prueba(cupo=1)
    cliente = app.test_client()

    def leer():
        r = cliente.get(f"/api/v1/eventos/{evento.slug}")
        assert r.status_code == 200
        return r.get_json()["inscripcion"], r.headers["ETag"]

    datos, etag0 = leer()
    assert datos["abierta"] is True and datos["cupo"] == 1
    assert RE_ISO.match(datos["apertura"]) and RE_ISO.match(datos["cierre"]), datos
    assert datos["apertura"][-6:] in ("-06:00", "-05:00")  # desfase de la zona del evento
    assert datetime.fromisoformat(datos["apertura"]) < datetime.fromisoformat(datos["cierre"])
    assert datos["url"] == f"http://localhost/eventos/{evento.slug}/inscripcion"
    assert (datos["confirmadas"], datos["en_espera"]) == (0, 0)
    assert cliente.get(f"/api/v1/eventos/{evento.slug}", headers={"If-None-Match": etag0}).status_code == 304

    primera, segunda = unico("api1"), unico("api2")
    inscribir(app.test_client(), evento.slug, primera)
    datos, etag1 = leer()
    assert (datos["confirmadas"], datos["en_espera"]) == (1, 0) and etag1 != etag0
    assert cliente.get(f"/api/v1/eventos/{evento.slug}", headers={"If-None-Match": etag0}).status_code == 200

    inscribir(app.test_client(), evento.slug, segunda)
    datos, etag2 = leer()
    assert (datos["confirmadas"], datos["en_espera"]) == (1, 1) and etag2 not in (etag0, etag1)

    token = token_personal(mensajes_para(app, primera)[0])
    enviar_con_token(app.test_client(), f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar")
    datos, etag3 = leer()
    assert (datos["confirmadas"], datos["en_espera"]) == (1, 0) and etag3 not in (etag0, etag1, etag2)
    assert estados(app, evento) == {primera: "cancelada", segunda: "confirmada"}

    lista = cliente.get("/api/v1/eventos").get_json()["eventos"]
    resumen, = [e for e in lista if e["slug"] == evento.slug]
    assert resumen["inscripcion"]["confirmadas"] == 1 and resumen["inscripcion"]["cupo"] == 1


# --- Conexión en línea ---------------------------------------------------------------------------------
def test_enlace_personal_de_conexion_registra_asistencia(app, eventos_prueba):
    evento = eventos_prueba(cupo=1, modalidad="virtual", enlace_virtual=URL_REUNION, enlace_sesion=URL_REUNION_SESION)
    confirmada, espera = unico("enlinea"), unico("enlinea-espera")
    inscribir(app.test_client(), evento.slug, confirmada)
    inscribir(app.test_client(), evento.slug, espera)
    assert estados(app, evento) == {confirmada: "confirmada", espera: "en_espera"}

    mensaje, = mensajes_para(app, confirmada)
    token = token_personal(mensaje)
    assert f"http://localhost/inscripcion/{token}/entrar" in texto_de(mensaje)
    assert "reunion.example.org" not in mensaje.as_string()  # el correo lleva el enlace personal, no la sala
    inscripcion = inscripcion_de(app, evento, confirmada)
    sesion = evento.sesiones["apertura"]

    def asistencias(inscripcion_id):
        with app.app_context():
            return db.session.execute(select(Asistencia.origen, Asistencia.alcance, Asistencia.sesion_id)
                                      .where(Asistencia.inscripcion_id == inscripcion_id)
                                      .order_by(Asistencia.id)).all()

    cliente = app.test_client()
    with time_machine.travel(hora_de(app, sesion), tick=False):  # la sesión está en curso
        assert cliente.get(f"/inscripcion/{token}/entrar/{sesion}").status_code == 200
        assert asistencias(inscripcion.id) == []  # abrir el enlace no registra nada
        r = entrar_en(cliente, token, sesion)
        assert r.status_code == 303 and r.headers["Location"] == URL_REUNION
        assert asistencias(inscripcion.id) == [("en_linea", sesion, sesion)]
        r = entrar_en(cliente, token, sesion)
        assert r.status_code == 303 and r.headers["Location"] == URL_REUNION
        assert asistencias(inscripcion.id) == [("en_linea", sesion, sesion)]  # la segunda vez no suma

    # Una sesión con su propio enlace lleva a esa sala; una sesión que no es del evento, 404.
    trabajo = evento.sesiones["trabajo"]
    with time_machine.travel(hora_de(app, trabajo), tick=False):
        r = entrar_en(cliente, token, trabajo)
    assert r.status_code == 303 and r.headers["Location"] == URL_REUNION_SESION
    assert len(asistencias(inscripcion.id)) == 2
    assert cliente.get(f"/inscripcion/{token}/entrar/999999999").status_code == 404

    # En lista de espera no hay enlace.
    token_espera = token_personal(mensajes_para(app, espera)[0])
    r = entrar_en(cliente, token_espera, sesion)
    assert r.status_code == 403 and "solo para inscripciones confirmadas" in sin_espacios(r)
    assert "reunion.example.org" not in r.get_data(as_text=True)
    assert asistencias(inscripcion_de(app, evento, espera).id) == []

    # Ni la página pública, ni las de sesión, ni la API muestran la dirección de la reunión.
    publicas = [f"/eventos/{evento.slug}/", f"/eventos/{evento.slug}/sesiones/apertura",
                f"/eventos/{evento.slug}/sesiones/trabajo", f"/api/v1/eventos/{evento.slug}", "/api/v1/eventos",
                f"/eventos/{evento.slug}/inscripcion"]
    for ruta in publicas:
        r = app.test_client().get(ruta)
        assert r.status_code == 200, ruta
        assert "reunion.example.org" not in r.get_data(as_text=True), ruta
    personal = cliente.get(f"/inscripcion/{token}").get_data(as_text=True)
    assert "Conectarse" in personal and "reunion.example.org" not in personal


def hora_de(app, sesion_id: int, minutos: int = 5):
    """Un instante `minutos` después del inicio de la sesión."""
    with app.app_context():
        return db.session.get(Sesion, sesion_id).inicio + timedelta(minutes=minutos)


def entrar_en(cliente, token: str, sesion_id: int):
    """Pulsar «Entrar a la reunión» en la página personal de conexión."""
    ruta = f"/inscripcion/{token}/entrar/{sesion_id}"
    return cliente.post(ruta, data={"csrf_token": token_de(cliente.get(ruta).get_data(as_text=True))})


@pytest.mark.parametrize("minutos, estado", [
    (-60 * 24 * 20, "Todavía no se puede entrar"),  # semanas antes (o un lector de correo que abre el enlace)
    (-16, "Todavía no se puede entrar"),  # antes de que abra la sala (15 minutos antes, por omisión)
    (61, "Esta sesión ya terminó"),
])
def test_fuera_del_horario_de_la_sesion_no_se_registra_la_conexion(app, eventos_prueba, minutos, estado):
    evento = eventos_prueba(modalidad="virtual", enlace_virtual=URL_REUNION)
    correo = unico("fuera-de-hora")
    visitante = app.test_client()
    visitante.set_cookie("tz", ZONA_VISITANTE)  # la persona se inscribió desde Madrid
    inscribir(visitante, evento.slug, correo)
    token = token_personal(mensajes_para(app, correo)[0])
    sesion = evento.sesiones["apertura"]
    cliente = app.test_client()
    with time_machine.travel(hora_de(app, sesion, minutos), tick=False):
        pagina = cliente.get(f"/inscripcion/{token}/entrar/{sesion}")
        boton = entrar_en(cliente, token, sesion)
    texto = sin_espacios(pagina)
    assert pagina.status_code == 200 and estado in texto and "reunion.example.org" not in texto
    assert "Entrar a la reunión" not in texto
    # La hora de la sesión en la zona del evento y en la de la persona.
    with app.app_context():
        en_madrid = zonas.a_local(db.session.get(Sesion, sesion).inicio, ZONA_VISITANTE).strftime("%H:%M")
    assert "10:00" in texto and en_madrid in texto and "Ciudad de México" in texto and "Madrid" in texto
    assert boton.status_code == 409 and "reunion.example.org" not in boton.headers.get("Location", "")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Asistencia).where(
            Asistencia.evento_id == evento.id)) == 0


def test_la_sala_abre_unos_minutos_antes_de_la_sesion(app, eventos_prueba):
    evento = eventos_prueba(modalidad="virtual", enlace_virtual=URL_REUNION)
    correo = unico("minutos-antes")
    inscribir(app.test_client(), evento.slug, correo)
    token = token_personal(mensajes_para(app, correo)[0])
    with time_machine.travel(hora_de(app, evento.sesiones["apertura"], -14), tick=False):
        assert entrar_en(app.test_client(), token, evento.sesiones["apertura"]).status_code == 303


# --- Borrado ---------------------------------------------------------------------------------------
def test_borrar_evento_borra_sus_inscripciones(app):
    """ON DELETE CASCADE también en SQLite (la conexión que usó upgrade() vuelve al pool con las claves
    foráneas activas): si no, el siguiente evento reutilizaría el id y heredaría estas inscripciones."""
    evento = crear_evento(app, cupo=5)
    correo = unico("borrado")
    try:
        assert inscribir(app.test_client(), evento.slug, correo).status_code == 302
        with app.app_context():
            db.session.delete(db.session.get(Evento, evento.id))
            db.session.commit()
            restos = [db.session.scalar(select(func.count()).select_from(modelo).where(modelo.evento_id == evento.id))
                      for modelo in (Inscripcion, CorreoSaliente)]
        assert restos == [0, 0]
    finally:
        with app.app_context():
            from sqlalchemy import delete
            for modelo in (Asistencia, CorreoSaliente, Inscripcion):
                db.session.execute(delete(modelo).where(modelo.evento_id == evento.id))
            db.session.commit()
        borrar_evento(app, evento.slug)


# --- Fallos encontrados al escribir estas pruebas, ya corregidos ----------------------------------------
def test_pagina_personal_enlaza_qr_calendario_cancelar_y_conexion_con_su_token(app, eventos_prueba):
    evento = eventos_prueba(cupo=5, modalidad="virtual", enlace_virtual=URL_REUNION)
    correo = unico("enlaces")
    inscribir(app.test_client(), evento.slug, correo)
    token = token_personal(mensajes_para(app, correo)[0])
    pagina = app.test_client().get(f"/inscripcion/{token}").get_data(as_text=True)
    assert "Macro" not in pagina
    assert f'href="/inscripcion/{token}/calendario.ics"' in pagina
    assert f'action="/inscripcion/{token}/cancelar"' in pagina
    assert f'href="/inscripcion/{token}/entrar/{evento.sesiones["apertura"]}"' in pagina
    assert "qr.svg" not in pagina  # en un evento virtual no hay entrada en la que presentar un QR


def test_la_persona_que_asiste_en_persona_tiene_su_qr(app, eventos_prueba):
    evento = eventos_prueba(cupo=5)
    correo = unico("qr-presencial")
    inscribir(app.test_client(), evento.slug, correo)
    token = token_personal(mensajes_para(app, correo)[0])
    pagina = app.test_client().get(f"/inscripcion/{token}").get_data(as_text=True)
    assert f'src="/inscripcion/{token}/qr.svg"' in pagina
    assert f'href="/inscripcion/{token}/qr.png?descargar=1"' in pagina
    assert "Presente el código QR en la entrada" in pagina and "/entrar/" not in pagina


def test_evento_virtual_sin_enlace_aun_lo_dice_y_avisa_al_publicarlo(app, eventos_prueba, evento_con_equipo):
    """Un evento virtual no da instrucciones de la puerta; sin enlace todavía, el correo y la página dicen
    dónde estará, y al publicarlo la organización, cada persona recibe un aviso."""
    evento = eventos_prueba(cupo=5, modalidad="virtual")
    correo = unico("virtual-sin-enlace")
    inscribir(app.test_client(), evento.slug, correo)
    confirmacion, = mensajes_para(app, correo)
    texto = texto_de(confirmacion)
    assert "Presente su código QR" not in texto and "cid:qr-inscripcion" not in html_de(confirmacion)
    assert "todavía no ha publicado el enlace de la reunión" in texto
    token = token_personal(confirmacion)
    assert f"/inscripcion/{token}/entrar" in texto
    cliente = app.test_client()
    pagina = sin_espacios(cliente.get(f"/inscripcion/{token}"))
    assert "todavía no ha publicado el enlace de la reunión" in pagina and "Presente el código QR" not in pagina
    conexion = cliente.get(f"/inscripcion/{token}/entrar/{evento.sesiones['apertura']}")
    assert conexion.status_code == 200 and "le avisaremos por correo" in sin_espacios(conexion)

    # La organización publica el enlace: un aviso a quien asiste en línea, con su enlace personal.
    from apoyo import campos_del_formulario, entrar
    with app.app_context():
        db.session.add(RolEvento(evento_id=evento.id, usuario=db.session.execute(select(Usuario).where(
            Usuario.correo == evento_con_equipo["correos"]["organizador"])).scalar_one(), rol="organizador"))
        db.session.commit()
    oficina = app.test_client()
    entrar(oficina, evento_con_equipo["correos"]["organizador"])
    ruta = f"/organizacion/eventos/{evento.slug}/datos"
    campos = dict(campos_del_formulario(oficina.get(ruta).get_data(as_text=True)))
    r = oficina.post(ruta, data={**campos, "enlace_virtual": URL_REUNION})
    r.close()
    assert r.status_code == 302
    assert "Se avisará por correo a 1 persona" in sin_espacios(oficina.get(r.headers["Location"]))
    aviso = mensajes_para(app, correo)[-1]
    assert aviso["Subject"].startswith("Ya puede conectarse") and f"/inscripcion/{token}/entrar" in texto_de(aviso)
    assert "reunion.example.org" not in aviso.as_string()
    # Guardar otra vez no repite el aviso.
    oficina.post(ruta, data={**campos, "enlace_virtual": URL_REUNION}).close()
    assert len(mensajes_para(app, correo)) == 2


def test_titulo_del_evento_escapado_en_el_correo_html(app, eventos_prueba):
    evento = eventos_prueba(cupo=5, titulo="Foro A & B <i>2027</i>")
    correo = unico("titulo")
    inscribir(app.test_client(), evento.slug, correo)
    html = html_de(mensajes_para(app, correo)[0])
    assert "Foro A &amp; B &lt;i&gt;2027&lt;/i&gt;" in html
    assert "Foro A & B <i>2027</i>" not in html


def _cambiar_mesa(app, token, mesa_id):
    return enviar_con_token(app.test_client(), f"/inscripcion/{token}", f"/inscripcion/{token}", {
        "nombre": "Ana", "apellidos": "Pruebas", "institucion": "Ayuntamiento de Prueba", "cargo": "",
        "pais": "MX", "ciudad": "", "mesa": str(mesa_id)})


def test_una_baja_recorre_la_lista_de_espera_por_tandas_sin_cargarla_entera(app, eventos_prueba):
    """La plaza que deja una baja es de la primera persona en espera que cabe, aunque esté detrás de una tanda
    entera de personas cuya mesa sigue llena; y para encontrarla no se carga la lista de espera entera (eso se
    hacía en cada baja, con el evento bloqueado, y en cada una de una cancelación en bloque), ni se pregunta
    por la mesa llena una vez por cada persona que espera en ella."""
    from sqlalchemy import event

    from eventos.inscripciones import servicios

    evento = eventos_prueba(cupo=2, mesas=[("a", 1), ("b", None)])
    with app.app_context():
        def alta(nombre, mesa):
            datos = {"correo": f"{nombre}@prueba.org", "nombre": nombre, "mesa_id": evento.mesas[mesa]}
            return servicios.inscribir(evento.id, datos, por_organizacion=True)[0].id

        alta("conf-a", "a")
        saliente = alta("conf-b", "b")
        for n in range(60):
            alta(f"espera-a{n}", "a")  # su mesa seguirá llena
        alta("espera-b1", "b")
        for n in range(70):
            alta(f"espera-b{n + 2}", "b")
        db.session.commit()
    cargadas, sentencias = [], []

    def al_cargar(inscripcion, _contexto):
        cargadas.append(inscripcion.correo)

    def al_ejecutar(_conexion, _cursor, sentencia, *_):
        sentencias.append(sentencia)

    with app.app_context():
        event.listen(Inscripcion, "load", al_cargar)
        event.listen(db.engine, "before_cursor_execute", al_ejecutar)
        try:
            promovidas = [p.correo for p in servicios.cancelar(saliente, avisar=False)]
        finally:
            event.remove(Inscripcion, "load", al_cargar)
            event.remove(db.engine, "before_cursor_execute", al_ejecutar)
        db.session.commit()
    assert promovidas == ["espera-b1@prueba.org"]
    finales = estados(app, evento)
    assert {c for c, e in finales.items() if e == "confirmada"} == {"conf-a@prueba.org", "espera-b1@prueba.org"}
    assert sum(e == "en_espera" for e in finales.values()) == 130
    assert len(cargadas) <= 101, len(cargadas)  # la saliente y dos tandas de 50, no las 131 que esperaban
    assert len(sentencias) <= 25, sentencias  # no tres por cada una de las 60 que esperan en la mesa llena


def test_cambiar_de_mesa_libera_la_plaza_para_quien_espera(app, eventos_prueba):
    evento = eventos_prueba(cupo=10, mesas=[("a", 1), ("b", None)])
    primera, segunda = unico("cambia"), unico("espera")
    inscribir(app.test_client(), evento.slug, primera, mesa=str(evento.mesas["a"]))
    inscribir(app.test_client(), evento.slug, segunda, mesa=str(evento.mesas["a"]))
    assert estados(app, evento) == {primera: "confirmada", segunda: "en_espera"}
    assert _cambiar_mesa(app, token_personal(mensajes_para(app, primera)[0]), evento.mesas["b"]).status_code == 302
    assert inscripcion_de(app, evento, primera).mesa_id == evento.mesas["b"]
    assert estados(app, evento) == {primera: "confirmada", segunda: "confirmada"}
    assert mensajes_para(app, segunda)[-1]["Subject"].startswith("Tiene plaza:")
    # Volver a la mesa a, ahora llena, no se permite.
    r = _cambiar_mesa(app, token_personal(mensajes_para(app, primera)[0]), evento.mesas["a"])
    assert r.status_code in (302, 303)
    assert inscripcion_de(app, evento, primera).mesa_id == evento.mesas["b"]


def test_cambiar_de_mesa_con_el_evento_lleno(app, eventos_prueba):
    evento = eventos_prueba(cupo=2, mesas=[("a", None), ("b", None)])
    primera, segunda = unico("lleno1"), unico("lleno2")
    inscribir(app.test_client(), evento.slug, primera, mesa=str(evento.mesas["a"]))
    inscribir(app.test_client(), evento.slug, segunda, mesa=str(evento.mesas["a"]))
    _cambiar_mesa(app, token_personal(mensajes_para(app, primera)[0]), evento.mesas["b"])
    assert inscripcion_de(app, evento, primera).mesa_id == evento.mesas["b"]


def test_reinscribirse_tras_cancelar_no_adelanta_en_la_lista_de_espera(app, eventos_prueba):
    evento = eventos_prueba(cupo=1)
    vuelve, ocupa, espera = unico("vuelve"), unico("ocupa"), unico("espera")
    inscribir(app.test_client(), evento.slug, vuelve)
    inscribir(app.test_client(), evento.slug, ocupa)
    token = token_personal(mensajes_para(app, vuelve)[0])
    enviar_con_token(app.test_client(), f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar")
    assert estados(app, evento)[ocupa] == "confirmada"
    inscribir(app.test_client(), evento.slug, espera)
    inscribir(app.test_client(), evento.slug, vuelve)  # se reinscribe después: queda detrás
    assert estados(app, evento) == {vuelve: "en_espera", ocupa: "confirmada", espera: "en_espera"}
    token = token_personal(mensajes_para(app, ocupa)[0])
    enviar_con_token(app.test_client(), f"/inscripcion/{token}", f"/inscripcion/{token}/cancelar")
    assert estados(app, evento) == {vuelve: "en_espera", ocupa: "cancelada", espera: "confirmada"}


def test_quien_asiste_en_persona_no_tiene_conexion_en_linea(app, eventos_prueba):
    """En un evento híbrido, la inscripción presencial no registra asistencia en línea ni ve la sala."""
    evento = eventos_prueba(modalidad="hibrida", enlace_virtual=URL_REUNION)
    correo = unico("presencial-hibrido")
    inscribir(app.test_client(), evento.slug, correo, modalidad="presencial")
    token = token_personal(mensajes_para(app, correo)[0])
    cliente = app.test_client()
    with time_machine.travel(hora_de(app, evento.sesiones["apertura"]), tick=False):
        assert cliente.get(f"/inscripcion/{token}/entrar/{evento.sesiones['apertura']}").status_code == 403
        r = entrar_en_sin_pagina(cliente, token, evento.sesiones["apertura"])
    assert r.status_code == 403 and "reunion.example.org" not in r.headers.get("Location", "")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Asistencia).where(
            Asistencia.evento_id == evento.id)) == 0


def entrar_en_sin_pagina(cliente, token: str, sesion_id: int):
    """El POST de «Entrar» con un token CSRF válido, sin pasar por la página (que aquí es un 403)."""
    from apoyo import token_csrf
    return cliente.post(f"/inscripcion/{token}/entrar/{sesion_id}", data={"csrf_token": token_csrf(cliente)})


def test_correo_en_ingles_para_quien_esta_lejos_pone_primero_la_hora_del_evento(app, eventos_prueba):
    """En Tokio la sesión de las 10:00 de Ciudad de México cae al día siguiente: el correo lo dice, con la
    hora del evento delante y cada zona por su nombre en el idioma de la persona."""
    from datetime import timedelta

    from babel.dates import format_date
    evento = eventos_prueba()
    cliente = app.test_client()
    cliente.get("/?lang=en")
    cliente.set_cookie("tz", "Asia/Tokyo")
    correo = unico("tokio")
    assert inscribir(cliente, evento.slug, correo).status_code == 302
    mensaje, = mensajes_para(app, correo)
    texto, html = texto_de(mensaje), html_de(mensaje)
    tokio = horas(evento.dia, "10:00", "11:00", "Asia/Tokyo")
    dia_evento = format_date(evento.dia, "EEE d MMM y", locale="en")
    dia_tokio = format_date(evento.dia + timedelta(days=1), "EEE d MMM", locale="en")
    assert (f"- {dia_evento} 10:00–11:00 (Mexico City, event time) · {dia_tokio} {tokio} (Tokyo, your time)"
            " — Sesión de apertura") in texto
    assert html.index("Mexico City (event time)") < html.index("Tokyo (your time)")
    assert f"{tokio} ({dia_tokio})" in html
    for parte in (texto, html):
        assert "Asia/Tokyo" not in parte and ZONA_EVENTO not in parte
