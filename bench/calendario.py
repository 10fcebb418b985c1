"""Medición de los calendarios iCalendar con el foro sintético de 300 sesiones.

    .venv/bin/python bench/calendario.py              # SQLite en una carpeta temporal
    .venv/bin/python bench/calendario.py --postgres   # base eventos_bench_calendario en 127.0.0.1:5432 (se crea y se borra)
    .venv/bin/python bench/calendario.py --perfil     # además, perfil cProfile (también si falla un objetivo en el proceso)
    .venv/bin/python bench/calendario.py --sin-http   # sin gunicorn ni wrk

Mide el programa completo (/eventos/<slug>/calendario.ics) sin caché en el proceso (mediana y p95,
vaciando la caché de documentos antes de cada petición: lo que cuesta tras un cambio del programa, con
los VEVENT de las sesiones sin cambios ya escritos en este proceso) y en frío (también sin esos VEVENT:
la primera vez), su tamaño y sus consultas SQL; por HTTP (gunicorn con 2
workers y wrk -t2 -c8 -d10s en 127.0.0.1) el .ics ya en caché y la petición condicional (304); y el
calendario personal de una inscripción en una mesa, sin caché. Ver bench/LEEME.md.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402

from agenda import (ContadorSQL, crear_aplicacion, cronometrar, medir_http, ms, percentil, pg_admin, titulo)
from foro_sintetico import SLUG, crear_foro  # noqa: E402

BASE_PG = "eventos_bench_calendario"
PG_BENCH = f"postgresql://postgres@127.0.0.1:5432/{BASE_PG}"
ITERACIONES = 30
OBJETIVO_ICS_MS = 50
OBJETIVO_PERSONAL_MS = 20
OBJETIVO_RPS = 300
MESA = "mesa-1"


def preparar_entorno(postgres: bool, carpeta: Path) -> dict:
    """Variables de entorno comunes al proceso y a gunicorn (misma base, misma clave, caché en memoria)."""
    entorno = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    entorno["DATABASE_URL"] = PG_BENCH if postgres else f"sqlite:///{carpeta / 'bench.sqlite3'}"
    entorno["SECRET_KEY"] = "clave-del-benchmark"
    return entorno


def inscribir_en_mesa(app, slug: str, clave_mesa: str) -> str:
    """Una inscripción confirmada en esa mesa (como la haría la organización); devuelve su clave de calendario."""
    from sqlalchemy import select

    from eventos.extensiones import db
    from eventos.inscripciones import servicios
    from eventos.modelos import Evento, Mesa

    with app.test_request_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        mesa_id = db.session.execute(select(Mesa.id).where(Mesa.evento_id == evento.id, Mesa.clave == clave_mesa)).scalar_one()
        inscripcion, _ = servicios.inscribir(evento.id, {
            "correo": "persona-calendario@bench.org", "nombre": "Persona", "apellidos": "De Prueba",
            "institucion": "Municipio", "cargo": "Enlace", "pais": "MX", "ciudad": "Puebla", "mesa_id": mesa_id,
        }, por_organizacion=True)
        clave = inscripcion.clave_calendario
        db.session.commit()  # el servicio solo escribe en la transacción: la confirma quien llama
        db.session.remove()
    return clave


def obtener(cliente, ruta: str, estado: int = 200, **opciones):
    respuesta = cliente.get(ruta, **opciones)
    if respuesta.status_code != estado:
        raise SystemExit(f"{ruta} respondió {respuesta.status_code}, se esperaba {estado}")
    return respuesta


def perfil(app, cliente, ruta: str, etiqueta: str, lineas: int = 22):
    """cProfile de 10 peticiones sin caché, por tiempo acumulado y por tiempo propio."""
    from eventos.extensiones import cache
    perfilador = cProfile.Profile()
    for _ in range(10):
        with app.app_context():
            cache.clear()
        perfilador.enable()
        obtener(cliente, ruta)
        perfilador.disable()
    for orden in ("cumulative", "tottime"):
        salida = io.StringIO()
        pstats.Stats(perfilador, stream=salida).strip_dirs().sort_stats(orden).print_stats(lineas)
        titulo(f"Perfil de 10 {etiqueta} sin caché, por {orden}")
        texto = salida.getvalue()
        print(texto[texto.find("   ncalls"):].rstrip())


def desglose(app, n: int = ITERACIONES) -> dict:
    """Dónde va el tiempo del programa sin caché: cargar el programa (SQL + ORM), construir los
    componentes de icalendar y serializarlos (`Calendar.to_ical`, que incluye el plegado de líneas)."""
    from icalendar import Calendar
    from sqlalchemy import select

    from eventos import calendario, instantanea
    from eventos.extensiones import db
    from eventos.modelos import Evento

    serializar: list[float] = []
    original = Calendar.to_ical

    def to_ical_cronometrado(self, *a, **k):
        t = time.perf_counter()
        try:
            return original(self, *a, **k)
        finally:
            serializar.append(time.perf_counter() - t)

    carga, documento = [], []
    Calendar.to_ical = to_ical_cronometrado  # solo en este proceso y solo durante esta medida
    try:
        for _ in range(n):
            with app.test_request_context():
                app.extensions["memoria"].clear()
                evento_id = db.session.execute(select(Evento.id).where(Evento.slug == SLUG)).scalar_one()
                t0 = time.perf_counter()
                evento = instantanea.construir(evento_id)
                t1 = time.perf_counter()
                calendario.documento(evento, evento.sesiones_raiz, evento.titulo, retiradas=evento.retiradas)
                t2 = time.perf_counter()
                db.session.remove()
            carga.append(t1 - t0)
            documento.append(t2 - t1)
    finally:
        Calendar.to_ical = original
    return {"carga": carga, "documento": documento, "serializar": serializar,
            "construir": [d - s for d, s in zip(documento, serializar)]}


def experimento_plegado(app, n: int = ITERACIONES) -> dict:
    """Cuánto cuesta el plegado de líneas de icalendar 7 (`_foldline` recorre carácter a carácter
    cada línea, también las cortas, y codifica cada carácter por separado), medido sin perfilador:
    (a) el tiempo acumulado dentro de `_foldline` en cada documento; (b) el documento con un plegado
    que deja tal cual las líneas de menos de 75 octetos. Solo en este proceso y durante la medida."""
    from icalendar.parser import content_line
    from sqlalchemy import select

    from eventos import calendario, instantanea
    from eventos.extensiones import db
    from eventos.modelos import Evento

    original = content_line._foldline
    dentro = [0.0]

    def cronometrado(linea, limit=75, fold_sep="\r\n "):
        t = time.perf_counter()
        try:
            return original(linea, limit, fold_sep)
        finally:
            dentro[0] += time.perf_counter() - t

    def sin_recorrer_las_cortas(linea, limit=75, fold_sep="\r\n "):
        return linea if len(linea.encode("utf-8")) < limit else original(linea, limit, fold_sep)

    with app.test_request_context():
        evento = instantanea.programa_por_id(db.session.execute(select(Evento.id).where(Evento.slug == SLUG)).scalar_one())

        def escribir():
            app.extensions["memoria"].clear()  # los VEVENT se escriben de nuevo cada vez
            return calendario.documento(evento, evento.sesiones_raiz, evento.titulo)

        referencia = escribir()
        lineas = referencia.split(b"\r\n")
        logicas = sum(1 for linea in lineas if not linea.startswith(b" "))
        try:
            content_line._foldline = cronometrado
            en_plegado = []
            for _ in range(n):
                dentro[0] = 0.0
                escribir()
                en_plegado.append(dentro[0])
            content_line._foldline = sin_recorrer_las_cortas
            cortas = cronometrar(escribir, n)
            igual = escribir() == referencia
        finally:
            content_line._foldline = original
    return {"en_plegado": en_plegado, "cortas": cortas, "igual": igual,
            "lineas_fisicas": len(lineas), "lineas_logicas": logicas}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help=f"usar PostgreSQL (base {BASE_PG}) en vez de SQLite")
    parser.add_argument("--perfil", action="store_true", help="imprimir siempre el perfil cProfile")
    parser.add_argument("--sin-http", action="store_true", help="omitir gunicorn y wrk")
    args = parser.parse_args()

    carpeta = Path(tempfile.mkdtemp(prefix="eventos-bench-calendario-"))
    entorno = preparar_entorno(args.postgres, carpeta)
    os.environ.clear()
    os.environ.update(entorno)
    app = None
    if args.postgres:
        pg_admin(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {BASE_PG}")
    try:
        # a. Aplicación, esquema, foro e inscripción
        titulo("Preparación")
        app = crear_aplicacion(carpeta)
        from eventos.extensiones import cache, db
        with app.app_context():
            motor = db.engine
            print(f"Base de datos : {motor.url.render_as_string(hide_password=True)} ({motor.dialect.name})")
            print(f"Caché         : {'Redis' if app.config['REDIS_URL'] else 'memoria del proceso'}")
            t0 = time.perf_counter()
            upgrade()
            t1 = time.perf_counter()
            crear_foro(SLUG, sesiones=300)
            t2 = time.perf_counter()
            from sqlalchemy import func, select

            from eventos.modelos import Evento, Participacion, Sesion
            eid = db.session.execute(select(Evento.id).where(Evento.slug == SLUG)).scalar_one()
            n_sesiones = db.session.execute(select(func.count()).select_from(Sesion).where(Sesion.evento_id == eid)).scalar_one()
            n_part = db.session.execute(select(func.count()).select_from(Participacion).join(Sesion)
                                        .where(Sesion.evento_id == eid)).scalar_one()
            print(f"Foro {SLUG}: {n_sesiones} sesiones, {n_part} participaciones")
            print(f"Migraciones   : {ms(t1 - t0).strip()}   importación del foro: {ms(t2 - t1).strip()}")
            db.session.remove()
        clave = inscribir_en_mesa(app, SLUG, MESA)
        ruta_ics = f"/eventos/{SLUG}/calendario.ics"
        ruta_personal = f"/calendario/{clave}.ics"
        print(f"Inscripción confirmada en {MESA}: {ruta_personal}")

        cliente = app.test_client()
        contador = ContadorSQL(motor)

        def limpiar():  # los documentos guardados; la instantánea y los VEVENT escritos siguen en memoria
            with app.app_context():
                app.extensions["cache"].clear()

        def limpiar_todo():  # también la instantánea y los VEVENT: primera vez en este proceso
            with app.app_context():
                cache.clear()

        # b. Consultas, tamaño y número de VEVENT
        titulo("Consultas SQL y tamaño (sin caché)")
        for _ in range(3):  # calentamiento: cachés lru de zonas y VTIMEZONE, conexiones del pool
            limpiar()
            obtener(cliente, ruta_ics)
            obtener(cliente, ruta_personal)
        limpiar()
        n_ics, r_ics = contador.contar(lambda: obtener(cliente, ruta_ics))
        sentencias_ics = list(contador.sentencias)
        limpiar()
        n_personal, r_personal = contador.contar(lambda: obtener(cliente, ruta_personal))
        sentencias_personal = list(contador.sentencias)
        etag_ics = r_ics.headers["ETag"]
        etag_personal = r_personal.headers["ETag"]
        obtener(cliente, ruta_ics)  # vuelve a dejar el programa en la caché (se vació antes del personal)
        n_cache, _ = contador.contar(lambda: obtener(cliente, ruta_ics))
        n_304, _ = contador.contar(lambda: obtener(cliente, ruta_ics, 304, headers={"If-None-Match": etag_ics}))
        n_304p, _ = contador.contar(lambda: obtener(cliente, ruta_personal, 304, headers={"If-None-Match": etag_personal}))
        kb_ics, kb_personal = len(r_ics.data) / 1024, len(r_personal.data) / 1024
        print(f"programa .ics : {n_ics:3d} consultas, {kb_ics:7.1f} KiB, {r_ics.data.count(b'BEGIN:VEVENT')} VEVENT")
        print(f"personal .ics : {n_personal:3d} consultas, {kb_personal:7.1f} KiB, {r_personal.data.count(b'BEGIN:VEVENT')} VEVENT")
        print(f"programa ya en caché: {n_cache} consultas; programa 304: {n_304}; personal 304: {n_304p}")
        print("Sentencias del programa sin caché:")
        for i, s in enumerate(sentencias_ics, 1):
            print(f"  {i:2d}. {s}")
        print("Sentencias del calendario personal sin caché:")
        for i, s in enumerate(sentencias_personal, 1):
            print(f"  {i:2d}. {s}")

        # c. Tiempos en el proceso
        titulo(f"Tiempos en el proceso (test_client, {ITERACIONES} iteraciones)")
        tiempos = {
            "ics_en_frio": cronometrar(lambda: obtener(cliente, ruta_ics), antes=limpiar_todo),
            "ics_sin_cache": cronometrar(lambda: obtener(cliente, ruta_ics), antes=limpiar),
            "personal_en_frio": cronometrar(lambda: obtener(cliente, ruta_personal), antes=limpiar_todo),
            # El calendario personal no se guarda: se escribe con los VEVENT ya escritos de su versión.
            "personal_sin_cache": cronometrar(lambda: obtener(cliente, ruta_personal)),
            "ics_con_cache": cronometrar(lambda: obtener(cliente, ruta_ics)),
            "ics_304": cronometrar(lambda: obtener(cliente, ruta_ics, 304, headers={"If-None-Match": etag_ics})),
            "personal_304": cronometrar(lambda: obtener(cliente, ruta_personal, 304, headers={"If-None-Match": etag_personal})),
        }
        etiquetas = {
            "ics_en_frio": "programa .ics en frío (1.ª vez)",
            "ics_sin_cache": "programa .ics sin caché",
            "personal_en_frio": "personal .ics en frío (1.ª vez)",
            "personal_sin_cache": "personal .ics (VEVENT ya escritos)",
            "ics_con_cache": "programa .ics con caché",
            "ics_304": "programa 304 (If-None-Match)",
            "personal_304": "personal 304 (If-None-Match)",
        }
        for clave_t, texto in etiquetas.items():
            v = tiempos[clave_t]
            print(f"{texto:<32} mediana {ms(statistics.median(v))}   p95 {ms(percentil(v, 95))}")
        partes = desglose(app)
        print("Desglose del programa sin caché (fuera de la petición):")
        print(f"  construir la instantánea (construir)       mediana {ms(statistics.median(partes['carga']))}"
              f"   p95 {ms(percentil(partes['carga'], 95))}")
        print(f"  escribir el .ics (calendario.documento)    mediana {ms(statistics.median(partes['documento']))}"
              f"   p95 {ms(percentil(partes['documento'], 95))}")
        print(f"    construir los componentes (add)          mediana {ms(statistics.median(partes['construir']))}")
        print(f"    serializar (Calendar.to_ical + plegado)  mediana {ms(statistics.median(partes['serializar']))}")

        mediana_ics = statistics.median(tiempos["ics_sin_cache"]) * 1000
        mediana_personal = statistics.median(tiempos["personal_sin_cache"]) * 1000
        if args.perfil or mediana_ics > OBJETIVO_ICS_MS:
            perfil(app, cliente, ruta_ics, "programas .ics")
            plegado = experimento_plegado(app)
            titulo("Plegado de líneas de icalendar, sin perfilador (solo en este proceso)")
            print(f"líneas del programa: {plegado['lineas_logicas']} lógicas, {plegado['lineas_fisicas']} físicas")
            print(f"tiempo dentro de _foldline por documento: mediana {ms(statistics.median(plegado['en_plegado']))}"
                  f"   (calendario.documento: {ms(statistics.median(partes['documento'])).strip()})")
            print(f"documento sin recorrer las líneas cortas: mediana {ms(statistics.median(plegado['cortas']))}"
                  f"   p95 {ms(percentil(plegado['cortas'], 95))}; idéntico byte a byte: {'sí' if plegado['igual'] else 'NO'}")
        if args.perfil or mediana_personal > OBJETIVO_PERSONAL_MS:
            perfil(app, cliente, ruta_personal, "calendarios personales")

        # d. HTTP con gunicorn (2 workers) y wrk
        resultados_http = {}
        if not args.sin_http:
            titulo("HTTP: gunicorn -w 2 + wrk -t2 -c8 -d10s")
            resultados_http = medir_http(entorno, carpeta, ruta_ics)

        # e. Resumen
        titulo(f"RESUMEN ({'PostgreSQL' if args.postgres else 'SQLite'})")

        def fila(medida, valor, objetivo="", ok=None):
            marca = "" if ok is None else ("OK" if ok else "FALLA")
            print(f"{medida:<40}{valor:>22}   {objetivo:<22}{marca}")

        sin = tiempos["ics_sin_cache"]
        fila("medida", "valor", "objetivo")
        frio = tiempos["ics_en_frio"]
        fila("programa .ics en frío (1.ª vez), mediana", f"{statistics.median(frio) * 1000:.1f} ms")
        fila("programa .ics sin caché, mediana / p95", f"{mediana_ics:.1f} / {percentil(sin, 95) * 1000:.1f} ms",
             f"≤ {OBJETIVO_ICS_MS} ms (mediana)", mediana_ics <= OBJETIVO_ICS_MS)
        fila("programa .ics: tamaño / consultas", f"{kb_ics:.1f} KiB / {n_ics}")
        per = tiempos["personal_sin_cache"]
        fila("personal .ics sin caché, mediana / p95", f"{mediana_personal:.1f} / {percentil(per, 95) * 1000:.1f} ms",
             f"≤ {OBJETIVO_PERSONAL_MS} ms (mediana)", mediana_personal <= OBJETIVO_PERSONAL_MS)
        fila("personal .ics: tamaño / consultas", f"{kb_personal:.1f} KiB / {n_personal}")
        frio_personal = tiempos["personal_en_frio"]
        fila("personal .ics en frío (1.ª vez), mediana", f"{statistics.median(frio_personal) * 1000:.1f} ms")
        fila("programa .ics con caché, mediana", f"{statistics.median(tiempos['ics_con_cache']) * 1000:.2f} ms")
        fila("programa 304, mediana", f"{statistics.median(tiempos['ics_304']) * 1000:.2f} ms")
        for nombre, texto in (("GET", "HTTP .ics GET (caché), req/s / p99"), ("304", "HTTP .ics 304, req/s / p99")):
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
            pg_admin(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)")
            print(f"\nBase {BASE_PG} borrada.")
        shutil.rmtree(carpeta, ignore_errors=True)


if __name__ == "__main__":
    main()
