"""Medición de la página de agenda y del documento de la API con un foro sintético grande.

    /work/venv/bin/python bench/agenda.py              # SQLite en una carpeta temporal
    /work/venv/bin/python bench/agenda.py --postgres   # base eventos_bench en 127.0.0.1:5432 (se crea y se borra)
    /work/venv/bin/python bench/agenda.py --perfil     # además, perfil (cProfile) de una página sin caché

Ver bench/LEEME.md.
"""
from __future__ import annotations

import argparse
import cProfile
import contextlib
import http.client
import io
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from foro_sintetico import SLUG, crear_foro  # noqa: E402

SLUG_PEQUENO = f"{SLUG}-30"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql://postgres@127.0.0.1:5432/eventos_bench"
GUNICORN = "/work/venv/bin/gunicorn"
WRK = "/usr/bin/wrk"
ITERACIONES = 30
OBJETIVO_CONSULTAS = 10
OBJETIVO_RENDER_MS = 40
OBJETIVO_RPS = 300


# --------------------------------------------------------------------------------------------------
# Utilidades

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
    print(f"\n== {texto} " + "=" * max(0, 76 - len(texto)))


def puerto_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    """Cuenta las sentencias que pasan por el motor (evento before_cursor_execute)."""

    def __init__(self, motor):
        self.motor = motor
        self.total = 0
        self.sentencias: list[str] = []
        self.activo = False
        event.listen(motor, "before_cursor_execute", self._anotar)

    def _anotar(self, conexion, cursor, sentencia, parametros, contexto, executemany):
        if self.activo:
            self.total += 1
            self.sentencias.append(" ".join(sentencia.split())[:110])

    def contar(self, funcion):
        self.total, self.sentencias, self.activo = 0, [], True
        try:
            resultado = funcion()
        finally:
            self.activo = False
        return self.total, resultado


# --------------------------------------------------------------------------------------------------
# a. Aplicación, esquema y foro

def preparar_entorno(postgres: bool, carpeta: Path) -> dict:
    """Variables de entorno comunes al proceso y a gunicorn (misma base, misma clave, caché en memoria)."""
    entorno = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_TYPE")}
    entorno["DATABASE_URL"] = PG_BENCH if postgres else f"sqlite:///{carpeta / 'bench.sqlite3'}"
    entorno["SECRET_KEY"] = "clave-del-benchmark"
    return entorno


def crear_aplicacion(carpeta: Path):
    from app import create_app
    return create_app({
        "MATERIALES_CARPETA": str(carpeta / "materiales"),
        "MAIL_CARPETA": str(carpeta / "correo"),
    })


# --------------------------------------------------------------------------------------------------
# b. Consultas por petición

def consultas(app, contador: ContadorSQL, cliente, ruta: str, limpiar: bool = True) -> tuple[int, list[str], int]:
    from eventos.extensiones import cache
    with app.app_context():
        if limpiar:
            cache.clear()
    total, respuesta = contador.contar(lambda: cliente.get(ruta))
    if respuesta.status_code != 200:
        raise SystemExit(f"{ruta} respondió {respuesta.status_code}")
    return total, list(contador.sentencias), len(respuesta.data)


# --------------------------------------------------------------------------------------------------
# c. Tiempos en el proceso

def cronometrar(funcion, n: int = ITERACIONES, antes=None) -> list[float]:
    tiempos = []
    for _ in range(n):
        if antes:
            antes()
        t0 = time.perf_counter()
        funcion()
        tiempos.append(time.perf_counter() - t0)
    return tiempos


