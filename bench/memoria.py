"""Memoria de cada worker de gunicorn (2 workers, con `gunicorn.conf.py`: aplicación precargada) tras una carga
mixta: agenda (con varias `?tz=`), `.ics` del programa, inscripciones, acreditación con clave de API, síntesis
de las mesas y credencial en PDF. Al lado, la misma carga sin precarga.

    .venv/bin/python bench/memoria.py                # PostgreSQL: base eventos_bench_memoria (se crea y se borra)
    .venv/bin/python bench/memoria.py --sqlite       # SQLite en una carpeta temporal
    .venv/bin/python bench/memoria.py --rondas 80    # rondas de la carga mixta (40 por omisión)
    .venv/bin/python bench/memoria.py --detalle      # además: qué crece en un proceso con la misma carga

Objetivo: RSS ≤ 110 MB por worker tras la carga. Ver bench/LEEME.md.
"""
from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

from agenda import base_de_medicion, parar, puerto_libre  # noqa: E402
from foro_sintetico import SLUG, crear_foro, evento_de_hoy  # noqa: E402
from mesas import puntos, texto_respuesta  # noqa: E402

BASE_PG = "eventos_bench_memoria"
SLUG_PUERTA = "foro-memoria-puerta"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TECHO_MB = 110
HILOS = 4
RONDAS_DETALLE = 8  # con tracemalloc cada ronda es unas diez veces más lenta
CONFIRMADAS = 40  # del foro, con credencial
LECTURAS = 2000  # inscripciones del evento de hoy, una por lectura de la puerta
ZONAS = ("", "America/Montevideo", "Europe/Madrid", "Asia/Tokyo", "America/Bogota", "UTC")
CORREO_ORGANIZACION = "organizacion@bench.org"
CLAVE = "clave-de-la-organizacion-123"
BASE_LOCAL = "http://localhost"  # la del cliente de pruebas, en --detalle


# --------------------------------------------------------------------------------------------------
# Datos

def crear_aplicacion(url_bd: str, carpeta: Path):
    from app import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo"),
                       "MATERIALES_CARPETA": str(carpeta / "materiales"), "ARGON2_PERFIL": "pruebas"})


