"""Una baja en un evento lleno con una lista de espera larga: cuánto tarda en dar la plaza a quien sigue.

    .venv/bin/python bench/lista_de_espera.py                  # PostgreSQL (base eventos_bench_espera, se crea y se borra)
    .venv/bin/python bench/lista_de_espera.py --sqlite         # SQLite en una carpeta temporal
    .venv/bin/python bench/lista_de_espera.py --en-espera 500  # otra longitud de la lista

Un evento con cupo 1, su única plaza ocupada y N personas en espera (5 000 por omisión). En el proceso:
`servicios.cancelar` de la confirmada (con la promoción de la primera en espera) y un flush, con una sesión
nueva cada vez, y se deshace; 15 veces, se descartan las 3 primeras. Todo ese tiempo el evento está
bloqueado: ninguna otra alta o baja del evento avanza. Objetivo: mediana ≤ 20 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

from agenda import base_de_medicion  # noqa: E402

OBJETIVO_MS = 20
REPETICIONES, DESCARTADAS = 15, 3


def preparar(en_espera: int) -> int:
    """El evento y sus inscripciones; devuelve el id de la confirmada."""
    from eventos.extensiones import db
    from eventos.modelos import Evento, Inscripcion
    from eventos.servicios import programa
    from eventos.zonas import ahora

    programa.importar({"formato": programa.FORMATO, "evento": {
        "slug": "foro-lleno", "titulo": "Foro lleno", "estado": "publicado", "zona_horaria": "America/Mexico_City",
        "fecha_inicio": "2027-05-10", "fecha_fin": "2027-05-10", "inscripcion": {"cupo": 1}},
        "sesiones": [{"clave": "s", "titulo": "Sesión", "tipo": "plenaria", "inicio": "2027-05-10 09:00",
                      "fin": "2027-05-10 10:00"}]})
    evento_id = db.session.scalar(select(Evento.id).where(Evento.slug == "foro-lleno"))
    llegada = ahora()
    db.session.execute(Inscripcion.__table__.insert(), [
        {"evento_id": evento_id, "nombre": "Persona", "correo": f"p{n}@bench.org", "respuestas": {},
         "estado": "confirmada" if n == 0 else "en_espera", "creado_en": llegada + timedelta(seconds=n)}
        for n in range(en_espera + 1)])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # como las habría dejado el autovacuum
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conexion:
            conexion.execute(text("VACUUM ANALYZE inscripcion"))
    return db.session.scalar(select(Inscripcion.id).where(Inscripcion.evento_id == evento_id,
                                                          Inscripcion.estado == "confirmada"))


def medir(confirmada: int) -> list[float]:
    from eventos.extensiones import db
    from eventos.inscripciones import servicios

    tiempos = []
    for _ in range(REPETICIONES):
        db.session.remove()
        inicio = time.perf_counter()
        promovidas = servicios.cancelar(confirmada, avisar=False)
        db.session.flush()
        tiempos.append(time.perf_counter() - inicio)
        assert len(promovidas) == 1, promovidas
        db.session.rollback()
    return tiempos[DESCARTADAS:]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="usar SQLite en vez de PostgreSQL")
    parser.add_argument("--en-espera", type=int, default=5000, help="personas en la lista de espera (5 000)")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from app import create_app
    from eventos.extensiones import db

    carpeta = Path(tempfile.mkdtemp(prefix="eventos-bench-espera-"))
    with base_de_medicion(args.sqlite, carpeta, "eventos_bench_espera") as url_bd:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo")})
        with app.app_context():
            upgrade()
            confirmada = preparar(args.en_espera)
            tiempos = medir(confirmada)
            motor = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    mediana = statistics.median(tiempos) * 1000
    print(f"baja con {args.en_espera} en espera ({motor}): mediana {mediana:.2f} ms, mín {min(tiempos) * 1000:.2f} ms, "
          f"máx {max(tiempos) * 1000:.2f} ms   objetivo ≤ {OBJETIVO_MS} ms: {'OK' if mediana <= OBJETIVO_MS else 'FALLA'}")


if __name__ == "__main__":
    main()
