"""Medición de la agenda, la página de un seminario y el documento de la API (issue 13: «rápida sin la caché»).

    .venv/bin/python bench/agenda.py              # SQLite en una carpeta temporal
    .venv/bin/python bench/agenda.py --postgres   # base eventos_bench en 127.0.0.1:5432 (se crea y se borra)
    .venv/bin/python bench/agenda.py --perfil     # además, recolector de ciclos y perfiles cProfile
    .venv/bin/python bench/agenda.py --sin-http   # sin gunicorn ni wrk

Cada cifra sale junto a su objetivo (o techo) con OK/FALLA. Ver bench/LEEME.md.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import io
import os
import pstats
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from foro_sintetico import SLUG, crear_foro  # noqa: E402

SLUG_PEQUENO = f"{SLUG}-30"
SLUG_SEMINARIO = "gobiernos-locales-en-accion"  # seminario de Mercociudades de 90 minutos (eventos/demo/datos)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/eventos_bench"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
WRK = "/usr/bin/wrk"
ITERACIONES = 30
REPETICIONES = 3            # corridas de cada medición HTTP (alternadas); se informa la mediana
CONEXIONES = 4              # wrk -t2 -c4 -d10s --latency (la forma de carga del issue 13)
DURACION = "10s"

OBJETIVO_CONSULTAS = 10
OBJETIVO_RENDER_MS = 10     # agenda sin caché de páginas, en el proceso (mediana)
OBJETIVO_API_MS = 15        # documento de la API sin caché de páginas, en el proceso (mediana)
OBJETIVO_RPS_SIN_CACHE = 150
OBJETIVO_RPS_CACHE = 500
OBJETIVO_P99_CACHE_MS = 20
OBJETIVO_RPS_API = 300
OBJETIVO_RPS = OBJETIVO_RPS_API  # nombre anterior, por compatibilidad

PAGINA = f"/eventos/{SLUG}/"
API = f"/api/v1/eventos/{SLUG}"
SEMINARIO = f"/eventos/{SLUG_SEMINARIO}/"


# --------------------------------------------------------------------------------------------------
# Utilidades (también las usan calendario.py y acreditacion.py)

def ms(segundos: float) -> str:
    return f"{segundos * 1000:8.2f} ms"


def percentil(valores: list[float], p: float) -> float:
    """Percentil con interpolación lineal (p en 0..100)."""
    orden = sorted(valores)
    pos = (len(orden) - 1) * p / 100
    bajo = int(pos)
    alto = min(bajo + 1, len(orden) - 1)
    return orden[bajo] + (orden[alto] - orden[bajo]) * (pos - bajo)


def titulo(texto: str):
    print(f"\n== {texto} " + "=" * max(0, 76 - len(texto)), flush=True)


def puerto_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def carga_media() -> str:
    return " ".join(f"{c:.2f}" for c in os.getloadavg())


def pg_admin(sql: str):
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conexion:
        conexion.execute(sql)


@contextlib.contextmanager
def base_de_medicion(sqlite: bool, carpeta: Path, base_pg: str):
    """La URL de una base vacía para una medición: SQLite en `carpeta`, o la base `base_pg` de PostgreSQL
    en 127.0.0.1, que se crea al empezar y se borra al terminar (nunca la base `test` de las pruebas)."""
    if sqlite:
        yield f"sqlite:///{carpeta / 'bench.sqlite3'}"
        return
    pg_admin(f"DROP DATABASE IF EXISTS {base_pg} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {base_pg}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{base_pg}"
    finally:
        pg_admin(f"DROP DATABASE IF EXISTS {base_pg} WITH (FORCE)")


class ContadorSQL:
    """Cuenta las sentencias que pasan por el motor (evento before_cursor_execute) desde el hilo que llama a
    `contar`: las del cartero de correo, que corre en otro hilo y consulta la bandeja de vez en cuando, no."""

    def __init__(self, motor):
        self.motor = motor
        self.total = 0
        self.sentencias: list[str] = []
        self.activo = False
        self.hilo = None
        event.listen(motor, "before_cursor_execute", self._anotar)

    def _anotar(self, conexion, cursor, sentencia, parametros, contexto, executemany):
        if self.activo and threading.get_ident() == self.hilo:
            self.total += 1
            self.sentencias.append(" ".join(sentencia.split())[:110])

    def contar(self, funcion):
        self.total, self.sentencias, self.activo, self.hilo = 0, [], True, threading.get_ident()
        try:
            resultado = funcion()
        finally:
            self.activo = False
        return self.total, resultado


# --------------------------------------------------------------------------------------------------
# a. Aplicación, esquema y datos

def preparar_entorno(postgres: bool, carpeta: Path) -> dict:
    """Variables de entorno comunes al proceso y a gunicorn (misma base, misma clave; sin Redis: la caché de
    documentos es la de cada proceso)."""
    entorno = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    entorno["DATABASE_URL"] = PG_BENCH if postgres else f"sqlite:///{carpeta / 'bench.sqlite3'}"
    entorno["SECRET_KEY"] = "clave-del-benchmark"
    return entorno


def crear_aplicacion(carpeta: Path, config: dict | None = None):
    """La aplicación de la medición; `config` se suma a la configuración (p. ej. {"CACHE_BYTES": 0})."""
    from app import create_app
    return create_app({
        "MATERIALES_CARPETA": str(carpeta / "materiales"),
        "MAIL_CARPETA": str(carpeta / "correo"),
        **(config or {}),
    })


def preparar_datos() -> tuple[float, float]:
    """Esquema, foros de 300 y 30 sesiones y los eventos de demostración (dentro de un app_context)."""
    from eventos.demo import cargar
    from eventos.extensiones import db
    t0 = time.perf_counter()
    upgrade()
    t1 = time.perf_counter()
    crear_foro(SLUG, sesiones=300)
    t2 = time.perf_counter()
    crear_foro(SLUG_PEQUENO, sesiones=30)
    cargar()
    db.session.commit()
    return t1 - t0, t2 - t1


def describir_datos():
    from sqlalchemy import func, select

    from eventos.extensiones import db
    from eventos.modelos import Evento, Mesa, Participacion, Persona, Pregunta, Sesion
    for slug in (SLUG, SLUG_PEQUENO, SLUG_SEMINARIO):
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        n = {m.__name__: db.session.execute(select(func.count()).select_from(m).where(
            m.evento_id == evento.id)).scalar_one() for m in (Sesion, Persona, Mesa)}
        n_part = db.session.execute(select(func.count()).select_from(Participacion).join(Sesion)
                                    .where(Sesion.evento_id == evento.id)).scalar_one()
        print(f"{slug:<28}: {n['Sesion']:3d} sesiones, {n['Persona']:3d} personas, {n_part:4d} participaciones, "
              f"{n['Mesa']:2d} mesas ({evento.estado}, {evento.fecha_inicio})")
    print(f"Preguntas de guía (todos los eventos): {db.session.execute(select(func.count()).select_from(Pregunta)).scalar_one()}")


def zonas_del_selector() -> list[str]:
    from eventos.zonas import zonas_para_selector
    return [zona for zona, _etiqueta in zonas_para_selector("es")]


# --------------------------------------------------------------------------------------------------
# b. Consultas por petición

def consultas(app, contador: ContadorSQL, cliente, ruta: str, limpiar: bool = True) -> tuple[int, list[str], int]:
    """Consultas de un GET; con `limpiar`, tras `cache.clear()` (sin documentos ni instantáneas)."""
    from eventos.extensiones import cache
    if limpiar:
        with app.app_context():
            cache.clear()
    total, respuesta = contador.contar(lambda: cliente.get(ruta))
    if respuesta.status_code != 200:
        raise SystemExit(f"{ruta} respondió {respuesta.status_code}")
    return total, list(contador.sentencias), len(respuesta.data)


# --------------------------------------------------------------------------------------------------
# c. Tiempos en el proceso

def cronometrar(funcion, n: int = ITERACIONES, antes=None) -> list[float]:
    tiempos = []
    for i in range(n):
        if antes:
            antes()
        t0 = time.perf_counter()
        funcion()
        tiempos.append(time.perf_counter() - t0)
    return tiempos


def obtener(cliente, ruta: str, estado: int = 200, **kw):
    """Una función que hace el GET y comprueba el estado."""
    def hacer():
        r = cliente.get(ruta, **kw)
        if r.status_code != estado:
            raise SystemExit(f"{ruta} {kw or ''} respondió {r.status_code}, se esperaba {estado}")
        return r
    return hacer


def ciclo_de_zonas(cliente, ruta: str, zonas: list[str]):
    """Un GET de `ruta` con la siguiente zona de `zonas` en ?tz= en cada llamada."""
    siguiente = iter(zonas * 1000)

    def hacer():
        return obtener(cliente, ruta, query_string={"tz": next(siguiente)})()
    return hacer


def medir_en_proceso(app, cliente, app_sin, cliente_sin, evento_id: int, zonas: list[str]) -> dict:
    """Tiempos con test_client. `app_sin` se creó con CACHE_BYTES=0: no guarda documentos, pero sí la
    instantánea y los moldes (que se construyen antes de medir)."""
    from eventos import instantanea
    from eventos.extensiones import cache, db

    def limpiar():
        with app.app_context():
            cache.clear()

    def construir():
        with app.app_context():
            instantanea.construir(evento_id)
            db.session.remove()

    # Calentamiento: plantillas compiladas, cachés lru de zonas, conexiones del pool; en app_sin, la
    # instantánea y los moldes (sin zona y «otra zona»).
    for _ in range(3):
        limpiar()
        for ruta in (PAGINA, API, SEMINARIO):
            obtener(cliente, ruta)()
            obtener(cliente_sin, ruta)()
        obtener(cliente_sin, PAGINA, query_string={"tz": "Asia/Tokyo"})()
    etag_pagina = cliente.get(PAGINA).headers["ETag"]
    etag_api = cliente.get(API).headers["ETag"]
    # Zonas de ?tz= en el proceso: ITERACIONES distintas, seguidas desde un punto al azar del selector.
    inicio = random.randrange(len(zonas))
    del_ciclo = [z for z in (zonas[inicio:] + zonas[:inicio]) if z != "Asia/Tokyo"][:ITERACIONES]

    return {
        "construir": cronometrar(construir),
        "primera_agenda": cronometrar(obtener(cliente, PAGINA), antes=limpiar),
        "primera_api": cronometrar(obtener(cliente, API), antes=limpiar),
        "agenda_sin_cache": cronometrar(obtener(cliente_sin, PAGINA)),
        "agenda_tz": cronometrar(ciclo_de_zonas(cliente_sin, PAGINA, del_ciclo)),
        "api_sin_cache": cronometrar(obtener(cliente_sin, API)),
        "seminario_sin_cache": cronometrar(obtener(cliente_sin, SEMINARIO)),
        "agenda_con_cache": cronometrar(obtener(cliente, PAGINA)),
        "api_con_cache": cronometrar(obtener(cliente, API)),
        "agenda_304": cronometrar(obtener(cliente, PAGINA, 304, headers={"If-None-Match": etag_pagina})),
        "api_304": cronometrar(obtener(cliente, API, 304, headers={"If-None-Match": etag_api})),
    }


def recolector(app, cliente, n: int = ITERACIONES):
    """Cuánto del tiempo de la primera agenda (tras cache.clear()) se va en el recolector de ciclos (gc)."""
    import gc

    from eventos.extensiones import cache

    def pagina():
        with app.app_context():
            cache.clear()
        t0 = time.process_time()
        cliente.get(PAGINA)
        return time.process_time() - t0

    pausas, inicio = [], [0.0]

    def anotar(fase, info):
        if fase == "start":
            inicio[0] = time.process_time()
        else:
            pausas.append((info["generation"], time.process_time() - inicio[0], info["collected"]))

    gc.collect()
    gc.callbacks.append(anotar)
    try:
        con_gc = [pagina() for _ in range(n)]
    finally:
        gc.callbacks.remove(anotar)
    gen2 = [p for p in pausas if p[0] == 2]
    gc.collect()
    gc.disable()
    try:
        sin_gc = [pagina() for _ in range(n)]
        basura = gc.collect()
    finally:
        gc.enable()
    titulo(f"Recolector de ciclos (gc) en {n} primeras agendas tras cache.clear() (tiempo de CPU)")
    print(f"con gc : mediana {ms(statistics.median(con_gc))}  p95 {ms(percentil(con_gc, 95))}  total {ms(sum(con_gc))}")
    print(f"         colecciones de generación 2: {len(gen2)}, {ms(sum(p[1] for p in gen2)).strip()} en total, "
          f"{statistics.mean(p[2] for p in gen2) if gen2 else 0:.0f} objetos liberados de media; "
          f"generaciones 0 y 1: {ms(sum(p[1] for p in pausas if p[0] < 2)).strip()}")
    print(f"sin gc : mediana {ms(statistics.median(sin_gc))}  p95 {ms(percentil(sin_gc, 95))}  total {ms(sum(sin_gc))}")
    print(f"         basura en ciclos acumulada: {basura} objetos ({basura / n:.0f} por página)")


def perfil(app, cliente, lineas: int = 25, funcion=None, nombre: str = "primeras agendas tras cache.clear()",
           veces: int = 10, ordenes: tuple[str, ...] = ("cumulative", "tottime")):
    """cProfile de `veces` llamadas a `funcion` (por omisión, la agenda tras cache.clear(), que no se mide)."""
    from eventos.extensiones import cache
    perfilador = cProfile.Profile()
    for _ in range(veces):
        hacer = funcion
        if hacer is None:
            with app.app_context():
                cache.clear()
            hacer = obtener(cliente, PAGINA)
        perfilador.enable()
        hacer()
        perfilador.disable()
    for orden in ordenes:
        salida = io.StringIO()
        estadisticas = pstats.Stats(perfilador, stream=salida)
        if orden == "cumulative":
            # Solo las funciones y plantillas de la aplicación: las de Flask y Werkzeug que las envuelven
            # tapan lo que interesa.
            estadisticas.sort_stats(orden).print_stats(rf"{re.escape(str(RAIZ))}/(eventos|plantillas)/", lineas)
            texto = salida.getvalue().replace(f"{RAIZ}/", "")
            subtitulo = "solo eventos/ y plantillas/"
        else:
            estadisticas.strip_dirs().sort_stats(orden).print_stats(lineas)
            texto, subtitulo = salida.getvalue(), "todo"
        total = re.search(r"([\d.]+) seconds", texto)
        titulo(f"Perfil de {veces} × {nombre}, por {orden} ({subtitulo})")
        if total:
            print(f"total perfilado: {float(total.group(1)) * 1000 / veces:.1f} ms por llamada (con el perfilador)")
        print(texto[texto.find("   ncalls"):].rstrip())


# --------------------------------------------------------------------------------------------------
# d. HTTP con gunicorn y wrk

def pedir(puerto: int, ruta: str, cabeceras: dict | None = None, espera: float = 10):
    conexion = http.client.HTTPConnection("127.0.0.1", puerto, timeout=espera)
    try:
        conexion.request("GET", ruta, headers=cabeceras or {})
        respuesta = conexion.getresponse()
        respuesta.read()
        return respuesta.status, dict(respuesta.getheaders())
    finally:
        conexion.close()


def arrancar_gunicorn(entorno: dict, puerto: int, registro: Path, aplicacion: str = "app:create_app()",
                      prueba: str = PAGINA, carpeta: Path = RAIZ, procesos: int = 2) -> subprocess.Popen:
    """gunicorn con `procesos` workers en 127.0.0.1:`puerto`, arrancado en `carpeta` (desde la raíz lee el
    gunicorn.conf.py del repositorio si existe; -w y -b de la orden mandan sobre él). Espera un 200 en `prueba`."""
    with registro.open("wb") as salida:
        proceso = subprocess.Popen(
            [GUNICORN, "-w", str(procesos), "-b", f"127.0.0.1:{puerto}", "--pythonpath", str(RAIZ / "bench"), aplicacion],
            cwd=str(carpeta), env=entorno, stdout=salida, stderr=subprocess.STDOUT,
        )
    limite = time.monotonic() + 30
    while time.monotonic() < limite:
        if proceso.poll() is not None:
            raise SystemExit(f"gunicorn ({aplicacion}) terminó con código {proceso.returncode}:\n{_cola(registro)}")
        try:
            estado, _ = pedir(puerto, prueba, espera=5)
            if estado == 200:
                return proceso
        except OSError:
            pass
        time.sleep(0.2)
    parar(proceso)
    raise SystemExit(f"gunicorn ({aplicacion}) no respondió en 30 s:\n{_cola(registro)}")


def _cola(registro: Path, lineas: int = 30) -> str:
    try:
        return "\n".join(registro.read_text(errors="replace").splitlines()[-lineas:])
    except OSError:
        return "(sin registro)"


def parar(proceso: subprocess.Popen | None):
    """Detiene gunicorn por su PID (SIGTERM al maestro, que cierra sus workers)."""
    if proceso is None or proceso.poll() is not None:
        return
    proceso.send_signal(signal.SIGTERM)
    try:
        proceso.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proceso.kill()
        proceso.wait(timeout=5)


def _a_ms(valor: str, unidad: str) -> float:
    return float(valor) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unidad]


def wrk(url: str, cabeceras: list[str] | None = None, guion: Path | None = None, conexiones: int = 8,
        duracion: str = DURACION, hilos: int = 2) -> dict:
    """`wrk -t{hilos} -c{conexiones} -d{duracion} --latency`; por omisión 8 conexiones (calendario.py, acreditacion.py)."""
    orden = [WRK, f"-t{hilos}", f"-c{conexiones}", f"-d{duracion}", "--latency"]
    for cabecera in cabeceras or []:
        orden += ["-H", cabecera]
    if guion is not None:
        orden += ["-s", str(guion)]
    orden.append(url)
    salida = subprocess.run(orden, capture_output=True, text=True, timeout=120).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", salida)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\b", salida, re.M)
    p50 = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s|m)\b", salida, re.M)
    total = re.search(r"(\d+) requests in", salida)
    no_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", salida)
    errores = re.search(r"Socket errors:.*", salida)
    return {
        "salida": salida.rstrip(),
        "rps": float(rps.group(1)) if rps else 0.0,
        "p99_ms": _a_ms(*p99.groups()) if p99 else float("nan"),
        "p50_ms": _a_ms(*p50.groups()) if p50 else float("nan"),
        "peticiones": int(total.group(1)) if total else 0,
        "no_2xx_3xx": int(no_2xx.group(1)) if no_2xx else 0,
        "errores": errores.group(0) if errores else "",
    }


def medir_http(entorno: dict, carpeta: Path, ruta: str) -> dict:
    """gunicorn (2 workers) en 127.0.0.1 y wrk (-c8) sobre `ruta`: GET normal y condicional (304).
    (La usa calendario.py; la agenda usa `medir_http_agenda`.)"""
    puerto = puerto_libre()
    gunicorn = arrancar_gunicorn(entorno, puerto, carpeta / "gunicorn.log")
    resultados = {}
    try:
        print(f"gunicorn PID {gunicorn.pid} en 127.0.0.1:{puerto}")
        url = f"http://127.0.0.1:{puerto}{ruta}"
        # Varias peticiones para que la caché (en memoria) de los dos workers quede llena.
        for _ in range(6):
            estado, cabeceras = pedir(puerto, ruta)
        etag = cabeceras.get("ETag")
        estado_304, _ = pedir(puerto, ruta, {"If-None-Match": etag})
        print(f"GET {estado}, {cabeceras.get('Content-Type')}; ETag {etag}; con If-None-Match responde {estado_304}")
        for nombre, extra in (("GET", []), ("304", [f"If-None-Match: {etag}"])):
            r = wrk(url, extra)
            resultados[nombre] = r
            print(f"\n-- wrk {nombre} {url}" + (f" -H '{extra[0]}'" if extra else ""))
            print(r["salida"])
            print(f"=> {nombre}: {r['rps']:.1f} req/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
                  f"{r['peticiones']} peticiones, respuestas no 2xx/3xx: {r['no_2xx_3xx']}"
                  + (f", {r['errores']}" if r["errores"] else ""))
    finally:
        parar(gunicorn)
    return resultados


LUA_ZONAS = """-- bench/agenda.py: la agenda con una zona distinta en ?tz= en cada petición. Recorre en orden las {n}
-- zonas del selector (zonas_para_selector("es")); cada hilo de wrk empieza en un punto al azar.
local zonas = {{{zonas}}}
local n = #zonas
local ruta = "{ruta}?tz="
math.randomseed({semilla})
function setup(thread)
  thread:set("desfase", math.random(0, n - 1))