def preparar(app) -> dict:
    """El foro sintético de 300 sesiones con la inscripción abierta, CONFIRMADAS personas confirmadas, una
    persona organizadora, una moderadora con las respuestas de sus 10 mesas × 20 preguntas; y un evento de hoy
    (la puerta solo acredita en las fechas del evento) con LECTURAS inscripciones y una clave de API."""
    from flask_migrate import upgrade

    from eventos.cuentas.servicios import crear_usuario
    from eventos.extensiones import db
    from eventos.mesas import servicios as mesas
    from eventos.modelos import Evento, Inscripcion, Mesa, RolEvento, TokenApi
    from eventos.modelos.inscripciones import secreto
    from eventos.qr import PREFIJO_CODIGO
    from eventos.zonas import ahora

    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        crear_foro()
        evento = db.session.execute(select(Evento).where(Evento.slug == SLUG)).scalar_one()
        evento.inscripcion_cierre = ahora() + timedelta(days=30)
        organizacion = crear_usuario(CORREO_ORGANIZACION, "Organización", CLAVE)
        db.session.add(RolEvento(evento=evento, usuario=organizacion, rol="organizador"))
        moderacion = crear_usuario("moderacion@bench.org", "Moderación", "clave-de-moderacion-123")
        lista_mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id)).scalars().all()
        for mesa in lista_mesas:
            mesa.moderadores.append(moderacion)
        momento = ahora()

        def inscripciones(evento_id, cuantas, prefijo, **extra):
            return [{"evento_id": evento_id, "nombre": f"Persona {n}", "apellidos": "Bench Núñez",
                     "correo": f"{prefijo}{n}@bench.org", "institucion": "Municipio", "cargo": "Enlace", "pais": "MX",
                     "ciudad": "Puebla", "modalidad": "", "respuestas": {}, "estado": "confirmada",
                     "clave_gestion": secreto(), "clave_calendario": secreto(), "version_calendario": 0,
                     "codigo": secreto(), "zona_horaria": "", "idioma": "es", "consentimiento_en": momento,
                     "creado_en": momento, "actualizado_en": momento, "confirmada_en": momento, **extra}
                    for n in range(cuantas)]

        db.session.execute(Inscripcion.__table__.insert(),
                           inscripciones(evento.id, CONFIRMADAS, "foro", modalidad="presencial"))
        puerta = evento_de_hoy(SLUG_PUERTA, "Foro de hoy para la puerta")
        acreditador = crear_usuario("puerta@bench.org", "Puerta", "clave-de-la-puerta-123")
        db.session.add(RolEvento(evento=puerta, usuario=acreditador, rol="acreditador"))
        _, clave_api = TokenApi.crear(acreditador, "bench")
        lecturas = inscripciones(puerta.id, LECTURAS, "puerta")
        db.session.execute(Inscripcion.__table__.insert(), lecturas)
        db.session.commit()
        preguntas = [p.id for p in mesas.matriz(evento).preguntas]
        for n, mesa in enumerate(lista_mesas):
            for k, pregunta_id in enumerate(preguntas):
                mesas.guardar(mesa.id, pregunta_id, mesas.validar(texto_respuesta(n, k), puntos(n, k), 5 + k % 7),
                              0, moderacion)
        db.session.commit()
        confirmadas = db.session.execute(select(Inscripcion.id).where(Inscripcion.evento_id == evento.id)
                                         .order_by(Inscripcion.id)).scalars().all()
        print(f"Preparación: {time.perf_counter() - t0:.1f} s · foro de 300 sesiones, {len(confirmadas)} confirmadas, "
              f"{len(lista_mesas)} mesas × {len(preguntas)} respuestas; evento de hoy con {LECTURAS} inscripciones")
        db.session.remove()
        db.engine.dispose()
    return {"clave_api": clave_api, "codigos": [PREFIJO_CODIGO + f["codigo"] for f in lecturas],
            "confirmadas": confirmadas}


# --------------------------------------------------------------------------------------------------
# Carga mixta

