"""Acreditaciones por segundo sobre HTTP: gunicorn + PostgreSQL con 8 escáneres a la vez (wrk, 8 conexiones
en 127.0.0.1), al lado de sus techos, todo en una corrida.

    .venv/bin/python bench/acreditacion.py                 # PostgreSQL (base eventos_bench_acreditacion)
    .venv/bin/python bench/acreditacion.py --sqlite        # SQLite en una carpeta temporal
    .venv/bin/python bench/acreditacion.py --procesos 4    # procesos de gunicorn (2 por omisión)

Cada petición es la lectura de un QR distinto (una persona confirmada que aún no había entrado) con su
`id_cliente`, autenticada con una clave de API como un teléfono de la puerta: busca la clave, el evento y
los permisos, la inscripción por su código, e inserta la asistencia en su transacción. Al terminar se
comprueba que hay exactamente una asistencia por persona leída.

Techos, con los mismos procesos de gunicorn y la misma carga: un Flask trivial (bench/trivial.py), el
`/api/v1/salud` de la aplicación y el techo de base de datos (bench/techo_bd.py: la aplicación entera con una
ruta que solo hace un `INSERT … ON CONFLICT DO NOTHING` y su commit en el mismo pool). El techo y la
acreditación se alternan en RONDAS rondas, cada una con sus propias personas: lo que cambie la carga de la
máquina durante la corrida les toca a los dos. Cuentan las medianas.
Objetivos: ≥ 60 % del techo de base de datos, p99 ≤ 50 ms y exactamente una asistencia por persona leída.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

import techo_bd  # noqa: E402
from agenda import base_de_medicion, parar, puerto_libre, wrk  # noqa: E402
from foro_sintetico import evento_de_hoy, inscribir_confirmadas  # noqa: E402

BASE_PG = "eventos_bench_acreditacion"
RONDAS = 3                # techo y acreditación alternados; se informa la mediana
POR_RONDA = 12_000        # personas distintas para cada ronda de 10 s (más de las que lee la máquina más rápida)
PERSONAS = RONDAS * POR_RONDA + 1  # + la de la lectura de comprobación
SLUG = "foro-acreditacion"

LUA = """
local codigos = {codigos}
local hilo, contador = 0, 0
function setup(t) hilo = hilo + 1; t:set("hilo", hilo) end
function init(args) mi_hilo = wrk.thread:get("hilo") or 1 end
request = function()
  contador = contador + 1
  -- cada hilo recorre su mitad de la lista (las personas de esta ronda): ninguna persona se lee dos veces, y
  -- cada lectura lleva un id_cliente que ninguna otra ronda usa
  local i = ((contador - 1) * 2 + mi_hilo - 1) % #codigos + 1
  local cuerpo = '{{"codigo":"' .. codigos[i] .. '","sesion_id":null,"id_cliente":"r{ronda}h' .. mi_hilo .. '-' .. contador ..
    '","escaneado_en":"2027-05-10T09:00:00-06:00"}}'
  return wrk.format("POST", "{ruta}", {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {clave}"}}, cuerpo)
end
"""


def preparar(url_bd: str, carpeta: Path) -> tuple[str, list[str]]:
    """Esquema, un evento con PERSONAS inscripciones confirmadas, una clave de API de su acreditador y la tabla
    del techo de base de datos."""
    from flask_migrate import upgrade

    from app import create_app
    from eventos.extensiones import db
    from eventos.modelos import RolEvento, TokenApi
    from eventos.cuentas.servicios import crear_usuario

    app = create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo"),
                      "MATERIALES_CARPETA": str(carpeta / "materiales"), "ARGON2_PERFIL": "pruebas"})
    with app.app_context():
        upgrade()
        evento = evento_de_hoy(SLUG, "Foro de prueba de acreditación")
        acreditador = crear_usuario("puerta@bench.org", "Puerta", "clave-de-la-puerta-123")
        db.session.add(RolEvento(evento=evento, usuario=acreditador, rol="acreditador"))
        _, clave = TokenApi.crear(acreditador, "bench")
        codigos = inscribir_confirmadas(evento.id, PERSONAS, "bench.org")
        db.session.commit()
        techo_bd.crear_tabla(db.engine)
        db.engine.dispose()
    return clave, codigos


def asentar(url_bd: str) -> None:
    """Tras cargar 20 000 filas de golpe: estadísticas al día y un punto de control ya hecho, para que ni el
    autovacuum ni un checkpoint caigan en mitad de la medición."""
    motor = create_engine(url_bd, isolation_level="AUTOCOMMIT")
    with motor.connect() as conexion:
        conexion.execute(text("VACUUM ANALYZE"))
        conexion.execute(text("CHECKPOINT"))
    motor.dispose()


def servir(aplicacion: str, procesos: int, entorno: dict, prueba: str) -> tuple[subprocess.Popen, int]:
    """gunicorn en 127.0.0.1 con `procesos` workers. La aplicación arranca desde la raíz, con el gunicorn.conf.py de
    producción si lo hay; el Flask trivial, desde bench/, sin él (no tiene base de datos que preparar)."""
    puerto = puerto_libre()
    orden = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(procesos), "-b", f"127.0.0.1:{puerto}",
             "--pythonpath", str(RAIZ / "bench"), aplicacion]
    carpeta = RAIZ if aplicacion.startswith("techo_bd:") else RAIZ / "bench"
    proceso = subprocess.Popen(orden, cwd=carpeta, env=entorno, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            requests.post(f"http://127.0.0.1:{puerto}{prueba}", json={}, timeout=5)
            return proceso, puerto
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    parar(proceso)
    raise SystemExit(f"{aplicacion} no respondió en 30 s")


def medir_aplicacion(url_bd: str, carpeta: Path, procesos: int, clave: str, codigos: list[str]) -> dict:
    """En los mismos procesos de gunicorn (la aplicación con la ruta del techo de `techo_bd.py`): el endpoint
    más simple de la aplicación (`/api/v1/salud`: sin base de datos, pero con todo lo que la aplicación hace
    en cada petición) y, alternados en RONDAS rondas, el techo de base de datos y la acreditación, con la misma
    carga y las mismas personas en cada ronda (personas que ninguna otra ronda lee)."""
    entorno = {**os.environ, "DATABASE_URL": url_bd, "SECRET_KEY": "bench-acreditacion",
               "MAIL_CARPETA": str(carpeta / "correo")}
    entorno.pop("REDIS_URL", None)
    servidor, puerto = servir("techo_bd:crear_app()", procesos, entorno, "/api/v1/eventos")
    base = f"http://127.0.0.1:{puerto}"
    ruta = f"/api/v1/eventos/{SLUG}/acreditacion"
    try:
        print(f"gunicorn PID {servidor.pid} en 127.0.0.1:{puerto}, {procesos} procesos")
        prueba = requests.post(base + ruta, json={"codigo": codigos[-1], "id_cliente": "prueba"},
                               headers={"Authorization": f"Bearer {clave}"}, timeout=5).json()
        assert prueba["resultado"] == "aceptado", prueba
        medidas = {"salud": wrk(base + "/api/v1/salud"), "techo": [], "acreditacion": []}
        for ronda in range(RONDAS):
            personas = codigos[ronda * POR_RONDA:(ronda + 1) * POR_RONDA]
            lista = "{" + ",".join(json.dumps(c) for c in personas) + "}"
            for nombre, destino in (("techo", techo_bd.RUTA), ("acreditacion", ruta)):
                guion = carpeta / f"{nombre}-{ronda}.lua"
                guion.write_text(LUA.format(codigos=lista, ruta=destino, clave=clave, ronda=ronda))
                medidas[nombre].append(wrk(base + destino, guion=guion))
        return medidas
    finally:
        parar(servidor)


def medir_trivial(procesos: int, carpeta: Path) -> dict:
    servidor, puerto = servir("trivial:app", procesos, dict(os.environ), "/")
    try:
        guion = carpeta / "trivial.lua"
        guion.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                         'wrk.body = \'{"codigo":"EV1-abcdefghijklmnopqrstuv","sesion_id":null,"id_cliente":"x"}\'\n')
        return wrk(f"http://127.0.0.1:{puerto}/", guion=guion)
    finally:
        parar(servidor)


def recuento(url_bd: str) -> tuple[int, int]:
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        asistencias = conexion.execute(text("SELECT count(*) FROM asistencia")).scalar_one()
        distintas = conexion.execute(text("SELECT count(DISTINCT inscripcion_id) FROM asistencia")).scalar_one()
    motor.dispose()
    return asistencias, distintas


OBJETIVO_TECHO_BD = 0.60
OBJETIVO_P99_MS = 50


def mediana(rondas: list[dict]) -> dict:
    """La ronda típica: mediana de cada cifra; las respuestas fallidas, sumadas."""
    return {"rps": statistics.median(m["rps"] for m in rondas),
            "p50_ms": statistics.median(m["p50_ms"] for m in rondas),
            "p99_ms": statistics.median(m["p99_ms"] for m in rondas),
            "peticiones": sum(m["peticiones"] for m in rondas),
            "no_2xx_3xx": sum(m["no_2xx_3xx"] for m in rondas),
            "errores": " ".join(m["errores"] for m in rondas if m["errores"])}


def informe(base: str, procesos: int, medidas: dict, asistencias: int, distintas: int) -> None:
    rondas = list(zip(medidas["techo"], medidas["acreditacion"]))
    proporciones = [a["rps"] / t["rps"] if t["rps"] else 0 for t, a in rondas]
    tabla = {**medidas, "techo": mediana(medidas["techo"]), "acreditacion": mediana(medidas["acreditacion"])}
    acreditacion = tabla["acreditacion"]
    print(f"\n== Resultados ({base}, gunicorn {procesos} procesos, wrk -t2 -c8 -d10s; techo y acreditación "
          f"alternados en {len(rondas)} rondas, medianas) ==")
    print(f"{'':24} {'req/s':>7} {'p50':>9} {'p99':>9}   acreditación frente al techo")
    for clave, nombre in (("trivial", "endpoint trivial"), ("salud", "/api/v1/salud"),
                          ("techo", "techo de base de datos"), ("acreditacion", "acreditación")):
        m = tabla[clave]
        frente = "" if clave == "acreditacion" else (
            f"{acreditacion['rps'] / m['rps']:5.0%} de las req/s; p99 {acreditacion['p99_ms']:.1f} ms "
            f"frente a {m['p99_ms']:.1f} ms" if m["rps"] else "sin respuesta")
        print(f"{nombre:24} {m['rps']:7.0f} {m['p50_ms']:6.2f} ms {m['p99_ms']:6.2f} ms   {frente}")
        if m["no_2xx_3xx"] or m["errores"]:
            print(f"{'':24} respuestas no 2xx/3xx: {m['no_2xx_3xx']} {m['errores']}")
    for n, ((techo, acreditada), proporcion) in enumerate(zip(rondas, proporciones), 1):
        print(f"  ronda {n}: techo {techo['rps']:5.0f} req/s, acreditación {acreditada['rps']:5.0f} req/s "
              f"(p99 {acreditada['p99_ms']:.1f} ms): {proporcion:.0%}")
    proporcion = statistics.median(proporciones)
    # wrk no cuenta las lecturas que quedan en vuelo al pararse (como mucho una por conexión): puede haber
    # hasta 8 asistencias más que lecturas completas en cada ronda.
    leidas = acreditacion["peticiones"] + 1  # + la lectura de comprobación
    una_por_persona = asistencias == distintas and leidas <= asistencias <= leidas + 8 * len(rondas) \
        and not acreditacion["no_2xx_3xx"] and not acreditacion["errores"]
    objetivos = [
        (f"≥ {OBJETIVO_TECHO_BD:.0%} del techo de base de datos", f"{proporcion:.0%} (mediana de las rondas)",
         proporcion >= OBJETIVO_TECHO_BD),
        (f"p99 ≤ {OBJETIVO_P99_MS} ms", f"{acreditacion['p99_ms']:.1f} ms", acreditacion["p99_ms"] <= OBJETIVO_P99_MS),
        ("una asistencia por persona leída", f"{asistencias} asistencias de {distintas} personas distintas; "
         f"{leidas} lecturas completas", una_por_persona),
    ]
    print("objetivos de la acreditación:")
    for nombre, valor, ok in objetivos:
        print(f"  {nombre:34} {valor:50} {'OK' if ok else 'FALLA'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="usar SQLite en vez de PostgreSQL")
    parser.add_argument("--procesos", type=int, default=2, help="procesos de gunicorn (2 por omisión, como las demás mediciones)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, base_de_medicion(args.sqlite, Path(tmp), BASE_PG) as url_bd:
        carpeta = Path(tmp)
        clave, codigos = preparar(url_bd, carpeta)
        if not args.sqlite:
            asentar(url_bd)
        medidas = {"trivial": medir_trivial(args.procesos, carpeta),
                   **medir_aplicacion(url_bd, carpeta, args.procesos, clave, codigos)}
        for clave_medida, titulo in (
                ("trivial", "endpoint trivial (Flask mínimo, POST JSON, sin base de datos)"),
                ("salud", "/api/v1/salud de la aplicación (GET, sin base de datos)"),
                ("techo", "techo de base de datos (la aplicación: POST JSON, INSERT … ON CONFLICT DO NOTHING "
                          "y commit)"),
                ("acreditacion", "acreditación (POST JSON con clave de API, una persona distinta en cada lectura)")):
            medida = medidas[clave_medida]
            if isinstance(medida, dict):
                print(f"\n-- {titulo}\n" + medida["salida"])
            else:
                for n, ronda in enumerate(medida, 1):
                    print(f"\n-- {titulo} (ronda {n})\n" + ronda["salida"])
        asistencias, distintas = recuento(url_bd)
    informe("SQLite" if args.sqlite else "PostgreSQL", args.procesos, medidas, asistencias, distintas)


if __name__ == "__main__":
    main()
