"""Oficina: comunicaciones. El compositor de anuncios (vista previa con una persona real, prueba a la propia
dirección, envío confirmado con el número de la vista previa), los recordatorios, los avisos de cambios del
programa (solo con su botón) y la selección desde la lista de inscripciones. Todo por HTTP, como la
organización de un evento de prueba con dos mesas."""
from __future__ import annotations

import html as html_lib
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from apoyo import borrar_usuarios, campos_del_formulario, cliente_con_sesion, crear_usuario, entrar, enviar as enviar_con_csrf
from apoyo_inscripciones import (ZONA_EVENTO, EventoPrueba, borrar_evento, inscribir, inscripcion_de,
                                 mensajes_para, texto_de, token_personal, unico)
from eventos.extensiones import db
from eventos.modelos import Anuncio, CorreoSaliente, Evento, Inscripcion, Mesa, Recordatorio, RolEvento, Sesion


ASUNTO = "Aviso para {nombre}"
TEXTO = "Hola, {nombre}: la sala de {evento} cambia. Su página: {enlace}"
FILA_DEL_HISTORIAL = r'<tr id="anuncio-\d+">\s*<td><time[^>]*>[^<]*</time></td>\s*<td>{tipo}</td>'


@dataclass
class Oficina:
    evento: EventoPrueba
    organizador: str
    moderador: str

    @property
    def base(self) -> str:
        return f"/organizacion/eventos/{self.evento.slug}/comunicaciones"


@pytest.fixture()
def oficina(app, eventos_prueba):
    """Un evento de prueba (dentro de 3 días, mesas «a» y «b») con su organizadora y el moderador de la mesa «a»."""
    evento = eventos_prueba(mesas=[("a", None), ("b", None)], en_dias=3)
    sufijo = uuid.uuid4().hex[:8]
    datos = Oficina(evento, f"org-com-{sufijo}@prueba.org", f"mod-com-{sufijo}@prueba.org")
    with app.app_context():
        organizadora = crear_usuario(datos.organizador, nombre="Olga Organizadora")
        moderador = crear_usuario(datos.moderador, nombre="Mario Moderador")
        db.session.add(RolEvento(evento=db.session.get(Evento, evento.id), usuario=organizadora, rol="organizador"))
        mesa = db.session.get(Mesa, evento.mesas["a"])
        mesa.moderadores.append(moderador)
        db.session.commit()
    yield datos
    borrar_evento(app, evento.slug)
    borrar_usuarios(app, (datos.organizador, datos.moderador))


@pytest.fixture()
def organizadora(app, oficina):
    return cliente_con_sesion(app, oficina.organizador)


def _inscribir(app, evento, mesa: str, cuantas: int = 1) -> list[str]:
    """Personas inscritas por el formulario público en esa mesa (quedan confirmadas)."""
    publico = app.test_client()
    correos = [unico(f"com-{mesa}") for _ in range(cuantas)]
    for direccion in correos:
        assert inscribir(publico, evento.slug, direccion, mesa=str(evento.mesas[mesa])).status_code == 302
    return correos


def enviar(cliente, ruta, datos=None, **opciones):
    """POST con CSRF leyendo la respuesta entera: al acabar de leerla, el cartero entrega su correo."""
    return enviar_con_csrf(cliente, ruta, datos, buffered=True, **opciones)


def _texto(respuesta) -> str:
    return respuesta.get_data(as_text=True)


def _enlace_personal(app, direccion) -> str:
    """El enlace personal de la persona, leído del correo de su inscripción."""
    return f"http://localhost/inscripcion/{token_personal(mensajes_para(app, direccion)[0])}"


def _anuncio(cliente, oficina, accion, ruta="anuncio", **campos):
    datos = {"segmento": "confirmadas", "idioma": "es", "asunto_es": ASUNTO, "texto_es": TEXTO, "accion": accion}
    return enviar(cliente, f"{oficina.base}/{ruta}", {**datos, **campos})


