"""El escáner de acreditación en un Chromium real, con una cámara falsa que muestra el QR de verdad.

Una acreditadora entra, abre el escáner de su evento y activa la cámara: ve en verde el nombre de la
persona y el servidor registra una sola asistencia aunque el código siga delante de la cámara. Luego se
corta la red: lee otro código (resultado provisional, 1 pendiente), recarga la página sin red (la cola
sigue ahí) y, al volver la red, la asistencia llega al servidor una sola vez. Además: el código ya
acreditado (ámbar, con hora del evento), los rechazos (rojo), la búsqueda con acreditación a mano, un
teléfono de 360 px manejado con el teclado y la accesibilidad con axe-core.

La cámara falsa necesita ffmpeg (apt-get install ffmpeg) para convertir el PNG del QR en vídeo Y4M.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo import CLAVE, crear_usuario
from apoyo_navegador import comprobar_axe
from eventos import qr, zonas
from eventos.extensiones import db
from eventos.modelos import Asistencia, Evento, Inscripcion, RolEvento, Usuario
from eventos.zonas import ahora

pytestmark = pytest.mark.navegador

CARPETA = Path(__file__).resolve().parent
ZONA_NAVEGADOR = "Europe/Madrid"  # distinta de la del evento (Ciudad de México): las horas son del evento
NOMBRE_ACREDITADORA = "Lucía Puerta"


# --- Datos ---------------------------------------------------------------------------------------
def _inscribir(evento_id, nombre, apellidos, estado="confirmada", mesa_id=None, institucion="Municipio de Prueba"):
    inscripcion = Inscripcion(evento_id=evento_id, nombre=nombre, apellidos=apellidos, estado=estado,
                              correo=f"{uuid.uuid4().hex[:10]}@prueba.org", institucion=institucion,
                              mesa_id=mesa_id, consentimiento_en=ahora())
    db.session.add(inscripcion)
    return inscripcion


@pytest.fixture()
def puerta(app, eventos_prueba):
    """Un evento de prueba con una acreditadora y personas confirmadas, una cancelada y una en espera."""
    evento = eventos_prueba(mesas=[("norte", None)], en_dias=0)  # hoy: la puerta acredita
    correo = f"acreditadora-{uuid.uuid4().hex[:8]}@prueba.org"
    with app.app_context():
        acreditadora = crear_usuario(correo, NOMBRE_ACREDITADORA)
        db.session.add(RolEvento(evento_id=evento.id, usuario=acreditadora, rol="acreditador"))
        personas = {
            "ana": _inscribir(evento.id, "Ana", "Cámara Prueba", mesa_id=evento.mesas["norte"]),
            "bruno": _inscribir(evento.id, "Bruno", "Sinred Prueba", institucion="Intendencia Sin Red"),
            "carla": _inscribir(evento.id, "Carla", "Buscada Prueba", institucion="Cooperativa Buscada"),
            "dario": _inscribir(evento.id, "Darío", "Teclado Prueba"),
            "cancelada": _inscribir(evento.id, "Celia", "Cancelada Prueba", estado="cancelada"),
            "espera": _inscribir(evento.id, "Ernesto", "Espera Prueba", estado="en_espera"),
        }
        db.session.commit()
        datos = {"slug": evento.slug, "evento_id": evento.id, "correo": correo, "usuario_id": acreditadora.id,
                 "sesiones": evento.sesiones, "mesa": "Mesa norte",
                 "ids": {clave: i.id for clave, i in personas.items()},
                 "nombres": {clave: i.nombre_completo for clave, i in personas.items()},
                 "codigos": {clave: qr.contenido_qr(i) for clave, i in personas.items()},
                 "png_ana": qr.imagen_png(personas["ana"])}
    yield datos
    with app.app_context():
        db.session.delete(db.session.get(Usuario, datos["usuario_id"]))  # sus asistencias quedan sin usuario
        db.session.commit()


def asistencias(app, inscripcion_id: int) -> list[Asistencia]:
    with app.app_context():
        filas = db.session.execute(select(Asistencia).where(Asistencia.inscripcion_id == inscripcion_id)).scalars().all()
        for fila in filas:
            db.session.expunge(fila)
        return filas


def esperar_asistencias(app, inscripcion_id: int, cuantas: int, segundos: float = 20) -> list[Asistencia]:
    limite = time.monotonic() + segundos
    while True:
        filas = asistencias(app, inscripcion_id)
        if len(filas) >= cuantas or time.monotonic() > limite:
            return filas
        time.sleep(0.2)


# --- Chromium con cámara falsa -------------------------------------------------------------------
def _falta(motivo: str):
    if os.environ.get("EXIGIR_NAVEGADOR") == "1":
        pytest.fail(f"EXIGIR_NAVEGADOR=1 y no se puede probar la cámara: {motivo}", pytrace=False)
    pytest.skip(motivo)


@pytest.fixture()
def video_qr(puerta, tmp_path) -> Path:
    """El QR de Ana como un fotograma Y4M (Chromium lo repite en bucle como imagen de la cámara)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        _falta("falta ffmpeg para la cámara falsa: apt-get install -y ffmpeg")
    png, y4m = tmp_path / "qr.png", tmp_path / "qr.y4m"
    png.write_bytes(puerta["png_ana"])
    subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-loop", "1", "-i", str(png), "-frames:v", "1",
                    "-vf", "scale=480:480,pad=640:480:80:0:white,format=yuv420p", str(y4m)], check=True, timeout=60)
    return y4m


