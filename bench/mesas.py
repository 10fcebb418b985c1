"""Mesas de trabajo con 20 mesas × 30 preguntas y respuestas de 2 000 caracteres: la síntesis de la
organización (en el proceso) y el autoguardado de 20 moderaciones a la vez (PUT de la API, por HTTP contra
gunicorn + PostgreSQL).

    .venv/bin/python bench/mesas.py                  # PostgreSQL: base eventos_bench_mesas (se crea y se borra)
    .venv/bin/python bench/mesas.py --sqlite         # SQLite en una carpeta temporal
    .venv/bin/python bench/mesas.py --sin-http       # solo la síntesis en el proceso
    .venv/bin/python bench/mesas.py --procesos 4     # procesos de gunicorn (2 por omisión)

Objetivos: síntesis ≤ 100 ms (mediana) con un número de consultas que no crece con mesas ni respuestas;
autoguardado p99 ≤ 50 ms con 20 moderaciones a la vez, sin ningún 409 (cada una escribe su mesa con su
versión). Ver bench/LEEME.md.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

from agenda import ContadorSQL, base_de_medicion, parar, percentil, puerto_libre, titulo  # noqa: E402

BASE_PG = "eventos_bench_mesas"
SLUG = "foro-mesas"
MESAS = 20
BLOQUES = 3
PREGUNTAS_POR_BLOQUE = 10
LARGO = 2000
ITERACIONES = 30
DURACION_S = 20
CADA_S = 1.0  # cada moderación guarda una vez por segundo (el navegador espera ~1 s sin teclear)
CORREO_ORGANIZACION = "organizacion@bench.org"
CLAVE_ORGANIZACION = "clave-de-la-organizacion-123"
OBJETIVO_SINTESIS_MS = 100
OBJETIVO_P99_MS = 50

PARRAFO = ("La mesa coincidió en que la **cooperación triangular** necesita reglas claras de corresponsabilidad, "
           "financiamiento previsible y mecanismos de seguimiento compartidos entre las instituciones. ")


def texto_respuesta(mesa: int, pregunta: int, marca: str = "") -> str:
    """~2 000 caracteres con el formato sencillo de un relator: párrafos, negritas y una lista."""
    cabeza = f"Mesa {mesa + 1}, pregunta {pregunta + 1}{marca}. "
    cuerpo = cabeza
    while len(cuerpo) < LARGO - 260:
        cuerpo += PARRAFO
        if len(cuerpo) % 3 == 0:
            cuerpo += "\n\n"
    lista = "\n\n- Primer acuerdo de la mesa sobre el tema.\n- Segundo acuerdo, con matices.\n- Tercer acuerdo: seguimiento.\n"
    return (cuerpo.strip() + lista)[:LARGO]


def puntos(mesa: int, pregunta: int) -> list[str]:
    return [f"Punto clave {k + 1} de la mesa {mesa + 1} sobre la pregunta {pregunta + 1}: acordar responsables y plazos."
            for k in range(4)]


def programa_de_mesas() -> dict:
    from eventos.servicios import programa
    return {
        "formato": programa.FORMATO,
        "evento": {"slug": SLUG, "titulo": "Foro de prueba de mesas", "estado": "publicado",
                   "zona_horaria": "America/Mexico_City", "fecha_inicio": "2027-05-10", "fecha_fin": "2027-05-10",
                   "objetivos": "- Sistematizar lo conversado en las mesas.",
                   "resultados_esperados": "1. Un informe común."},
        "sesiones": [{"clave": "mesas", "titulo": "Mesas de trabajo", "tipo": "mesas_de_trabajo",
                      "inicio": "2027-05-10 10:00", "fin": "2027-05-10 13:00"}],
        "mesas": [{"clave": f"mesa-{n + 1}", "nombre": f"Mesa {n + 1}", "sesiones": ["mesas"]} for n in range(MESAS)],
        "guias": [{"pregunta_rectora": "¿Qué acciones locales harían el mundo más inclusivo?",
                   "bloques": [{"titulo": f"Ronda {b + 1}",
                                "preguntas": [{"numero": b * PREGUNTAS_POR_BLOQUE + k + 1,
                                               "texto": f"Pregunta {b * PREGUNTAS_POR_BLOQUE + k + 1} de la guía común"}
                                              for k in range(PREGUNTAS_POR_BLOQUE)]}
                               for b in range(BLOQUES)]}],
    }


def crear_aplicacion(url_bd: str, carpeta: Path):
    from app import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo"),
                       "MATERIALES_CARPETA": str(carpeta / "materiales"), "ARGON2_PERFIL": "pruebas",
                       "LIMITE_INGRESO": "10000 per minute"})


def preparar(app) -> dict:
    """Esquema, el foro, una persona organizadora, 20 moderaciones (una por mesa, con su clave de API) y
    las 600 respuestas ya guardadas (versión 1)."""
    from flask_migrate import upgrade

    from eventos.cuentas.servicios import crear_usuario
    from eventos.extensiones import db
    from eventos.mesas import servicios
    from eventos.modelos import Evento, Mesa, RolEvento, TokenApi
    from eventos.servicios import programa

    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        programa.importar(programa_de_mesas())
        db.session.commit()
        evento = db.session.execute(select(Evento).where(Evento.slug == SLUG)).scalar_one()
        organizacion = crear_usuario(CORREO_ORGANIZACION, "Organización", CLAVE_ORGANIZACION)
        db.session.add(RolEvento(evento=evento, usuario=organizacion, rol="organizador"))
        mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id).order_by(Mesa.orden, Mesa.id)).scalars().all()
        moderaciones = []
        for n, mesa in enumerate(mesas):
            usuario = crear_usuario(f"moderacion-{n + 1}@bench.org", f"Moderación {n + 1}", "clave-de-moderacion-123")
            mesa.moderadores.append(usuario)
            moderaciones.append((usuario, TokenApi.crear(usuario, "bench")[1], mesa.id))
        db.session.commit()
        preguntas = [p.id for p in servicios.matriz(evento).preguntas]
        for n, (usuario, _clave, mesa_id) in enumerate(moderaciones):
            for k, pregunta_id in enumerate(preguntas):
                servicios.guardar(mesa_id, pregunta_id, servicios.validar(texto_respuesta(n, k), puntos(n, k), 5 + k % 7),
                                  0, usuario)
        print(f"Preparación: {time.perf_counter() - t0:.1f} s · {len(mesas)} mesas × {len(preguntas)} preguntas = "
              f"{len(mesas) * len(preguntas)} respuestas de {LARGO} caracteres con 4 puntos clave")
        datos = {"preguntas": preguntas,
                 "moderaciones": [{"clave": clave, "mesa_id": mesa_id} for _u, clave, mesa_id in moderaciones]}
        db.session.remove()
    return datos


# --------------------------------------------------------------------------------------------------
# a. La síntesis en el proceso

def entrar(cliente) -> None:
    pagina = cliente.get("/cuentas/entrar").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', pagina).group(1)
    r = cliente.post("/cuentas/entrar", data={"correo": CORREO_ORGANIZACION, "clave": CLAVE_ORGANIZACION,
                                             "csrf_token": token})
    if r.status_code != 302:
        raise SystemExit(f"no se pudo entrar: {r.status_code}")


def medir_en_proceso(app) -> dict:
    from eventos.extensiones import db
    cliente = app.test_client()
    with app.app_context():
        entrar(cliente)
        contador = ContadorSQL(db.engine)
    rutas = {
        "síntesis": f"/organizacion/eventos/{SLUG}/sintesis",
        "síntesis, una ronda": f"/organizacion/eventos/{SLUG}/sintesis?bloque=__BLOQUE__",
        "informe para imprimir": f"/organizacion/eventos/{SLUG}/sintesis/informe",
        "tablero (página)": f"/mesas/tablero/{SLUG}",
        "Markdown": f"/organizacion/eventos/{SLUG}/sintesis.md",
        "XLSX": f"/organizacion/eventos/{SLUG}/sintesis.xlsx",
        "DOCX": f"/organizacion/eventos/{SLUG}/sintesis.docx",
    }
    with app.app_context():
        from eventos.modelos import Bloque, Evento, Guia
        bloque = db.session.execute(select(Bloque.id).join(Guia).join(Evento).where(Evento.slug == SLUG)
                                    .order_by(Bloque.orden)).scalars().first()
    resultados = {}
    for nombre, ruta in rutas.items():
        ruta = ruta.replace("__BLOQUE__", str(bloque))
        n = ITERACIONES if nombre.startswith("síntesis") else 10
        for _ in range(3):  # calentar
            respuesta = cliente.get(ruta)
            if respuesta.status_code != 200:
                raise SystemExit(f"{ruta}: {respuesta.status_code}")
        consultas, respuesta = contador.contar(lambda: cliente.get(ruta))
        tiempos = []
        for _ in range(n):
            t0 = time.perf_counter()
            cliente.get(ruta)
            tiempos.append((time.perf_counter() - t0) * 1000)
        resultados[nombre] = {"mediana": statistics.median(tiempos), "p95": percentil(tiempos, 95), "n": n,
                              "consultas": consultas, "octetos": len(respuesta.data)}
        print(f"{nombre:24} mediana {resultados[nombre]['mediana']:7.1f} ms · p95 {resultados[nombre]['p95']:7.1f} ms "
              f"({n} veces) · {consultas} consultas SQL · {len(respuesta.data) / 1024:,.0f} KB")
    # La primera carga de un proceso: ningún texto convertido todavía.
    from eventos.mesas.exportar import html
    ruta = rutas["síntesis"]
    tiempos = []
    for _ in range(10):
        html.cache_clear()
        t0 = time.perf_counter()
        cliente.get(ruta)
        tiempos.append((time.perf_counter() - t0) * 1000)
    resultados["síntesis en frío"] = {"mediana": statistics.median(tiempos), "p95": percentil(tiempos, 95)}
    print(f"{'síntesis en frío':24} mediana {statistics.median(tiempos):7.1f} ms · p95 {percentil(tiempos, 95):7.1f} ms "
          f"(10 veces, sin el Markdown ya convertido)")
    # El tablero en reposo: el sondeo con la etiqueta vigente es un 304.
    r = cliente.get(f"/mesas/tablero/{SLUG}/respuestas.json")
    etiqueta = r.headers["ETag"]
    consultas, r304 = contador.contar(lambda: cliente.get(f"/mesas/tablero/{SLUG}/respuestas.json",
                                                          headers={"If-None-Match": etiqueta}))
    tiempos = []
    for _ in range(ITERACIONES):
        t0 = time.perf_counter()
        cliente.get(f"/mesas/tablero/{SLUG}/respuestas.json", headers={"If-None-Match": etiqueta})
        tiempos.append((time.perf_counter() - t0) * 1000)
    print(f"{'tablero, sondeo 304':24} mediana {statistics.median(tiempos):7.1f} ms · p95 {percentil(tiempos, 95):7.1f} ms "
          f"· {consultas} consultas SQL · estado {r304.status_code}")
    resultados["tablero 304"] = {"mediana": statistics.median(tiempos), "consultas": consultas}
    return resultados


# --------------------------------------------------------------------------------------------------
# b. Autoguardado por HTTP

def servir(entorno: dict, procesos: int, carpeta: Path) -> tuple[subprocess.Popen, int]:
    puerto = puerto_libre()
    registro = (carpeta / "gunicorn.log").open("wb")
    proceso = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", str(procesos),
                                "-b", f"127.0.0.1:{puerto}", "app:create_app()"],
                               cwd=RAIZ, env=entorno, stdout=registro, stderr=subprocess.STDOUT)
    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{puerto}/mesas/tablero/{SLUG}", timeout=5).status_code in (200, 403):
                return proceso, puerto
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    parar(proceso)
    raise SystemExit(f"gunicorn no respondió en 30 s; ver {carpeta / 'gunicorn.log'}")


def versiones_actuales(url_bd: str) -> dict:
    from eventos.modelos import Respuesta
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        filas = conexion.execute(select(Respuesta.mesa_id, Respuesta.pregunta_id, Respuesta.version)).all()
    motor.dispose()
    return {(m, p): v for m, p, v in filas}


def suma_versiones(url_bd: str) -> int:
    from eventos.modelos import Respuesta
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        total = conexion.execute(select(func.sum(Respuesta.version))).scalar_one()
    motor.dispose()
    return int(total)


def autoguardado_a_ritmo(puerto: int, datos: dict, versiones: dict, duracion_s: float = None) -> dict:
    """20 moderaciones a la vez, cada una guarda una respuesta de su mesa cada CADA_S (con un desfase al
    azar), durante DURACION_S. Latencia de cada PUT medida en el cliente."""
    duracion_s = DURACION_S if duracion_s is None else duracion_s
    base = f"http://127.0.0.1:{puerto}"
    latencias, codigos = [], []
    cerrojo = threading.Lock()
    barrera = threading.Barrier(len(datos["moderaciones"]))

    def moderar(n: int, moderacion: dict):
        sesion = requests.Session()
        cabeceras = {"Authorization": f"Bearer {moderacion['clave']}"}
        propias = {p: versiones[(moderacion["mesa_id"], p)] for p in datos["preguntas"]}
        azar = random.Random(n)
        barrera.wait()
        inicio = time.perf_counter() + azar.random() * CADA_S
        k = 0
        while True:
            momento = inicio + k * CADA_S
            if momento - inicio > duracion_s:
                break
            espera = momento - time.perf_counter()
            if espera > 0:
                time.sleep(espera)
            pregunta = datos["preguntas"][k % len(datos["preguntas"])]
            cuerpo = {"texto": texto_respuesta(n, k % len(datos["preguntas"]), f" (guardado {k})"),
                      "puntos_clave": puntos(n, k), "intervenciones": 7, "version": propias[pregunta]}
            t0 = time.perf_counter()
            r = sesion.put(f"{base}/api/v1/mesas/{moderacion['mesa_id']}/respuestas/{pregunta}", json=cuerpo,
                           headers=cabeceras, timeout=30)
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code == 200:
                propias[pregunta] = r.json()["version"]
            elif r.status_code == 409:
                propias[pregunta] = r.json()["actual"]["version"]
            with cerrojo:
                latencias.append(ms)
                codigos.append(r.status_code)
            k += 1

    hilos = [threading.Thread(target=moderar, args=(n, m)) for n, m in enumerate(datos["moderaciones"])]
    t0 = time.perf_counter()
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join()
    duracion = time.perf_counter() - t0
    return {"n": len(latencias), "por_segundo": len(latencias) / duracion, "p50": percentil(latencias, 50),
            "p95": percentil(latencias, 95), "p99": percentil(latencias, 99), "max": max(latencias),
            "ok": codigos.count(200), "conflictos": codigos.count(409),
            "otros": len(codigos) - codigos.count(200) - codigos.count(409)}


LUA = r"""
-- Un hilo de wrk por moderación, con una sola conexión: cada hilo escribe las respuestas de su mesa,
-- una tras otra, con la versión que le devolvió el guardado anterior.
local moderaciones = __MODERACIONES__
local texto = __TEXTO__
local puntos = '__PUNTOS__'
local hilos = {}
local contador = 0
function setup(t) contador = contador + 1; t:set("indice", contador); table.insert(hilos, t) end
function init(args)
  yo = moderaciones[indice]
  k, actual, ok, conflictos, otros = 0, 1, 0, 0, 0
