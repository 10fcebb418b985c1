"""Resultados de la encuesta de evaluación: la página de la organización con 2 000 respuestas × 20 preguntas.

    .venv/bin/python bench/encuesta.py              # SQLite en una carpeta temporal
    .venv/bin/python bench/encuesta.py --postgres   # base eventos_bench_encuesta en 127.0.0.1:5432 (se crea y se borra)
    .venv/bin/python bench/encuesta.py --perfil     # perfil cProfile aunque se cumpla el objetivo
    .venv/bin/python bench/encuesta.py --respuestas 200 --iteraciones 5   # prueba rápida del guion (cifras sin valor)

Un evento con 10 sesiones, 10 mesas, 2 500 personas confirmadas que asistieron y 2 000 respuestas a una encuesta
anónima de 20 preguntas (dos matrices de 10 filas, 10 valoraciones, 4 de opciones y 4 de texto). La página de
resultados se pide en el proceso (app.test_client(), con la sesión de la organización) 30 veces tras calentar:
mediana y p95 (objetivo: mediana ≤ 100 ms) y el número de consultas SQL (fijo: igual con 10 respuestas que con
2 000). A título informativo: la página filtrada por mesa, el informe para imprimir, el CSV, el XLSX y la misma
página con la encuesta identificada. Junto al tiempo de reloj, la mediana del tiempo de CPU del proceso por
petición: con la máquina compartida (carga media > 2) es la cifra estable. Si no se llega al objetivo (o con
--perfil), perfil cProfile de la página.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

from sqlalchemy import select, update  # noqa: E402

from agenda import ContadorSQL, base_de_medicion, carga_media, percentil, titulo  # noqa: E402
from foro_sintetico import inscribir_confirmadas  # noqa: E402

BASE_PG = "eventos_bench_encuesta"
SLUG = "foro-encuesta"
CORREO_ORGANIZACION = "organizacion@bench-encuesta.org"
CLAVE_ORGANIZACION = "clave-de-organizacion-123"
OBJETIVO_MEDIANA_MS = 100
SESIONES = MESAS = 10
PERSONAS_POR_RESPUESTA = 1.25  # 2 500 confirmadas que asistieron para 2 000 respuestas (tasa del 80 %)
CALENTAR = 3
PALABRAS = ("claro", "útil", "largo", "ritmo", "mesa", "ponentes", "tiempo", "sala", "audio", "materiales",
            "preguntas", "debate", "organización", "café", "horario", "enlace", "diapositivas", "ejemplos")


def crear_aplicacion(url_bd: str, carpeta: Path):
    from app import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "SECRET_KEY": "bench-encuesta",
                       "URL_PUBLICA": "http://localhost", "MAIL_CARPETA": str(carpeta / "correo"),
                       "MATERIALES_CARPETA": str(carpeta / "materiales"), "ARGON2_PERFIL": "pruebas",
                       "LIMITE_INGRESO": "10000 per minute", "REDIS_URL": None})


def _programa() -> dict:
    from eventos.servicios import programa
    return {
        "formato": programa.FORMATO,
        "evento": {"slug": SLUG, "titulo": "Foro de prueba de la encuesta", "estado": "publicado",
                   "zona_horaria": "America/Mexico_City", "fecha_inicio": "2027-05-10", "fecha_fin": "2027-05-11"},
        "sesiones": [{"clave": f"s{n}", "titulo": f"Sesión {n + 1}: un tema del foro", "tipo": "panel",
                      "inicio": f"2027-05-1{n // 5} {9 + n % 5:02d}:00",
                      "fin": f"2027-05-1{n // 5} {9 + n % 5:02d}:50"} for n in range(SESIONES)],
        "mesas": [{"clave": f"m{k}", "nombre": f"Mesa {k + 1}: un eje temático", "sesiones": ["s4"]}
                  for k in range(MESAS)],
    }


def _encuesta(evento_id: int):
    from eventos.modelos import Encuesta, PreguntaEncuesta, SeccionEncuesta
    from eventos.zonas import ahora
    utilidad = ["Nada útil", "Muy útil"]
    secciones = [
        ("Las sesiones", [("matriz_sesiones", "¿Qué tan útil le resultó cada sesión?", utilidad, [])]),
        ("Las mesas", [("matriz_mesas", "¿Qué tan útil fue el trabajo de cada mesa?", utilidad, [])]),
        ("Formato y organización", [("valoracion", f"Aspecto {n + 1} del evento (formato, ritmo, sedes…)",
                                     ["Muy malo", "Muy bueno"], []) for n in range(10)]),
        ("Opciones", [
            ("opcion_unica", "¿Volvería a participar?", [], ["Sí", "No", "No lo sé"]),
            ("opcion_unica", "¿Cómo se enteró del evento?", [], ["Correo", "Redes sociales", "Colegas", "Otro"]),
            ("opcion_multiple", "¿Qué temas le interesan para la próxima edición?", [],
             ["Financiamiento", "Cooperación", "Datos abiertos", "Participación", "Clima"]),
            ("opcion_multiple", "¿Qué formatos prefiere?", [],
             ["Paneles", "Talleres", "Mesas de trabajo", "Visitas", "Conversatorios"])]),
        ("Comentarios", [("texto_corto", "En una palabra, el evento", [], []),
                         ("texto_corto", "Lo que más le gustó", [], []),
                         ("texto_largo", "¿Qué deberíamos cambiar para la próxima edición?", [], []),
                         ("texto_largo", "¿Algo más que quiera contarnos?", [], [])]),
    ]
    encuesta = Encuesta(evento_id=evento_id, titulo="Evaluación del foro", abre_en=ahora(), anonima=True)
    for orden, (nombre, preguntas) in enumerate(secciones):
        encuesta.secciones.append(SeccionEncuesta(titulo=nombre, orden=orden, preguntas=[
            PreguntaEncuesta(tipo=tipo, texto=texto, etiquetas=etiquetas, opciones=opciones, orden=n)
            for n, (tipo, texto, etiquetas, opciones) in enumerate(preguntas)]))
    return encuesta


def _texto(azar: random.Random, palabras: int) -> str:
    return " ".join(azar.choice(PALABRAS) for _ in range(palabras)).capitalize() + "."


def _valores(azar: random.Random, preguntas, sesiones: list[int], mesas: list[int], mesa_id: int) -> dict:
    """Una respuesta realista: casi todas las valoraciones, algunas filas de cada matriz, textos a veces."""
    valores = {}
    for pregunta in preguntas:
        clave = str(pregunta.id)
        if pregunta.tipo == "matriz_sesiones":
            valores[clave] = {str(s): azar.randint(2, 5) for s in sesiones if azar.random() < 0.7}
        elif pregunta.tipo == "matriz_mesas":
            otras = [m for m in mesas if m != mesa_id and azar.random() < 0.1]
            valores[clave] = {str(m): azar.randint(1, 5) for m in [mesa_id] + otras}
        elif pregunta.tipo == "valoracion" and azar.random() < 0.95:
            valores[clave] = azar.choice((1, 2, 3, 3, 4, 4, 4, 5, 5, 5))
        elif pregunta.tipo == "opcion_unica" and azar.random() < 0.9:
            valores[clave] = azar.choice(pregunta.opciones)
        elif pregunta.tipo == "opcion_multiple" and azar.random() < 0.8:
            valores[clave] = [o for o in pregunta.opciones if azar.random() < 0.4] or [pregunta.opciones[0]]
        elif pregunta.tipo == "texto_corto" and azar.random() < 0.5:
            valores[clave] = _texto(azar, azar.randint(1, 6))
        elif pregunta.tipo == "texto_largo" and azar.random() < 0.3:
            valores[clave] = _texto(azar, azar.randint(15, 60))
    return valores


def preparar(app, respuestas: int) -> dict:
    """Esquema, el evento, la organización, las personas (con su mesa y su asistencia) y las respuestas."""
    from flask_migrate import upgrade

    from eventos.cuentas.servicios import crear_usuario
    from eventos.extensiones import db
    from eventos.modelos import (Asistencia, Inscripcion, Mesa, ParticipacionEncuesta, RespuestaEncuesta,
                                 RolEvento, Sesion)
    from eventos.servicios import programa

    azar = random.Random(17)
    with app.app_context():
        inicio = time.perf_counter()
        upgrade()
        evento = programa.importar(_programa())
        db.session.add(RolEvento(evento=evento, rol="organizador",
                                 usuario=crear_usuario(CORREO_ORGANIZACION, "Organización", CLAVE_ORGANIZACION)))
        db.session.flush()
        personas = int(respuestas * PERSONAS_POR_RESPUESTA)
        inscribir_confirmadas(evento.id, personas, "bench-encuesta.org")
        mesas = db.session.scalars(select(Mesa.id).where(Mesa.evento_id == evento.id).order_by(Mesa.orden)).all()
        sesiones = db.session.scalars(select(Sesion.id).where(Sesion.evento_id == evento.id)).all()
        ids = db.session.scalars(select(Inscripcion.id).where(Inscripcion.evento_id == evento.id)
                                 .order_by(Inscripcion.id)).all()
        db.session.execute(update(Inscripcion), [{"id": i, "mesa_id": mesas[n % MESAS]} for n, i in enumerate(ids)])
        # Presencial (QR) la mayoría; en línea una de cada cuatro; las dos cosas una de cada diez.
        origenes = {i: ("en_linea" if n % 4 == 3 else "qr") for n, i in enumerate(ids)}
        db.session.execute(Asistencia.__table__.insert(), [
            {"evento_id": evento.id, "inscripcion_id": i, "alcance": 0, "origen": origen,
             "registrada_en": evento.creado_en, "recibida_en": evento.creado_en} for i, origen in origenes.items()])
        ambas = [i for n, i in enumerate(ids) if n % 10 == 0]
        db.session.execute(Asistencia.__table__.insert(), [
            {"evento_id": evento.id, "inscripcion_id": i, "sesion_id": sesiones[0], "alcance": sesiones[0],
             "origen": "en_linea", "registrada_en": evento.creado_en, "recibida_en": evento.creado_en} for i in ambas])
        encuesta = _encuesta(evento.id)
        db.session.add(encuesta)
        db.session.flush()
        preguntas = encuesta.preguntas
        modalidad = {i: "ambas" if i in set(ambas) else origenes[i].replace("qr", "presencial") for i in ids}
        quienes = azar.sample(ids, respuestas)
        mesa_de = {i: mesas[n % MESAS] for n, i in enumerate(ids)}
        filas = []
        for i in quienes:
            mesa_id = mesa_de[i]
            filas.append({"id": os.urandom(16).hex(), "encuesta_id": encuesta.id, "mesa_id": mesa_id,
                          "modalidad": modalidad[i], "valores": _valores(azar, preguntas, sesiones, mesas, mesa_id)})
        db.session.execute(RespuestaEncuesta.__table__.insert(), filas)
        db.session.execute(ParticipacionEncuesta.__table__.insert(),
                           [{"encuesta_id": encuesta.id, "inscripcion_id": i} for i in quienes])
        db.session.commit()
        print(f"Preparación: {time.perf_counter() - inicio:.1f} s · {personas} personas confirmadas que asistieron, "
              f"{respuestas} respuestas × {len(preguntas)} preguntas (matrices de {SESIONES} y {MESAS} filas)")
        datos = {"encuesta_id": encuesta.id, "mesa_id": mesas[0],
                 "respuesta_de": {fila["id"]: i for fila, i in zip(filas, quienes)}}
        db.session.remove()
    return datos


def identificar(app, datos: dict) -> None:
    """Pasa la encuesta a identificada: cada respuesta con su inscripción (para la medición informativa)."""
    from eventos.extensiones import db
    from eventos.modelos import Encuesta, RespuestaEncuesta
    with app.app_context():
        db.session.execute(update(RespuestaEncuesta), [{"id": r, "inscripcion_id": i}
                                                       for r, i in datos["respuesta_de"].items()])
        db.session.get(Encuesta, datos["encuesta_id"]).anonima = False
        db.session.commit()
        db.session.remove()


def entrar(cliente) -> None:
    pagina = cliente.get("/cuentas/entrar").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', pagina).group(1)
    r = cliente.post("/cuentas/entrar", data={"correo": CORREO_ORGANIZACION, "clave": CLAVE_ORGANIZACION,
                                             "csrf_token": token})
    if r.status_code != 302:
        raise SystemExit(f"no se pudo entrar: {r.status_code}")


def medir(app, cliente, contador: ContadorSQL, ruta: str, iteraciones: int) -> dict:
    """Consultas de una petición y tiempos de `iteraciones` peticiones tras calentar."""
    with app.app_context():
        consultas, respuesta = contador.contar(lambda: cliente.get(ruta))
    if respuesta.status_code != 200:
        raise SystemExit(f"{ruta}: {respuesta.status_code}\n{respuesta.get_data(as_text=True)[-1000:]}")
    for _ in range(CALENTAR):
        cliente.get(ruta)
    tiempos, cpu = [], []
    for _ in range(iteraciones):
        inicio, inicio_cpu = time.perf_counter(), time.process_time()
        r = cliente.get(ruta)
        tiempos.append(time.perf_counter() - inicio)
        cpu.append(time.process_time() - inicio_cpu)
        assert r.status_code == 200
    return {"consultas": consultas, "mediana": statistics.median(tiempos), "p95": percentil(tiempos, 95),
            "cpu": statistics.median(cpu), "bytes": len(respuesta.data), "sentencias": list(contador.sentencias)}


def perfilar(cliente, ruta: str, veces: int = 10) -> None:
    perfil = cProfile.Profile()
    perfil.enable()
    for _ in range(veces):
        cliente.get(ruta)
    perfil.disable()
    for orden in ("cumulative", "tottime"):
        salida = io.StringIO()
        pstats.Stats(perfil, stream=salida).sort_stats(orden).print_stats(25)
        print(f"-- cProfile de {veces} páginas, por {orden} --")
        print("\n".join(salida.getvalue().splitlines()[6:]))


def _ms(segundos: float) -> str:
    return f"{segundos * 1000:8.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help=f"PostgreSQL (base {BASE_PG}) en vez de SQLite")
    parser.add_argument("--respuestas", type=int, default=2000, help="respuestas a la encuesta (2 000)")
    parser.add_argument("--iteraciones", type=int, default=30, help="peticiones medidas de cada ruta (30)")
    parser.add_argument("--perfil", action="store_true", help="perfil cProfile aunque se cumpla el objetivo")
    args = parser.parse_args()
    base = f"/organizacion/eventos/{SLUG}/encuesta"
    with tempfile.TemporaryDirectory(prefix="eventos-bench-encuesta-") as tmp, \
            base_de_medicion(not args.postgres, Path(tmp), BASE_PG) as url_bd:
        print(f"Base: {url_bd} · CPU: {os.cpu_count()} · carga media: {carga_media()}")
        app = crear_aplicacion(url_bd, Path(tmp))
        datos = preparar(app, args.respuestas)
        cliente = app.test_client()
        from eventos.extensiones import db
        with app.app_context():
            entrar(cliente)
            contador = ContadorSQL(db.engine)
        # Como un worker de gunicorn (gunicorn.conf.py): lo ya cargado pasa a la generación permanente, que el
        # recolector de ciclos no recorre en cada colección de generación 2.
        gc.collect()
        gc.freeze()
        rutas = {"página de resultados": f"{base}/resultados",
                 "página filtrada por mesa y modalidad":
                     f"{base}/resultados?mesa={datos['mesa_id']}&modalidad=presencial",
                 "informe para imprimir": f"{base}/resultados/informe",
                 "respuestas.csv": f"{base}/respuestas.csv",
                 "respuestas.xlsx": f"{base}/respuestas.xlsx"}
        cifras = {}
        for nombre, ruta in rutas.items():
            titulo(f"{nombre} (carga media: {carga_media()})")
            iteraciones = args.iteraciones if not nombre.endswith(".xlsx") else max(3, args.iteraciones // 6)
            cifras[nombre] = c = medir(app, cliente, contador, ruta, iteraciones)
            print(f"{c['consultas']} consultas · {c['bytes'] / 1024:.0f} KiB · mediana {_ms(c['mediana'])} · "
                  f"p95 {_ms(c['p95'])} · CPU {_ms(c['cpu'])} ({iteraciones} peticiones)")
            if nombre == "página de resultados":
                print("\n".join(f"  {s}" for s in c["sentencias"]))
        lenta = cifras["página de resultados"]["mediana"] * 1000 > OBJETIVO_MEDIANA_MS
        if lenta or args.perfil:
            titulo("Perfil de la página de resultados")
            perfilar(cliente, rutas["página de resultados"])
        identificar(app, datos)
        titulo(f"página de resultados, encuesta identificada (carga media: {carga_media()})")
        cifras["identificada"] = c = medir(app, cliente, contador, rutas["página de resultados"], args.iteraciones)
        print(f"{c['consultas']} consultas · mediana {_ms(c['mediana'])} · p95 {_ms(c['p95'])} · CPU {_ms(c['cpu'])}")
        with app.app_context():
            db.engine.dispose()

    titulo(f"RESUMEN ({args.respuestas} respuestas × 20 preguntas; carga media al terminar: {carga_media()})")
    pagina = cifras["página de resultados"]
    marca = "OK   " if pagina["mediana"] * 1000 <= OBJETIVO_MEDIANA_MS else "FALLA"
    print(f"página de resultados        mediana {_ms(pagina['mediana'])}  (objetivo ≤ {OBJETIVO_MEDIANA_MS} ms) {marca}"
          f"   p95 {_ms(pagina['p95'])}   CPU del proceso {_ms(pagina['cpu'])}")
    print(f"consultas SQL por página    {pagina['consultas']:8d}     (fijas: no dependen de respuestas ni preguntas)")
    for nombre in ("página filtrada por mesa y modalidad", "informe para imprimir", "respuestas.csv",
                   "respuestas.xlsx", "identificada"):
        c = cifras[nombre]
        print(f"  {nombre:38} mediana {_ms(c['mediana'])}  p95 {_ms(c['p95'])}  CPU {_ms(c['cpu'])}  "
              f"{c['consultas']} consultas  (informativo)")


if __name__ == "__main__":
    main()