@pytest.fixture()
def conftest_navegador(request):
    """El conftest de esta carpeta: la ruta de Chromium y sus argumentos, para lanzar otro igual."""
    for plugin in request.config.pluginmanager.get_plugins():
        archivo = getattr(plugin, "__file__", None)
        if archivo and Path(archivo).resolve() == CARPETA / "conftest.py":
            return plugin
    raise AssertionError("no se encontró tests/navegador/conftest.py")


@pytest.fixture()
def chromium_con_camara(navegador, conftest_navegador, video_qr, tmp_path):
    """Otro Chromium (no el compartido), con una cámara falsa que muestra el QR y permiso sin preguntar."""
    casa = tmp_path / "home"
    casa.mkdir()
    argumentos = conftest_navegador.ARGUMENTOS_CHROMIUM + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video_qr}"]
    chromium = navegador.browser_type.launch(executable_path=conftest_navegador.ruta_chromium(), headless=True,
                                             args=argumentos, env={**os.environ, "HOME": str(casa)})
    yield chromium
    chromium.close()


# --- Ayudas de página ----------------------------------------------------------------------------
def entrar(pagina, correo: str, destino: str):
    pagina.goto(destino)
    expect(pagina).to_have_url(re.compile(r"/cuentas/entrar"))
    pagina.get_by_label("Correo electrónico", exact=True).fill(correo)
    pagina.get_by_label("Contraseña", exact=True).fill(CLAVE)
    with pagina.expect_navigation():
        pagina.get_by_role("main").get_by_role("button", name="Entrar", exact=True).click()
    expect(pagina).to_have_url(re.compile(re.escape(destino) + "$"))
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Acreditación")


def resultado(pagina):
    return pagina.get_by_role("status", name="Resultado de la lectura")


def pendientes(pagina):
    return pagina.get_by_role("status", name="Lecturas pendientes de enviar")


def escribir_codigo(pagina, codigo: str):
    campo = pagina.get_by_label("Código de la credencial", exact=True)
    campo.fill(codigo)
    campo.press("Enter")


def esperar_lista(pagina, confirmadas: int):
    expect(pagina.get_by_text(re.compile(
        rf"^Lista para trabajar sin conexión: {confirmadas} inscripciones confirmadas"))).to_be_visible()