def _confirmar(cliente, oficina, vista_previa, ruta="anuncio"):
    """Pulsa «Enviar a N personas» en la página de la vista previa, con lo que el navegador enviaría."""
    destino = f"{oficina.base}/{ruta}"
    campos = MultiDict(campos_del_formulario(_texto(vista_previa), accion=destino))
    campos["accion"] = "enviar"
    return cliente.post(destino, data=campos, buffered=True)


def _contar(app, modelo, *condiciones) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(modelo).where(*condiciones))


def _recibidos(app, direccion, asunto_empieza="Aviso para") -> list:
    return [m for m in mensajes_para(app, direccion) if m["Subject"].startswith(asunto_empieza)]


# --- Permisos --------------------------------------------------------------------------------------
def test_solo_la_organizacion_entra(app, oficina):
    rutas = ("", "/anuncio", "/despues", "/recordatorios/nuevo")
    anonimo = app.test_client()
    for ruta in rutas:
        respuesta = anonimo.get(oficina.base + ruta)
        assert respuesta.status_code == 302 and "/cuentas/entrar" in respuesta.headers["Location"], ruta

    moderador = app.test_client()
    entrar(moderador, oficina.moderador)
    for ruta in rutas:
        assert moderador.get(oficina.base + ruta).status_code == 403, ruta
    assert _anuncio(moderador, oficina, "enviar", cuantas="0").status_code == 403
    assert enviar(moderador, f"{oficina.base}/cambios", {"nota": ""}).status_code == 403
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0

    organizadora = app.test_client()
    entrar(organizadora, oficina.organizador)
    pagina = organizadora.get(oficina.base)
    assert pagina.status_code == 200 and pagina.headers["Cache-Control"] == "private, no-store"
    assert re.search(r'href="[^"]*/comunicaciones" aria-current="page">Comunicaciones<', _texto(pagina))
    for ruta in rutas[1:]:
        assert organizadora.get(oficina.base + ruta).status_code == 200, ruta


# --- Compositor de anuncios --------------------------------------------------------------------------
def test_vista_previa_con_el_numero_exacto_y_el_correo_de_una_persona_real(app, organizadora, oficina):
    de_a = _inscribir(app, oficina.evento, "a", 3)
    (de_b,) = _inscribir(app, oficina.evento, "b")

    vista = _anuncio(organizadora, oficina, "vista_previa", segmento="mesas", mesas=[oficina.evento.mesas["a"]])
    assert vista.status_code == 200
    pagina = _texto(vista)
    assert "Este mensaje llegará a 3 personas." in pagina and "Enviar a 3 personas" in pagina
    # El correo de la primera persona de la mesa, con sus datos y su enlace personal (en el texto y en el HTML).
    assert de_a[0] in pagina and de_b not in pagina
    assert "Aviso para Ana" in pagina
    enlace = _enlace_personal(app, de_a[0])
    texto_plano = re.search(r'<pre class="correo-texto">(.*?)</pre>', pagina, re.S).group(1)
    assert enlace in html_lib.unescape(texto_plano)
    srcdoc = re.search(r'<iframe class="correo-html" sandbox="" srcdoc="([^"]*)"', pagina).group(1)
    assert "<" not in srcdoc and f'href="{enlace}"' in html_lib.unescape(srcdoc), "el HTML va escapado en srcdoc"
    assert "style-src-attr 'unsafe-inline'" in vista.headers["Content-Security-Policy"]
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0, "la vista previa no guarda nada"
    assert _contar(app, CorreoSaliente, CorreoSaliente.evento_id == oficina.evento.id,
                   CorreoSaliente.tipo == "anuncio") == 0

    vacia = _anuncio(organizadora, oficina, "vista_previa", segmento="en_espera")
    assert vacia.status_code == 200
    assert "El grupo elegido está vacío" in _texto(vacia) and 'value="enviar"' not in _texto(vacia)


