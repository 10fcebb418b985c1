"""Una baja con una lista de espera larga: cuánto tarda en dar la plaza a quien sigue (o en ver que no cabe nadie).

    .venv/bin/python bench/lista_de_espera.py                  # PostgreSQL (base eventos_bench_espera, se crea y se borra)
    .venv/bin/python bench/lista_de_espera.py --sqlite         # SQLite en una carpeta temporal
    .venv/bin/python bench/lista_de_espera.py --en-espera 500  # otra longitud de la lista

Dos eventos con N personas en espera (5 000 por omisión):
- «evento lleno»: cupo 1 y su plaza ocupada; la baja de la confirmada da su plaza a la primera en espera.
- «mesa llena»: sin cupo del evento; la mesa A (cupo 1) llena, y todas esperan plaza en ella; la baja es de
  alguien de la mesa B, así que nadie cabe: hay que recorrer la lista entera para saberlo.
En el proceso: `servicios.cancelar` y un flush, con una sesión nueva cada vez, y se deshace; 15 veces, se
descartan las 3 primeras. Todo ese tiempo el evento está bloqueado: ninguna otra alta o baja del evento avanza.
Objetivo: mediana ≤ 20 ms en cada caso.
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


def preparar(slug: str, en_espera: int, mesa_llena: bool) -> int:
    """Un evento con una confirmada (la que se dará de baja) y `en_espera` personas esperando; devuelve el id de
    la confirmada. Con `mesa_llena`, como se describe arriba."""
    from eventos.extensiones import db
    from eventos.modelos import Evento, Inscripcion
    from eventos.servicios import programa
    from eventos.zonas import ahora

    programa.importar({"formato": programa.FORMATO, "evento": {
        "slug": slug, "titulo": slug, "estado": "publicado", "zona_horaria": "America/Mexico_City",
        "fecha_inicio": "2027-05-10", "fecha_fin": "2027-05-10", "inscripcion": {} if mesa_llena else {"cupo": 1}},
        "sesiones": [{"clave": "s", "titulo": "Sesión", "tipo": "plenaria", "inicio": "2027-05-10 09:00",
                      "fin": "2027-05-10 10:00"}],
        "mesas": [{"clave": "a", "nombre": "Mesa A", "cupo": 1, "sesiones": ["s"]},
                  {"clave": "b", "nombre": "Mesa B", "sesiones": ["s"]}] if mesa_llena else []})
    evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
    mesas = {m.clave: m.id for m in evento.mesas}
    llegada = ahora()

    def fila(n, estado, mesa):
        return {"evento_id": evento.id, "nombre": "Persona", "correo": f"p{n}@bench.org", "respuestas": {},
                "estado": estado, "mesa_id": mesas.get(mesa), "creado_en": llegada + timedelta(seconds=n)}
    filas = [fila(0, "confirmada", "b"), *([fila(-1, "confirmada", "a")] if mesa_llena else [])]
    filas += [fila(n, "en_espera", "a") for n in range(1, en_espera + 1)]
    db.session.execute(Inscripcion.__table__.insert(), filas)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # como las habría dejado el autovacuum
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conexion:
            conexion.execute(text("VACUUM ANALYZE inscripcion"))
    return db.session.scalar(select(Inscripcion.id).where(Inscripcion.evento_id == evento.id,
                                                          Inscripcion.correo == "p0@bench.org"))


def medir(saliente: int, promovidas_esperadas: int) -> list[float]:
    from eventos.extensiones import db
    from eventos.inscripciones import servicios

    tiempos = []
    for _ in range(REPETICIONES):
        db.session.remove()
        inicio = time.perf_counter()
        promovidas = servicios.cancelar(saliente, avisar=False)
        db.session.flush()
        tiempos.append(time.perf_counter() - inicio)
        assert len(promovidas) == promovidas_esperadas, promovidas
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
    resultados = {}
    with base_de_medicion(args.sqlite, carpeta, "eventos_bench_espera") as url_bd:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "MAIL_CARPETA": str(carpeta / "correo")})
        with app.app_context():
            upgrade()
            motor = db.engine.dialect.name
            for caso, mesa_llena, promovidas in (("evento lleno", False, 1), ("mesa llena", True, 0)):
                saliente = preparar(caso.replace(" ", "-"), args.en_espera, mesa_llena)
                resultados[caso] = medir(saliente, promovidas)
            db.session.remove()
            db.engine.dispose()
    for caso, tiempos in resultados.items():
        mediana = statistics.median(tiempos) * 1000
        print(f"baja con {args.en_espera} en espera, {caso:12} ({motor}): mediana {mediana:7.2f} ms, "
              f"mín {min(tiempos) * 1000:7.2f} ms, máx {max(tiempos) * 1000:7.2f} ms   objetivo ≤ {OBJETIVO_MS} ms: "
              f"{'OK' if mediana <= OBJETIVO_MS else 'FALLA'}")


if __name__ == "__main__":
    main()