# --- Cámara, sin conexión y recarga sin red ------------------------------------------------------
def test_camara_verde_una_vez_y_lectura_sin_conexion_que_llega_una_vez(app, chromium_con_camara, servidor,
                                                                       artefactos, puerta):
    contexto = chromium_con_camara.new_context(base_url=servidor, locale="es-ES", timezone_id=ZONA_NAVEGADOR,
                                               permissions=["camera"])
    contexto.set_default_timeout(15_000)
    pagina = contexto.new_page()
    ruta = f"/acreditacion/{puerta['slug']}/"
    entrar(pagina, puerta["correo"], ruta)
    expect(pagina.get_by_text("Página guardada en este dispositivo: se puede recargar sin conexión.")).to_be_visible()
    esperar_lista(pagina, 4)
    expect(pendientes(pagina)).to_have_text("Todas las lecturas están enviadas.")

    # --- La cámara lee el QR de Ana: verde, con su nombre y su mesa ---------------------------------
    pagina.get_by_role("button", name="Activar la cámara").click()
    expect(pagina.get_by_role("button", name="Detener la cámara")).to_be_visible()
    expect(resultado(pagina)).to_contain_text("Acreditación correcta", timeout=10_000)
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["ana"])
    expect(resultado(pagina)).to_contain_text("Mesa: " + puerta["mesa"])
    expect(resultado(pagina)).to_have_class(re.compile(r"\bresultado-aceptado\b"))
    pagina.screenshot(path=str(artefactos / "escaner-verde.png"), full_page=True)
    primeras = esperar_asistencias(app, puerta["ids"]["ana"], 1)
    assert len(primeras) == 1 and primeras[0].origen == "qr" and primeras[0].alcance == 0
    assert primeras[0].usuario_id == puerta["usuario_id"] and primeras[0].id_cliente

    # El QR sigue delante de la cámara: no se vuelve a enviar (seguiría verde, sin pasar a «ya acreditado»).
    pagina.wait_for_timeout(2500)
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    historial = pagina.get_by_role("region", name="Últimas lecturas en este dispositivo").get_by_role("listitem")
    expect(historial).to_have_count(1)
    expect(historial).to_contain_text(puerta["nombres"]["ana"])
    assert len(asistencias(app, puerta["ids"]["ana"])) == 1

    # --- Escrito otra vez a mano: ámbar, con la hora y quién, en la zona del evento -------------------
    escribir_codigo(pagina, puerta["codigos"]["ana"])
    expect(resultado(pagina)).to_contain_text("Ya estaba acreditado")
    expect(resultado(pagina)).to_have_class(re.compile(r"\bresultado-repetido\b"))
    hora_mexico = zonas.a_local(primeras[0].registrada_en, "America/Mexico_City").strftime("%H:%M")
    expect(resultado(pagina)).to_contain_text(re.compile(rf"{hora_mexico} \(hora de Ciudad de México\)"))
    expect(resultado(pagina)).to_contain_text(f"Lo registró: {NOMBRE_ACREDITADORA}.")
    assert len(asistencias(app, puerta["ids"]["ana"])) == 1

    # --- Sin conexión: Bruno, provisional y pendiente -----------------------------------------------
    contexto.set_offline(True)
    expect(pagina.get_by_text(re.compile(r"^Sin conexión: las lecturas se guardan"))).to_be_visible()
    escribir_codigo(pagina, puerta["codigos"]["bruno"])
    expect(resultado(pagina)).to_contain_text("Válido según la lista descargada")
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["bruno"])
    expect(resultado(pagina)).to_contain_text("PROVISIONAL, sin conexión")
    expect(pendientes(pagina)).to_have_text("Lecturas pendientes de enviar: 1")
    # Ana otra vez sin red: la lista descargada ya la sabe acreditada (ámbar, y no se encola).
    escribir_codigo(pagina, puerta["codigos"]["ana"])
    expect(resultado(pagina)).to_contain_text("Ya leído")
    expect(pendientes(pagina)).to_have_text("Lecturas pendientes de enviar: 1")
    pagina.screenshot(path=str(artefactos / "escaner-sin-conexion.png"), full_page=True)

    # --- Recargar sin red: la página carga (service worker) y la cola sigue ---------------------------
    pagina.reload()
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Acreditación")
    expect(pagina.get_by_text(re.compile(r"^Sin conexión: las lecturas se guardan"))).to_be_visible()
    expect(pendientes(pagina)).to_have_text("Lecturas pendientes de enviar: 1")
    esperar_lista(pagina, 4)
    assert pagina.evaluate("navigator.serviceWorker.controller !== null"), "la página no la sirvió el service worker"
    assert asistencias(app, puerta["ids"]["bruno"]) == []

    # --- Vuelve la red: la lectura llega una vez y la cola se vacía ----------------------------------
    contexto.set_offline(False)
    expect(pendientes(pagina)).to_have_text("Todas las lecturas están enviadas.", timeout=20_000)
    llegadas = esperar_asistencias(app, puerta["ids"]["bruno"], 1)
    assert len(llegadas) == 1 and llegadas[0].origen == "qr" and llegadas[0].usuario_id == puerta["usuario_id"]
    # La hora es la de la lectura sin red, no la de llegada.
    assert llegadas[0].registrada_en <= llegadas[0].recibida_en
    pagina.reload()  # y otra carga (que reintenta la cola) no la duplica
    expect(pendientes(pagina)).to_have_text("Todas las lecturas están enviadas.")
    pagina.wait_for_timeout(1000)
    assert len(asistencias(app, puerta["ids"]["bruno"])) == 1
    assert len(asistencias(app, puerta["ids"]["ana"])) == 1
    contexto.close()