def test_la_prueba_llega_solo_a_quien_la_pide(app, organizadora, oficina):
    primera, segunda = _inscribir(app, oficina.evento, "a", 2)
    respuesta = _anuncio(organizadora, oficina, "prueba")
    assert respuesta.status_code == 200
    assert f"Prueba anotada en la bandeja de salida para {oficina.organizador}" in _texto(respuesta)

    with app.app_context():
        salientes = db.session.execute(select(CorreoSaliente).where(
            CorreoSaliente.evento_id == oficina.evento.id, CorreoSaliente.inscripcion_id.is_(None))).scalars().all()
        assert [(s.destinatario, s.estado) for s in salientes] == [(oficina.organizador, "enviado")]
    (prueba,) = mensajes_para(app, oficina.organizador)
    assert prueba["Subject"] == "[Prueba] Aviso para Ana"
    assert _enlace_personal(app, primera) in texto_de(prueba), "tal como lo recibiría la primera persona"
    assert _recibidos(app, primera) == [] and _recibidos(app, segunda) == []
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0


def test_enviar_anota_un_correo_por_persona_y_queda_en_el_historial_y_la_auditoria(app, organizadora, oficina):
    de_a = _inscribir(app, oficina.evento, "a", 2)
    (de_b,) = _inscribir(app, oficina.evento, "b")
    vista = _anuncio(organizadora, oficina, "vista_previa", segmento="mesas", mesas=[oficina.evento.mesas["a"]])
    respuesta = _confirmar(organizadora, oficina, vista)
    assert respuesta.status_code == 303 and "/comunicaciones#anuncio-" in respuesta.headers["Location"]

    with app.app_context():
        anuncio = db.session.execute(select(Anuncio).where(Anuncio.evento_id == oficina.evento.id)).scalar_one()
        destinatarios = db.session.execute(select(CorreoSaliente.destinatario)
                                           .where(CorreoSaliente.anuncio_id == anuncio.id)).scalars().all()
        assert sorted(destinatarios) == sorted(de_a) and anuncio.destinatarios == 2
        assert anuncio.creado_por.correo == oficina.organizador and anuncio.textos["es"]["asunto"] == ASUNTO
    for direccion in de_a:
        (mensaje,) = _recibidos(app, direccion)
        assert _enlace_personal(app, direccion) in texto_de(mensaje)
    assert _recibidos(app, de_b) == []

    pagina = _texto(organizadora.get(oficina.base))
    assert "Anuncio enviado a 2 personas." in pagina
    fila = re.search(rf'<tr id="anuncio-{anuncio.id}">(.*?)</tr>', pagina, re.S).group(1)
    assert ASUNTO in fila and "Mesa a" in fila and "Olga Organizadora" in fila
    assert "Entregados: 2" in fila and "Pendientes: 0" in fila and "Fallidos: 0" in fila
    auditoria = _texto(organizadora.get(f"/organizacion/eventos/{oficina.evento.slug}/auditoria"))
    assert "Envío de un anuncio" in auditoria and f"Comunicación «{ASUNTO}»" in html_lib.unescape(auditoria)


def test_los_fallidos_llevan_a_los_correos_sin_entregar(app, organizadora, oficina, monkeypatch):
    (persona,) = _inscribir(app, oficina.evento, "a")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nadie escucha: la entrega falla
    vista = _anuncio(organizadora, oficina, "vista_previa")
    assert _confirmar(organizadora, oficina, vista).status_code == 303
    pagina = _texto(organizadora.get(oficina.base))
    assert re.search(r'<a href="/organizacion/eventos/[^"]+/correos">Fallidos: 1', pagina)
    assert _recibidos(app, persona) == []


@pytest.mark.parametrize("asunto", ["Aviso\r\nBcc: otra@prueba.org", "Aviso\nX-Otra: 1"])
def test_un_salto_de_linea_en_el_asunto_se_rechaza_sin_guardar_nada(app, organizadora, oficina, asunto):
    _inscribir(app, oficina.evento, "a")
    for accion in ("vista_previa", "prueba", "enviar"):
        respuesta = _anuncio(organizadora, oficina, accion, asunto_es=asunto, cuantas="1", huella="x")
        assert respuesta.status_code == 400, accion
        assert "Este campo es de una sola línea" in _texto(respuesta)
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0
    assert _contar(app, CorreoSaliente, CorreoSaliente.evento_id == oficina.evento.id,
                   CorreoSaliente.inscripcion_id.is_(None)) == 0