class Carga:
    """Las peticiones de una ronda, con sus respuestas esperadas; cuenta las que no lo fueron."""

    def __init__(self, base: str, datos: dict):
        self.base, self.datos = base, datos
        self.cerrojo = threading.Lock()
        self.errores: list[str] = []
        self.peticiones = 0
        self.organizacion = requests.Session()
        pagina = self.organizacion.get(base + "/cuentas/entrar").text
        r = self.organizacion.post(base + "/cuentas/entrar", allow_redirects=False,
                                   data={"correo": CORREO_ORGANIZACION, "clave": CLAVE, "csrf_token": _token(pagina)})
        if r.status_code != 302:
            raise SystemExit(f"no se pudo entrar en la oficina: {r.status_code}")

    def comprobar(self, nombre: str, respuesta, estado: int, tipo: str = "") -> None:
        with self.cerrojo:
            self.peticiones += 1
            if respuesta.status_code != estado or tipo not in respuesta.headers.get("Content-Type", ""):
                self.errores.append(f"{nombre}: {respuesta.status_code} {respuesta.headers.get('Content-Type')}")

    def agenda(self, _n: int) -> None:
        for zona in ZONAS:
            r = requests.get(f"{self.base}/eventos/{SLUG}/", params={"tz": zona} if zona else None)
            self.comprobar("agenda", r, 200, "text/html")

    def ics(self, _n: int) -> None:
        self.comprobar(".ics", requests.get(f"{self.base}/eventos/{SLUG}/calendario.ics"), 200, "text/calendar")

    def inscripcion(self, n: int) -> None:
        """Formulario y envío con su token CSRF, como un navegador; la persona participa en persona (su correo
        lleva el QR, que el worker compone tras responder)."""
        visitante = requests.Session()
        ruta = f"{self.base}/eventos/{SLUG}/inscripcion"
        pagina = visitante.get(ruta).text
        mesas_ids = re.findall(r'name="mesa"[^>]*value="(\d+)"', pagina)
        r = visitante.post(ruta, allow_redirects=False, data={
            "csrf_token": _token(pagina), "nombre": "Persona", "apellidos": "De Prueba",
            "correo": f"memoria-{n}-{time.monotonic_ns()}@bench.org", "institucion": "Municipio", "cargo": "Enlace",
            "pais": "MX", "ciudad": "Puebla", "consentimiento": "y", "modalidad": "presencial",
            "mesa": mesas_ids[n % len(mesas_ids)]})
        self.comprobar("inscripción", r, 302)

    def acreditacion(self, n: int) -> None:
        codigos = self.datos["codigos"]
        r = requests.post(f"{self.base}/api/v1/eventos/{SLUG_PUERTA}/acreditacion",
                          headers={"Authorization": f"Bearer {self.datos['clave_api']}"},
                          json={"codigo": codigos[n % len(codigos)], "sesion_id": None, "id_cliente": f"memoria-{n}"})
        self.comprobar("acreditación", r, 200, "application/json")

    def sintesis(self, _n: int) -> None:
        self.comprobar("síntesis", self.organizacion.get(f"{self.base}/organizacion/eventos/{SLUG}/sintesis"),
                       200, "text/html")

    def credencial(self, n: int) -> None:
        confirmadas = self.datos["confirmadas"]
        ruta = f"/organizacion/eventos/{SLUG}/inscripciones/{confirmadas[n % len(confirmadas)]}/credencial.pdf"
        self.comprobar("credencial PDF", self.organizacion.get(self.base + ruta), 200, "application/pdf")

    def ronda(self, n: int) -> None:
        """Ronda `n`: la persona n de la puerta y la confirmada n del foro (cada medición empieza en otra n)."""
        for peticion in (self.agenda, self.ics, self.inscripcion, self.acreditacion, self.sintesis, self.credencial):
            peticion(n)