# --- Rechazos, búsqueda y acreditación a mano ----------------------------------------------------
def test_rechazos_en_rojo_y_busqueda_con_acreditacion_a_mano(app, nuevo_contexto, puerta):
    # Un navegador sin service workers: la página lo dice, y todo lo demás funciona igual.
    pagina = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR, service_workers="block").new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    expect(pagina.get_by_text(re.compile(r"^Este navegador no puede guardar la página"))).to_be_visible()

    casos = [(puerta["codigos"]["cancelada"], "Inscripción cancelada", puerta["nombres"]["cancelada"]),
             (puerta["codigos"]["espera"], "Inscripción no confirmada", "lista de espera"),
             ("EV1-" + "x" * 22, "Código no válido", "No corresponde a ninguna inscripción")]
    for codigo, titulo, detalle in casos:
        escribir_codigo(pagina, codigo)
        expect(resultado(pagina)).to_contain_text(titulo)
        expect(resultado(pagina)).to_contain_text(detalle)
        expect(resultado(pagina)).to_have_class(re.compile(r"\bresultado-rechazado\b"))
    for clave in ("cancelada", "espera"):
        assert asistencias(app, puerta["ids"][clave]) == []

    buscador = pagina.get_by_role("search")
    buscador.get_by_label("Nombre, correo o institución").fill("cooperativa buscada")
    buscador.get_by_role("button", name="Buscar").click()
    expect(pagina.get_by_role("status", name="Resultado de la búsqueda")).to_have_text("Personas encontradas: 1")
    fila = pagina.get_by_role("region", name="Buscar a una persona").get_by_role("listitem").filter(
        has_text=puerta["nombres"]["carla"])
    expect(fila).to_contain_text("Confirmada")
    fila.get_by_role("button", name=f"Acreditar a {puerta['nombres']['carla']}").click()
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["carla"])
    expect(fila).to_contain_text("Ya acreditada")
    filas = esperar_asistencias(app, puerta["ids"]["carla"], 1)
    assert [(f.origen, f.alcance) for f in filas] == [("manual", 0)]


# --- Teléfono de 360 px, con el teclado y por sesión -------------------------------------------------
def test_telefono_360px_con_teclado_y_sesion_elegida(app, nuevo_contexto, artefactos, puerta):
    contexto = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR, viewport={"width": 360, "height": 740},
                              is_mobile=True, has_touch=True, device_scale_factor=2)
    pagina = contexto.new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    sesion = puerta["sesiones"]["trabajo"]
    pagina.get_by_label("Registrar la asistencia a").select_option(str(sesion))
    expect(pagina).to_have_url(re.compile(rf"\?sesion={sesion}$"))  # una recarga conserva la sesión

    # Solo con el teclado: escribir el código e Intro (como un lector USB).
    pagina.get_by_label("Código de la credencial", exact=True).focus()
    pagina.keyboard.type(puerta["codigos"]["dario"])
    pagina.keyboard.press("Enter")
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["dario"])
    expect(pagina.get_by_label("Código de la credencial", exact=True)).to_be_focused()
    filas = esperar_asistencias(app, puerta["ids"]["dario"], 1)
    assert [(f.sesion_id, f.alcance) for f in filas] == [(sesion, sesion)]

    # Buscar y acreditar con Tab e Intro.
    pagina.get_by_label("Nombre, correo o institución").focus()
    pagina.keyboard.type("Cooperativa Buscada")
    pagina.keyboard.press("Enter")
    expect(pagina.get_by_role("status", name="Resultado de la búsqueda")).to_have_text("Personas encontradas: 1")
    boton = pagina.get_by_role("button", name=f"Acreditar a {puerta['nombres']['carla']}")
    for _ in range(6):
        pagina.keyboard.press("Tab")
        if boton.evaluate("b => b === document.activeElement"):
            break
    expect(boton).to_be_focused()
    pagina.keyboard.press("Enter")
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["carla"])
    assert [f.sesion_id for f in esperar_asistencias(app, puerta["ids"]["carla"], 1)] == [sesion]

    # Nada se sale de los 360 px y el resultado se ve entero.
    assert pagina.evaluate("document.documentElement.scrollWidth") <= 360
    caja = resultado(pagina).bounding_box()
    assert caja["x"] >= 0 and caja["x"] + caja["width"] <= 360
    assert pagina.get_by_role("button", name="Activar la cámara").bounding_box()["height"] >= 40
    pagina.reload()
    expect(pagina.get_by_label("Registrar la asistencia a")).to_have_value(str(sesion))
    pagina.screenshot(path=str(artefactos / "escaner-telefono.png"), full_page=True)