@pytest.mark.parametrize("texto, error", [
    ("Hola {desconocido}", "El marcador «{desconocido}» no existe"),
    ("Hola {nombre.__class__}", "no es un marcador válido"),
    ("Hola {sesion}", "El marcador «{sesion}» no existe"),  # solo en los recordatorios
    ("Hola {nombre", "Las llaves del texto no están cerradas"),
])
def test_un_marcador_desconocido_se_rechaza(app, organizadora, oficina, texto, error):
    respuesta = _anuncio(organizadora, oficina, "vista_previa", texto_es=texto)
    assert respuesta.status_code == 400 and error in html_lib.unescape(_texto(respuesta))
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0


@pytest.mark.parametrize("campos", [
    {"idioma": "xx"}, {"segmento": "todo_el_mundo"}, {"segmento": "mesas", "mesas": "abc"},
    {"segmento": "mesas", "mesas": "999999"}, {"cuantas": "muchas"}, {"ids": "x"}, {"huella": "h" * 100},
    {"segmento": "seleccion", "ids": "9" * 30}, {"cuantas": "9" * 5000},
])
def test_entradas_hostiles_al_compositor_dan_400(app, organizadora, oficina, campos):
    for accion in ("vista_previa", "enviar"):
        assert _anuncio(organizadora, oficina, accion, **campos).status_code == 400, (accion, campos)
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0


@pytest.mark.parametrize("campos", [{"idioma": "xx"}, {"antelacion": "7"}, {"antelacion": "otra", "minutos": "diez"},
                                    {"antelacion": "otra", "minutos": "0"}, {"accion": "enviar"}])
def test_entradas_hostiles_a_los_recordatorios_y_avisos_dan_400(app, organizadora, oficina, campos):
    assert _recordatorio(organizadora, f"{oficina.base}/recordatorios/nuevo", **campos).status_code == 400, campos
    assert _contar(app, Recordatorio, Recordatorio.evento_id == oficina.evento.id) == 0
    assert enviar(organizadora, f"{oficina.base}/cambios", {"nota": "", "idioma": "xx"}).status_code == 400


def test_falta_la_version_principal_o_el_segmento(app, organizadora, oficina):
    sin_principal = _anuncio(organizadora, oficina, "vista_previa", idioma="en", asunto_pt="Olá", texto_pt="Texto")
    assert sin_principal.status_code == 400 and "La versión principal necesita asunto y texto." in _texto(sin_principal)
    a_medias = _anuncio(organizadora, oficina, "vista_previa", asunto_en="Hello {nombre}")
    assert a_medias.status_code == 400 and "Versión en inglés: Cada versión del mensaje necesita asunto y texto." \
        in _texto(a_medias)
    sin_mesa = _anuncio(organizadora, oficina, "vista_previa", segmento="mesas")
    assert sin_mesa.status_code == 400 and "Elija al menos una mesa." in _texto(sin_mesa)
    assert _anuncio(organizadora, oficina, "borrar").status_code == 400


def test_si_cambia_el_numero_o_el_mensaje_tras_la_vista_previa_no_se_envia(app, organizadora, oficina):
    _inscribir(app, oficina.evento, "a", 2)
    vista = _anuncio(organizadora, oficina, "vista_previa", segmento="mesas", mesas=[oficina.evento.mesas["a"]])
    assert "Enviar a 2 personas" in _texto(vista)
    _inscribir(app, oficina.evento, "a")

    otra_vez = _confirmar(organizadora, oficina, vista)
    assert otra_vez.status_code == 200
    assert "Ahora el mensaje llegaría a 3 personas, no a 2" in _texto(otra_vez)
    assert "Enviar a 3 personas" in _texto(otra_vez)
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0

    editado = MultiDict(campos_del_formulario(_texto(otra_vez), accion=f"{oficina.base}/anuncio"))
    editado["texto_es"] = "Otro texto para {nombre}"
    editado["accion"] = "enviar"
    respuesta = organizadora.post(f"{oficina.base}/anuncio", data=editado, buffered=True)
    assert respuesta.status_code == 200 and "cambiaron desde la vista previa" in _texto(respuesta)
    sin_vista = _anuncio(organizadora, oficina, "enviar")
    assert sin_vista.status_code == 200 and "Antes de enviar, revise la vista previa" in _texto(sin_vista)
    assert _contar(app, Anuncio, Anuncio.evento_id == oficina.evento.id) == 0

    assert _confirmar(organizadora, oficina, otra_vez).status_code == 303
    assert _contar(app, CorreoSaliente, CorreoSaliente.evento_id == oficina.evento.id,
                   CorreoSaliente.tipo == "anuncio") == 3