def _token(pagina: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', pagina).group(1)


def cargar(base: str, datos: dict, rondas: int, primera: int) -> Carga:
    """Las rondas primera … primera + rondas - 1, de HILOS en HILOS a la vez."""
    carga = Carga(base, datos)
    with ThreadPoolExecutor(HILOS) as grupo:
        list(grupo.map(carga.ronda, range(primera, primera + rondas)))
    return carga


# --------------------------------------------------------------------------------------------------
# Procesos y memoria

def arrancar(entorno: dict, puerto: int, configuracion: Path, registro: Path) -> subprocess.Popen:
    with registro.open("wb") as salida:
        proceso = subprocess.Popen([GUNICORN, "-c", str(configuracion), "-w", "2", "-b", f"127.0.0.1:{puerto}",
                                    "app:create_app()"], cwd=RAIZ, env=entorno, stdout=salida, stderr=subprocess.STDOUT)
    for _ in range(300):
        if proceso.poll() is not None:
            raise SystemExit(f"gunicorn terminó con código {proceso.returncode}; ver {registro}")
        if len(workers(proceso.pid)) == 2:
            try:
                if requests.get(f"http://127.0.0.1:{puerto}/api/v1/salud", timeout=5).status_code == 200:
                    return proceso
            except requests.ConnectionError:
                pass
        time.sleep(0.2)
    parar(proceso)
    raise SystemExit(f"gunicorn no respondió en 60 s; ver {registro}")


def workers(maestro: int) -> list[int]:
    """Los procesos hijos del maestro (su PPid en /proc)."""
    hijos = []
    for entrada in os.listdir("/proc"):
        if entrada.isdigit():
            try:
                estado = Path(f"/proc/{entrada}/stat").read_text()
            except OSError:
                continue
            if int(estado.rsplit(")", 1)[1].split()[1]) == maestro:
                hijos.append(int(entrada))
    return sorted(hijos)


def memoria(pid: int) -> dict:
    """RSS (todas las páginas residentes, también las compartidas con el maestro), PSS (las compartidas,
    divididas entre quienes las comparten) y USS (solo las propias), en MiB."""
    campos = {}
    for linea in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        nombre, valor = linea.split(":")
        campos[nombre] = int(valor.split()[0])
    return {"rss": campos["Rss"] / 1024, "pss": campos["Pss"] / 1024,
            "uss": (campos["Private_Clean"] + campos["Private_Dirty"]) / 1024}


def conexiones_bd(pid: int, url_bd: str) -> int:
    """Conexiones a la base que tiene abiertas un proceso: sockets hacia el puerto 5432 (PostgreSQL) o
    descriptores del archivo de SQLite. Con la precarga, el maestro no debe tener ninguna."""
    destinos = []
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            destinos.append(os.readlink(descriptor))
        except OSError:  # se cerró mientras se miraba
            pass
    if url_bd.startswith("sqlite"):
        return destinos.count(url_bd.removeprefix("sqlite:///"))
    sockets = {d[len("socket:["):-1] for d in destinos if d.startswith("socket:[")}
    return sum(1 for linea in Path("/proc/net/tcp").read_text().splitlines()[1:]
               if linea.split()[2].endswith(":1538") and linea.split()[9] in sockets)  # 0x1538 = 5432


def medir(entorno: dict, carpeta: Path, datos: dict, rondas: int, precarga: bool) -> dict:
    """gunicorn con 2 workers, la carga mixta y la memoria de cada proceso al arrancar y tras la carga."""
    configuracion = RAIZ / "gunicorn.conf.py"
    if not precarga:  # la misma configuración, sin precarga: cada worker importa y crea la aplicación
        configuracion = carpeta / "sin_precarga.conf.py"
        configuracion.write_text(f"exec(open({str(RAIZ / 'gunicorn.conf.py')!r}).read())\npreload_app = False\n")
    puerto = puerto_libre()
    proceso = arrancar(entorno, puerto, configuracion, carpeta / f"gunicorn-{precarga}.log")
    try:
        pids = workers(proceso.pid)
        resultado = {"maestro": proceso.pid, "workers": pids,
                     "al_arrancar": {pid: memoria(pid) for pid in [proceso.pid, *pids]}}
        t0 = time.perf_counter()
        carga = cargar(f"http://127.0.0.1:{puerto}", datos, rondas, 0 if precarga else rondas)
        resultado.update(segundos=time.perf_counter() - t0, peticiones=carga.peticiones, errores=carga.errores,
                         tras_carga={pid: memoria(pid) for pid in [proceso.pid, *pids]},
                         conexiones={pid: conexiones_bd(pid, entorno["DATABASE_URL"]) for pid in [proceso.pid, *pids]},
                         workers_final=workers(proceso.pid))
        return resultado
    finally:
        parar(proceso)


# --------------------------------------------------------------------------------------------------
# Detalle: qué queda en la memoria de un proceso tras la misma carga

def detalle(app, datos: dict, rondas: int, primera: int) -> None:
    """La carga con el cliente de pruebas, en este proceso y con tracemalloc: la memoria de Python que queda
    retenida tras la primera petición de cada tipo y tras `rondas` rondas más, los módulos que se importan
    en cada paso y dónde se asignó lo retenido (paquete que asigna; línea de eventos/ más cercana)."""
    import tracemalloc
    from collections import Counter

    class Respuesta:  # lo que `Carga` lee de una respuesta de `requests`
        def __init__(self, r):
            self.status_code, self.headers, self.text = r.status_code, r.headers, r.get_data().decode(errors="replace")

    class Sesion:  # `buffered`: el trabajo de después de responder (el correo con su QR) se hace en su paso
        def __init__(self):
            self.cliente = app.test_client()

        def get(self, url, params=None, **_):
            return Respuesta(self.cliente.get(url.removeprefix(BASE_LOCAL), query_string=params, buffered=True))

        def post(self, url, data=None, json=None, headers=None, **_):
            return Respuesta(self.cliente.post(url.removeprefix(BASE_LOCAL), data=data, json=json, headers=headers,
                                               buffered=True))

    def paquete(marco) -> str:
        nombre = marco.filename
        if "site-packages/" in nombre:
            return nombre.split("site-packages/")[1].split("/")[0].removesuffix(".py")
        return nombre.replace(f"{RAIZ}/", "") if nombre.startswith(str(RAIZ)) else nombre.rsplit("/", 1)[-1]

    original = (requests.Session, requests.get, requests.post)
    # Cada inscripción espera a que el cartero de este proceso entregue su correo (como en las pruebas): así
    # el correo con su QR cuenta en su paso. Al terminar, este proceso deja de entregar correo.
    app.config["CORREO_ESPERAR_ENTREGA"] = True
    requests.Session = Sesion
    requests.get = lambda url, **k: Sesion().get(url, **k)
    requests.post = lambda url, **k: Sesion().post(url, **k)
    tracemalloc.start(16)
    try:
        carga = Carga(BASE_LOCAL, datos)
        gc.collect()
        foto = tracemalloc.take_snapshot()
        print("\n== En un proceso, con tracemalloc: memoria de Python retenida tras cada paso ==")
        anterior, modulos = tracemalloc.get_traced_memory()[0], set(sys.modules)
        pasos = [("agenda (6 zonas)", carga.agenda), (".ics", carga.ics), ("inscripción", carga.inscripcion),
                 ("acreditación", carga.acreditacion), ("síntesis", carga.sintesis),
                 ("credencial PDF", carga.credencial),
                 (f"{rondas} rondas más", lambda n: [carga.ronda(k) for k in range(n + 1, n + 1 + rondas)])]
        for nombre, paso in pasos:
            paso(primera)
            gc.collect()
            actual, nuevos = tracemalloc.get_traced_memory()[0], set(sys.modules) - modulos
            nombres = sorted({m if m.startswith("eventos.") else m.split(".")[0] for m in nuevos})
            print(f"{nombre:22} {(actual - anterior) / 2**20:+6.1f} MB · {len(nuevos)} módulos nuevos: "
                  f"{', '.join(nombres)}")
            anterior, modulos = actual, set(sys.modules)
        despues = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
        requests.Session, requests.get, requests.post = original
        app.config["CORREO_AL_RESPONDER"] = False
    por_paquete, por_linea = Counter(), Counter()
    for d in despues.compare_to(foto, "traceback"):
        marcos = list(reversed(d.traceback))  # el más reciente primero
        importando = next((k for k, m in enumerate(marcos) if "importlib._bootstrap" in m.filename), None)
        if importando is not None:  # código y datos de un módulo importado durante la carga
            clave = "importar " + (paquete(marcos[importando - 1]) if importando else "(código de módulos)")
            por_paquete[clave] += d.size_diff
            por_linea[clave] += d.size_diff
            continue
        por_paquete[paquete(marcos[0])] += d.size_diff
        cercano = next((m for m in marcos if m.filename.startswith(f"{RAIZ}/eventos/")), None)
        por_linea[f"{paquete(cercano)}:{cercano.lineno}" if cercano else f"(fuera de eventos/) {paquete(marcos[0])}"] \
            += d.size_diff
    print(f"{len(carga.errores)} respuestas inesperadas; retenido en total: {sum(por_paquete.values()) / 2**20:.1f} MB")
    for titulo, contador in (("por paquete que asigna", por_paquete),
                             ("por la línea de eventos/ más cercana", por_linea)):
        print(f"-- {titulo}")
        for clave, octetos in contador.most_common(15):
            print(f"   {octetos / 2**20:6.2f} MB  {clave}")
    for nombre in ("cache", "memoria"):
        almacen = app.extensions.get(nombre)
        if hasattr(almacen, "bytes_usados"):
            print(f"app.extensions[{nombre!r}]: {almacen.bytes_usados / 2**20:.1f} MB en {len(almacen)} entradas "
                  f"(máximo {almacen.bytes_maximos / 2**20:.0f} MB)")


# --------------------------------------------------------------------------------------------------

def imprimir(titulo: str, r: dict) -> list[float]:
    print(f"\n== {titulo}: maestro {r['maestro']}, workers {r['workers']} · {r['peticiones']} peticiones en "
          f"{r['segundos']:.1f} s, {len(r['errores'])} inesperadas ==")
    for error in sorted(set(r["errores"]))[:10]:
        print(f"   ! {error}")
    if r["workers_final"] != r["workers"]:
        print(f"   ! los workers cambiaron durante la carga: {r['workers']} → {r['workers_final']}")
    print(f"{'proceso':>16} {'RSS al arrancar':>16} {'RSS tras carga':>15} {'PSS':>8} {'USS':>8} {'conexiones BD':>14}"
          f"   techo {TECHO_MB} MB")
    rss = []
    for pid, m in r["tras_carga"].items():
        es_maestro = pid == r["maestro"]
        veredicto = "" if es_maestro else ("OK" if m["rss"] <= TECHO_MB else "FALLA")
        rss += [] if es_maestro else [m["rss"]]
        print(f"{('maestro ' if es_maestro else 'worker ') + str(pid):>16} {r['al_arrancar'][pid]['rss']:13.1f} MB "
              f"{m['rss']:12.1f} MB {m['pss']:5.1f} MB {m['uss']:5.1f} MB {r['conexiones'][pid]:14d}   {veredicto}")
    total_pss = sum(m["pss"] for m in r["tras_carga"].values())
    print(f"{'total (PSS)':>16} {'':16} {'':15} {total_pss:5.1f} MB")
    return rss


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="usar SQLite en vez de PostgreSQL")
    parser.add_argument("--rondas", type=int, default=40, help="rondas de la carga mixta (40 por omisión)")
    parser.add_argument("--detalle", action="store_true", help="además, la carga en el proceso con tracemalloc")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, base_de_medicion(args.sqlite, Path(tmp), BASE_PG) as url_bd:
        carpeta = Path(tmp)
        app = crear_aplicacion(url_bd, carpeta)
        datos = preparar(app)
        entorno = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEB_CONCURRENCY", "PORT")}
        entorno.update(DATABASE_URL=url_bd, SECRET_KEY="bench-memoria", MAIL_CARPETA=str(carpeta / "correo"),
                       MATERIALES_CARPETA=str(carpeta / "materiales"),
                       LIMITE_INSCRIPCION="1000000 per minute", LIMITE_INGRESO="1000 per minute")
        if args.detalle:  # antes que gunicorn: la bandeja de salida empieza vacía
            detalle(app, datos, RONDAS_DETALLE, 2 * args.rondas)
        con = medir(entorno, carpeta, datos, args.rondas, True)
        sin = medir(entorno, carpeta, datos, args.rondas, False)
        base = "SQLite" if args.sqlite else "PostgreSQL"
        rss_con = imprimir(f"{base}, gunicorn.conf.py (precarga)", con)
        rss_sin = imprimir(f"{base}, sin precarga (comparación)", sin)
    print(f"\n== Resumen ({base}, {args.rondas} rondas) ==")
    print(f"RSS por worker con precarga: {', '.join(f'{x:.1f}' for x in rss_con)} MB · "
          f"sin precarga: {', '.join(f'{x:.1f}' for x in rss_sin)} MB · techo {TECHO_MB} MB: "
          f"{'OK' if max(rss_con) <= TECHO_MB else 'FALLA'}")


if __name__ == "__main__":
    main()