# --- Accesibilidad (axe-core) ----------------------------------------------------------------------
def test_escaner_sin_infracciones_graves_de_accesibilidad(nuevo_contexto, ruta_axe, puerta):
    pagina = nuevo_contexto(bypass_csp=True, locale="es-ES", timezone_id=ZONA_NAVEGADOR).new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    # Con cada tipo de contenido que pinta el script: un resultado, resultados de búsqueda e historial.
    escribir_codigo(pagina, puerta["codigos"]["ana"])
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    escribir_codigo(pagina, puerta["codigos"]["cancelada"])
    expect(resultado(pagina)).to_contain_text("Inscripción cancelada")
    pagina.get_by_label("Nombre, correo o institución").fill("Prueba")
    pagina.get_by_role("search").get_by_role("button", name="Buscar").click()
    expect(pagina.get_by_role("status", name="Resultado de la búsqueda")).to_contain_text("Personas encontradas")
    comprobar_axe(pagina, ruta_axe, "el escáner")


# --- Dispositivo compartido ------------------------------------------------------------------------
CONTAR_LISTAS = """() => new Promise((resolver) => {
  const p = indexedDB.open("acreditacion");
  p.onsuccess = () => {
    const base = p.result;
    if (!base.objectStoreNames.contains("listas")) { base.close(); resolver(0); return; }
    const c = base.transaction("listas").objectStore("listas").count();
    c.onsuccess = () => { base.close(); resolver(c.result); };
  };
})"""
CACHES_DEL_ESCANER = "async () => (await caches.keys()).filter((n) => n.startsWith('acreditacion-')).length"


def test_al_salir_se_borran_la_lista_y_la_pagina_guardadas(nuevo_contexto, puerta):
    """En un teléfono compartido, cerrar la sesión no deja los nombres de las personas inscritas."""
    pagina = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR).new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    esperar_lista(pagina, 4)
    # Como quien mira la pantalla: la página dice que quedó guardada (el service worker terminó de guardarla; la
    # caché existe desde que empieza, y en .ci/run «Salir» llegó a adelantarse al guardado).
    expect(pagina.get_by_text("Página guardada en este dispositivo: se puede recargar sin conexión.")).to_be_visible()
    assert pagina.evaluate(CACHES_DEL_ESCANER) == 1
    assert pagina.evaluate(CONTAR_LISTAS) >= 1
    with pagina.expect_navigation():
        pagina.get_by_role("button", name="Salir").click()
    assert pagina.evaluate(CONTAR_LISTAS) == 0
    assert pagina.evaluate(CACHES_DEL_ESCANER) == 0


# --- Red lenta -------------------------------------------------------------------------------------
def test_con_la_red_lenta_el_resultado_provisional_no_espera(app, nuevo_contexto, puerta):
    """Wifi conectado pero sin respuesta: en segundo y medio se ve el resultado provisional; cuando el
    servidor responde, lo sustituye el definitivo."""
    pagina = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR, service_workers="block").new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    esperar_lista(pagina, 4)
    retenidas = []
    pagina.route("**/api/v1/eventos/*/acreditacion", lambda ruta: retenidas.append(ruta))
    escribir_codigo(pagina, puerta["codigos"]["ana"])
    expect(resultado(pagina)).to_contain_text("PROVISIONAL: la red va lenta", timeout=5_000)
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["ana"])
    assert len(retenidas) == 1 and not asistencias(app, puerta["ids"]["ana"])
    retenidas[0].continue_()
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    expect(resultado(pagina)).not_to_contain_text("PROVISIONAL")
    assert len(esperar_asistencias(app, puerta["ids"]["ana"], 1)) == 1


