"""La encuesta de evaluación desde el enlace personal: solo responde quien puede, una vez cada quien (reenviar
cambia la respuesta; otro navegador no crea una segunda en una anónima), cerrada no guarda nada, el envío lleva su
token CSRF, lo hostil es un 4xx claro, lo escrito es texto, y la página dice si la encuesta es anónima o no. La
página personal y el correo de después del evento llevan a ella."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from apoyo_inscripciones import html_de, mensajes_para, texto_de, token_de, unico
from eventos import correo, qr
from eventos.extensiones import db
from eventos.modelos import (Anuncio, Asistencia, Encuesta, Inscripcion, PreguntaEncuesta, RespuestaEncuesta,
                             SeccionEncuesta)
from eventos.zonas import ahora


ANONIMA = "Sus respuestas son anónimas: la organización ve los resultados sin saber quién respondió qué."
IDENTIFICADA = "Esta encuesta NO es anónima: la organización verá sus respuestas con su nombre."
SOLO_DESDE_SU_NAVEGADOR = "solo se puede cambiar desde el navegador con el que la envió"


@dataclass
class Foro:
    evento: object  # apoyo_inscripciones.EventoPrueba
    encuesta_id: int
    preguntas: dict[str, int]  # nombre corto → id
    tokens: dict[str, str]  # persona → su enlace personal
    ids: dict[str, int]  # persona → id de su inscripción

    def url(self, persona: str) -> str:
        return f"/inscripcion/{self.tokens[persona]}/encuesta"

    def campo(self, pregunta: str, fila: int | None = None) -> str:
        return f"p{self.preguntas[pregunta]}" + (f"-{fila}" if fila is not None else "")


PREGUNTAS = [  # (nombre, tipo, texto, obligatoria, etiquetas, opciones)
    ("utilidad", "valoracion", "Utilidad del evento", True, ["Nada útil", "Muy útil"], []),
    ("organizacion", "valoracion", "La organización", False, ["Muy mala", "Muy buena"], []),
    ("sesiones", "matriz_sesiones", "Cada sesión", False, ["Nada útil", "Muy útil"], []),
    ("mesas", "matriz_mesas", "Cada mesa", False, ["Nada útil", "Muy útil"], []),
    ("formato", "opcion_unica", "Formato preferido", False, [], ["Presencial", "En línea", "Híbrido"]),
    ("temas", "opcion_multiple", "Temas para la próxima", False, [], ["Agua", "Movilidad", "Vivienda"]),
    ("ciudad", "texto_corto", "Su ciudad", False, [], []),
    ("comentarios", "texto_largo", "Comentarios", False, [], []),
]


@pytest.fixture()
def crear_foro(app, eventos_prueba):
    """Un evento con dos mesas, su encuesta abierta y cuatro personas: dos asistieron (Ana en persona, Bea en
    línea), una no consta que asistiera y una asistió pero canceló."""
    def crear(anonima: bool = True, con_encuesta: bool = True) -> Foro:
        evento = eventos_prueba(mesas=[("a", None), ("b", None)])
        with app.app_context():
            personas = {}
            for nombre, estado, origen, mesa in (("ana", "confirmada", "qr", "a"),
                                                 ("bea", "confirmada", "en_linea", "b"),
                                                 ("sin_asistencia", "confirmada", None, "a"),
                                                 ("cancelada", "cancelada", "qr", "b")):
                inscripcion = Inscripcion(evento_id=evento.id, nombre=nombre.capitalize(), correo=unico(nombre),
                                          estado=estado, mesa_id=evento.mesas[mesa], consentimiento_en=ahora())
                db.session.add(inscripcion)
                db.session.flush()
                if origen:
                    db.session.add(Asistencia(evento_id=evento.id, inscripcion_id=inscripcion.id, origen=origen))
                personas[nombre] = inscripcion
            preguntas = {}
            if con_encuesta:
                encuesta = Encuesta(evento_id=evento.id, titulo="Evaluación del seminario", anonima=anonima,
                                    introduccion="Gracias por venir.", abre_en=ahora() - timedelta(hours=1),
                                    cierra_en=ahora() + timedelta(days=7))
                seccion = SeccionEncuesta(titulo="Todo", orden=0, preguntas=[
                    PreguntaEncuesta(tipo=tipo, texto=texto, obligatoria=obligatoria, etiquetas=etiquetas,
                                     opciones=opciones, orden=n)
                    for n, (_nombre, tipo, texto, obligatoria, etiquetas, opciones) in enumerate(PREGUNTAS)])
                encuesta.secciones.append(seccion)
                db.session.add(encuesta)
                db.session.flush()
                preguntas = {nombre: p.id for (nombre, *_), p in zip(PREGUNTAS, seccion.preguntas)}
            db.session.commit()
            return Foro(evento, encuesta.id if con_encuesta else 0, preguntas,
                        {n: qr.firmar_gestion(i) for n, i in personas.items()}, {n: i.id for n, i in personas.items()})
    return crear


def _valida(foro: Foro, utilidad: str = "4", **otros) -> dict:
    return {foro.campo("utilidad"): utilidad, foro.campo("sesiones", foro.evento.sesiones["apertura"]): "5",
            foro.campo("mesas", foro.evento.mesas["a"]): "3", foro.campo("formato"): "Híbrido",
            foro.campo("temas"): ["Agua", "Vivienda"], foro.campo("comentarios"): "Muy bien organizado.", **otros}


def _enviar(cliente, foro: Foro, persona: str, datos: dict, con_csrf: bool = True):
    if con_csrf:
        datos = {**datos, "csrf_token": token_de(cliente.get(foro.url(persona)).get_data(as_text=True))}
    return cliente.post(foro.url(persona), data=datos)


def _guardadas(app, foro: Foro) -> list[RespuestaEncuesta]:
    with app.app_context():
        respuestas = db.session.execute(select(RespuestaEncuesta)
                                        .where(RespuestaEncuesta.encuesta_id == foro.encuesta_id)).scalars().all()
        for respuesta in respuestas:
            db.session.expunge(respuesta)
        return respuestas


def _texto(respuesta) -> str:
    return re.sub(r"\s+", " ", respuesta.get_data(as_text=True))


def _marcada(html: str, campo: str, valor: str) -> bool:
    return re.search(rf'<input type="(radio|checkbox)" name="{campo}" id="[^"]+" value="{re.escape(valor)}"\s*checked',
                     html) is not None


@pytest.mark.reloj  # abierta, cerrada o por abrir según la hora
# --- Quién responde -------------------------------------------------------------------------------------------
def test_solo_responde_quien_puede_y_la_pagina_personal_lo_invita(app, cliente, crear_foro):
    foro = crear_foro()
    personal = _texto(cliente.get(f"/inscripcion/{foro.tokens['ana']}"))
    assert "Responder la encuesta de evaluación" in personal and foro.url("ana") in personal

    no_asistio = cliente.get(foro.url("sin_asistencia"))
    assert no_asistio.status_code == 403 and "no consta su asistencia" in _texto(no_asistio)
    assert "<form" not in _texto(no_asistio).split('id="contenido"')[1]
    sin_invitacion = _texto(cliente.get(f"/inscripcion/{foro.tokens['sin_asistencia']}"))
    assert "Responder la encuesta" not in sin_invitacion and foro.url("sin_asistencia") not in sin_invitacion
    envio = _enviar(cliente, foro, "sin_asistencia", _valida(foro))
    assert envio.status_code == 403 and "no consta su asistencia" in _texto(envio)

    cancelada = cliente.get(foro.url("cancelada"))
    assert cancelada.status_code == 403 and "inscripción confirmada" in _texto(cancelada)
    assert _enviar(cliente, foro, "cancelada", _valida(foro)).status_code == 403
    assert _guardadas(app, foro) == []

    assert cliente.get(foro.url("ana").replace("/inscripcion/", "/inscripcion/x")).status_code == 404
    assert cliente.get("/inscripcion/inventado/encuesta").status_code == 404


def test_sin_encuesta_el_enlace_lo_dice_y_la_pagina_personal_no_la_ofrece(app, cliente, crear_foro):
    foro = crear_foro(con_encuesta=False)
    respuesta = cliente.get(foro.url("ana"))
    assert respuesta.status_code == 404 and "no tiene encuesta de evaluación" in _texto(respuesta)
    assert "Responder la encuesta" not in _texto(cliente.get(f"/inscripcion/{foro.tokens['ana']}"))


# --- Una vez cada quien -----------------------------------------------------------------------------------------
def test_anonima_reenviar_cambia_la_respuesta_y_otro_navegador_no_crea_otra(app, cliente, crear_foro):
    foro = crear_foro(anonima=True)
    formulario = cliente.get(foro.url("ana"))
    assert formulario.status_code == 200 and formulario.headers["Cache-Control"] == "private, no-store"
    assert ANONIMA in _texto(formulario) and IDENTIFICADA not in _texto(formulario)

    enviada = _enviar(cliente, foro, "ana", _valida(foro, utilidad="2"))
    assert enviada.status_code == 303 and enviada.headers["Location"].endswith(foro.url("ana") + "#contenido")
    (cookie,) = [c for c in enviada.headers.getlist("Set-Cookie") if c.startswith(f"encuesta_{foro.encuesta_id}=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and f"Path={foro.url('ana')}" in cookie
    assert "Secure" not in cookie, "por HTTP (las pruebas) no; con HTTPS, sí"
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert 7 * 86400 - 3600 < max_age <= 7 * 86400, "dura hasta que la encuesta cierra"
    (respuesta,) = _guardadas(app, foro)
    assert respuesta.inscripcion_id is None and respuesta.valores[str(foro.preguntas["utilidad"])] == 2

    gracias = cliente.get(foro.url("ana"))
    pagina = gracias.get_data(as_text=True)
    assert "Gracias: su respuesta quedó guardada. Puede cambiarla desde este navegador hasta el" in _texto(gracias)
    assert _marcada(pagina, foro.campo("utilidad"), "2") and _marcada(pagina, foro.campo("temas"), "Vivienda")
    assert not _marcada(pagina, foro.campo("temas"), "Movilidad")
    assert "Muy bien organizado.</textarea>" in pagina and "Guardar los cambios" in pagina

    assert _enviar(cliente, foro, "ana", _valida(foro, utilidad="5")).status_code == 303
    (cambiada,) = _guardadas(app, foro)
    assert cambiada.id == respuesta.id and cambiada.valores[str(foro.preguntas["utilidad"])] == 5
    assert "Cambiar su respuesta" in _texto(cliente.get(f"/inscripcion/{foro.tokens['ana']}"))

    otro_navegador = app.test_client()
    aviso = otro_navegador.get(foro.url("ana"))
    assert aviso.status_code == 200 and SOLO_DESDE_SU_NAVEGADOR in _texto(aviso)
    assert foro.campo("utilidad") not in _texto(aviso), "no muestra (ni deja rellenar) otra respuesta"
    segunda = _enviar(otro_navegador, foro, "ana", _valida(foro, utilidad="1"))
    assert segunda.status_code == 409 and SOLO_DESDE_SU_NAVEGADOR in _texto(segunda)
    (sigue,) = _guardadas(app, foro)
    assert sigue.valores[str(foro.preguntas["utilidad"])] == 5

    bea = _enviar(otro_navegador, foro, "bea", _valida(foro, utilidad="3"))
    assert bea.status_code == 303, "la cookie de Ana no es de la página de Bea"
    assert len(_guardadas(app, foro)) == 2


def test_identificada_se_ve_y_se_cambia_desde_cualquier_navegador(app, cliente, crear_foro):
    foro = crear_foro(anonima=False)
    formulario = _texto(cliente.get(foro.url("ana")))
    assert IDENTIFICADA in formulario and ANONIMA not in formulario
    enviada = _enviar(cliente, foro, "ana", _valida(foro, utilidad="2"))
    assert enviada.status_code == 303
    assert not any(c.startswith("encuesta_") for c in enviada.headers.getlist("Set-Cookie")), "sin clave de edición"
    assert "Puede cambiarla hasta el" in _texto(cliente.get(foro.url("ana")))

    otro_navegador = app.test_client()
    pagina = otro_navegador.get(foro.url("ana")).get_data(as_text=True)
    assert _marcada(pagina, foro.campo("utilidad"), "2"), "su respuesta, leída de la base"
    assert _enviar(otro_navegador, foro, "ana", _valida(foro, utilidad="4")).status_code == 303
    (respuesta,) = _guardadas(app, foro)
    assert respuesta.inscripcion_id == foro.ids["ana"] and respuesta.valores[str(foro.preguntas["utilidad"])] == 4


@pytest.mark.reloj  # abierta, cerrada o por abrir según la hora
def test_cerrada_lo_dice_y_no_guarda_nada(app, cliente, crear_foro):
    foro = crear_foro()
    assert _enviar(cliente, foro, "ana", _valida(foro, utilidad="2")).status_code == 303
    token = token_de(cliente.get(foro.url("ana")).get_data(as_text=True))
    with app.app_context():
        db.session.get(Encuesta, foro.encuesta_id).cierra_en = ahora() - timedelta(minutes=1)
        db.session.commit()
    cerrada = cliente.get(foro.url("ana"))
    assert cerrada.status_code == 403
    assert "La encuesta está cerrada: ya no se pueden enviar ni cambiar respuestas." in _texto(cerrada)
    for persona in ("ana", "bea"):
        envio = cliente.post(foro.url(persona), data={**_valida(foro, utilidad="5"), "csrf_token": token})
        assert envio.status_code == 403 and "La encuesta está cerrada" in _texto(envio)
    (respuesta,) = _guardadas(app, foro)
    assert respuesta.valores[str(foro.preguntas["utilidad"])] == 2
    assert "Responder la encuesta" not in _texto(cliente.get(f"/inscripcion/{foro.tokens['bea']}"))


def test_el_envio_sin_token_csrf_se_rechaza(app, cliente, crear_foro):
    foro = crear_foro()
    cliente.get(foro.url("ana"))
    sin_token = _enviar(cliente, foro, "ana", _valida(foro), con_csrf=False)
    assert sin_token.status_code == 400 and "código de seguridad" in _texto(sin_token)
    con_otro = cliente.post(foro.url("ana"), data={**_valida(foro), "csrf_token": "inventado"})
    assert con_otro.status_code == 400
    assert _guardadas(app, foro) == []


# --- Entradas hostiles ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cambio, mensaje", [
    (lambda f: {f.campo("utilidad"): "6"}, "Elija un valor del 1 al 5."),
    (lambda f: {f.campo("utilidad"): ""}, "Esta pregunta es obligatoria."),
    (lambda f: {f.campo("sesiones", f.evento.sesiones["trabajo"]): "0"}, "Elija un valor del 1 al 5."),
    (lambda f: {f.campo("formato"): "Otro"}, "Elija una de las opciones."),
    (lambda f: {f.campo("temas"): ["Agua", "<b>Inventada</b>"]}, "Elija entre las opciones."),
    (lambda f: {f.campo("ciudad"): "Puebla\nOtra línea"}, "Una sola línea, por favor."),
    (lambda f: {f.campo("comentarios"): "x" * 6000}, "Como máximo 5000 caracteres."),
], ids=["valor-6", "obligatoria", "fila-0", "opcion-desconocida", "opcion-inventada", "dos-lineas", "texto-largo"])
def test_lo_que_no_vale_vuelve_con_su_error_junto_a_la_pregunta_y_un_resumen(app, cliente, crear_foro, cambio,
                                                                           mensaje):
    foro = crear_foro()
    datos = {**_valida(foro), **cambio(foro)}
    respuesta = _enviar(cliente, foro, "ana", datos)
    assert respuesta.status_code == 400
    html = respuesta.get_data(as_text=True)
    pregunta_id = int(next(iter(cambio(foro))).split("-")[0][1:])
    resumen = re.search(r'<div class="resumen-errores" role="alert" tabindex="-1" autofocus[^>]*>(.*?)</div>', html,
                        re.S)
    assert resumen, "un resumen de los errores arriba, que recibe el foco"
    assert re.search(rf'<a href="#p{pregunta_id}(-[^"]*)?">[^<]*: {re.escape(mensaje)}</a>', resumen.group(1))
    assert re.search(rf'<p class="error-campo" id="p{pregunta_id}-error">.*?{re.escape(mensaje)}</p>', html)
    assert "<title>Error:" in html
    assert "Muy bien organizado.</textarea>" in html or foro.campo("comentarios") in cambio(foro), \
        "lo demás que escribió sigue ahí"
    assert _guardadas(app, foro) == []


def test_un_envio_enorme_o_con_caracteres_de_control_es_un_4xx_claro(app, cliente, crear_foro):
    foro = crear_foro()
    diez_mb = "x" * (10 * 1024 * 1024)
    enorme = _enviar(cliente, foro, "ana", _valida(foro, **{foro.campo("comentarios"): diez_mb}))
    assert enorme.status_code == 400 and "Como máximo 5000 caracteres." in _texto(enorme)
    # En multipart, Werkzeug corta el campo al leer el formulario (MAX_FORM_MEMORY_SIZE), antes de la vista.
    multipart = cliente.post(foro.url("ana"), content_type="multipart/form-data",
                             data=_valida(foro, **{foro.campo("comentarios"): diez_mb}))
    assert multipart.status_code == 413 and "cada texto admite como máximo 5000 caracteres" in _texto(multipart)
    control = _enviar(cliente, foro, "ana", _valida(foro, **{foro.campo("ciudad"): "Pue\x00bla\x1b[31m"}))
    assert control.status_code == 400 and "caracteres no admitidos" in _texto(control)
    direccion = _enviar(cliente, foro, "ana", _valida(foro, **{foro.campo("comentarios"): "abc\u202edcba"}))
    assert direccion.status_code == 400
    extranos = _enviar(cliente, foro, "ana", _valida(foro, **{"p999999999": "1", f"{foro.campo('mesas')}-x": "9"}))
    assert extranos.status_code == 303, "los campos que no son de ninguna pregunta se ignoran"
    (respuesta,) = _guardadas(app, foro)
    assert set(respuesta.valores) == {str(foro.preguntas[n]) for n in ("utilidad", "sesiones", "mesas", "formato",
                                                                        "temas", "comentarios")}


def test_el_marcado_escrito_se_guarda_como_texto_y_vuelve_inerte(app, cliente, crear_foro):
    foro = crear_foro(anonima=False)
    marcado = '</textarea><script>alert(1)</script><img src=x onerror="alert(2)">'
    assert _enviar(cliente, foro, "ana", _valida(foro, **{foro.campo("comentarios"): marcado,
                                                          foro.campo("ciudad"): '"><b>Puebla</b>'})).status_code == 303
    (respuesta,) = _guardadas(app, foro)
    assert respuesta.valores[str(foro.preguntas["comentarios"])] == marcado
    html = cliente.get(foro.url("ana")).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Puebla" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;b&gt;Puebla&lt;/b&gt;"' in html


# --- La página ------------------------------------------------------------------------------------------------
def test_el_formulario_tiene_cada_tipo_de_pregunta_y_marca_las_obligatorias(app, cliente, crear_foro):
    foro = crear_foro()
    html = cliente.get(foro.url("ana")).get_data(as_text=True)
    texto = _texto(cliente.get(foro.url("ana")))
    utilidad = foro.campo("utilidad")
    assert "Utilidad del evento <span class=\"requisito\">(obligatoria)</span></legend>" in texto
    assert len(re.findall(rf'name="{utilidad}" id="{utilidad}-\d" value="\d" required>', html)) == 5
    assert f'id="{utilidad}-nada"' not in html, "obligatoria: sin la opción «Sin respuesta»"
    assert f'id="{foro.campo("organizacion")}-nada" value="" checked' in html
    assert re.search(rf'id="{utilidad}-1" value="1" required>\s*<span class="numero">1</span> '
                     r'<span class="extremo">Nada útil</span>', html)
    assert re.search(rf'id="{utilidad}-5" value="5" required>\s*<span class="numero">5</span> '
                     r'<span class="extremo">Muy útil</span>', html)
    for clave in ("apertura", "trabajo"):
        fila = foro.campo("sesiones", foro.evento.sesiones[clave])
        assert len(re.findall(rf'name="{fila}" id="{fila}-\d"', html)) == 5
        assert f'id="{fila}-nada" value="" checked> No asistí / no aplica' in texto
    assert "<legend>Sesión de apertura</legend>" in html and "<legend>Mesa a</legend>" in html
    assert f'type="checkbox" name="{foro.campo("temas")}"' in html
    assert 'maxlength="300" value=""' in html and f'<textarea id="{foro.campo("comentarios")}"' in html
    assert "Gracias por venir." in texto and "<legend><h2>Todo</h2></legend>" in html


# --- El correo de después del evento ------------------------------------------------------------------------------
def _mensaje_de_despues(app, foro: Foro) -> None:
    from eventos.modelos import Evento
    with app.app_context():
        anuncio = Anuncio(evento=db.session.get(Evento, foro.evento.id), tipo="despues",
                          segmento={"tipo": "confirmadas"}, idioma="es",
                          textos={"es": {"asunto": "Gracias {nombre}", "texto": "Gracias por participar."}})
        db.session.add(anuncio)
        from eventos.comunicaciones import servicios as comunicaciones
        comunicaciones.enviar(anuncio)
        db.session.commit()
        correo.entregar_pendientes(limite=500)


def _correo_de(app, foro: Foro, persona: str):
    with app.app_context():
        direccion = db.session.get(Inscripcion, foro.ids[persona]).correo
    (mensaje,) = [m for m in mensajes_para(app, direccion) if m["Subject"].startswith("Gracias")]
    return mensaje


@pytest.mark.reloj  # abierta, cerrada o por abrir según la hora
@pytest.mark.parametrize("abre", ["abierta", "abre_despues"])
def test_el_mensaje_de_despues_lleva_a_la_encuesta_a_quien_puede_responderla(app, crear_foro, abre):
    foro = crear_foro()
    if abre == "abre_despues":
        with app.app_context():
            db.session.get(Encuesta, foro.encuesta_id).abre_en = ahora() + timedelta(days=1)
            db.session.commit()
    _mensaje_de_despues(app, foro)
    enlace = f"http://localhost{foro.url('ana')}"
    mensaje = _correo_de(app, foro, "ana")
    assert enlace in texto_de(mensaje) and f'<a href="{enlace}">Responder la encuesta de evaluación</a>' \
        in html_de(mensaje)
    assert ("la encuesta de evaluación se abre el" in texto_de(mensaje)) == (abre == "abre_despues")
    sin_asistencia = _correo_de(app, foro, "sin_asistencia")
    assert "/encuesta" not in texto_de(sin_asistencia) and "/encuesta" not in html_de(sin_asistencia)


@pytest.mark.reloj  # abierta, cerrada o por abrir según la hora
def test_sin_encuesta_abierta_el_mensaje_de_despues_no_la_menciona(app, crear_foro):
    foro = crear_foro()
    with app.app_context():
        db.session.get(Encuesta, foro.encuesta_id).cierra_en = ahora() - timedelta(minutes=1)
        db.session.commit()
    _mensaje_de_despues(app, foro)
    mensaje = _correo_de(app, foro, "ana")
    assert "Gracias por participar." in texto_de(mensaje)
    assert "encuesta" not in texto_de(mensaje).lower() and "encuesta" not in html_de(mensaje).lower()