def test_mensaje_de_despues_del_evento(app, organizadora, oficina):
    (persona,) = _inscribir(app, oficina.evento, "a")
    pagina = _texto(organizadora.get(f"{oficina.base}/despues"))
    assert "Gracias por participar en {evento}" in pagina and "el enlace a los materiales" in pagina
    # Por omisión va a quien asistió; aquí nadie asistió todavía.
    assert re.search(r'<input checked id="segmento-\d+" name="segmento" type="radio" value="asistieron"', pagina)
    datos = {"asunto_es": "Gracias por participar en {evento}", "texto_es": "Gracias, {nombre}."}
    vista = _anuncio(organizadora, oficina, "vista_previa", ruta="despues", **datos)
    assert f"Gracias por participar en {oficina.evento.titulo}" in _texto(vista)
    assert _confirmar(organizadora, oficina, vista, ruta="despues").status_code == 303
    (mensaje,) = _recibidos(app, persona, "Gracias por participar")
    assert "Gracias, Ana." in texto_de(mensaje)
    with app.app_context():
        assert db.session.execute(select(Anuncio.tipo).where(Anuncio.evento_id == oficina.evento.id)).scalar_one() \
            == "despues"
    historial = _texto(organizadora.get(oficina.base))
    assert re.search(FILA_DEL_HISTORIAL.format(tipo="Mensaje de después del evento"), historial)


# --- Selección desde la lista de inscripciones --------------------------------------------------------
def test_la_seleccion_de_la_lista_llega_solo_a_las_elegidas(app, organizadora, oficina, eventos_prueba):
    a1, a2, a3 = _inscribir(app, oficina.evento, "a", 3)
    (b1,) = _inscribir(app, oficina.evento, "b")
    otro = eventos_prueba()
    ajena = unico("ajena")
    assert inscribir(app.test_client(), otro.slug, ajena).status_code == 302
    ids = {d: inscripcion_de(app, oficina.evento, d).id for d in (a1, a2, a3, b1)}
    with app.app_context():
        db.session.get(Inscripcion, ids[a3]).estado = "cancelada"
        db.session.commit()

    lista = _texto(organizadora.get(f"/organizacion/eventos/{oficina.evento.slug}/inscripciones"))
    assert f'<input type="checkbox" name="ids" value="{ids[a1]}" form="eleccion"' in lista
    assert "Elegir a Ana Pruebas" in lista and "Escribir a las elegidas" in lista

    elegidas = [ids[a1], ids[b1], ids[a3], inscripcion_de(app, otro, ajena).id]
    compositor = enviar(organizadora, f"{oficina.base}/anuncio", {"ids": [str(i) for i in elegidas]})
    assert compositor.status_code == 200
    pagina = _texto(compositor)
    assert re.search(r'<input checked id="segmento-\d+" name="segmento" type="radio" value="seleccion"', pagina)
    assert "4 personas marcadas en la lista" in pagina

    campos = MultiDict(campos_del_formulario(pagina, accion=f"{oficina.base}/anuncio"))
    campos["asunto_es"], campos["texto_es"], campos["accion"] = ASUNTO, TEXTO, "vista_previa"
    vista = organizadora.post(f"{oficina.base}/anuncio", data=campos, buffered=True)
    assert "Este mensaje llegará a 2 personas." in _texto(vista), "ni la cancelada ni la de otro evento"
    assert _confirmar(organizadora, oficina, vista).status_code == 303
    assert len(_recibidos(app, a1)) == 1 and len(_recibidos(app, b1)) == 1
    assert _recibidos(app, a2) == [] and _recibidos(app, a3) == [] and _recibidos(app, ajena) == []
    fila = re.search(r'<tr id="anuncio-\d+">(.*?)</tr>', _texto(organizadora.get(oficina.base)), re.S).group(1)
    assert "4 personas elegidas" in fila and "<td>2</td>" in fila, "las elegidas y a cuántas llegó"