end
local i = 0
function request()
  local zona = zonas[((desfase or 0) + i) % n + 1]
  i = i + 1
  return wrk.format("GET", ruta .. zona)
end
"""


def guion_de_zonas(carpeta: Path, ruta: str, zonas: list[str], semilla: int) -> Path:
    guion = carpeta / "zonas.lua"
    guion.write_text(LUA_ZONAS.format(n=len(zonas), ruta=ruta, semilla=semilla,
                                      zonas=",".join(f'"{quote(z, safe="")}"' for z in zonas)))
    return guion


def calentar(puerto: int, rutas: list[str], veces: int = 8):
    """Varias peticiones a la vez por ruta, para que los dos workers tengan la instantánea, el molde y (si
    guardan) el documento."""
    def una(ruta):
        estado, _ = pedir(puerto, ruta)
        if estado != 200:
            raise SystemExit(f"127.0.0.1:{puerto}{ruta} respondió {estado} al calentar")
    with ThreadPoolExecutor(4) as grupo:
        for ruta in rutas:
            list(grupo.map(una, [ruta] * veces))


# Mediciones HTTP: (clave, servidor, ruta, descripción). Servidores: «normal» (caché de documentos de
# 16 MB por worker), «sin_cache» (CACHE_MB=0) y «trivial» (bench/trivial_get.py).
MEDICIONES_HTTP = (
    ("trivial", "trivial", "/ping", "techo: Flask trivial GET /ping"),
    ("salud", "normal", "/api/v1/salud", "techo: /api/v1/salud de la aplicación"),
    ("agenda_cache", "normal", PAGINA, "agenda 300 sesiones, con caché"),
    ("agenda_cache_gzip", "normal", PAGINA, "agenda con caché, gzip (navegador)"),
    ("seminario_cache", "normal", SEMINARIO, "seminario de 90 min, con caché"),
    ("api_cache", "normal", API, "API del foro, con caché"),
    ("agenda_304", "normal", PAGINA, "agenda 304 (If-None-Match)"),
    ("agenda_tz", "normal", PAGINA, "agenda ?tz= distinta, caché normal"),
    ("agenda_sin_cache", "sin_cache", PAGINA, "agenda CACHE_MB=0"),
    ("agenda_tz_sin_cache", "sin_cache", PAGINA, "agenda ?tz= distinta, CACHE_MB=0"),
)


def medir_http_agenda(entorno: dict, carpeta: Path, zonas: list[str], repeticiones: int = REPETICIONES,
                      duracion: str = DURACION, conexiones: int = CONEXIONES) -> dict[str, list[dict]]:
    """Tres gunicorn de 2 workers a la vez en 127.0.0.1 (aplicación normal, aplicación con CACHE_MB=0 y el
    Flask trivial) y `repeticiones` vueltas de wrk sobre todas las mediciones, alternadas."""
    semilla = random.randrange(1 << 30)
    guion = guion_de_zonas(carpeta, PAGINA, zonas, semilla)
    resultados: dict[str, list[dict]] = {clave: [] for clave, *_ in MEDICIONES_HTTP}
    with contextlib.ExitStack() as pila:
        puertos, procesos = {}, {}
        for nombre, env, aplicacion, prueba, cwd in (
                ("normal", entorno, "app:create_app()", PAGINA, RAIZ),
                ("sin_cache", {**entorno, "CACHE_MB": "0"}, "app:create_app()", PAGINA, RAIZ),
                # Sin el gunicorn.conf.py de la raíz (su post_fork prepara la base de la aplicación).
                ("trivial", entorno, "trivial_get:app", "/ping", RAIZ / "bench")):
            puertos[nombre] = puerto_libre()
            procesos[nombre] = arrancar_gunicorn(env, puertos[nombre], carpeta / f"gunicorn-{nombre}.log",
                                                 aplicacion=aplicacion, prueba=prueba, carpeta=cwd)
            pila.callback(parar, procesos[nombre])
            print(f"gunicorn {nombre:<10} PID {procesos[nombre].pid} en 127.0.0.1:{puertos[nombre]} "
                  f"({aplicacion}{', CACHE_MB=0' if nombre == 'sin_cache' else ''}, desde {cwd.relative_to(RAIZ.parent)})")
        conf = RAIZ / "gunicorn.conf.py"
        print(f"gunicorn.conf.py en la raíz: {'sí (lo leen «normal» y «sin_cache»)' if conf.exists() else 'no'}")
        calentar(puertos["normal"], [PAGINA, SEMINARIO, API, f"{PAGINA}?tz=Asia%2FTokyo"])
        calentar(puertos["sin_cache"], [PAGINA, f"{PAGINA}?tz=Asia%2FTokyo"])
        estado, cabeceras = pedir(puertos["normal"], PAGINA)
        etag = cabeceras.get("ETag")
        estado_304, _ = pedir(puertos["normal"], PAGINA, {"If-None-Match": etag})
        print(f"agenda: GET {estado}, ETag {etag}; con If-None-Match responde {estado_304}")
        print(f"guion de zonas: {len(zonas)} zonas, semilla {semilla}")
        print(f"wrk -t2 -c{conexiones} -d{duracion} --latency; {repeticiones} vueltas, en cada una todas las mediciones "
              f"en este orden:")
        for rep in range(1, repeticiones + 1):
            print(f"  — vuelta {rep}; carga media {carga_media()}", flush=True)
            for clave, servidor, ruta, descripcion in MEDICIONES_HTTP:
                extra = {"cabeceras": [f"If-None-Match: {etag}"]} if clave == "agenda_304" else {}
                if clave == "agenda_cache_gzip":  # como un navegador: la recibe tal como está guardada
                    extra = {"cabeceras": ["Accept-Encoding: gzip"]}
                if clave.startswith("agenda_tz"):
                    extra = {"guion": guion}
                r = wrk(f"http://127.0.0.1:{puertos[servidor]}{ruta}", conexiones=conexiones, duracion=duracion, **extra)
                resultados[clave].append(r)
                print(f"  vuelta {rep} {descripcion:<38} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.2f} ms  "
                      f"p99 {r['p99_ms']:7.2f} ms  {r['peticiones']:6d} pet."
                      + (f"  no 2xx/3xx: {r['no_2xx_3xx']}" if r["no_2xx_3xx"] else "")
                      + (f"  {r['errores']}" if r["errores"] else ""), flush=True)
                if r["peticiones"] == 0:
                    print(r["salida"])
        for nombre, proceso in procesos.items():
            if proceso.poll() is not None:
                print(f"¡gunicorn {nombre} terminó durante la medición!\n{_cola(carpeta / f'gunicorn-{nombre}.log')}")
    return resultados


def mediana_de_vueltas(vueltas: list[dict]) -> dict:
    """La vuelta de peticiones/s mediana (con su p50 y p99)."""
    orden = sorted(vueltas, key=lambda r: r["rps"])
    return orden[(len(orden) - 1) // 2]


# --------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="usar PostgreSQL (base eventos_bench) en vez de SQLite")
    parser.add_argument("--perfil", action="store_true", help="recolector de ciclos y perfiles cProfile (siempre)")
    parser.add_argument("--sin-http", action="store_true", help="omitir gunicorn y wrk")
    parser.add_argument("--repeticiones", type=int, default=REPETICIONES, help="vueltas de cada medición HTTP (3)")
    parser.add_argument("--duracion", default=DURACION, help="duración de cada corrida de wrk (10s)")
    args = parser.parse_args()

    carga_inicio = carga_media()
    comienzo = time.monotonic()
    print(f"Carga media de la máquina al empezar (1, 5, 15 min): {carga_inicio}; {os.cpu_count()} CPU")
    carpeta = Path(tempfile.mkdtemp(prefix="eventos-bench-"))
    entorno = preparar_entorno(args.postgres, carpeta)
    os.environ.clear()
    os.environ.update(entorno)
    apps = []
    if args.postgres:
        pg_admin("DROP DATABASE IF EXISTS eventos_bench WITH (FORCE)")
        pg_admin("CREATE DATABASE eventos_bench")
    try:
        # a. Aplicación, esquema y datos
        titulo("Preparación")
        app = crear_aplicacion(carpeta)
        apps.append(app)
        from eventos.extensiones import db
        from eventos.modelos import Evento
        with app.app_context():
            motor = db.engine
            print(f"Base de datos : {motor.url.render_as_string(hide_password=True)} ({motor.dialect.name})")
            print(f"Caché         : {'Redis' if app.config['REDIS_URL'] else 'memoria del proceso'}, "
                  f"documentos {app.config['CACHE_BYTES'] // 2**20} MB, instantáneas y moldes "
                  f"{app.config['MEMORIA_BYTES'] // 2**20} MB por proceso")
            t_migraciones, t_foro = preparar_datos()
            describir_datos()
            print(f"Migraciones   : {ms(t_migraciones).strip()}   importación del foro de 300 sesiones: {ms(t_foro).strip()}")
            evento_id = db.session.execute(db.select(Evento.id).where(Evento.slug == SLUG)).scalar_one()
            db.session.remove()
        app_sin = crear_aplicacion(carpeta, {"CACHE_BYTES": 0})
        apps.append(app_sin)
        with app_sin.app_context():
            motor_sin = db.engine
        zonas = zonas_del_selector()

        cliente = app.test_client(use_cookies=False)
        cliente_sin = app_sin.test_client(use_cookies=False)
        contador = ContadorSQL(motor)
        contador_sin = ContadorSQL(motor_sin)

        # b. Consultas SQL por petición
        titulo("Consultas SQL por petición")
        filas = {}
        for etiqueta, ruta in (("agenda", "/eventos/{}/"), ("API", "/api/v1/eventos/{}")):
            for slug, n in ((SLUG, 300), (SLUG_PEQUENO, 30)):
                filas[(etiqueta, n)] = consultas(app, contador, cliente, ruta.format(slug))
        print("Tras cache.clear() (sin documentos ni instantánea):")
        for etiqueta in ("agenda", "API"):
            g, p = filas[(etiqueta, 300)], filas[(etiqueta, 30)]
            print(f"  {etiqueta:<7} 300 sesiones: {g[0]:3d} consultas ({g[2] / 1024:7.1f} KiB)   "
                  f"30 sesiones: {p[0]:3d} consultas ({p[2] / 1024:6.1f} KiB)")
        print("  Sentencias de la agenda (300 sesiones):")
        for i, s in enumerate(filas[("agenda", 300)][1], 1):
            print(f"    {i:2d}. {s}")
        obtener(cliente_sin, PAGINA)()  # instantánea y molde en app_sin
        obtener(cliente_sin, API)()
        n_sin, _, _ = consultas(app_sin, contador_sin, cliente_sin, PAGINA, limpiar=False)
        n_sin_tz, _ = contador_sin.contar(obtener(cliente_sin, PAGINA, query_string={"tz": "Asia/Tokyo"}))
        n_api_sin, _, _ = consultas(app_sin, contador_sin, cliente_sin, API, limpiar=False)
        print(f"Con la instantánea ya construida y CACHE_BYTES=0: agenda {n_sin}, agenda ?tz= {n_sin_tz}, API {n_api_sin}")
        obtener(cliente, PAGINA)()  # deja la página en la caché
        n_cache, _, _ = consultas(app, contador, cliente, PAGINA, limpiar=False)
        etag_p = cliente.get(PAGINA).headers["ETag"]
        etag_a = cliente.get(API).headers["ETag"]
        n_304, _ = contador.contar(obtener(cliente, PAGINA, 304, headers={"If-None-Match": etag_p}))
        n_api_304, _ = contador.contar(obtener(cliente, API, 304, headers={"If-None-Match": etag_a}))
        print(f"Agenda con la página ya en caché: {n_cache}; agenda 304: {n_304}; API 304: {n_api_304}")

        # c. Tiempos en el proceso
        titulo(f"Tiempos en el proceso (test_client, {ITERACIONES} iteraciones tras calentar)")
        tiempos = medir_en_proceso(app, cliente, app_sin, cliente_sin, evento_id, zonas)
        etiquetas = {
            "construir": "instantanea.construir(evento_id)",
            "primera_agenda": "agenda tras cache.clear() (1.ª vez)",
            "primera_api": "API tras cache.clear() (1.ª vez)",
            "agenda_sin_cache": "agenda, CACHE_BYTES=0",
            "agenda_tz": "agenda ?tz= distinta, CACHE_BYTES=0",
            "api_sin_cache": "API, CACHE_BYTES=0",
            "seminario_sin_cache": "seminario, CACHE_BYTES=0",
            "agenda_con_cache": "agenda con caché",
            "api_con_cache": "API con caché",
            "agenda_304": "agenda 304 (If-None-Match)",
            "api_304": "API 304 (If-None-Match)",
        }
        for clave, texto in etiquetas.items():
            v = tiempos[clave]
            print(f"{texto:<40} mediana {ms(statistics.median(v))}   p95 {ms(percentil(v, 95))}   "
                  f"mín {ms(min(v))}")

        def mediana_ms(clave):
            return statistics.median(tiempos[clave]) * 1000

        objetivos_proceso = (("agenda_sin_cache", OBJETIVO_RENDER_MS), ("agenda_tz", OBJETIVO_RENDER_MS),
                             ("api_sin_cache", OBJETIVO_API_MS))
        fallidos = [clave for clave, objetivo in objetivos_proceso if mediana_ms(clave) > objetivo]
        if args.perfil:
            recolector(app, cliente)
            perfil(app, cliente)
        if args.perfil or fallidos:
            del_ciclo = zonas[::7]
            funciones = {"agenda_sin_cache": obtener(cliente_sin, PAGINA),
                         "agenda_tz": ciclo_de_zonas(cliente_sin, PAGINA, del_ciclo),
                         "api_sin_cache": obtener(cliente_sin, API)}
            for clave in (c for c, _ in objetivos_proceso if args.perfil or c in fallidos):
                perfil(app_sin, cliente_sin, lineas=25 if args.perfil else 18, funcion=funciones[clave],
                       nombre=etiquetas[clave], veces=20)

        # d. HTTP con gunicorn (2 workers) y wrk
        http_, vueltas = {}, {}
        if not args.sin_http:
            titulo(f"HTTP: gunicorn -w 2 + wrk -t2 -c{CONEXIONES} -d{args.duracion} --latency, {args.repeticiones} vueltas")
            vueltas = medir_http_agenda(entorno, carpeta, zonas, args.repeticiones, args.duracion)
            http_ = {clave: mediana_de_vueltas(v) for clave, v in vueltas.items()}

        # e. Resumen
        carga_fin = carga_media()
        titulo(f"RESUMEN ({'PostgreSQL' if args.postgres else 'SQLite'}; issue 13)")

        def fila(medida, valor, objetivo="", ok=None, extra=""):
            marca = "" if ok is None else ("OK" if ok else "FALLA")
            print(f"{medida:<46}{valor:>22}   {objetivo:<26}{marca:<6}{extra}")

        c300, c30 = filas[("agenda", 300)][0], filas[("agenda", 30)][0]
        a300, a30 = filas[("API", 300)][0], filas[("API", 30)][0]
        objetivo_c = f"≤ {OBJETIVO_CONSULTAS} y sin crecer"
        fila("medida", "valor", "objetivo o techo", None, "")
        fila("consultas agenda en frío (300 / 30 ses.)", f"{c300} / {c30}", objetivo_c,
             c300 <= OBJETIVO_CONSULTAS and c300 <= c30)
        fila("consultas API en frío (300 / 30 ses.)", f"{a300} / {a30}", objetivo_c,
             a300 <= OBJETIVO_CONSULTAS and a300 <= a30)
        fila("consultas agenda / API con instantánea", f"{n_sin} / {n_api_sin}")
        fila("consultas agenda en caché / 304", f"{n_cache} / {n_304}")

        def fila_proceso(texto, clave, objetivo=None):
            v = tiempos[clave]
            fila(texto, f"{mediana_ms(clave):.2f} / {percentil(v, 95) * 1000:.2f} ms",
                 "" if objetivo is None else f"≤ {objetivo} ms (mediana)",
                 None if objetivo is None else mediana_ms(clave) <= objetivo)

        print("— en el proceso, mediana / p95 —")
        fila_proceso("agenda sin caché de páginas (CACHE_BYTES=0)", "agenda_sin_cache", OBJETIVO_RENDER_MS)
        fila_proceso("agenda ?tz= distinta (CACHE_BYTES=0)", "agenda_tz", OBJETIVO_RENDER_MS)
        fila_proceso("API sin caché de páginas (CACHE_BYTES=0)", "api_sin_cache", OBJETIVO_API_MS)
        fila_proceso("seminario sin caché de páginas", "seminario_sin_cache")
        fila_proceso("instantanea.construir (300 sesiones)", "construir")
        fila_proceso("agenda tras cache.clear() (1.ª vez)", "primera_agenda")
        fila_proceso("API tras cache.clear() (1.ª vez)", "primera_api")
        fila_proceso("agenda con caché", "agenda_con_cache")
        fila_proceso("agenda 304", "agenda_304")

        print(f"— HTTP, vuelta mediana de {args.repeticiones}: req/s / p99 (gunicorn -w 2, wrk -t2 -c{CONEXIONES}) —")
        techo = http_.get("trivial", {}).get("rps") or 0.0
        objetivos_http = {
            "agenda_cache": (OBJETIVO_RPS_CACHE, OBJETIVO_P99_CACHE_MS),
            "agenda_cache_gzip": (OBJETIVO_RPS_CACHE, OBJETIVO_P99_CACHE_MS),
            "seminario_cache": (OBJETIVO_RPS_CACHE, OBJETIVO_P99_CACHE_MS),
            "api_cache": (OBJETIVO_RPS_API, None),
            "agenda_sin_cache": (OBJETIVO_RPS_SIN_CACHE, None),
            "agenda_tz": (OBJETIVO_RPS_SIN_CACHE, None),
            "agenda_tz_sin_cache": (OBJETIVO_RPS_SIN_CACHE, None),
        }
        for clave, _servidor, _ruta, descripcion in MEDICIONES_HTTP:
            r = http_.get(clave)
            if r is None:
                fila(descripcion, "(omitido)")
                continue
            rps_min, p99_max = objetivos_http.get(clave, (None, None))
            objetivo, ok = ("techo", None) if clave in ("trivial", "salud") else ("", None)
            if rps_min is not None:
                objetivo = f"≥ {rps_min} req/s" + (f", p99 ≤ {p99_max} ms" if p99_max else "")
                ok = r["rps"] >= rps_min and (p99_max is None or r["p99_ms"] <= p99_max) \
                    and r["no_2xx_3xx"] == 0 and r["peticiones"] > 0
            porcentaje = f"{100 * r['rps'] / techo:5.1f} % del trivial" if techo else ""
            todas = " · ".join(f"{v['rps']:.0f}" for v in vueltas[clave])
            fila(descripcion, f"{r['rps']:.0f} / {r['p99_ms']:.1f} ms", objetivo, ok,
                 f"{porcentaje}   (vueltas: {todas} req/s)")
        print(f"Carga media (1, 5, 15 min): al empezar {carga_inicio}; al terminar {carga_fin}; "
              f"duración {time.monotonic() - comienzo:.0f} s")
    finally:
        for app in apps:
            from eventos.extensiones import db
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        if args.postgres:
            pg_admin("DROP DATABASE IF EXISTS eventos_bench WITH (FORCE)")
            print("\nBase eventos_bench borrada.")
        shutil.rmtree(carpeta, ignore_errors=True)


if __name__ == "__main__":
    main()