def medir_en_proceso(app, cliente) -> dict:
    from eventos.extensiones import cache

    pagina, api = f"/eventos/{SLUG}/", f"/api/v1/eventos/{SLUG}"

    def limpiar():
        with app.app_context():
            cache.clear()

    def get(ruta, estado=200, **kw):
        def hacer():
            r = cliente.get(ruta, **kw)
            if r.status_code != estado:
                raise SystemExit(f"{ruta} respondió {r.status_code}, se esperaba {estado}")
            return r
        return hacer

    # Calentamiento: plantillas compiladas, cachés lru de zonas, conexiones del pool.
    for _ in range(3):
        limpiar()
        get(pagina)()
        get(api)()
    etag_pagina = cliente.get(pagina).headers["ETag"]
    etag_api = cliente.get(api).headers["ETag"]

    return {
        "pagina_sin_cache": cronometrar(get(pagina), antes=limpiar),
        "api": cronometrar(get(api)),
        "pagina_con_cache": cronometrar(get(pagina)),
        "pagina_304": cronometrar(get(pagina, 304, headers={"If-None-Match": etag_pagina})),
        "api_304": cronometrar(get(api, 304, headers={"If-None-Match": etag_api})),
    }


def recolector(app, cliente, n: int = ITERACIONES):
    """Cuánto del tiempo sin caché se va en el recolector de ciclos (gc) de Python."""
    import gc

    from eventos.extensiones import cache

    def pagina():
        with app.app_context():
            cache.clear()
        t0 = time.process_time()
        cliente.get(f"/eventos/{SLUG}/")
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
    titulo(f"Recolector de ciclos (gc) en {n} páginas sin caché (tiempo de CPU)")
    print(f"con gc : mediana {ms(statistics.median(con_gc))}  p95 {ms(percentil(con_gc, 95))}  total {ms(sum(con_gc))}")
    print(f"         colecciones de generación 2: {len(gen2)}, {ms(sum(p[1] for p in gen2)).strip()} en total, "
          f"{statistics.mean(p[2] for p in gen2) if gen2 else 0:.0f} objetos liberados de media; "
          f"generaciones 0 y 1: {ms(sum(p[1] for p in pausas if p[0] < 2)).strip()}")
    print(f"sin gc : mediana {ms(statistics.median(sin_gc))}  p95 {ms(percentil(sin_gc, 95))}  total {ms(sum(sin_gc))}")
    print(f"         basura en ciclos acumulada: {basura} objetos ({basura / n:.0f} por página)")


def perfil(app, cliente, lineas: int = 25):
    """cProfile de una página sin caché (10 repeticiones), ordenado por tiempo acumulado y propio."""
    from eventos.extensiones import cache
    recolector(app, cliente)
    perfilador = cProfile.Profile()
    for _ in range(10):
        with app.app_context():
            cache.clear()
        perfilador.enable()
        cliente.get(f"/eventos/{SLUG}/")
        perfilador.disable()
    for orden in ("cumulative", "tottime"):
        salida = io.StringIO()
        pstats.Stats(perfilador, stream=salida).strip_dirs().sort_stats(orden).print_stats(lineas)
        titulo(f"Perfil de 10 páginas sin caché, por {orden}")
        texto = salida.getvalue()
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