end
function request()
  k = k + 1
  actual = ((k - 1) % #yo.preguntas) + 1
  local cuerpo = '{"texto":' .. string.sub(texto, 1, -2) .. ' (wrk ' .. k .. ')","puntos_clave":' .. puntos ..
    ',"intervenciones":7,"version":' .. yo.versiones[actual] .. '}'
  return wrk.format("PUT", "/api/v1/mesas/" .. yo.mesa .. "/respuestas/" .. yo.preguntas[actual],
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. yo.clave}, cuerpo)
end
function response(status, headers, body)
  -- 200: la respuesta guardada; 409: «actual» va antes que «enviado» (claves en orden): su versión es la primera.
  local v = tonumber(string.match(body, '"version":%s*(%d+)'))
  if status == 200 then ok = ok + 1 elseif status == 409 then conflictos = conflictos + 1 else otros = otros + 1 end
  if v then yo.versiones[actual] = v end
end
function done(summary, latency, requests)
  local o, c, e = 0, 0, 0
  for _, t in ipairs(hilos) do o = o + t:get("ok"); c = c + t:get("conflictos"); e = e + t:get("otros") end
  io.write(string.format("PUT ok=%d conflictos=%d otros=%d\n", o, c, e))
end
"""


def guion_wrk(datos: dict, versiones: dict, carpeta: Path) -> Path:
    def lua_tabla(moderacion):
        preguntas = datos["preguntas"]
        return ("{clave='%s', mesa=%d, preguntas={%s}, versiones={%s}}" % (
            moderacion["clave"], moderacion["mesa_id"], ",".join(map(str, preguntas)),
            ",".join(str(versiones[(moderacion["mesa_id"], p)]) for p in preguntas)))
    texto = json.dumps(texto_respuesta(0, 0))
    assert "]]" not in texto
    guion = (LUA.replace("__MODERACIONES__", "{" + ",\n".join(lua_tabla(m) for m in datos["moderaciones"]) + "}")
             .replace("__TEXTO__", "[[" + texto + "]]")
             .replace("__PUNTOS__", json.dumps(puntos(0, 0))))
    ruta = carpeta / "autoguardado.lua"
    ruta.write_text(guion)
    return ruta


def autoguardado_sin_pausa(puerto: int, datos: dict, versiones: dict, carpeta: Path) -> dict:
    """Saturación: wrk con 20 hilos (uno por moderación, una conexión cada uno) que guardan sin esperar."""
    n = len(datos["moderaciones"])
    orden = ["wrk", f"-t{n}", f"-c{n}", "-d10s", "--latency", "-s", str(guion_wrk(datos, versiones, carpeta)),
             f"http://127.0.0.1:{puerto}"]
    salida = subprocess.run(orden, capture_output=True, text=True, timeout=60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", salida).group(1))
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\b", salida, re.M)
    p50 = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s)\b", salida, re.M)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    cuentas = re.search(r"PUT ok=(\d+) conflictos=(\d+) otros=(\d+)", salida)
    return {"salida": salida.rstrip(), "por_segundo": rps,
            "p50": float(p50.group(1)) * factor[p50.group(2)], "p99": float(p99.group(1)) * factor[p99.group(2)],
            "ok": int(cuentas.group(1)), "conflictos": int(cuentas.group(2)), "otros": int(cuentas.group(3))}


def medir_http(url_bd: str, carpeta: Path, datos: dict, procesos: int) -> dict:
    entorno = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    entorno.update({"DATABASE_URL": url_bd, "SECRET_KEY": "bench-mesas", "MAIL_CARPETA": str(carpeta / "correo")})
    gunicorn, puerto = servir(entorno, procesos, carpeta)
    resultados = {}
    try:
        print(f"gunicorn PID {gunicorn.pid} con {procesos} procesos en 127.0.0.1:{puerto}")
        # Calentamiento (no se mide): cada proceso abre su conexión y carga lo que carga la primera vez.
        autoguardado_a_ritmo(puerto, datos, versiones_actuales(url_bd), duracion_s=3)
        antes = suma_versiones(url_bd)
        r = autoguardado_a_ritmo(puerto, datos, versiones_actuales(url_bd))
        despues = suma_versiones(url_bd)
        print(f"a ritmo (cada moderación guarda cada {CADA_S:g} s, {DURACION_S} s): {r['n']} PUT, "
              f"{r['por_segundo']:.1f}/s · p50 {r['p50']:.1f} ms · p95 {r['p95']:.1f} ms · p99 {r['p99']:.1f} ms · "
              f"máx {r['max']:.1f} ms · 200: {r['ok']} · 409: {r['conflictos']} · otros: {r['otros']}")
        print(f"    versiones en la base: +{despues - antes} (una por guardado aceptado: {r['ok']})")
        r["versiones_ok"] = despues - antes == r["ok"]
        resultados["a ritmo"] = r

        antes = suma_versiones(url_bd)
        r = autoguardado_sin_pausa(puerto, datos, versiones_actuales(url_bd), carpeta)
        despues = suma_versiones(url_bd)
        print(r["salida"])
        print(f"sin pausa (wrk, 20 hilos × 1 conexión, 10 s): {r['por_segundo']:.1f} PUT/s · p50 {r['p50']:.1f} ms · "
              f"p99 {r['p99']:.1f} ms · 200: {r['ok']} · 409: {r['conflictos']} · otros: {r['otros']}")
        # wrk deja de contar al acabar los 10 s: lo que estaba en vuelo (≤ una petición por conexión) se
        # guarda en la base sin que wrk vea su respuesta.
        en_vuelo = len(datos["moderaciones"])
        print(f"    versiones en la base: +{despues - antes} (una por guardado aceptado: {r['ok']}, más las "
              f"≤ {en_vuelo} en vuelo al parar wrk)")
        r["versiones_ok"] = 0 <= despues - antes - r["ok"] <= en_vuelo
        resultados["sin pausa"] = r
    finally:
        parar(gunicorn)
    return resultados


# --------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="SQLite en una carpeta temporal en vez de PostgreSQL")
    parser.add_argument("--sin-http", action="store_true", help="solo la síntesis en el proceso (sin gunicorn ni wrk)")
    parser.add_argument("--procesos", type=int, default=2, help="procesos de gunicorn (2 por omisión)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventos-bench-mesas-") as tmp, \
            base_de_medicion(args.sqlite, Path(tmp), BASE_PG) as url_bd:
        carpeta = Path(tmp)
        carga = os.getloadavg()
        print(f"Base: {url_bd} · CPU: {os.cpu_count()} · carga media (1/5/15 min): {carga[0]:.2f} {carga[1]:.2f} "
              f"{carga[2]:.2f}")
        app = crear_aplicacion(url_bd, carpeta)
        datos = preparar(app)
        titulo("Síntesis en el proceso (test_client)")
        en_proceso = medir_en_proceso(app)
        with app.app_context():
            from eventos.extensiones import db
            db.engine.dispose()
        http = {}
        if not args.sin_http:
            titulo("Autoguardado por HTTP (PUT /api/v1/mesas/<mesa>/respuestas/<pregunta>)")
            http = medir_http(url_bd, carpeta, datos, args.procesos)

    carga = os.getloadavg()
    titulo(f"RESUMEN (carga media al terminar: {carga[0]:.2f} {carga[1]:.2f} {carga[2]:.2f})")
    s = en_proceso["síntesis"]
    print(f"síntesis 20 × 30: mediana {s['mediana']:.1f} ms, p95 {s['p95']:.1f} ms, {s['consultas']} consultas "
          f"(una ronda: {en_proceso['síntesis, una ronda']['consultas']})  "
          + ("OK" if s["mediana"] <= OBJETIVO_SINTESIS_MS else "FALLA") + f" (objetivo ≤ {OBJETIVO_SINTESIS_MS} ms)")
    print(f"    en frío (primera carga de un proceso): mediana {en_proceso['síntesis en frío']['mediana']:.1f} ms")
    for nombre, r in http.items():
        # El objetivo es el de 20 moderaciones escribiendo (a ritmo); «sin pausa» satura la máquina a propósito
        # para dar el techo de guardados por segundo: su latencia es informativa.
        ok = r["conflictos"] == 0 and r["otros"] == 0 and r["versiones_ok"]
        if nombre == "a ritmo":
            veredicto = ("OK" if ok and r["p99"] <= OBJETIVO_P99_MS else "FALLA") + \
                f" (objetivo p99 ≤ {OBJETIVO_P99_MS} ms, sin 409)"
        else:
            veredicto = ("OK" if ok else "FALLA") + " (techo con la máquina saturada: sin 409 ni errores)"
        print(f"autoguardado {nombre:9}: p99 {r['p99']:.1f} ms, {r['por_segundo']:.1f} PUT/s, 409: {r['conflictos']}, "
              f"otros errores: {r['otros']}  " + veredicto)


if __name__ == "__main__":
    main()