def test_sin_indexeddb_avisa_que_no_se_recargue(nuevo_contexto, puerta):
    """Un navegador sin almacenamiento (modo privado estricto): el escáner funciona, pero lo dice."""
    contexto = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR, service_workers="block")
    contexto.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined});")
    pagina = contexto.new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    expect(pagina.get_by_text(re.compile(r"^Este navegador no deja guardar las lecturas"))).to_be_visible()
    escribir_codigo(pagina, puerta["codigos"]["dario"])
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")


def test_fuera_de_las_fechas_el_escaner_lo_dice_tambien_sin_red(app, nuevo_contexto, puerta):
    """Un evento de mañana: la página avisa, el resultado provisional (lista descargada) y el del servidor
    dicen «fuera de las fechas», y nada se registra."""
    with app.app_context():
        evento = db.session.get(Evento, puerta["evento_id"])
        evento.fecha_inicio += timedelta(days=1)
        evento.fecha_fin += timedelta(days=1)
        db.session.commit()
    pagina = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR, service_workers="block").new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    expect(pagina.get_by_text(re.compile(r"^Fechas de acreditación: .*Fuera de ellas"))).to_be_visible()
    esperar_lista(pagina, 4)
    retenidas = []
    pagina.route("**/api/v1/eventos/*/acreditacion", lambda ruta: retenidas.append(ruta))
    escribir_codigo(pagina, puerta["codigos"]["ana"])
    expect(resultado(pagina)).to_contain_text("PROVISIONAL", timeout=5_000)
    expect(resultado(pagina)).to_contain_text("Fuera de las fechas de acreditación")
    retenidas[0].continue_()
    expect(resultado(pagina)).not_to_contain_text("PROVISIONAL")
    expect(resultado(pagina)).to_contain_text("Fuera de las fechas de acreditación")
    expect(resultado(pagina)).to_have_class(re.compile(r"\bresultado-rechazado\b"))
    assert asistencias(app, puerta["ids"]["ana"]) == []


# --- Donde se mira: el resultado junto a la lectura, y una lectura nueva borra el anterior -----------
CAJA_RESULTADO = """() => {
  const caja = document.getElementById('resultado').getBoundingClientRect();
  return {arriba: caja.top, abajo: caja.bottom, izquierda: caja.left, derecha: caja.right,
          desplazado: window.scrollY, clase: document.getElementById('resultado').className,
          texto: document.getElementById('resultado').innerText};
}"""


def _a_la_vista(pagina, alto=740, ancho=360):
    """El resultado entero dentro de la pantalla del teléfono, sin haber desplazado la página."""
    caja = pagina.evaluate(CAJA_RESULTADO)
    assert caja["desplazado"] == 0, f"la página se desplazó {caja['desplazado']} px"
    assert 0 <= caja["arriba"] and caja["abajo"] <= alto, f"el resultado no se ve entero: {caja}"
    assert 0 <= caja["izquierda"] and caja["derecha"] <= ancho, caja
    return caja


