"""Acreditaciones por segundo sobre HTTP: gunicorn + PostgreSQL con 8 escáneres a la vez (wrk, 8 conexiones
en 127.0.0.1), al lado de un endpoint Flask trivial servido igual como techo.

    /work/venv/bin/python bench/acreditacion.py                 # PostgreSQL (base eventos_bench_acreditacion)
    /work/venv/bin/python bench/acreditacion.py --sqlite        # SQLite en una carpeta temporal
    /work/venv/bin/python bench/acreditacion.py --procesos 4    # procesos de gunicorn (2 por omisión)

Cada petición es la lectura de un QR distinto (una persona confirmada que aún no había entrado) con su
`id_cliente`, autenticada con una clave de API como un teléfono de la puerta: busca la clave, el evento y
los permisos, la inscripción por su código, e inserta la asistencia en su transacción. Al terminar se
comprueba que hay exactamente una asistencia por lectura aceptada.
Objetivos: ≥ 200 acreditaciones/s, p99 ≤ 50 ms y al menos el 40 % del endpoint trivial.
"""
from __future__ import annotations

import argparse
import json
import os
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

from agenda import base_de_medicion, parar, puerto_libre, wrk  # noqa: E402

BASE_PG = "eventos_bench_acreditacion"
PERSONAS = 20_000
SLUG = "foro-acreditacion"

LUA = """
local codigos = {codigos}
local hilo, contador = 0, 0
function setup(t) hilo = hilo + 1; t:set("hilo", hilo) end
function init(args) mi_hilo = wrk.thread:get("hilo") or 1 end
request = function()
  contador = contador + 1
  -- cada hilo recorre su mitad de la lista: ninguna persona se lee dos veces
  local i = ((contador - 1) * 2 + mi_hilo - 1) % #codigos + 1
  local cuerpo = '{{"codigo":"' .. codigos[i] .. '","sesion_id":null,"id_cliente":"h' .. mi_hilo .. '-' .. contador ..
    '","escaneado_en":"2027-05-10T09:00:00-06:00"}}'
  return wrk.format("POST", "{ruta}", {{["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {clave}"}}, cuerpo)
end
"""


def preparar(url_bd: str, carpeta: Path) -> tuple[str, list[str]]:
    """Esquema, un evento con PERSONAS inscripciones confirmadas y una clave de API de su acreditador."""
    from flask_migrate import upgrade

    from app import create_app
    from eventos.extensiones import db
    from eventos.modelos import Inscripcion, RolEvento, TokenApi
    from eventos.modelos.inscripciones import secreto
    from eventos.cuentas.servicios import crear_usuario
    from eventos.qr import PREFIJO_CODIGO
    from eventos.servicios import programa
    from eventos.zonas import ahora, hoy_en

    app = create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo"),
                      "MATERIALES_CARPETA": str(carpeta / "materiales"), "ARGON2_PERFIL": "pruebas"})
    with app.app_context():
        upgrade()
        hoy = hoy_en("America/Mexico_City")  # la puerta solo acredita en las fechas del evento
        evento = programa.importar({
            "formato": programa.FORMATO,
            "evento": {"slug": SLUG, "titulo": "Foro de prueba de acreditación", "estado": "publicado",
                       "zona_horaria": "America/Mexico_City", "fecha_inicio": str(hoy), "fecha_fin": str(hoy)},
            "sesiones": [{"clave": "s1", "titulo": "Plenaria", "tipo": "plenaria",
                          "inicio": f"{hoy} 09:00", "fin": f"{hoy} 10:00"}],
        })
        acreditador = crear_usuario("puerta@bench.org", "Puerta", "clave-de-la-puerta-123")
        db.session.add(RolEvento(evento=evento, usuario=acreditador, rol="acreditador"))
        _, clave = TokenApi.crear(acreditador, "bench")
        momento = ahora()
        codigos = [secreto() for _ in range(PERSONAS)]
        db.session.execute(Inscripcion.__table__.insert(), [
            {"evento_id": evento.id, "nombre": f"Persona {n}", "apellidos": "Bench", "correo": f"p{n}@bench.org",
             "institucion": "Municipio", "cargo": "", "pais": "MX", "ciudad": "", "modalidad": "", "respuestas": {},
             "estado": "confirmada", "clave_gestion": secreto(), "clave_calendario": secreto(),
             "version_calendario": 0, "codigo": codigo, "zona_horaria": "", "idioma": "es",
             "consentimiento_en": momento, "creado_en": momento, "actualizado_en": momento, "confirmada_en": momento}
            for n, codigo in enumerate(codigos)])
        db.session.commit()
        db.engine.dispose()
    return clave, [PREFIJO_CODIGO + c for c in codigos]


def asentar(url_bd: str) -> None:
    """Tras cargar 20 000 filas de golpe: estadísticas al día y un punto de control ya hecho, para que ni el
    autovacuum ni un checkpoint caigan en mitad de la medición."""
    motor = create_engine(url_bd, isolation_level="AUTOCOMMIT")
    with motor.connect() as conexion:
        conexion.execute(text("VACUUM ANALYZE"))
        conexion.execute(text("CHECKPOINT"))
    motor.dispose()