def test_escribir_a_todas_las_que_cumplen_el_filtro_de_la_lista(app, organizadora, oficina):
    """En la lista, «¿A cuáles?» vale también para «Escribir a las elegidas»: con «todas las que cumplen estos
    filtros» el compositor llega con las de todas las páginas que los cumplen, no con las marcadas (antes tomaba
    solo las marcadas, y sin ninguna marcada volvía a la lista con un error)."""
    a1, a2 = _inscribir(app, oficina.evento, "a", 2)
    (b1,) = _inscribir(app, oficina.evento, "b")
    mesa_a = oficina.evento.mesas["a"]
    lista = _texto(organizadora.get(f"/organizacion/eventos/{oficina.evento.slug}/inscripciones?mesa={mesa_a}"))
    assert f'formaction="/organizacion/eventos/{oficina.evento.slug}/comunicaciones/anuncio?mesa={mesa_a}"' in lista
    marcada = inscripcion_de(app, oficina.evento, b1).id  # marcada, pero el alcance es el filtro
    compositor = enviar(organizadora, f"{oficina.base}/anuncio?mesa={mesa_a}", {"alcance": "filtro", "ids": [str(marcada)]})
    assert compositor.status_code == 200
    assert "2 personas marcadas en la lista" in _texto(compositor)
    campos = MultiDict(campos_del_formulario(_texto(compositor), accion=f"{oficina.base}/anuncio"))
    campos["asunto_es"], campos["texto_es"], campos["accion"] = ASUNTO, TEXTO, "vista_previa"
    vista = organizadora.post(f"{oficina.base}/anuncio", data=campos, buffered=True)
    assert _confirmar(organizadora, oficina, vista).status_code == 303
    assert len(_recibidos(app, a1)) == 1 and len(_recibidos(app, a2)) == 1 and _recibidos(app, b1) == []
    # Un filtro que nadie cumple vuelve a la lista, con sus filtros y un aviso.
    vacia = enviar(organizadora, f"{oficina.base}/anuncio?q=nadie-se-llama-asi", {"alcance": "filtro"})
    assert vacia.status_code == 303 and vacia.headers["Location"].endswith("/inscripciones?q=nadie-se-llama-asi")
    assert enviar(organizadora, f"{oficina.base}/anuncio?estado=inventado", {"alcance": "filtro"}).status_code == 400


def test_la_seleccion_vacia_o_invalida(app, organizadora, oficina):
    vacia = enviar(organizadora, f"{oficina.base}/anuncio", {}, follow_redirects=True)
    assert "Marque en la lista a las personas" in _texto(vacia)
    for ids in (["1", "x"], ["²"], ["9" * 30], ["9" * 5000]):
        assert enviar(organizadora, f"{oficina.base}/anuncio", {"ids": ids}).status_code == 400, ids
    sin_token = organizadora.post(f"{oficina.base}/anuncio", data={"ids": ["1"]}, buffered=True)
    assert sin_token.status_code == 400, "sin token CSRF"


# --- Recordatorios ---------------------------------------------------------------------------------
def _recordatorio(cliente, ruta, **campos):
    datos = {"antelacion": "1440", "idioma": "es", "asunto_es": "Recordatorio: {sesion}", "activo": "y",
             "texto_es": "Hola, {nombre}: {sesion} empieza el {fecha} a las {hora_evento} ({hora_persona}).",
             "accion": "guardar"}
    return enviar(cliente, ruta, {**datos, **campos})