def test_telefono_el_resultado_se_ve_sin_desplazar_y_una_lectura_nueva_borra_el_anterior(app, nuevo_contexto, artefactos,
                                                                                      puerta):
    contexto = nuevo_contexto(locale="es-ES", timezone_id=ZONA_NAVEGADOR, viewport={"width": 360, "height": 740},
                              is_mobile=True, has_touch=True, device_scale_factor=2, service_workers="block")
    pagina = contexto.new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    esperar_lista(pagina, 4)
    expect(resultado(pagina)).to_have_attribute("aria-live", "polite")
    # Lo que se usa para leer está arriba: sin desplazar se ven la cámara, el código, la búsqueda y el resultado.
    for control in (pagina.get_by_role("button", name="Activar la cámara"),
                    pagina.get_by_label("Código de la credencial", exact=True),
                    pagina.get_by_label("Nombre, correo o institución")):
        caja = control.bounding_box()
        assert caja["y"] >= 0 and caja["y"] + caja["height"] <= 740, caja
    _a_la_vista(pagina)

    # Un código escrito: verde, a la vista sin desplazar.
    escribir_codigo(pagina, puerta["codigos"]["dario"])
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["dario"])
    _a_la_vista(pagina)
    pagina.screenshot(path=str(artefactos / "escaner-telefono-resultado.png"))

    # Otro código, con el servidor sin responder todavía: el verde anterior desaparece en cuanto se pulsa
    # Intro (no al llegar la respuesta): la comprobación es inmediata, sin reintentos.
    retenidas = []
    pagina.route("**/api/v1/eventos/*/acreditacion", lambda ruta: retenidas.append(ruta))
    with pagina.expect_request("**/api/v1/eventos/*/acreditacion"):
        escribir_codigo(pagina, puerta["codigos"]["carla"])
        caja = _a_la_vista(pagina)
        assert "resultado-aceptado" not in caja["clase"] and "resultado-espera" in caja["clase"], caja
        assert puerta["nombres"]["dario"] not in caja["texto"] and "Acreditación correcta" not in caja["texto"], caja
        assert caja["texto"].strip() == "Comprobando…", caja
    for _ in range(200):  # el manejador de la ruta corre un poco después del evento «request»
        if retenidas:
            break
        pagina.wait_for_timeout(50)
    assert len(retenidas) == 1
    retenidas[0].continue_()
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["carla"])
    expect(resultado(pagina)).to_contain_text("Acreditación correcta")
    expect(resultado(pagina)).not_to_contain_text("PROVISIONAL")
    pagina.unroute("**/api/v1/eventos/*/acreditacion")

    # Un rechazo en rojo, y después una búsqueda por nombre: el rojo se borra al buscar.
    escribir_codigo(pagina, puerta["codigos"]["cancelada"])
    expect(resultado(pagina)).to_have_class(re.compile(r"\bresultado-rechazado\b"))
    _a_la_vista(pagina)
    buscador = pagina.get_by_role("search")
    buscador.get_by_label("Nombre, correo o institución").fill("Teclado Prueba")
    buscador.get_by_role("button", name="Buscar").click()
    caja = pagina.evaluate(CAJA_RESULTADO)
    assert "resultado-rechazado" not in caja["clase"] and "Inscripción cancelada" not in caja["texto"], caja
    expect(pagina.get_by_role("status", name="Resultado de la búsqueda")).to_have_text("Personas encontradas: 1")
    # Acreditar desde la lista de la búsqueda: el resultado, otra vez a la vista.
    pagina.get_by_role("button", name=f"Acreditar a {puerta['nombres']['dario']}").click()
    expect(resultado(pagina)).to_contain_text("Ya estaba acreditado")
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["dario"])
    caja = resultado(pagina).bounding_box()
    assert caja["y"] >= 0 and caja["y"] + caja["height"] <= 740, caja
    assert pagina.evaluate("document.documentElement.scrollWidth") <= 360


def test_telefono_con_la_camara_se_ven_la_imagen_y_el_resultado_juntos(chromium_con_camara, servidor, artefactos,
                                                                      puerta):
    """Al activar la cámara en un teléfono, la página sube lo justo: la imagen y el resultado (verde, con el
    nombre) se ven a la vez en la pantalla de 740 px, sin que la persona tenga que desplazarla."""
    contexto = chromium_con_camara.new_context(base_url=servidor, locale="es-ES", timezone_id=ZONA_NAVEGADOR,
                                               permissions=["camera"], viewport={"width": 360, "height": 740},
                                               is_mobile=True, has_touch=True, service_workers="block")
    contexto.set_default_timeout(15_000)
    pagina = contexto.new_page()
    entrar(pagina, puerta["correo"], f"/acreditacion/{puerta['slug']}/")
    esperar_lista(pagina, 4)
    pagina.get_by_role("button", name="Activar la cámara").click()
    expect(resultado(pagina)).to_contain_text("Acreditación correcta", timeout=10_000)
    expect(resultado(pagina)).to_contain_text(puerta["nombres"]["ana"])
    for nombre, caja in (("resultado", resultado(pagina).bounding_box()),
                         ("imagen de la cámara", pagina.get_by_label("Imagen de la cámara").bounding_box())):
        assert caja["y"] >= 0 and caja["y"] + caja["height"] <= 740, f"{nombre}: {caja}"
    assert pagina.evaluate("document.documentElement.scrollWidth") <= 360
    pagina.screenshot(path=str(artefactos / "escaner-telefono-camara.png"))
    contexto.close()
