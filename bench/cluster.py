"""Un clúster de verdad en esta máquina, con fallos: nginx delante de dos nodos de la aplicación, un proceso de
correo, PostgreSQL y Redis, todo en 127.0.0.1.

    .venv/bin/python bench/cluster.py             # las comprobaciones y, después, la medición con wrk
    .venv/bin/python bench/cluster.py --acotado   # solo las comprobaciones (lo que corre .ci/run)

Las piezas:
- PostgreSQL propio (initdb en una carpeta temporal, un puerto libre): la prueba lo reinicia en plena carga
  sin molestar a la base de las pruebas ni a nadie más. Redis: el de la máquina, en su base 14, vaciada al
  empezar y al terminar.
- Dos nodos: dos gunicorn (2 workers cada uno, el gunicorn.conf.py del repositorio) con carpetas de instancia
  distintas y sin disco compartido: los materiales van a PostgreSQL, la caché y los límites a Redis.
  Configuración de producción: HTTPS=1, SECRET_KEY, URL_PUBLICA y un proceso de correo aparte.
- nginx con la receta de despliegue/ (despliegue/generar_nginx.py la escribe para 127.0.0.1, con TLS y un
  certificado autofirmado).
- Un servidor SMTP de pruebas (aiosmtpd) que anota cada mensaje recibido.

Cada comprobación imprime sus cuentas; cualquier diferencia termina con código 1.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import urllib3
from sqlalchemy import create_engine, select, text

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))
sys.path.insert(0, str(RAIZ / "despliegue"))

# nginx usa un certificado autofirmado: las peticiones de la prueba no lo verifican (`verify=False`), y requests
# haría caso a estas variables antes que a `Session.verify`.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
for _variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_variable, None)

REDIS_CLUSTER = "redis://127.0.0.1:6379/14"
SECRETO = "clave-secreta-del-cluster-de-prueba"
CLAVE_ORGANIZACION = "clave-de-la-organizacion-123"
CORREO_ORGANIZACION = "organizacion@cluster.org"
PLAZAS = 100
BINARIOS = Path(sys.executable).parent


class Fallo(AssertionError):
    pass


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def esperar(condicion, segundos: float, que: str, cada: float = 0.1):
    limite = time.monotonic() + segundos
    while time.monotonic() < limite:
        resultado = condicion()
        if resultado:
            return resultado
        time.sleep(cada)
    raise Fallo(f"no ocurrió en {segundos:.0f} s: {que}")


# --- Piezas ----------------------------------------------------------------------------------------
class PostgresPropio:
    """Un servidor PostgreSQL de usar y tirar en una carpeta temporal (como root, con el usuario postgres)."""

    def __init__(self, carpeta: Path):
        candidatos = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not candidatos:
            raise SystemExit("Falta PostgreSQL (initdb): apt-get install -y postgresql")
        self.bin = candidatos[-1].parent
        self.carpeta = carpeta / "postgresql"
        self.carpeta.mkdir()
        self.puerto = puerto_libre()
        self.url = f"postgresql://postgres@127.0.0.1:{self.puerto}/eventos_cluster"
        self.como = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.como:
            shutil.chown(self.carpeta, "postgres")

    def _pg_ctl(self, *orden: str):
        opciones = f"-p {self.puerto} -k {self.carpeta} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run([*self.como, str(self.bin / "pg_ctl"), "-D", str(self.carpeta / "datos"), "-l",
                        str(self.carpeta / "registro"), "-o", opciones, "-w", *orden],
                       check=True, stdout=subprocess.DEVNULL)

    def arrancar(self):
        subprocess.run([*self.como, str(self.bin / "initdb"), "-D", str(self.carpeta / "datos"), "-A", "trust",
                        "-U", "postgres", "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
        self._pg_ctl("start")
        motor = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{self.puerto}/postgres",
                              isolation_level="AUTOCOMMIT")
        with motor.connect() as conexion:
            conexion.execute(text("CREATE DATABASE eventos_cluster"))
        motor.dispose()

    def reiniciar(self):
        self._pg_ctl("-m", "fast", "restart")

    def parar(self):
        try:
            self._pg_ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass


class BuzonSMTP:
    """Servidor SMTP en 127.0.0.1 que guarda (destinatario, Message-ID) de cada mensaje aceptado. `retener(n)`
    deja colgado el n-ésimo mensaje en la orden RCPT (el remitente espera respuesta) hasta `soltar()`."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.recibidos: list[tuple[str, str]] = []
        self._candado = threading.Lock()
        self._retener_en: int | None = None
        self.retenido = threading.Event()
        self._soltar = threading.Event()
        self._vistos = 0
        self.puerto = puerto_libre()
        self.controlador = Controller(self, hostname="127.0.0.1", port=self.puerto)

    async def handle_RCPT(self, servidor, sesion, sobre, direccion, opciones):
        import asyncio
        with self._candado:
            self._vistos += 1
            detener = self._retener_en == self._vistos
        if detener:
            self.retenido.set()
            while not self._soltar.is_set():
                await asyncio.sleep(0.05)
        sobre.rcpt_tos.append(direccion)
        return "250 OK"

    async def handle_DATA(self, servidor, sesion, sobre):
        from email.parser import BytesHeaderParser
        cabeceras = BytesHeaderParser().parsebytes(sobre.content)
        with self._candado:
            for destinatario in sobre.rcpt_tos:
                self.recibidos.append((destinatario.lower(), cabeceras["Message-ID"]))
        return "250 Message accepted for delivery"

    def retener(self, enesimo_desde_ahora: int):
        with self._candado:
            self._retener_en = self._vistos + enesimo_desde_ahora
        self.retenido.clear()
        self._soltar.clear()

    def soltar(self):
        self._soltar.set()

    def por_destinatario(self) -> Counter:
        with self._candado:
            return Counter(d for d, _ in self.recibidos)