def _hora_local(app, evento, clave, antes: timedelta) -> str:
    with app.app_context():
        inicio = db.session.get(Sesion, evento.sesiones[clave]).inicio
    return (inicio - antes).astimezone(ZoneInfo(ZONA_EVENTO)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.reloj  # próximos envíos y cambios pendientes dependen de la hora
def test_recordatorios_crear_ver_editar_desactivar_y_eliminar(app, organizadora, oficina):
    (persona,) = _inscribir(app, oficina.evento, "a")
    nuevo = _texto(organizadora.get(f"{oficina.base}/recordatorios/nuevo"))
    assert "Recordatorio: {sesion}" in nuevo and "{hora_persona}" in nuevo
    assert "ya pasó el momento de enviar" in nuevo

    vista = _recordatorio(organizadora, f"{oficina.base}/recordatorios/nuevo", accion="vista_previa")
    assert vista.status_code == 200 and "Recordatorio: Sesión de apertura" in _texto(vista) and persona in _texto(vista)
    assert _contar(app, Recordatorio, Recordatorio.evento_id == oficina.evento.id) == 0

    creado = _recordatorio(organizadora, f"{oficina.base}/recordatorios/nuevo")
    assert creado.status_code == 303
    with app.app_context():
        recordatorio = db.session.execute(select(Recordatorio).where(Recordatorio.evento_id == oficina.evento.id)) \
            .scalar_one()
        assert (recordatorio.minutos_antes, recordatorio.activo) == (1440, True)
        assert recordatorio.textos["es"]["asunto"] == "Recordatorio: {sesion}"
        rid = recordatorio.id
    pagina = _texto(organizadora.get(oficina.base))
    bloque = re.search(rf'<li id="recordatorio-{rid}">(.*?)</ul>\s*</li>', pagina, re.S).group(1)
    assert "24 h antes · Recordatorio: {sesion}" in bloque and "Activo." in bloque
    assert f"{_hora_local(app, oficina.evento, 'apertura', timedelta(hours=24))}</time> · Sesión de apertura" in bloque

    editar = f"{oficina.base}/recordatorios/{rid}"
    formulario = _texto(organizadora.get(editar))
    assert '<option selected value="1440">' in formulario and "Recordatorio: {sesion}" in formulario
    assert _recordatorio(organizadora, editar, antelacion="otra").status_code == 400
    assert _recordatorio(organizadora, editar, antelacion="otra", minutos=str(60 * 24 * 15)).status_code == 400
    assert _recordatorio(organizadora, editar, texto_es="{sala}").status_code == 400
    assert _recordatorio(organizadora, editar, antelacion="otra", minutos="90").status_code == 303
    pagina = _texto(organizadora.get(oficina.base))
    assert "1 h 30 min antes" in pagina
    assert _hora_local(app, oficina.evento, "trabajo", timedelta(minutes=90)) in pagina

    assert enviar(organizadora, f"{editar}/desactivar").status_code == 303
    assert "Desactivado: no se envía." in _texto(organizadora.get(oficina.base))
    assert organizadora.post(f"{editar}/activar", buffered=True).status_code == 400, "sin token CSRF"
    assert enviar(organizadora, f"{editar}/activar").status_code == 303
    with app.app_context():
        assert db.session.get(Recordatorio, rid).activo is True
    assert enviar(organizadora, f"{editar}/eliminar").status_code == 303
    assert _contar(app, Recordatorio, Recordatorio.id == rid) == 0
    assert "Todavía no hay recordatorios." in _texto(organizadora.get(oficina.base))
    auditoria = _texto(organizadora.get(f"/organizacion/eventos/{oficina.evento.slug}/auditoria"))
    assert all(a in auditoria for a in ("Nuevo recordatorio", "Edición de un recordatorio", "Recordatorio desactivado",
                                        "Recordatorio eliminado"))


def test_un_recordatorio_de_otro_evento_no_se_alcanza(app, organizadora, oficina, eventos_prueba):
    otro = eventos_prueba()
    with app.app_context():
        ajeno = Recordatorio(evento_id=otro.id, minutos_antes=60, idioma="es",
                             textos={"es": {"asunto": "A", "texto": "B"}})
        db.session.add(ajeno)
        db.session.commit()
        rid = ajeno.id
    assert organizadora.get(f"{oficina.base}/recordatorios/{rid}").status_code == 404
    assert enviar(organizadora, f"{oficina.base}/recordatorios/{rid}/eliminar").status_code == 404
    assert _contar(app, Recordatorio, Recordatorio.id == rid) == 1


# --- Cambios del programa ------------------------------------------------------------------------------
@pytest.mark.reloj  # próximos envíos y cambios pendientes dependen de la hora
def test_cambios_pendientes_se_listan_y_solo_el_boton_avisa(app, organizadora, oficina):
    de_a = _inscribir(app, oficina.evento, "a", 2)
    (de_b,) = _inscribir(app, oficina.evento, "b")
    assert "No hay cambios del programa pendientes de avisar." in _texto(organizadora.get(oficina.base))
    antes = _hora_local(app, oficina.evento, "trabajo", timedelta(0))
    with app.app_context():
        trabajo = db.session.get(Sesion, oficina.evento.sesiones["trabajo"])
        trabajo.inicio += timedelta(hours=1)
        trabajo.fin += timedelta(hours=1)
        trabajo.sala = "Sala Nueva"
        db.session.delete(db.session.get(Sesion, oficina.evento.sesiones["apertura"]))
        db.session.commit()
    despues = _hora_local(app, oficina.evento, "trabajo", timedelta(0))

    pagina = _texto(organizadora.get(oficina.base))
    seccion = re.search(r'<section id="cambios".*?</section>', pagina, re.S).group(0)
    assert "Trabajo en mesas" in seccion and antes in seccion and despues in seccion and "Sala Nueva" in seccion
    assert "Sesión de apertura" in seccion and "ya no se celebra" in seccion
    assert "Avisar a 3 personas" in seccion and "Hay 2 cambios del programa sin avisar" in pagina
    assert all(_recibidos(app, d, "Cambios") == [] for d in (*de_a, de_b)), "nada se avisa solo"

    assert enviar(organizadora, f"{oficina.base}/cambios", {"nota": "Hola {apodo}", "idioma": "es"}).status_code == 400
    respuesta = enviar(organizadora, f"{oficina.base}/cambios", {"nota": "Disculpe, {nombre}.", "idioma": "es"})
    assert respuesta.status_code == 303
    pagina = _texto(organizadora.get(oficina.base))
    assert "Aviso de cambios enviado a 3 personas." in pagina
    assert "No hay cambios del programa pendientes de avisar." in pagina
    assert re.search(FILA_DEL_HISTORIAL.format(tipo="Aviso de cambios del programa"), pagina), "en el historial"
    for direccion in (*de_a, de_b):
        (aviso,) = _recibidos(app, direccion, "Cambios en su programa")
        assert "Disculpe, Ana." in texto_de(aviso) and "Sala Nueva" in texto_de(aviso)

    otra_vez = enviar(organizadora, f"{oficina.base}/cambios", {"nota": "", "idioma": "es"}, follow_redirects=True)
    assert "No había cambios del programa sin avisar." in _texto(otra_vez)
    assert len(_recibidos(app, de_b, "Cambios en su programa")) == 1


@pytest.mark.reloj  # próximos envíos y cambios pendientes dependen de la hora
def test_reactivar_un_recordatorio_no_envia_tarde_lo_que_toco_mientras_estaba_desactivado(app, organizadora, oficina):
    """Antes solo contaba la creación: al reactivarlo salían, tarde, los envíos que ya habían pasado."""
    import time_machine

    from eventos import correo
    (persona,) = _inscribir(app, oficina.evento, "a")
    with app.app_context():
        apertura = db.session.get(Sesion, oficina.evento.sesiones["apertura"]).inicio
    with time_machine.travel(apertura - timedelta(hours=30), tick=False):
        assert _recordatorio(organizadora, f"{oficina.base}/recordatorios/nuevo").status_code == 303
        with app.app_context():
            rid = db.session.execute(select(Recordatorio.id).where(Recordatorio.evento_id == oficina.evento.id)) \
                .scalar_one()
        assert enviar(organizadora, f"{oficina.base}/recordatorios/{rid}/desactivar").status_code == 303
    with time_machine.travel(apertura - timedelta(hours=20), tick=False):  # pasó el momento de las 24 h
        assert enviar(organizadora, f"{oficina.base}/recordatorios/{rid}/activar").status_code == 303
        with app.app_context():
            correo.programar_y_entregar()
    assert _recibidos(app, persona, "Recordatorio: Sesión de apertura") == []
