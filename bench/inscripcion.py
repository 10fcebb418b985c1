"""Inscripciones por segundo sobre HTTP: gunicorn (2 procesos) + PostgreSQL, carga acotada con wrk.

    /work/venv/bin/python bench/inscripcion.py              # PostgreSQL (base eventos_bench_inscripcion)
    /work/venv/bin/python bench/inscripcion.py --sqlite     # SQLite en una carpeta temporal

Cada petición es una inscripción nueva (correo único) con su token CSRF, como la enviaría el
navegador: valida el formulario, bloquea el evento, cuenta plazas y guarda la inscripción y el aviso
de correo en la misma transacción. Se mide de dos maneras:
- «proceso aparte»: los procesos web solo anotan el correo; un proceso de correo
  (`flask correo enviar --continuo`) corre a la vez en la misma máquina y compone y entrega
  (QR, .ics); se informa cuánto tarda en vaciar la bandeja al terminar la carga.
- «al responder» (sin configurar nada): cada proceso web compone y entrega tras responder.
Objetivos: ≥ 150 inscripciones/s y p99 ≤ 150 ms.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))

BASE_PG = "eventos_bench_inscripcion"
SERVIDOR_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DURACION = 10

LUA = """
local contador = 0
local hilo = 0
function setup(t) hilo = hilo + 1; t:set("hilo", hilo) end
function init(args) mi_hilo = wrk.thread:get("hilo") or 0 end
request = function()
  contador = contador + 1
  local correo = "p" .. mi_hilo .. "-" .. contador .. "-" .. math.random(1, 1000000000) .. "%40bench.org"
  local cuerpo = "csrf_token=" .. "{token}" .. "&nombre=Persona&apellidos=De+Prueba&correo=" .. correo ..
    "&institucion=Municipio&cargo=Enlace&pais=MX&ciudad=Puebla&consentimiento=y"
  return wrk.format("POST", "{ruta}", {{["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "{cookie}"}}, cuerpo)
end
"""


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def preparar(url_bd: str, carpeta: Path):
    from flask_migrate import upgrade

    from app import create_app
    from eventos.extensiones import db
    from eventos.servicios import programa

    app = create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo"),
                      "MATERIALES_CARPETA": str(carpeta / "materiales")})
    with app.app_context():
        upgrade()
        programa.importar({
            "formato": programa.FORMATO,
            "evento": {"slug": "foro-inscripciones", "titulo": "Foro de prueba de inscripciones", "estado": "publicado",
                       "zona_horaria": "America/Mexico_City", "fecha_inicio": "2027-05-10", "fecha_fin": "2027-05-11",
                       "inscripcion": {"apertura": "2020-01-01 00:00", "cierre": "2027-05-09 00:00", "cupo": 1000000}},
            "sesiones": [{"clave": f"s{n}", "titulo": f"Sesión {n}", "tipo": "plenaria",
                          "inicio": f"2027-05-1{n // 4} {9 + n % 4:02d}:00", "fin": f"2027-05-1{n // 4} {9 + n % 4:02d}:45"}
                         for n in range(8)],
        })
        db.session.commit()
        db.engine.dispose()


def contar(url_bd: str) -> dict:
    from eventos.modelos import CorreoSaliente, Inscripcion
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        estados = dict(conexion.execute(select(Inscripcion.estado, func.count()).group_by(Inscripcion.estado)).all())
        correos = dict(conexion.execute(select(CorreoSaliente.estado, func.count()).group_by(CorreoSaliente.estado)).all())
    motor.dispose()
    return {"inscripciones": estados, "correos": correos}


def medir(url_bd: str, carpeta: Path, proceso_aparte: bool) -> dict:
    puerto = puerto_libre()
    entorno = {**os.environ, "DATABASE_URL": url_bd, "SECRET_KEY": "bench-inscripcion",
               "MAIL_CARPETA": str(carpeta / "correo"), "LIMITE_INSCRIPCION": "10000000 per minute",
               "CORREO_PROCESO_APARTE": "1" if proceso_aparte else "0"}
    entorno.pop("REDIS_URL", None)
    binarios = Path(sys.executable).parent
    procesos = [subprocess.Popen([str(binarios / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{puerto}",
                                  "app:create_app()"],
                                 cwd=RAIZ, env=entorno, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    if proceso_aparte:
        # Trabajo de fondo con menos prioridad de CPU que las peticiones (así se despliega: ver README).
        procesos.append(subprocess.Popen(["nice", "-n", "15", str(binarios / "flask"), "--app", "app", "correo", "enviar",
                                          "--continuo", "--cada", "0.5"],
                                         cwd=RAIZ, env=entorno, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    base = f"http://127.0.0.1:{puerto}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        sesion = requests.Session()
        ruta = "/eventos/foro-inscripciones/inscripcion"
        pagina = sesion.get(base + ruta).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', pagina).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in sesion.cookies)
        guion = carpeta / "inscribir.lua"
        guion.write_text(LUA.format(token=token, ruta=ruta, cookie=cookie))
        salida = subprocess.run(["wrk", "-t2", "-c8", f"-d{DURACION}s", "--latency", "-s", str(guion), base + ruta],
                                capture_output=True, text=True, timeout=DURACION + 30).stdout
        fin_carga = time.perf_counter()
        vaciado = None
        for _ in range(600):  # la bandeja de salida se vacía (acotado: 60 s)
            pendientes = contar(url_bd)["correos"]
            if not pendientes.get("pendiente"):
                vaciado = time.perf_counter() - fin_carga
                break
            time.sleep(0.1)
    finally:
        for proceso in procesos:
            proceso.terminate()
            try:
                proceso.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proceso.kill()
    print(salida)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", salida)
    errores = re.search(r"Non-2xx or 3xx responses: (\d+)", salida)
    return {"por_segundo": float(re.search(r"Requests/sec:\s+([\d.]+)", salida).group(1)),
            "p99_ms": float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)],
            "errores": int(errores.group(1)) if errores else 0, "vaciado_s": vaciado}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="usar SQLite en vez de PostgreSQL")
    args = parser.parse_args()
    resultados = {}
    for modo, aparte in (("proceso aparte", True), ("al responder", False)):
        carpeta = Path(tempfile.mkdtemp(prefix="eventos-bench-inscripcion-"))
        if args.sqlite:
            url_bd = f"sqlite:///{carpeta / 'bench.sqlite3'}"
        else:
            admin = create_engine(SERVIDOR_PG + "postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conexion:
                conexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)"))
                conexion.execute(text(f"CREATE DATABASE {BASE_PG}"))
            url_bd = SERVIDOR_PG + BASE_PG
        print(f"== Correo {modo} · {url_bd} ==")
        preparar(url_bd, carpeta)
        resultados[modo] = medir(url_bd, carpeta, aparte)
        resultados[modo]["base"] = contar(url_bd)
        resultados[modo]["eml"] = len(list((carpeta / "correo").glob("*.eml")))
    if not args.sqlite:
        admin = create_engine(SERVIDOR_PG + "postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conexion:
            conexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)"))
    print("== RESUMEN ==  objetivos: ≥ 150 inscripciones/s, p99 ≤ 150 ms")
    for modo, r in resultados.items():
        ok = "OK" if r["por_segundo"] >= 150 and r["p99_ms"] <= 150 else "FALLA"
        vaciado = f"{r['vaciado_s']:.1f} s" if r["vaciado_s"] is not None else "más de 60 s"
        print(f"correo {modo:15} {r['por_segundo']:7.1f}/s  p99 {r['p99_ms']:6.1f} ms  no 2xx/3xx {r['errores']}  "
              f"bandeja vacía {vaciado} tras la carga  {ok}")
        print(f"    en la base: {r['base']}; correos escritos: {r['eml']}")


if __name__ == "__main__":
    main()