class Proceso:
    """Un proceso propio en su grupo (gunicorn con sus workers, o el de correo): se puede matar entero."""

    def __init__(self, nombre: str, orden: list[str], entorno: dict, registro: Path):
        self.nombre, self.orden, self.entorno, self.registro = nombre, orden, entorno, registro
        self.popen: subprocess.Popen | None = None

    def arrancar(self):
        with self.registro.open("a") as salida:
            self.popen = subprocess.Popen(self.orden, cwd=RAIZ, env=self.entorno, stdout=salida,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def hijos(self) -> list[int]:
        try:
            return sorted(map(int, Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()))
        except FileNotFoundError:
            return []

    def matar(self):
        """kill -9 al proceso y a todos los de su grupo (los workers de gunicorn mueren con él)."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def parar(self):
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.matar()

    def cola(self, lineas: int = 40) -> str:
        return "\n".join(self.registro.read_text(errors="replace").splitlines()[-lineas:])


class Cluster:
    def __init__(self, carpeta: Path):
        self.carpeta = carpeta
        self.pg = PostgresPropio(carpeta)
        self.smtp = BuzonSMTP()
        self.puerto_nginx = puerto_libre()
        self.base = f"https://127.0.0.1:{self.puerto_nginx}"
        self.nodos: dict[str, Proceso] = {}
        self.puertos: dict[str, int] = {}
        self.correo: Proceso | None = None
        self.nginx: subprocess.Popen | None = None

    def entorno(self, instancia: Path, **mas) -> dict:
        entorno = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DATABASE_", "MAIL_"))}
        entorno.update({
            "DATABASE_URL": self.pg.url, "REDIS_URL": REDIS_CLUSTER, "SECRET_KEY": SECRETO, "HTTPS": "1",
            "URL_PUBLICA": self.base, "INSTANCIA": str(instancia), "CORREO_PROCESO_APARTE": "1",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.smtp.puerto), "MAIL_DEFAULT_SENDER": "foros@cluster.org",
            # Todas las peticiones de la prueba salen de 127.0.0.1: el límite de inscripciones por IP no aplica
            # aquí; el de intentos de entrada sí (se comprueba que lo comparten los nodos), por hora: una ventana
            # por minuto podría renovarse en mitad de la comprobación.
            "LIMITE_INSCRIPCION": "1000000 per minute", "LIMITE_INGRESO": "10 per hour", "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1",
            "METRICAS": "1", "REGISTRO": "json", "CORREO_RECLAMO_SEGUNDOS": "10",
            **mas})
        return entorno

    def arrancar(self):
        self.pg.arrancar()
        _vaciar_redis()
        self.smtp.controlador.start()
        migrar_y_sembrar(self)
        for nombre in ("a", "b"):
            instancia = self.carpeta / f"instancia-{nombre}"
            instancia.mkdir()
            self.puertos[nombre] = puerto_libre()
            self.nodos[nombre] = Proceso(
                f"nodo {nombre}", [str(BINARIOS / "gunicorn"), "-b", f"127.0.0.1:{self.puertos[nombre]}",
                                   "--access-logfile", str(self.carpeta / f"acceso-{nombre}.log"),
                                   "--access-logformat", "%(m)s %(U)s %(s)s", "app:create_app()"],
                self.entorno(instancia), self.carpeta / f"nodo-{nombre}.log")
            self.nodos[nombre].arrancar()
        # Con menos prioridad de CPU que las peticiones, como en despliegue/systemd/eventos-correo.service.
        self.correo = Proceso("correo", ["nice", "-n", "15", str(BINARIOS / "flask"), "--app", "app", "correo",
                                         "enviar", "--continuo", "--cada", "0.3"],
                              self.entorno(self.carpeta / "instancia-correo"),
                              self.carpeta / "correo.log")
        (self.carpeta / "instancia-correo").mkdir()
        self.correo.arrancar()
        for nombre in self.nodos:
            self.esperar_nodo(nombre)
        self.arrancar_nginx()

    def esperar_nodo(self, nombre: str):
        proceso, url = self.nodos[nombre], self.directo(nombre, "/api/v1/salud")

        def responde():
            if proceso.popen.poll() is not None:
                raise Fallo(f"el {proceso.nombre} terminó al arrancar:\n{proceso.cola()}")
            try:
                return len(proceso.hijos()) == 2 and requests.get(url, timeout=2).status_code == 200
            except requests.RequestException:
                return False
        esperar(responde, 60, f"que responda el {proceso.nombre} con sus 2 workers")

    def arrancar_nginx(self):
        from generar_nginx import generar
        configuracion = generar([self.puertos["a"], self.puertos["b"]], self.puerto_nginx, self.carpeta / "nginx", RAIZ)
        subprocess.run(["nginx", "-t", "-c", str(configuracion)], check=True, capture_output=True)
        self.nginx = subprocess.Popen(["nginx", "-c", str(configuracion), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        esperar(lambda: _responde(self.base + "/api/v1/salud"), 20, "que responda nginx")

    def procesos(self) -> dict[str, list[int]]:
        """Los PID de cada parte del clúster (con sus hijos), para medir su CPU."""
        def con_hijos(pid: int) -> list[int]:
            try:
                hijos = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except FileNotFoundError:
                return []
            return [pid, *(p for hijo in hijos for p in con_hijos(int(hijo)))]
        postmaster = int((self.pg.carpeta / "datos" / "postmaster.pid").read_text().split()[0])
        return {"nginx": con_hijos(self.nginx.pid), "nodos": [p for n in self.nodos.values() for p in con_hijos(n.pid)],
                "postgresql": con_hijos(postmaster), "correo": con_hijos(self.correo.pid)}

    def directo(self, nombre: str, ruta: str) -> str:
        return f"http://127.0.0.1:{self.puertos[nombre]}{ruta}"

    def parar(self):
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        for proceso in [*self.nodos.values(), *([self.correo] if self.correo else [])]:
            proceso.parar()
        try:
            self.smtp.controlador.stop()
        except Exception:  # noqa: BLE001 — quizá no llegó a arrancar
            pass
        self.pg.parar()
        _vaciar_redis()

    def motor(self):
        return create_engine(self.pg.url.replace("postgresql://", "postgresql+psycopg://"))

    def atendido_por(self, metodo: str, ruta: str, hacer):
        """(lo que devuelve `hacer()`, el nodo que atendió su única petición `metodo ruta`)."""
        antes = self.peticiones_por_nodo(metodo, ruta)
        resultado = hacer()
        # gunicorn anota el acceso justo después de enviar la respuesta: puede llegar un instante más tarde.
        limite = time.monotonic() + 5
        while (despues := self.peticiones_por_nodo(metodo, ruta)) == antes and time.monotonic() < limite:
            time.sleep(0.05)
        nodos = [n for n in despues if despues[n] != antes[n]]
        if len(nodos) != 1 or sum(despues.values()) - sum(antes.values()) != 1:
            raise Fallo(f"no se sabe qué nodo atendió {metodo} {ruta} ({getattr(resultado, 'status_code', '')} "
                        f"{getattr(resultado, 'url', '')}): {antes} → {despues}")
        return resultado, nodos[0]

    def inscripciones_en_metricas(self, nodo: str, slug: str) -> Counter:
        """Las inscripciones de `slug` por estado según /metricas del nodo (la suma de sus workers)."""
        from prometheus_client.parser import text_string_to_metric_families
        texto = requests.get(self.directo(nodo, "/metricas"), timeout=10).text
        return Counter({muestra.labels["estado"]: int(muestra.value)
                        for familia in text_string_to_metric_families(texto) if familia.name == "eventos_inscripciones"
                        for muestra in familia.samples
                        if muestra.name.endswith("_total") and muestra.labels.get("evento") == slug})

    def peticiones_por_nodo(self, metodo: str, ruta: str, total: int | None = None) -> dict[str, int]:
        """Cuántas peticiones `metodo ruta` atendió cada nodo, según su registro de accesos; con `total`, espera
        (hasta 5 s) a que sumen eso: gunicorn anota cada acceso justo después de enviar la respuesta."""
        limite = time.monotonic() + 5
        while True:
            cuentas = {}
            for nombre in self.nodos:
                registro = self.carpeta / f"acceso-{nombre}.log"
                lineas = registro.read_text().splitlines() if registro.exists() else []
                cuentas[nombre] = sum(1 for linea in lineas if linea.startswith(f"{metodo} {ruta} "))
            if total is None or sum(cuentas.values()) >= total or time.monotonic() > limite:
                return cuentas
            time.sleep(0.05)


def _responde(url: str) -> bool:
    try:
        return requests.get(url, timeout=2, verify=False).status_code == 200
    except requests.RequestException:
        return False


def _vaciar_redis():
    import redis
    redis.Redis.from_url(REDIS_CLUSTER).flushdb()


# --- Datos ---------------------------------------------------------------------------------------
EVENTOS_AVALANCHA = ("avalancha", "caida", "reinicio-bd", "cartero")


def aplicacion_de_siembra(cluster: Cluster):
    """La aplicación, en este proceso, contra la base del clúster: para escribir los datos de partida."""
    from app import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": cluster.pg.url.replace("postgresql://", "postgresql+psycopg://"),
                       "REDIS_URL": None, "SECRET_KEY": SECRETO, "URL_PUBLICA": cluster.base,
                       "MAIL_CARPETA": str(cluster.carpeta / "correo-siembra"), "ARGON2_PERFIL": "pruebas"})


def migrar_y_sembrar(cluster: Cluster):
    """El esquema (las migraciones, como en un despliegue) y los datos: cuatro eventos con PLAZAS plazas y lista
    de espera, un evento de hoy con las personas de la puerta y su clave de API, y una cuenta de organización."""
    subprocess.run([str(BINARIOS / "flask"), "--app", "app", "db", "upgrade"], cwd=RAIZ, check=True,
                   env=cluster.entorno(cluster.carpeta / "instancia-migracion"), capture_output=True)
    from eventos.cuentas.servicios import crear_usuario
    from eventos.extensiones import db
    from eventos.modelos import RolEvento, TokenApi
    from eventos.servicios import programa
    from eventos.zonas import hoy_en
    from foro_sintetico import evento_de_hoy, inscribir_confirmadas

    app = aplicacion_de_siembra(cluster)
    dia = hoy_en("America/Mexico_City") + timedelta(days=30)
    with app.app_context():
        for slug in EVENTOS_AVALANCHA:
            programa.importar({
                "formato": programa.FORMATO,
                "evento": {"slug": slug, "titulo": f"Foro {slug}", "estado": "publicado",
                           "zona_horaria": "America/Mexico_City", "fecha_inicio": str(dia), "fecha_fin": str(dia),
                           "inscripcion": {"apertura": "2020-01-01 00:00", "cierre": f"{dia} 00:00", "cupo": PLAZAS}},
                "sesiones": [{"clave": "s1", "titulo": "Sesión inaugural", "tipo": "plenaria",
                              "inicio": f"{dia} 09:00", "fin": f"{dia} 10:00"}]})
        puerta = evento_de_hoy("puerta", "Foro de la puerta")
        crear_usuario(CORREO_ORGANIZACION, "Organización", CLAVE_ORGANIZACION, es_admin=True)
        acreditador = crear_usuario("puerta@cluster.org", "Puerta", "clave-de-la-puerta-123")
        db.session.add(RolEvento(evento=puerta, usuario=acreditador, rol="acreditador"))
        _, cluster.clave_api = TokenApi.crear(acreditador, "escáneres")
        cluster.codigos = inscribir_confirmadas(puerta.id, 2000, "puerta.org")
        db.session.commit()
        db.engine.dispose()


# --- Clientes ------------------------------------------------------------------------------------
def formulario_de_inscripcion(base: str, slug: str) -> tuple[requests.Session, str]:
    """Una persona que abre el formulario: su sesión (cookie) y el token CSRF de la página."""
    sesion = requests.Session()
    sesion.verify = False
    pagina = sesion.get(f"{base}/eventos/{slug}/inscripcion", timeout=30)
    pagina.raise_for_status()
    return sesion, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', pagina.text).group(1)


def inscribirse(base: str, sesion: requests.Session, token: str, slug: str, correo: str) -> int | str:
    """El código de la respuesta al enviar el formulario, o el nombre del error de conexión."""
    datos = {"csrf_token": token, "nombre": "Persona", "apellidos": "Del Cluster", "correo": correo,
             "institucion": "Municipio", "cargo": "Enlace", "pais": "MX", "ciudad": "Puebla", "consentimiento": "y"}
    try:
        # Con HTTPS, Flask-WTF exige que el Referer sea del mismo sitio, como lo manda el navegador.
        return sesion.post(f"{base}/eventos/{slug}/inscripcion", data=datos, allow_redirects=False, timeout=60,
                           headers={"Referer": f"{base}/eventos/{slug}/inscripcion"}).status_code
    except requests.RequestException as error:
        return type(error).__name__


def avalancha(base: str, slug: str, n: int, hilos: int = 100, durante=None) -> list[tuple[str, int | str, float]]:
    """n personas abren el formulario y después lo envían todas a la vez (hilos conexiones en paralelo).
    `durante(k)` se llama tras la k-ésima respuesta. Devuelve (correo, código, instante) de cada envío."""
    with ThreadPoolExecutor(hilos) as grupo:
        formularios = list(grupo.map(lambda _: formulario_de_inscripcion(base, slug), range(n)))
    correos = [f"{slug}-{k}-{uuid.uuid4().hex[:6]}@cluster.org" for k in range(n)]
    respuestas, candado, salida = [], threading.Lock(), threading.Event()

    def enviar(k):
        salida.wait()
        codigo = inscribirse(base, *formularios[k], slug, correos[k])
        with candado:
            respuestas.append((correos[k], codigo, time.monotonic()))
            cuenta = len(respuestas)
        if durante is not None:
            durante(cuenta)

    with ThreadPoolExecutor(hilos) as grupo:
        futuros = [grupo.submit(enviar, k) for k in range(n)]
        salida.set()
        for futuro in futuros:
            futuro.result()
    return respuestas


def estados_de(cluster: Cluster, slug: str) -> dict[str, str]:
    from eventos.modelos import Evento, Inscripcion
    motor = cluster.motor()
    with motor.connect() as conexion:
        filas = conexion.execute(select(Inscripcion.correo, Inscripcion.estado).join(Evento, Evento.id == Inscripcion.evento_id)
                                 .where(Evento.slug == slug)).all()
    motor.dispose()
    return dict(filas)


def correos_en_bandeja(cluster: Cluster, slug: str) -> Counter:
    from eventos.modelos import CorreoSaliente, Evento
    motor = cluster.motor()
    with motor.connect() as conexion:
        filas = conexion.execute(select(CorreoSaliente.destinatario, CorreoSaliente.estado)
                                 .join(Evento, Evento.id == CorreoSaliente.evento_id).where(Evento.slug == slug)).all()
    motor.dispose()
    return Counter(filas)


def esperar_correos(cluster: Cluster, correos: set[str], segundos: float = 120):
    """Hasta que cada dirección recibió al menos un mensaje en el buzón SMTP."""
    esperar(lambda: correos <= set(cluster.smtp.por_destinatario()), segundos,
            f"la entrega de {len(correos)} correos (llegaron {len(correos & set(cluster.smtp.por_destinatario()))})",
            cada=0.5)
    time.sleep(1.5)  # lo que pudiera llegar repetido tendría tiempo de llegar


def oficina(base: str) -> requests.Session:
    """Una sesión de la organización en `base` (un nodo directo o nginx)."""
    sesion = requests.Session()
    sesion.verify = False
    pagina = sesion.get(f"{base}/cuentas/entrar", timeout=10).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', pagina).group(1)
    respuesta = sesion.post(f"{base}/cuentas/entrar", data={"csrf_token": token, "correo": CORREO_ORGANIZACION,
                                                             "clave": CLAVE_ORGANIZACION},
                            headers={"Referer": f"{base}/cuentas/entrar"}, allow_redirects=False, timeout=10)
    if respuesta.status_code != 302:
        raise Fallo(f"la organización no pudo entrar en {base}: {respuesta.status_code}")
    return sesion


def enviar_formulario(sesion: requests.Session, base: str, pagina: str, cambios: dict, archivos=None,
                      accion: str | None = None) -> requests.Response:
    """Como el navegador: los campos del formulario de `pagina` tal como se muestran, con `cambios`."""
    from tests.apoyo import campos_del_formulario
    html = sesion.get(base + pagina, timeout=10).text
    campos = dict(campos_del_formulario(html, accion))
    campos.update(cambios)
    return sesion.post(base + (accion or pagina), data=campos, files=archivos, allow_redirects=False, timeout=30,
                       headers={"Referer": base + pagina})


class Informe:
    def __init__(self):
        self.fallos: list[str] = []

    def comprobar(self, que: str, cuentas: str, bien: bool):
        print(f"  {'OK   ' if bien else 'FALLA'} {que}: {cuentas}", flush=True)
        if not bien:
            self.fallos.append(que)


# --- Comprobaciones ------------------------------------------------------------------------------
def bien(codigo) -> bool:
    return isinstance(codigo, int) and 200 <= codigo < 400


def comprobar_avalancha(c: Cluster, informe: Informe, n: int = 500):
    print(f"\n== Avalancha: {n} inscripciones a la vez para {PLAZAS} plazas, por nginx ==", flush=True)
    respuestas = avalancha(c.base, "avalancha", n)
    codigos = Counter(codigo for _, codigo, _ in respuestas)
    informe.comprobar("respuestas 2xx/3xx", f"{sum(bien(k) * v for k, v in codigos.items())} de {n} {dict(codigos)}",
                      all(bien(k) for k in codigos))
    estados = estados_de(c, "avalancha")
    cuenta = Counter(estados.values())
    informe.comprobar("confirmadas / en espera", f"{cuenta['confirmada']} / {cuenta['en_espera']} (de {len(estados)})",
                      cuenta == Counter(confirmada=PLAZAS, en_espera=n - PLAZAS))
    reparto = c.peticiones_por_nodo("POST", "/eventos/avalancha/inscripcion", total=n)
    informe.comprobar("envíos atendidos por cada nodo", f"{reparto}",
                      sum(reparto.values()) == n and min(reparto.values()) >= n // 5)
    metricas = {nodo: c.inscripciones_en_metricas(nodo, "avalancha") for nodo in c.nodos}
    informe.comprobar("inscripciones en /metricas de cada nodo", f"{metricas}",
                      sum(metricas.values(), Counter()) == Counter(confirmada=PLAZAS, en_espera=n - PLAZAS))
    esperar_correos(c, set(estados))
    recibidos = c.smtp.por_destinatario()
    por_persona = Counter(recibidos[correo] for correo in estados)
    informe.comprobar("correos recibidos por persona", f"{dict(por_persona)} (veces: personas)",
                      por_persona == Counter({1: n}))


def comprobar_caida_de_un_nodo(c: Cluster, informe: Informe, n: int = 300):
    print(f"\n== kill -9 del nodo a en plena avalancha ({n} envíos, {PLAZAS} plazas) ==", flush=True)
    candado, muerte = threading.Lock(), {}

    def durante(k):
        with candado:
            if k >= n // 3 and not muerte:
                c.nodos["a"].matar()
                muerte["en"] = time.monotonic()
                print(f"  kill -9 al nodo a (grupo {c.nodos['a'].pid}) tras {k} respuestas", flush=True)

    respuestas = avalancha(c.base, "caida", n, durante=durante)
    codigos = Counter(codigo for _, codigo, _ in respuestas)
    estados = estados_de(c, "caida")
    aceptadas = {correo for correo, codigo, _ in respuestas if bien(codigo)}
    informe.comprobar("cada envío respondido con 2xx/3xx está en la base",
                      f"{len(aceptadas & set(estados))} de {len(aceptadas)} (respuestas {dict(codigos)})",
                      aceptadas <= set(estados))
    cuenta = Counter(estados.values())
    informe.comprobar("plazas sin desbordar ni huecos", f"{cuenta['confirmada']} confirmadas, {cuenta['en_espera']} en "
                      f"espera, {len(estados)} inscripciones",
                      cuenta["confirmada"] == min(PLAZAS, len(estados)) and sum(cuenta.values()) == len(estados)
                      and set(cuenta) <= {"confirmada", "en_espera"})
    bandeja = correos_en_bandeja(c, "caida")
    por_destinatario = Counter(d for d, _ in bandeja.elements())
    informe.comprobar("nada a medias: un correo en la bandeja por inscripción y ninguno sin inscripción",
                      f"{len(por_destinatario)} destinatarios, {sum(por_destinatario.values())} correos",
                      set(por_destinatario) == set(estados) and set(por_destinatario.values()) == {1})
    despues = [codigo for _, codigo, fin in respuestas if fin > muerte["en"] + 1.0]
    informe.comprobar("el otro nodo sigue atendiendo (respuestas 1 s después de la caída)",
                      f"{sum(map(bien, despues))} de {len(despues)} bien", all(map(bien, despues)))
    antes_b = c.peticiones_por_nodo("GET", "/eventos/caida")["b"]
    paginas = [_codigo(c.base + "/eventos/caida") for _ in range(40)]
    atendidas_b = c.peticiones_por_nodo("GET", "/eventos/caida", total=antes_b + 40)["b"] - antes_b
    informe.comprobar("nginx deja de mandar al nodo caído (40 páginas seguidas, todas del nodo b)",
                      f"{Counter(paginas)}; el nodo b atendió {atendidas_b}", paginas == [200] * 40 and atendidas_b == 40)
    esperar_correos(c, set(estados))
    c.nodos["a"].arrancar()
    c.esperar_nodo("a")
    print("  nodo a arrancado de nuevo", flush=True)


def _codigo(url: str, **opciones) -> int | str:
    try:
        return requests.get(url, timeout=30, verify=False, **opciones).status_code
    except requests.RequestException as error:
        return type(error).__name__


def comprobar_puerta(c: Cluster, informe: Informe, escaneres: int = 8):
    personas = len(c.codigos)
    print(f"\n== {escaneres} escáneres acreditan a {personas} personas por nginx (cada código se lee dos veces, "
          "en dos escáneres) ==", flush=True)
    lecturas = [codigo for codigo in c.codigos for _ in range(2)]
    random.Random(14).shuffle(lecturas)
    resultados, candado = Counter(), threading.Lock()

    def escaner(numero):
        sesion = requests.Session()
        sesion.verify = False
        sesion.headers["Authorization"] = f"Bearer {c.clave_api}"
        for k, codigo in enumerate(lecturas[numero::escaneres]):
            try:
                respuesta = sesion.post(c.base + "/api/v1/eventos/puerta/acreditacion", timeout=30,
                                        json={"codigo": codigo, "sesion_id": None, "id_cliente": f"e{numero}-{k}"})
                resultado = respuesta.json().get("resultado") if respuesta.status_code == 200 else respuesta.status_code
            except requests.RequestException as error:
                resultado = type(error).__name__
            with candado:
                resultados[resultado] += 1

    with ThreadPoolExecutor(escaneres) as grupo:
        list(grupo.map(escaner, range(escaneres)))
    motor = c.motor()
    with motor.connect() as conexion:
        asistencias, distintas = conexion.execute(text(
            "SELECT count(*), count(DISTINCT inscripcion_id) FROM asistencia a JOIN evento e ON e.id = a.evento_id "
            "WHERE e.slug = 'puerta'")).one()
    motor.dispose()
    informe.comprobar("lecturas", f"{dict(resultados)}",
                      resultados == Counter(aceptado=personas, ya_acreditado=personas))
    informe.comprobar("asistencias en la base", f"{asistencias} ({distintas} personas distintas)",
                      asistencias == distintas == personas)


def comprobar_material_y_edicion(c: Cluster, informe: Informe):
    print("\n== Un material subido en un nodo se descarga del otro; una edición en uno se ve en el otro ==", flush=True)
    from eventos.modelos import Evento, Material, Sesion
    sesion = oficina(c.base)
    contenido = os.urandom(2 * 1024 * 1024)
    ruta = "/organizacion/eventos/avalancha/materiales"
    respuesta, nodo = c.atendido_por("POST", ruta, lambda: enviar_formulario(
        sesion, c.base, ruta, {"titulo": "Presentación de la prueba de clúster", "tipo": "documento", "sesion": "0",
                               "url": ""}, archivos={"archivo": ("presentacion.pdf", contenido, "application/pdf")}))
    otro = "b" if nodo == "a" else "a"
    motor = c.motor()
    with motor.connect() as conexion:
        material = conexion.execute(select(Material.id, Material.nombre_archivo)
                                    .where(Material.titulo == "Presentación de la prueba de clúster")).one_or_none()
        sesion_id = conexion.execute(select(Sesion.id).join(Evento, Evento.id == Sesion.evento_id)
                                     .where(Evento.slug == "avalancha", Sesion.clave == "s1")).scalar_one()
    motor.dispose()
    descarga = requests.get(c.directo(otro, f"/materiales/{material.id}/{material.nombre_archivo}"), timeout=30) \
        if material else None
    informe.comprobar(f"subido en el nodo {nodo}, descargado del nodo {otro}",
                      f"subida {respuesta.status_code}; descarga {descarga.status_code if descarga is not None else '-'}"
                      f", {len(descarga.content) if descarga is not None else 0} de {len(contenido)} bytes iguales",
                      descarga is not None and descarga.status_code == 200 and descarga.content == contenido)
    antes = {n: requests.get(c.directo(n, "/eventos/avalancha"), timeout=10).text for n in c.nodos}  # en caché
    nuevo = f"Sesión inaugural (editada {uuid.uuid4().hex[:6]})"
    ruta = f"/organizacion/eventos/avalancha/sesiones/{sesion_id}"
    edicion, nodo = c.atendido_por("POST", ruta, lambda: enviar_formulario(sesion, c.base, ruta, {"titulo": nuevo}))
    otro = "b" if nodo == "a" else "a"
    despues = requests.get(c.directo(otro, "/eventos/avalancha"), timeout=10).text
    informe.comprobar(f"editado en el nodo {nodo}, la agenda del nodo {otro} en su siguiente petición",
                      f"edición {edicion.status_code}; título nuevo: {nuevo in despues} (antes: {nuevo in antes[otro]})",
                      edicion.status_code in (302, 303) and nuevo in despues and nuevo not in antes[otro])


def comprobar_limite_de_entrada(c: Cluster, informe: Informe):
    print("\n== El límite de intentos de entrada lo comparten los nodos ==", flush=True)
    vistos = []
    for intento in range(14):
        nodo = "ab"[intento % 2]
        # Directamente al nodo, con lo que le añade nginx (X-Forwarded-Proto): la cookie de sesión es Secure.
        cabeceras = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": f"127.0.0.1:{c.puerto_nginx}",
                     "Referer": f"{c.base}/cuentas/entrar"}
        pagina = requests.get(c.directo(nodo, "/cuentas/entrar"), headers=cabeceras, timeout=10)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', pagina.text).group(1)
        cookie = "; ".join(f"{k}={v}" for k, v in pagina.cookies.items())
        respuesta = requests.post(c.directo(nodo, "/cuentas/entrar"), timeout=10, allow_redirects=False,
                                  headers={**cabeceras, "Cookie": cookie},
                                  data={"csrf_token": token, "correo": "nadie@cluster.org", "clave": "equivocada-123"})
        vistos.append((nodo, respuesta.status_code, respuesta.headers.get("X-RateLimit-Remaining")))
    restantes = [int(r) for _, codigo, r in vistos if codigo != 429 and r is not None]
    rechazados = {nodo for nodo, codigo, _ in vistos if codigo == 429}
    informe.comprobar("intentos fallidos alternando a y b (nodo:código/restantes)",
                      " ".join(f"{n}:{k}/{r}" for n, k, r in vistos),
                      restantes == sorted(restantes, reverse=True) and len(set(restantes)) == len(restantes)
                      and rechazados == {"a", "b"} and vistos[-1][1] == 429 and vistos[-2][1] == 429)


def comprobar_reinicio_de_postgresql(c: Cluster, informe: Informe, segundos: float = 10):
    print("\n== PostgreSQL se reinicia en plena carga; los nodos se recuperan sin reiniciarse ==", flush=True)
    procesos_antes = {n: (p.pid, p.hijos()) for n, p in c.nodos.items()}
    with ThreadPoolExecutor(20) as grupo:
        formularios = list(grupo.map(lambda _: formulario_de_inscripcion(c.base, "reinicio-bd"), range(400)))
    zonas = ["America/Bogota", "Europe/Madrid", "Asia/Tokyo", "Africa/Cairo", "America/Sao_Paulo", "Europe/Berlin"]
    registro, candado, fin = [], threading.Lock(), time.monotonic() + segundos
    pendientes = list(enumerate(formularios))

    def carga(hilo):
        while time.monotonic() < fin:
            inicio = time.monotonic()
            if hilo % 2 and pendientes:
                with candado:
                    k, (sesion, token) = pendientes.pop() if pendientes else (None, (None, None))
                if sesion is None:
                    continue
                correo = f"reinicio-{k}@cluster.org"
                codigo, que = inscribirse(c.base, sesion, token, "reinicio-bd", correo), correo
            else:
                codigo, que = _codigo(c.base + "/eventos/reinicio-bd",
                                      params={"tz": random.choice(zonas), "lang": random.choice("es en pt".split())}), None
            with candado:
                registro.append((inicio, time.monotonic(), codigo, que))

    with ThreadPoolExecutor(6) as grupo:
        futuros = [grupo.submit(carga, h) for h in range(6)]
        time.sleep(segundos / 3)
        reinicio = time.monotonic()
        c.pg.reiniciar()
        listo = time.monotonic()
        print(f"  PostgreSQL reiniciado en {listo - reinicio:.1f} s", flush=True)
        for futuro in futuros:
            futuro.result()
    fallos_en = [round(fin_ - reinicio, 2) for inicio, fin_, codigo, _ in registro if not bien(codigo)]
    codigos_fallidos = Counter(codigo for _, _, codigo, _ in registro if not bien(codigo))
    despues = [codigo for inicio, _, codigo, _ in registro if inicio > listo + 2]
    informe.comprobar("peticiones fallidas alrededor del reinicio",
                      f"{len(fallos_en)} de {len(registro)}, {dict(codigos_fallidos)}, entre {min(fallos_en, default=0)} y "
                      f"{max(fallos_en, default=0)} s desde el reinicio",
                      all(-0.5 < t < listo - reinicio + 2 for t in fallos_en))
    informe.comprobar("todo bien 2 s después de que PostgreSQL vuelve",
                      f"{sum(map(bien, despues))} de {len(despues)}", len(despues) > 20 and all(map(bien, despues)))
    estados = estados_de(c, "reinicio-bd")
    aceptadas = {que for _, _, codigo, que in registro if que and bien(codigo)}
    informe.comprobar("cada inscripción respondida con 2xx/3xx está en la base",
                      f"{len(aceptadas & set(estados))} de {len(aceptadas)}", aceptadas <= set(estados))
    listos = {n: _codigo(c.directo(n, "/api/v1/preparado")) for n in c.nodos}
    informe.comprobar("disponibilidad de cada nodo", str(listos), set(listos.values()) == {200})
    procesos_despues = {n: (p.pid, p.hijos()) for n, p in c.nodos.items()}
    informe.comprobar("ningún nodo ni worker se reinició", f"{procesos_antes} → {procesos_despues}",
                      procesos_antes == procesos_despues)
    esperar_correos(c, set(estados))


def comprobar_proceso_de_correo(c: Cluster, informe: Informe, n: int = 40):
    print(f"\n== El proceso de correo muere (kill -9) a mitad de un envío y vuelve: {n} correos ==", flush=True)
    c.smtp.retener(5)
    respuestas = avalancha(c.base, "cartero", n, hilos=10)
    if not c.smtp.retenido.wait(60):
        raise Fallo("el proceso de correo no llegó al quinto envío")
    c.correo.matar()
    c.smtp.soltar()
    print("  kill -9 al proceso de correo con un envío a medias; arranca otro", flush=True)
    c.correo.arrancar()
    estados = estados_de(c, "cartero")
    informe.comprobar("inscripciones", f"{len(estados)} de {n} ({Counter(k for _, k, _ in respuestas)})",
                      len(estados) == n)
    esperar_correos(c, set(estados))
    recibidos = c.smtp.por_destinatario()
    por_persona = Counter(recibidos[correo] for correo in estados)
    informe.comprobar("ninguno perdido, ninguno dos veces", f"{dict(por_persona)} (veces: personas)",
                      por_persona == Counter({1: n}))
    bandeja = Counter(estado for (_, estado) in correos_en_bandeja(c, "cartero").elements())
    informe.comprobar("la bandeja", f"{dict(bandeja)}", bandeja == Counter(enviado=n))


def comprobar_correo_global(c: Cluster, informe: Informe):
    recibidos = c.smtp.por_destinatario()
    repetidos = {d: k for d, k in recibidos.items() if k > 1}
    informe.comprobar("en todo el recorrido, ninguna dirección recibió dos correos",
                      f"{len(recibidos)} direcciones, {sum(recibidos.values())} correos, repetidos: {repetidos}",
                      not repetidos)


# --- Medición ------------------------------------------------------------------------------------
LUA_INSCRIPCION = """
local contador, hilo = 0, 0
function setup(t) hilo = hilo + 1; t:set("hilo", hilo) end
function init(args) mi_hilo = wrk.thread:get("hilo") or 0 end
request = function()
  contador = contador + 1
  local correo = "m" .. mi_hilo .. "-" .. contador .. "-" .. math.random(1, 1000000000) .. "%40cluster.org"
  local cuerpo = "csrf_token={token}&nombre=Persona&apellidos=Medida&correo=" .. correo ..
    "&institucion=Municipio&cargo=Enlace&pais=MX&ciudad=Puebla&consentimiento=y"
  return wrk.format("POST", "{ruta}", {{["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "{cookie}", ["Referer"] = "{base}{ruta}"}}, cuerpo)
end
"""


def medir(c: Cluster):
    """wrk contra nginx (dos nodos) y contra el nodo a directamente (sin nginx), con las mismas cargas."""
    from acreditacion import LUA as LUA_ACREDITACION
    from agenda import wrk
    print("\n== Medición: nginx con dos nodos (2 workers cada uno) frente a un nodo sin nginx; wrk -t2 -c8 -d10s ==",
          flush=True)
    filas = []
    # Cada vuelta, su propia puerta: los id_cliente del guion se repiten de una vuelta a otra.
    for nombre, base, puerta in (("nginx, 2 nodos", c.base, "puerta-medicion-0"),
                                 ("1 nodo, sin nginx", c.directo("a", ""), "puerta-medicion-1")):
        codigos = c.codigos_medicion[puerta]
        sesion, token = formulario_de_inscripcion(base, "medicion")
        cookie = "; ".join(f"{k.name}={k.value}" for k in sesion.cookies)
        guiones = {}
        for clave, plantilla, datos in (
                ("inscripcion", LUA_INSCRIPCION, {"token": token, "cookie": cookie, "base": base,
                                                  "ruta": "/eventos/medicion/inscripcion"}),
                ("acreditacion", LUA_ACREDITACION, {"codigos": "{" + ",".join(f'"{x}"' for x in codigos) + "}",
                                                    "ruta": f"/api/v1/eventos/{puerta}/acreditacion",
                                                    "clave": c.clave_api_medicion})):
            guiones[clave] = c.carpeta / f"{clave}-{len(filas)}.lua"
            guiones[clave].write_text(plantilla.format(**datos))
        for _ in range(3):  # calentar las cachés de páginas y calendarios
            _codigo(base + "/eventos/foro-cluster")
            _codigo(base + "/eventos/foro-cluster/calendario.ics")
        medidas = {"agenda": con_cpu(c, lambda: wrk(base + "/eventos/foro-cluster")),
                   "ics": con_cpu(c, lambda: wrk(base + "/eventos/foro-cluster/calendario.ics")),
                   "inscripcion": con_cpu(c, lambda: wrk(base + "/eventos/medicion/inscripcion",
                                                         guion=guiones["inscripcion"])),
                   "acreditacion": con_cpu(c, lambda: wrk(base + f"/api/v1/eventos/{puerta}/acreditacion",
                                                          guion=guiones["acreditacion"]))}
        filas.append((nombre, medidas))
    print(f"{'':20} " + " ".join(f"{t:>24}" for t in ("agenda 300 ses. (caché)", ".ics del programa",
                                                        "inscripción", "acreditación")))
    for nombre, medidas in filas:
        print(f"{nombre:20} " + " ".join(
            f"{m['rps']:8.0f}/s p99 {m['p99_ms']:6.1f} ms" + ("!" if m["no_2xx_3xx"] or m["errores"] else " ")
            for m in medidas.values()))
    print("CPU por petición (ms, sumando todos los procesos de cada parte mientras corre wrk):")
    for nombre, medidas in filas:
        print(f"{nombre:20} " + " ".join(
            f"{' '.join(f'{k[:5]} {v:.1f}' for k, v in m['cpu_ms'].items() if v >= 0.05):>24}" for m in medidas.values()))
    for nombre, medidas in filas:
        for que, m in medidas.items():
            if m["no_2xx_3xx"] or m["errores"]:
                print(f"! {nombre}, {que}: {m['no_2xx_3xx']} respuestas que no son 2xx/3xx; {m['errores']}")


def cpu_segundos(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")
    return total


def con_cpu(c: Cluster, medir_con_wrk) -> dict:
    """La medida de wrk y la CPU por petición de cada parte del clúster durante ella."""
    procesos = c.procesos()
    antes = {parte: cpu_segundos(pids) for parte, pids in procesos.items()}
    medida = medir_con_wrk()
    despues = {parte: cpu_segundos(pids) for parte, pids in procesos.items()}
    peticiones = max(medida["peticiones"], 1)
    medida["cpu_ms"] = {parte: (despues[parte] - antes[parte]) * 1000 / peticiones for parte in procesos}
    return medida


def sembrar_medicion(c: Cluster):
    from eventos.extensiones import db
    from eventos.modelos import RolEvento, TokenApi, Usuario
    from eventos.servicios import programa
    from foro_sintetico import crear_foro, evento_de_hoy, inscribir_confirmadas

    app = aplicacion_de_siembra(c)
    with app.app_context():
        crear_foro("foro-cluster")
        programa.importar({
            "formato": programa.FORMATO,
            "evento": {"slug": "medicion", "titulo": "Foro de la medición", "estado": "publicado",
                       "zona_horaria": "America/Mexico_City", "fecha_inicio": "2030-05-10", "fecha_fin": "2030-05-10",
                       "inscripcion": {"apertura": "2020-01-01 00:00", "cierre": "2030-05-09 00:00", "cupo": 1000000}},
            "sesiones": [{"clave": "s1", "titulo": "Plenaria", "tipo": "plenaria",
                          "inicio": "2030-05-10 09:00", "fin": "2030-05-10 10:00"}]})
        acreditador = db.session.execute(select(Usuario).where(Usuario.correo == "puerta@cluster.org")).scalar_one()
        _, c.clave_api_medicion = TokenApi.crear(acreditador, "medición")
        c.codigos_medicion = {}
        for vuelta in range(2):
            puerta = evento_de_hoy(f"puerta-medicion-{vuelta}", "Puerta de la medición")
            db.session.add(RolEvento(evento=puerta, usuario=acreditador, rol="acreditador"))
            db.session.flush()
            c.codigos_medicion[puerta.slug] = inscribir_confirmadas(puerta.id, 15000, f"medicion{vuelta}.org")
        db.session.commit()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--acotado", action="store_true", help="solo las comprobaciones, sin la medición con wrk")
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        raise SystemExit("Falta nginx: apt-get install -y nginx")
    if not args.acotado and shutil.which("wrk") is None:
        raise SystemExit("Falta wrk: apt-get install -y wrk")
    informe = Informe()
    with tempfile.TemporaryDirectory(prefix="cluster-") as tmp:
        carpeta = Path(tmp)
        os.chmod(carpeta, 0o755)
        cluster = Cluster(carpeta)
        try:
            cluster.arrancar()
            print(f"PostgreSQL propio en 127.0.0.1:{cluster.pg.puerto}; nodos a y b en 127.0.0.1:"
                  f"{cluster.puertos['a']} y :{cluster.puertos['b']} (2 workers cada uno); nginx en {cluster.base}; "
                  f"SMTP de prueba en 127.0.0.1:{cluster.smtp.puerto}", flush=True)
            comprobar_avalancha(cluster, informe)
            comprobar_puerta(cluster, informe)
            comprobar_material_y_edicion(cluster, informe)
            comprobar_caida_de_un_nodo(cluster, informe)
            comprobar_reinicio_de_postgresql(cluster, informe)
            comprobar_proceso_de_correo(cluster, informe)
            comprobar_limite_de_entrada(cluster, informe)
            comprobar_correo_global(cluster, informe)
            if not args.acotado:
                sembrar_medicion(cluster)
                medir(cluster)
        except Fallo as error:
            informe.fallos.append(str(error))
            print(f"  FALLA {error}", flush=True)
            for proceso in [*cluster.nodos.values(), cluster.correo]:
                if proceso is not None:
                    print(f"--- últimas líneas del {proceso.nombre}:\n{proceso.cola()}")
        finally:
            cluster.parar()
    if informe.fallos:
        print(f"\n{len(informe.fallos)} comprobaciones fallaron: {', '.join(informe.fallos)}")
        sys.exit(1)
    print("\nTodas las comprobaciones del clúster pasaron.")


if __name__ == "__main__":
    main()
