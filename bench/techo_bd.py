"""El techo de base de datos de la medición de acreditación: la aplicación entera (`create_app()`, con sus
ganchos de cada petición, su motor y su pool) más una ruta que solo hace el trabajo duradero de una
acreditación: un `INSERT … ON CONFLICT DO NOTHING` y su commit, sin clave de API, evento ni inscripción.

bench/acreditacion.py sirve con gunicorn `techo_bd:crear_app()` y mide en esos mismos procesos
`/api/v1/salud`, este techo y la acreditación. La tabla `bench_techo` la crea la medición (`crear_tabla`),
no una migración: no existe fuera de la base de la medición.
"""
from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import postgresql, sqlite

RUTA = "/bench/techo-bd"
TABLA = Table("bench_techo", MetaData(),
              Column("id", Integer, primary_key=True),
              Column("codigo", String(80), nullable=False, unique=True),
              Column("id_cliente", String(64)))


def crear_tabla(motor) -> None:
    TABLA.create(motor)


def crear_app():
    from flask import jsonify

    from app import create_app
    from eventos.entrada import leer_json
    from eventos.extensiones import csrf, db

    app = create_app()
    with app.app_context():
        dialecto = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    sentencia = dialecto.insert(TABLA).on_conflict_do_nothing()  # construida una vez, como la de la acreditación

    @csrf.exempt
    def techo():
        datos = leer_json()  # ya leído (y validado) por el gancho de entrada de la aplicación
        db.session.execute(sentencia, {"codigo": datos["codigo"], "id_cliente": datos["id_cliente"]})
        db.session.commit()
        return jsonify({"resultado": "aceptado"})

    app.add_url_rule(RUTA, "techo_bd", techo, methods=["POST"])
    return app
