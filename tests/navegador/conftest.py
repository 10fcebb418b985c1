"""Fixtures de las pruebas en navegador: Chromium de Debian con Playwright (API síncrona) y la
aplicación servida de verdad en 127.0.0.1.

Si falta Chromium o axe-core, las pruebas se omiten con el motivo; con EXIGIR_NAVEGADOR=1 (así
corre la CI) fallan en lugar de omitirse, para que nunca desaparezcan en silencio.
CHROMIUM_RUTA permite otra ruta del ejecutable (por omisión /usr/bin/chromium).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parents[2]
AXE = RAIZ / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTOS = RAIZ / "tests" / "artefactos"
CARPETA = Path(__file__).resolve().parent

ARGUMENTOS_CHROMIUM = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def ruta_chromium() -> str:
    return os.environ.get("CHROMIUM_RUTA") or "/usr/bin/chromium"


def motivo_de_omision() -> str | None:
    """Lo que falta para correr las pruebas en navegador, o None si está todo."""
    chromium = ruta_chromium()
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        return f"Chromium no está instalado en {chromium}: apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Falta Playwright para Python: pip install -e '.[pruebas]'"
    if not AXE.is_file():
        return f"Falta axe-core en {AXE.relative_to(RAIZ)}: cd {RAIZ} && npm install"
    return None


def pytest_collection_modifyitems(config, items):
    """Toda prueba de esta carpeta lleva la marca «navegador»."""
    for item in items:
        if CARPETA in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.navegador)


@pytest.fixture(scope="session")
def requisitos_navegador():
    motivo = motivo_de_omision()
    if motivo:
        if os.environ.get("EXIGIR_NAVEGADOR") == "1":
            pytest.fail(f"EXIGIR_NAVEGADOR=1 y no se pueden correr las pruebas en navegador: {motivo}",
                        pytrace=False)
        pytest.skip(motivo)


@pytest.fixture(scope="session")
def navegador(requisitos_navegador, tmp_path_factory):
    """Chromium sin interfaz; su perfil, caché y temporales van a una carpeta de la sesión."""
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("chromium")
    variables = {"XDG_CONFIG_HOME": tmp / "config", "XDG_CACHE_HOME": tmp / "cache",
                 "XDG_DATA_HOME": tmp / "datos", "TMPDIR": tmp / "tmp"}
    anteriores = {nombre: os.environ.get(nombre) for nombre in variables}
    for nombre, carpeta in variables.items():
        carpeta.mkdir()
        os.environ[nombre] = str(carpeta)
    # HOME solo cambia para el proceso del navegador: nada se escribe en el HOME real.
    (tmp / "home").mkdir()
    entorno = {**os.environ, "HOME": str(tmp / "home")}
    try:
        with sync_playwright() as p:
            navegador = p.chromium.launch(executable_path=ruta_chromium(), headless=True,
                                          args=ARGUMENTOS_CHROMIUM, env=entorno)
            try:
                yield navegador
            finally:
                navegador.close()
    finally:
        for nombre, valor in anteriores.items():
            if valor is None:
                os.environ.pop(nombre, None)
            else:
                os.environ[nombre] = valor


@pytest.fixture(scope="session")
def servidor(requisitos_navegador, app):
    """La aplicación de pruebas (migraciones + demostración) servida en 127.0.0.1, puerto libre."""
    from werkzeug.serving import make_server

    http = make_server("127.0.0.1", 0, app, threaded=True)
    hilo = threading.Thread(target=http.serve_forever, name="servidor-pruebas", daemon=True)
    hilo.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        http.server_close()
        hilo.join(timeout=10)


@pytest.fixture(autouse=True)
def direccion_publica_del_servidor(request):
    """En las pruebas de navegador la dirección pública es la del servidor de pruebas (los enlaces de los
    correos llevan ahí); al terminar vuelve la de siempre. La caché se vacía en los dos cambios, porque
    sus páginas llevan direcciones absolutas."""
    if "servidor" not in request.fixturenames:
        yield
        return
    app, servidor = request.getfixturevalue("app"), request.getfixturevalue("servidor")
    from eventos.extensiones import cache
    anterior = app.config["URL_PUBLICA"]
    app.config["URL_PUBLICA"] = servidor
    with app.app_context():
        cache.clear()
    yield
    app.config["URL_PUBLICA"] = anterior
    with app.app_context():
        cache.clear()


@pytest.fixture()
def nuevo_contexto(navegador, servidor):
    """Fábrica de contextos aislados (cookies propias) con base_url del servidor; se cierran al final."""
    contextos = []

    def crear(**opciones):
        contexto = navegador.new_context(base_url=servidor, **opciones)
        contexto.set_default_timeout(15_000)
        contextos.append(contexto)
        return contexto

    yield crear
    for contexto in contextos:
        contexto.close()


@pytest.fixture(scope="session")
def artefactos() -> Path:
    ARTEFACTOS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTOS


@pytest.fixture(scope="session")
def ruta_axe() -> Path:
    return AXE
