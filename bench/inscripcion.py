"""Inscripciones por segundo sobre HTTP: gunicorn (2 procesos) + PostgreSQL, carga acotada con wrk.

    .venv/bin/python bench/inscripcion.py              # PostgreSQL (base eventos_bench_inscripcion)
    .venv/bin/python bench/inscripcion.py --sqlite     # SQLite en una carpeta temporal

Cada petición es una inscripción nueva (correo único) con su token CSRF, como la enviaría el
navegador: valida el formulario, bloquea el evento, cuenta plazas y guarda la inscripción y el aviso
de correo en la misma transacción. Se mide de dos maneras:
- «sin configurar»: nada más que gunicorn; el cartero de cada proceso web compone y entrega (QR, .ics)
  cuando su proceso queda libre, es decir, al terminar la carga.
- «proceso aparte» (CORREO_PROCESO_APARTE=1): los procesos web solo anotan el correo; un proceso de
  correo (`flask correo enviar --continuo`, con `nice -n 15`) corre a la vez en la misma máquina.
Tras la carga se espera a que la bandeja se vacíe (se informa cuánto tardó) y se comprueba que cada
inscripción tiene exactamente un correo escrito. Una tercera medición repite la primera en un evento que
ya tiene 20 000 inscripciones confirmadas: las reglas cuentan plazas con el evento bloqueado, y ese
recuento no debe hacer más lentas las altas cuando el evento crece. Objetivos: ≥ 150 inscripciones/s y
p99 ≤ 150 ms en las tres.
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
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

BASE_PG = "eventos_bench_inscripcion"
SERVIDOR_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DURACION = 10
POR_SEGUNDO_MINIMO, P99_MAXIMO_MS = 150, 150
PREVIAS = 20000  # inscripciones ya confirmadas en la tercera medición: un evento grande a mitad de su plazo
DOMINIO_PREVIAS = "previas.bench"
VACIADO_MAXIMO = 180  # segundos de espera, como mucho, a que la bandeja se vacíe tras la carga

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


def preparar(url_bd: str, carpeta: Path, previas: int):
    from flask_migrate import upgrade

    from app import create_app
    from eventos.extensiones import db
    from eventos.modelos import Evento
    from eventos.servicios import programa
    from foro_sintetico import inscribir_confirmadas

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
        evento_id = db.session.scalar(select(Evento.id).where(Evento.slug == "foro-inscripciones"))
        if previas:  # ya confirmadas antes de la carga, sin correo pendiente
            inscribir_confirmadas(evento_id, previas, DOMINIO_PREVIAS)
        db.session.commit()
        if previas and db.engine.dialect.name == "postgresql":  # como las habría dejado el autovacuum en semanas
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conexion:
                conexion.execute(text("VACUUM ANALYZE inscripcion"))
        db.engine.dispose()


def contar(url_bd: str) -> dict:
    from eventos.modelos import CorreoSaliente, Inscripcion
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        estados = dict(conexion.execute(select(Inscripcion.estado, func.count()).group_by(Inscripcion.estado)).all())
        correos = dict(conexion.execute(select(CorreoSaliente.estado, func.count()).group_by(CorreoSaliente.estado)).all())
    motor.dispose()
    return {"inscripciones": estados, "correos": correos}


def un_correo_por_inscripcion(url_bd: str, carpeta: Path) -> tuple[int, int, bool]:
    """(correos escritos, inscripciones de la carga, cada una tiene exactamente uno y no sobra ninguno)."""
    from eventos.modelos import Inscripcion
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        inscritas = Counter(conexion.execute(select(Inscripcion.correo)
                                             .where(Inscripcion.correo.not_like(f"%@{DOMINIO_PREVIAS}"))).scalars())
    motor.dispose()
    cabeceras = BytesHeaderParser()
    escritos = Counter(cabeceras.parsebytes(archivo.read_bytes())["To"] for archivo in (carpeta / "correo").glob("*.eml"))
    return sum(escritos.values()), sum(inscritas.values()), escritos == inscritas


def cpu_segundos(pids) -> dict[int, float]:
    """Tiempo de CPU (usuario + sistema) de cada proceso que sigue vivo."""
    tiempos = {}
    for pid in pids:
        try:
            campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        tiempos[pid] = (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")
    return tiempos


def procesos_medidos(procesos: list[subprocess.Popen], url_bd: str) -> dict[str, list[int]]:
    """Los procesos cuya CPU se mide durante la carga: gunicorn y sus workers, el proceso de correo (si lo hay) y
    los procesos de PostgreSQL conectados a la base de la medición."""
    grupos = {"web": [procesos[0].pid, *map(int, Path(f"/proc/{procesos[0].pid}/task/{procesos[0].pid}/children")
                                                 .read_text().split())]}
    if len(procesos) > 1:
        grupos["correo"] = [procesos[1].pid]
    if url_bd.startswith("postgresql"):
        motor = create_engine(url_bd)
        with motor.connect() as conexion:
            grupos["postgresql"] = list(conexion.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalars())
        motor.dispose()
    return grupos


def esperar_servidor(base: str, servidor: subprocess.Popen, registro: Path) -> None:
    for _ in range(150):
        if servidor.poll() is not None:
            break
        try:
            requests.get(base + "/", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    sys.exit(f"gunicorn no arrancó; su registro ({registro}):\n{registro.read_text()[-3000:]}")


def medir(url_bd: str, carpeta: Path, proceso_aparte: bool) -> dict:
    puerto = puerto_libre()
    entorno = {**os.environ, "DATABASE_URL": url_bd, "SECRET_KEY": "bench-inscripcion",
               "MAIL_CARPETA": str(carpeta / "correo"), "LIMITE_INSCRIPCION": "10000000 per minute",
               "CORREO_PROCESO_APARTE": "1" if proceso_aparte else "0"}
    entorno.pop("REDIS_URL", None)
    binarios = Path(sys.executable).parent
    registro = carpeta / "gunicorn.log"
    procesos = [subprocess.Popen([str(binarios / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{puerto}",
                                  "app:create_app()"],
                                 cwd=RAIZ, env=entorno, stdout=subprocess.DEVNULL, stderr=registro.open("w"))]
    if proceso_aparte:
        # Trabajo de fondo con menos prioridad de CPU que las peticiones (así se despliega: ver README).
        procesos.append(subprocess.Popen(["nice", "-n", "15", str(binarios / "flask"), "--app", "app", "correo", "enviar",
                                          "--continuo", "--cada", "0.5"],
                                         cwd=RAIZ, env=entorno, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    base = f"http://127.0.0.1:{puerto}"
    try:
        esperar_servidor(base, procesos[0], registro)
        sesion = requests.Session()
        ruta = "/eventos/foro-inscripciones/inscripcion"
        pagina = sesion.get(base + ruta).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', pagina).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in sesion.cookies)
        guion = carpeta / "inscribir.lua"
        guion.write_text(LUA.format(token=token, ruta=ruta, cookie=cookie))
        antes = {grupo: cpu_segundos(pids) for grupo, pids in procesos_medidos(procesos, url_bd).items()}
        salida = subprocess.run(["wrk", "-t2", "-c8", f"-d{DURACION}s", "--latency", "-s", str(guion), base + ruta],
                                capture_output=True, text=True, timeout=DURACION + 30).stdout
        fin_carga = time.perf_counter()
        despues = {grupo: cpu_segundos(pids) for grupo, pids in procesos_medidos(procesos, url_bd).items()}
        entregados_en_la_carga = contar(url_bd)["correos"].get("enviado", 0)
        cpu = {grupo: sum(t - antes[grupo].get(pid, 0.0) for pid, t in tiempos.items())
               for grupo, tiempos in despues.items()}
        vaciado = None
        while time.perf_counter() - fin_carga < VACIADO_MAXIMO:  # cada correo, entregado (no solo intentado)
            correos = contar(url_bd)["correos"]
            if set(correos) <= {"enviado"}:
                vaciado = time.perf_counter() - fin_carga
                break
            time.sleep(0.1)
    finally:
        for proceso in procesos:
            proceso.terminate()
            try:
                proceso.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proceso.kill()
    print(salida)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", salida)
    errores = re.search(r"Non-2xx or 3xx responses: (\d+)", salida)
    peticiones = int(re.search(r"(\d+) requests in", salida).group(1))
    return {"por_segundo": float(re.search(r"Requests/sec:\s+([\d.]+)", salida).group(1)),
            "p99_ms": float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)],
            "errores": int(errores.group(1)) if errores else 0, "vaciado_s": vaciado,
            "entregados_en_la_carga": entregados_en_la_carga,
            "cpu_ms": {grupo: segundos * 1000 / max(peticiones, 1) for grupo, segundos in cpu.items()}}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="usar SQLite en vez de PostgreSQL")
    args = parser.parse_args()
    resultados = {}
    for modo, aparte, previas in (("sin configurar", False, 0), ("proceso aparte", True, 0),
                                  (f"sin configurar, {PREVIAS} previas", False, PREVIAS)):
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
        preparar(url_bd, carpeta, previas)
        resultados[modo] = medir(url_bd, carpeta, aparte)
        resultados[modo]["base"] = contar(url_bd)
        resultados[modo]["correos"] = un_correo_por_inscripcion(url_bd, carpeta)
    if not args.sqlite:
        admin = create_engine(SERVIDOR_PG + "postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conexion:
            conexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)"))
    print(f"== RESUMEN ==  objetivos: ≥ {POR_SEGUNDO_MINIMO} inscripciones/s, p99 ≤ {P99_MAXIMO_MS} ms; "
          "después, un correo entregado por inscripción")
    for modo, r in resultados.items():
        escritos, inscritas, uno_cada_una = r["correos"]
        vaciado = f"{r['vaciado_s']:5.1f} s" if r["vaciado_s"] is not None else f"más de {VACIADO_MAXIMO} s"
        print(f"correo {modo:33} {r['por_segundo']:6.1f}/s {_marca(r['por_segundo'] >= POR_SEGUNDO_MINIMO)}"
              f"   p99 {r['p99_ms']:6.1f} ms {_marca(r['p99_ms'] <= P99_MAXIMO_MS)}   no 2xx/3xx {r['errores']}"
              f"   bandeja vacía {vaciado} tras la carga   correos {escritos} para {inscritas} inscripciones "
              f"{_marca(uno_cada_una and r['vaciado_s'] is not None and not r['errores'])}")
        cpu = ", ".join(f"{grupo} {ms:.1f} ms" for grupo, ms in r["cpu_ms"].items())
        print(f"    durante la carga: {r['entregados_en_la_carga']} correos entregados; CPU por inscripción: {cpu}")
        print(f"    en la base: {r['base']}")


def _marca(cumple: bool) -> str:
    return "OK   " if cumple else "FALLA"


if __name__ == "__main__":
    main()