def arrancar_gunicorn(entorno: dict, puerto: int, registro: Path) -> subprocess.Popen:
    with registro.open("wb") as salida:
        proceso = subprocess.Popen(
            [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{puerto}", "app:create_app()"],
            cwd=str(RAIZ), env=entorno, stdout=salida, stderr=subprocess.STDOUT,
        )
    limite = time.monotonic() + 30
    while time.monotonic() < limite:
        if proceso.poll() is not None:
            raise SystemExit(f"gunicorn terminó con código {proceso.returncode}; ver {registro}")
        try:
            estado, _ = pedir(puerto, f"/eventos/{SLUG}/", espera=5)
            if estado == 200:
                return proceso
        except OSError:
            pass
        time.sleep(0.2)
    parar(proceso)
    raise SystemExit(f"gunicorn no respondió en 30 s; ver {registro}")


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


def wrk(url: str, cabeceras: list[str] | None = None, guion: Path | None = None) -> dict:
    orden = [WRK, "-t2", "-c8", "-d10s", "--latency"]
    for cabecera in cabeceras or []:
        orden += ["-H", cabecera]
    if guion is not None:
        orden += ["-s", str(guion)]
    orden.append(url)
    salida = subprocess.run(orden, capture_output=True, text=True, timeout=60).stdout
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


# --------------------------------------------------------------------------------------------------

def medir_http(entorno: dict, carpeta: Path, ruta: str) -> dict:
    """gunicorn (2 workers) en 127.0.0.1 y wrk sobre `ruta`: GET normal y condicional (304)."""
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="usar PostgreSQL (base eventos_bench) en vez de SQLite")
    parser.add_argument("--perfil", action="store_true", help="imprimir un perfil cProfile de la página sin caché")
    parser.add_argument("--sin-http", action="store_true", help="omitir gunicorn y wrk")
    args = parser.parse_args()

    carpeta = Path(tempfile.mkdtemp(prefix="eventos-bench-"))
    entorno = preparar_entorno(args.postgres, carpeta)
    os.environ.clear()
    os.environ.update(entorno)
    app = None
    if args.postgres:
        pg_admin("DROP DATABASE IF EXISTS eventos_bench WITH (FORCE)")
        pg_admin("CREATE DATABASE eventos_bench")
    try:
        # a. Aplicación, esquema y foros
        titulo("Preparación")
        app = crear_aplicacion(carpeta)
        from eventos.extensiones import db
        with app.app_context():
            motor = db.engine
            print(f"Base de datos : {motor.url.render_as_string(hide_password=True)} ({motor.dialect.name})")
            print(f"Caché         : {app.config['CACHE_TYPE']}")
            t0 = time.perf_counter()
            upgrade()
            t1 = time.perf_counter()
            crear_foro(SLUG, sesiones=300)
            t2 = time.perf_counter()
            crear_foro(SLUG_PEQUENO, sesiones=30)
            from sqlalchemy import func, select

            from eventos.modelos import Evento, Mesa, Participacion, Persona, Pregunta, Sesion
            for slug in (SLUG, SLUG_PEQUENO):
                eid = db.session.execute(select(Evento.id).where(Evento.slug == slug)).scalar_one()
                n = {m.__name__: db.session.execute(select(func.count()).select_from(m).where(
                    *([m.evento_id == eid] if hasattr(m, "evento_id") else []))).scalar_one()
                    for m in (Sesion, Persona, Mesa)}
                n_part = db.session.execute(select(func.count()).select_from(Participacion).join(Sesion)
                                            .where(Sesion.evento_id == eid)).scalar_one()
                print(f"Foro {slug:<20}: {n['Sesion']} sesiones, {n['Persona']} personas, "
                      f"{n_part} participaciones, {n['Mesa']} mesas")
            print(f"Preguntas de guía (ambos foros): {db.session.execute(select(func.count()).select_from(Pregunta)).scalar_one()}")
            print(f"Migraciones   : {ms(t1 - t0).strip()}   importación del foro de 300 sesiones: {ms(t2 - t1).strip()}")
            db.session.remove()

        cliente = app.test_client()
        contador = ContadorSQL(motor)

        # b. Consultas SQL por petición (sin caché de página)
        titulo("Consultas SQL por petición (sin caché)")
        filas = {}
        for etiqueta, ruta in (("agenda", "/eventos/{}/"), ("API", "/api/v1/eventos/{}")):
            for slug, n in ((SLUG, 300), (SLUG_PEQUENO, 30)):
                filas[(etiqueta, n)] = consultas(app, contador, cliente, ruta.format(slug))
        for etiqueta in ("agenda", "API"):
            g, p = filas[(etiqueta, 300)], filas[(etiqueta, 30)]
            print(f"{etiqueta:<7} 300 sesiones: {g[0]:3d} consultas ({g[2] / 1024:7.1f} KiB)   "
                  f"30 sesiones: {p[0]:3d} consultas ({p[2] / 1024:6.1f} KiB)")
        print("Sentencias de la agenda (300 sesiones):")
        for i, s in enumerate(filas[("agenda", 300)][1], 1):
            print(f"  {i:2d}. {s}")
        cliente.get(f"/eventos/{SLUG}/")  # deja la página en la caché
        n_cache, _, _ = consultas(app, contador, cliente, f"/eventos/{SLUG}/", limpiar=False)
        etag_p = cliente.get(f"/eventos/{SLUG}/").headers["ETag"]
        etag_a = cliente.get(f"/api/v1/eventos/{SLUG}").headers["ETag"]
        n_304, _ = contador.contar(lambda: cliente.get(f"/eventos/{SLUG}/", headers={"If-None-Match": etag_p}))
        n_api_304, _ = contador.contar(lambda: cliente.get(f"/api/v1/eventos/{SLUG}", headers={"If-None-Match": etag_a}))
        print(f"agenda con la página ya en caché: {n_cache} consultas; agenda 304: {n_304}; API 304: {n_api_304}")

        # c. Tiempos en el proceso
        titulo(f"Tiempos en el proceso (test_client, {ITERACIONES} iteraciones)")
        tiempos = medir_en_proceso(app, cliente)
        etiquetas = {
            "pagina_sin_cache": "agenda sin caché (cache.clear())",
            "api": "documento API (sin caché)",
            "pagina_con_cache": "agenda con caché",
            "pagina_304": "agenda 304 (If-None-Match)",
            "api_304": "API 304 (If-None-Match)",
        }
        for clave, texto in etiquetas.items():
            v = tiempos[clave]
            print(f"{texto:<34} mediana {ms(statistics.median(v))}   p95 {ms(percentil(v, 95))}")

        if args.perfil:
            perfil(app, cliente)

        # d. HTTP con gunicorn (2 workers) y wrk
        resultados_http = {}
        if not args.sin_http:
            titulo("HTTP: gunicorn -w 2 + wrk -t2 -c8 -d10s")
            resultados_http = medir_http(entorno, carpeta, f"/eventos/{SLUG}/")

        # e. Resumen
        titulo(f"RESUMEN ({'PostgreSQL' if args.postgres else 'SQLite'})")
        c300, c30 = filas[("agenda", 300)][0], filas[("agenda", 30)][0]
        a300, a30 = filas[("API", 300)][0], filas[("API", 30)][0]
        mediana_sin = statistics.median(tiempos["pagina_sin_cache"]) * 1000

        def estado(ok):
            return "OK" if ok else "FALLA"

        def fila(medida, valor, objetivo="", ok=None):
            marca = "" if ok is None else estado(ok)
            print(f"{medida:<42}{valor:>20}   {objetivo:<24}{marca}")

        sin, api = tiempos["pagina_sin_cache"], tiempos["api"]
        objetivo_c = f"≤ {OBJETIVO_CONSULTAS} y sin crecer"
        fila("medida", "valor", "objetivo")
        fila("consultas agenda (300 / 30 sesiones)", f"{c300} / {c30}", objetivo_c,
             c300 <= OBJETIVO_CONSULTAS and c300 <= c30)
        fila("consultas API (300 / 30 sesiones)", f"{a300} / {a30}", objetivo_c,
             a300 <= OBJETIVO_CONSULTAS and a300 <= a30)
        fila("agenda sin caché, mediana / p95", f"{mediana_sin:.1f} / {percentil(sin, 95) * 1000:.1f} ms",
             f"≤ {OBJETIVO_RENDER_MS} ms (mediana)", mediana_sin <= OBJETIVO_RENDER_MS)
        fila("API sin caché, mediana / p95",
             f"{statistics.median(api) * 1000:.1f} / {percentil(api, 95) * 1000:.1f} ms")
        fila("agenda con caché, mediana", f"{statistics.median(tiempos['pagina_con_cache']) * 1000:.2f} ms")
        fila("agenda 304, mediana", f"{statistics.median(tiempos['pagina_304']) * 1000:.2f} ms")
        for nombre, texto in (("GET", "HTTP agenda GET (caché), req/s / p99"), ("304", "HTTP agenda 304, req/s / p99")):
            r = resultados_http.get(nombre)
            if r is None:
                fila(texto, "(omitido)")
                continue
            fila(texto, f"{r['rps']:.0f} / {r['p99_ms']:.1f} ms", f"≥ {OBJETIVO_RPS} req/s",
                 r["rps"] >= OBJETIVO_RPS and r["no_2xx_3xx"] == 0)
    finally:
        if app is not None:
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
