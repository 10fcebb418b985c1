"""La receta de despliegue (despliegue/): estáticos con la huella de su contenido en el nombre, y nginx delante
de gunicorn como en producción (TLS, estáticos servidos por nginx, gzip, reintentos solo de lo idempotente,
/metricas cerrado, el mismo tope de cuerpo que la aplicación).

Las pruebas de nginx lo arrancan sin root, con la configuración de despliegue/generar_nginx.py en una carpeta
temporal, y un gunicorn de verdad sobre la base de las pruebas; todo en 127.0.0.1. Se omiten si no hay nginx
(apt-get install -y nginx) u openssl.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from apoyo_gunicorn import Gunicorn, puerto_libre
from eventos import RAIZ
from eventos.demo import SLUGS
from eventos.estaticos import huella

sys.path.insert(0, str(RAIZ / "despliegue"))
from generar_nginx import generar  # noqa: E402

ESTATICOS = RAIZ / "estaticos"
UN_ANO = "public, max-age=31536000, immutable"
SLUG = SLUGS[1]
RE_HOJA_DE_ESTILO = re.compile(r'href="(/estaticos/css/sitio\.([0-9a-f]{10})\.css)"')


# --- Estáticos con huella, sin nginx ---------------------------------------------------------------------
def test_las_paginas_enlazan_los_estaticos_con_huella_y_la_aplicacion_los_sirve_un_ano(cliente):
    html = cliente.get(f"/eventos/{SLUG}/").get_data(as_text=True)
    direccion = RE_HOJA_DE_ESTILO.search(html).group(1)
    con_huella = cliente.get(direccion)
    assert con_huella.status_code == 200 and con_huella.headers["Cache-Control"] == UN_ANO
    assert con_huella.data == (ESTATICOS / "css" / "sitio.css").read_bytes()
    sin_huella = cliente.get("/estaticos/css/sitio.css")
    assert sin_huella.status_code == 200 and sin_huella.data == con_huella.data
    assert sin_huella.headers["Cache-Control"] == "public, max-age=300"


def test_cambiar_un_estatico_cambia_su_direccion_y_la_vieja_no_se_guarda_un_ano(app, tmp_path, monkeypatch):
    archivo = tmp_path / "js" / "prueba.js"
    archivo.parent.mkdir()
    archivo.write_text("console.log(1);")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    cliente = app.test_client()
    with app.test_request_context():
        antes = app.url_for("static", filename="js/prueba.js")
        archivo.write_text("console.log(2); // versión nueva")
        huella.cache_clear()  # como tras reiniciar los procesos con la versión nueva
        despues = app.url_for("static", filename="js/prueba.js")
    assert re.fullmatch(r"/estaticos/js/prueba\.[0-9a-f]{10}\.js", antes) and despues != antes

    vieja = cliente.get(antes)  # una página de la versión anterior: recibe el archivo actual, sin caché larga
    assert vieja.status_code == 200 and b"versi" in vieja.data
    assert vieja.headers["Cache-Control"] == "no-cache"
    nueva = cliente.get(despues)
    assert nueva.status_code == 200 and nueva.headers["Cache-Control"] == UN_ANO
    assert cliente.get("/estaticos/js/no-existe.0123456789.js").status_code == 404


def test_en_modo_de_depuracion_los_estaticos_van_sin_huella_ni_cache(app, cliente, monkeypatch):
    monkeypatch.setitem(app.config, "DEBUG", True)
    with app.test_request_context():
        assert app.url_for("static", filename="css/sitio.css") == "/estaticos/css/sitio.css"
    assert cliente.get("/estaticos/css/sitio.css").headers["Cache-Control"] == "no-cache"


def test_un_etag_debil_como_el_que_deja_el_gzip_de_nginx_tambien_da_304(cliente):
    etiqueta = cliente.get(f"/api/v1/eventos/{SLUG}").headers["ETag"]
    respuesta = cliente.get(f"/api/v1/eventos/{SLUG}", headers={"If-None-Match": f"W/{etiqueta}"})
    assert respuesta.status_code == 304


# --- nginx delante de gunicorn ---------------------------------------------------------------------------
def _nginx() -> str:
    binario = shutil.which("nginx") or next((r for r in ("/usr/sbin/nginx",) if os.access(r, os.X_OK)), None)
    if binario is None:
        pytest.skip("No hay nginx: apt-get install -y nginx (las pruebas de despliegue/nginx lo necesitan)")
    return binario


def _esperar(condicion, que: str, proceso: subprocess.Popen, registro: Path, segundos: float = 30) -> None:
    limite = time.monotonic() + segundos
    while not condicion():
        if proceso.poll() is not None or time.monotonic() > limite:
            pytest.fail(f"{que} no arrancó:\n{registro.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def _parar(proceso: subprocess.Popen, senal=signal.SIGTERM) -> None:
    if proceso.poll() is None:
        proceso.send_signal(senal)
        try:
            proceso.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proceso.kill()
            proceso.wait(timeout=10)


class Nginx:
    """nginx con la configuración generada, en primer plano (se para por su pid)."""

    def __init__(self, configuracion: Path, base: str, verificar):
        self.configuracion, self.base, self.verificar = configuracion, base, verificar
        self.registro = configuracion.parent / "error.log"
        self.proceso = subprocess.Popen([_nginx(), "-c", str(configuracion), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=self.registro.open("ab"))
        _esperar(lambda: self._escucha(), "nginx", self.proceso, self.registro)

    def _escucha(self) -> bool:
        try:
            requests.get(self.base + "/", timeout=2, verify=self.verificar)
            return True
        except requests.RequestException:
            return False

    def get(self, ruta: str, **opciones):
        return requests.get(self.base + ruta, timeout=30, verify=self.verificar, allow_redirects=False, **opciones)

    def post(self, ruta: str, **opciones):
        return requests.post(self.base + ruta, timeout=30, verify=self.verificar, allow_redirects=False, **opciones)

    def parar(self) -> None:
        _parar(self.proceso, signal.SIGQUIT)


@pytest.fixture(scope="module")
def sitio(app, url_bd, tmp_path_factory):
    """gunicorn (un nodo, configuración de producción) detrás de nginx con TLS; también el servidor de la
    redirección desde HTTP."""
    _nginx()
    if shutil.which("openssl") is None:
        pytest.skip("No hay openssl: hace falta para el certificado autofirmado de nginx")
    carpeta = tmp_path_factory.mktemp("despliegue")
    puerto, puerto_http = puerto_libre(), puerto_libre()
    entorno = {"DATABASE_URL": url_bd, "SECRET_KEY": "clave-de-pruebas", "HTTPS": "1",
               "URL_PUBLICA": f"https://127.0.0.1:{puerto}", "CORREO_PROCESO_APARTE": "1"}
    with Gunicorn(carpeta, entorno, ("-w", "1")) as nodo:
        nodo.esperar()
        configuracion = generar([nodo.puerto], puerto, carpeta / "nginx", RAIZ, puerto_http=puerto_http)
        comprobacion = subprocess.run([_nginx(), "-t", "-c", str(configuracion)], capture_output=True, text=True)
        assert comprobacion.returncode == 0, comprobacion.stderr
        nginx = Nginx(configuracion, f"https://127.0.0.1:{puerto}", str(carpeta / "nginx" / "tls" / "certificado.pem"))
        try:
            yield {"nginx": nginx, "directo": nodo.base, "puerto": puerto, "puerto_http": puerto_http}
        finally:
            nginx.parar()


def test_nginx_sirve_los_estaticos_con_huella_sin_pasar_por_un_nodo(sitio):
    nginx = sitio["nginx"]
    pagina = nginx.get(f"/eventos/{SLUG}/")
    assert pagina.status_code == 200
    direccion = RE_HOJA_DE_ESTILO.search(pagina.text).group(1)

    estatico = nginx.get(direccion)
    assert estatico.status_code == 200 and estatico.headers["Cache-Control"] == UN_ANO
    assert estatico.content == (ESTATICOS / "css" / "sitio.css").read_bytes()
    assert estatico.headers["X-Content-Type-Options"] == "nosniff"
    # Todo lo que responde la aplicación lleva su política de contenido: esto lo sirvió nginx.
    assert "Content-Security-Policy" not in estatico.headers and "Content-Security-Policy" in pagina.headers
    assert nginx.get("/estaticos/css/sitio.css").headers["Cache-Control"] == "public, max-age=300"
    # Sin nginx, el nodo da lo mismo (con sus cabeceras).
    del_nodo = requests.get(sitio["directo"] + direccion, timeout=10)
    assert del_nodo.headers["Cache-Control"] == UN_ANO and del_nodo.content == estatico.content


@pytest.mark.parametrize("ruta", [f"/eventos/{SLUG}/", f"/eventos/{SLUG}/calendario.ics", f"/api/v1/eventos/{SLUG}"],
                         ids=["html", "ics", "json"])
def test_nginx_pasa_tal_cual_lo_que_la_aplicacion_ya_comprimio_y_responde_304(sitio, ruta):
    """Los documentos de la caché salen de la aplicación ya comprimidos (así se guardan): nginx no los vuelve a
    comprimir ni debilita su ETag, y el 304 funciona con él."""
    nginx = sitio["nginx"]
    respuesta = nginx.get(ruta, headers={"Accept-Encoding": "gzip"})
    assert respuesta.status_code == 200
    assert respuesta.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in respuesta.headers["Vary"]
    sin_comprimir = requests.get(sitio["directo"] + ruta, timeout=30, headers={"Accept-Encoding": "identity"})
    assert respuesta.content == sin_comprimir.content  # requests ya lo descomprimió
    etiqueta = respuesta.headers["ETag"]
    assert etiqueta.endswith('-gzip"') and not etiqueta.startswith("W/")
    assert nginx.get(ruta, headers={"Accept-Encoding": "gzip", "If-None-Match": etiqueta}).status_code == 304


def test_nginx_comprime_lo_que_no_viene_comprimido(sitio):
    """Una página que no se guarda (el formulario de entrada, con su token) la comprime nginx."""
    respuesta = sitio["nginx"].get("/cuentas/entrar", headers={"Accept-Encoding": "gzip"})
    assert respuesta.status_code == 200 and respuesta.headers["Content-Encoding"] == "gzip"
    assert "csrf_token" in respuesta.text


def test_hsts_lo_pone_solo_la_aplicacion(sitio):
    respuesta = sitio["nginx"].get(f"/eventos/{SLUG}/")
    assert respuesta.raw.headers.getlist("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]


@pytest.mark.parametrize("ruta", ["/metricas", "/metricas/nodo", "//metricas?formato=texto"])
def test_las_metricas_no_se_ven_desde_fuera(sitio, ruta):
    assert sitio["nginx"].get(ruta).status_code == 403


def test_http_redirige_a_la_direccion_publica_con_https(sitio):
    respuesta = requests.get(f"http://127.0.0.1:{sitio['puerto_http']}/eventos/{SLUG}/?lang=en",
                             headers={"Host": "otro.example.org"}, timeout=10, allow_redirects=False)
    assert respuesta.status_code == 301
    assert respuesta.headers["Location"] == f"https://127.0.0.1/eventos/{SLUG}/?lang=en"


def test_el_registro_de_acceso_de_nginx_no_lleva_secretos(sitio):
    nginx = sitio["nginx"]
    for ruta in ("/inscripcion/token-secreto-1/qr.png", "/cuentas/restablecer/token-secreto-2",
                 "/calendario/token-secreto-3.ics", "/verificar/codigo-secreto-4", "/anuncios/baja/token-secreto-5",
                 "/organizacion/?q=ana.secreta@example.org"):
        nginx.get(ruta)
    nginx.get("/api/v1/salud")  # la última: cuando aparece en el registro, las anteriores ya están escritas
    registro = nginx.configuracion.parent / "acceso.log"
    limite = time.monotonic() + 10
    while "/api/v1/salud" not in registro.read_text() and time.monotonic() < limite:
        time.sleep(0.05)
    texto = registro.read_text()
    assert "GET /inscripcion/***/qr.png" in texto and "GET /cuentas/restablecer/***" in texto
    assert "GET /calendario/***.ics" in texto and "GET /verificar/***" in texto and '"GET /organizacion/"' in texto
    assert "GET /anuncios/baja/***" in texto
    assert "secret" not in texto and re.search(r" [0-9a-f]{32}$", texto.splitlines()[-1])


def _respuesta_a_cabecera(sitio, largo: int) -> str:
    """La primera línea con la que nginx contesta a un POST de `largo` bytes anunciado con «Expect: 100-continue»
    (sin enviar el cuerpo): «100 Continue» si lo aceptaría, 413 si es demasiado grande."""
    contexto = ssl.create_default_context(cafile=sitio["nginx"].verificar)
    with socket.create_connection(("127.0.0.1", sitio["puerto"]), timeout=10) as crudo, \
            contexto.wrap_socket(crudo, server_hostname="127.0.0.1") as conexion:
        conexion.sendall(f"POST /api/v1/salud HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                         f"Content-Length: {largo}\r\nExpect: 100-continue\r\n\r\n".encode())
        return conexion.recv(200).decode("latin-1").split("\r\n")[0]


def test_nginx_acepta_lo_que_acepta_la_aplicacion_y_ni_un_byte_mas(app, sitio):
    tope = app.config["MAX_CONTENT_LENGTH"]
    assert _respuesta_a_cabecera(sitio, tope) == "HTTP/1.1 100 Continue"
    assert _respuesta_a_cabecera(sitio, tope + 1) == "HTTP/1.1 413 Request Entity Too Large"


# --- Reintentos: un nodo que se cae a media petición ---------------------------------------------------------
class NodoDePrueba(ThreadingHTTPServer):
    """Un nodo mínimo que anota lo que recibe. Con `responde=False` lee la petición entera y cierra la
    conexión sin contestar, como un nodo que se cae a media petición."""

    def __init__(self, responde: bool):
        self.responde, self.recibidas = responde, []
        super().__init__(("127.0.0.1", 0), _Atender)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def puerto(self) -> int:
        return self.server_address[1]


class _Atender(BaseHTTPRequestHandler):
    def _atender(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.recibidas.append((self.command, self.path, dict(self.headers)))
        if not self.server.responde:
            self.close_connection = True
            return
        cuerpo = b"respuesta del segundo nodo"
        self.send_response(200)
        self.send_header("Content-Length", str(len(cuerpo)))
        self.end_headers()
        self.wfile.write(cuerpo)

    do_GET = do_POST = _atender

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def dos_nodos(tmp_path_factory):
    """nginx (HTTP) delante de un nodo que se cae en cada petición y de otro sano. El sano es `backup`: cada
    petición va primero al que se cae, y al sano solo si nginx la reintenta."""
    _nginx()
    cae, sano = NodoDePrueba(responde=False), NodoDePrueba(responde=True)
    puerto = puerto_libre()
    configuracion = generar([f"127.0.0.1:{cae.puerto} max_fails=0", f"127.0.0.1:{sano.puerto} backup"], puerto,
                            tmp_path_factory.mktemp("reintentos"), RAIZ, tls=False)
    nginx = Nginx(configuracion, f"http://127.0.0.1:{puerto}", True)
    try:
        yield nginx, cae, sano
    finally:
        nginx.parar()
        for nodo in (cae, sano):
            nodo.shutdown()
            nodo.server_close()


def _vaciar(*nodos):
    for nodo in nodos:
        nodo.recibidas.clear()


def test_un_get_que_falla_en_un_nodo_se_reintenta_en_otro(dos_nodos):
    nginx, cae, sano = dos_nodos
    _vaciar(cae, sano)
    respuesta = nginx.get("/eventos/algo/")
    assert respuesta.status_code == 200 and respuesta.text == "respuesta del segundo nodo"
    assert [(m, r) for m, r, _ in cae.recibidas] == [("GET", "/eventos/algo/")]
    assert [(m, r) for m, r, _ in sano.recibidas] == [("GET", "/eventos/algo/")]
    cabeceras = sano.recibidas[0][2]
    assert re.fullmatch(r"[0-9a-f]{32}", cabeceras["X-Request-ID"])
    assert cabeceras["X-Forwarded-For"] == "127.0.0.1" and cabeceras["X-Forwarded-Proto"] == "http"


def test_un_post_que_falla_en_un_nodo_no_se_repite_en_otro(dos_nodos):
    nginx, cae, sano = dos_nodos
    _vaciar(cae, sano)
    respuesta = nginx.post("/eventos/algo/inscripcion", data={"correo": "ana@example.org"})
    assert respuesta.status_code == 502
    assert [(m, r) for m, r, _ in cae.recibidas] == [("POST", "/eventos/algo/inscripcion")]
    assert sano.recibidas == []  # la inscripción no se envió dos veces


# --- systemd ---------------------------------------------------------------------------------------------
def test_las_unidades_de_systemd_son_validas(tmp_path):
    analizador = shutil.which("systemd-analyze")
    if analizador is None:
        pytest.skip("No hay systemd-analyze: no se pueden comprobar las unidades de despliegue/systemd")
    # `verify` exige que los ejecutables existan: los de este entorno en lugar de /srv/eventos/app.
    for unidad in (RAIZ / "despliegue" / "systemd").glob("*.service"):
        texto = unidad.read_text().replace("/srv/eventos/app/.venv/bin", str(Path(sys.executable).parent))
        (tmp_path / unidad.name).write_text(texto.replace("/srv/eventos/app", str(RAIZ)))
    unidades = sorted(str(ruta) for ruta in tmp_path.glob("*.service"))
    assert len(unidades) == 2
    resultado = subprocess.run([analizador, "verify", *unidades], capture_output=True, text=True, timeout=60)
    assert resultado.returncode == 0 and not resultado.stderr.strip(), resultado.stderr