def servir(orden: list[str], entorno: dict, puerto: int, prueba: str) -> subprocess.Popen:
    proceso = subprocess.Popen(orden, cwd=RAIZ, env=entorno, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            requests.post(f"http://127.0.0.1:{puerto}{prueba}", json={}, timeout=5)
            return proceso
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    parar(proceso)
    raise SystemExit("el servidor no respondió en 30 s")


def medir_acreditacion(url_bd: str, carpeta: Path, procesos: int, clave: str, codigos: list[str]) -> tuple[dict, dict]:
    """La acreditación y, servido por los mismos procesos, el endpoint más simple de la aplicación
    (`/api/v1/salud`: sin base de datos, pero con todo lo que la aplicación hace en cada petición)."""
    puerto = puerto_libre()
    entorno = {**os.environ, "DATABASE_URL": url_bd, "SECRET_KEY": "bench-acreditacion",
               "MAIL_CARPETA": str(carpeta / "correo")}
    entorno.pop("REDIS_URL", None)
    ruta = f"/api/v1/eventos/{SLUG}/acreditacion"
    gunicorn = servir([str(Path(sys.executable).parent / "gunicorn"), "-w", str(procesos), "-b", f"127.0.0.1:{puerto}",
                       "app:create_app()"], entorno, puerto, "/api/v1/eventos")
    try:
        print(f"gunicorn PID {gunicorn.pid} en 127.0.0.1:{puerto}, {procesos} procesos")
        prueba = requests.post(f"http://127.0.0.1:{puerto}{ruta}", json={"codigo": codigos[-1], "id_cliente": "prueba"},
                               headers={"Authorization": f"Bearer {clave}"}, timeout=5).json()
        assert prueba["resultado"] == "aceptado", prueba
        guion = carpeta / "acreditar.lua"
        lista = "{" + ",".join(json.dumps(c) for c in codigos[:-1]) + "}"
        guion.write_text(LUA.format(codigos=lista, ruta=ruta, clave=clave))
        salud = wrk(f"http://127.0.0.1:{puerto}/api/v1/salud")
        return wrk(f"http://127.0.0.1:{puerto}{ruta}", guion=guion), salud
    finally:
        parar(gunicorn)


def medir_trivial(procesos: int, carpeta: Path) -> dict:
    puerto = puerto_libre()
    gunicorn = servir([str(Path(sys.executable).parent / "gunicorn"), "-w", str(procesos), "-b", f"127.0.0.1:{puerto}",
                       "--chdir", str(RAIZ / "bench"), "trivial:app"], dict(os.environ), puerto, "/")
    try:
        guion = carpeta / "trivial.lua"
        guion.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                         'wrk.body = \'{"codigo":"EV1-abcdefghijklmnopqrstuv","sesion_id":null,"id_cliente":"x"}\'\n')
        return wrk(f"http://127.0.0.1:{puerto}/", guion=guion)
    finally:
        parar(gunicorn)


def recuento(url_bd: str) -> tuple[int, int]:
    motor = create_engine(url_bd)
    with motor.connect() as conexion:
        asistencias = conexion.execute(text("SELECT count(*) FROM asistencia")).scalar_one()
        distintas = conexion.execute(text("SELECT count(DISTINCT inscripcion_id) FROM asistencia")).scalar_one()
    motor.dispose()
    return asistencias, distintas


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
        trivial = medir_trivial(args.procesos, carpeta)
        print("\n-- endpoint trivial (POST JSON, sin base de datos)\n" + trivial["salida"])
        acreditacion, salud = medir_acreditacion(url_bd, carpeta, args.procesos, clave, codigos)
        print("\n-- /api/v1/salud de la aplicación (GET, sin base de datos)\n" + salud["salida"])
        print("\n-- acreditación (POST JSON con clave de API, una persona distinta en cada lectura)\n"
              + acreditacion["salida"])
        asistencias, distintas = recuento(url_bd)
    proporcion = acreditacion["rps"] / trivial["rps"] if trivial["rps"] else 0
    base = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"\n== Resultados ({base}, gunicorn {args.procesos} procesos, wrk -t2 -c8 -d10s) ==")
    print(f"endpoint trivial:  {trivial['rps']:.0f} req/s, p50 {trivial['p50_ms']:.2f} ms, p99 {trivial['p99_ms']:.2f} ms")
    print(f"acreditación:      {acreditacion['rps']:.0f} req/s, p50 {acreditacion['p50_ms']:.2f} ms, "
          f"p99 {acreditacion['p99_ms']:.2f} ms, respuestas no 2xx: {acreditacion['no_2xx_3xx']}")
    print(f"/api/v1/salud:     {salud['rps']:.0f} req/s, p50 {salud['p50_ms']:.2f} ms, p99 {salud['p99_ms']:.2f} ms")
    print(f"proporción:        {proporcion:.0%} del endpoint trivial, "
          f"{acreditacion['rps'] / salud['rps']:.0%} de /api/v1/salud")
    # wrk no cuenta las peticiones que quedan en vuelo al parar: puede haber alguna asistencia más.
    print(f"asistencias:       {asistencias} registradas, {distintas} personas distintas "
          f"(wrk contó {acreditacion['peticiones']} lecturas completas + 1 de comprobación)")
    cumple = (acreditacion["rps"] >= 200 and acreditacion["p99_ms"] <= 50 and proporcion >= 0.4
              and asistencias == distintas >= acreditacion["peticiones"] + 1 and not acreditacion["no_2xx_3xx"])
    print("objetivos (≥ 200/s, p99 ≤ 50 ms, ≥ 40 % del trivial, una asistencia por lectura):",
          "cumplidos" if cumple else "NO cumplidos")


if __name__ == "__main__":
    main()
