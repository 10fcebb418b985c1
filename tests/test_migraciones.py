"""Las migraciones construyen exactamente el esquema de los modelos, y se pueden deshacer hasta el principio."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from apoyo import configuracion, insertar_evento_antiguo
from app import create_app
from eventos.extensiones import db

def diferencias(app) -> list:
    with db.engine.connect() as conexion:
        contexto = MigrationContext.configure(conexion, opts={"compare_type": True})
        return compare_metadata(contexto, db.metadata)


def tablas(app) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migraciones_y_modelos_coinciden_y_se_deshacen(url_vacia, tmp_path):
    app = create_app(configuracion(tmp_path, url_vacia))
    with app.app_context():
        upgrade()
        assert tablas(app) == set(db.metadata.tables)
        assert diferencias(app) == []
        downgrade(revision="base")
        assert tablas(app) == set()
        upgrade()
        assert diferencias(app) == []
        db.engine.dispose()


def test_subir_con_datos_existentes(url_vacia, tmp_path):
    """Una base con eventos de una versión anterior sube a la última sin perder ni romper filas."""
    app = create_app(configuracion(tmp_path, url_vacia))
    with app.app_context():
        upgrade(revision="0002_cuentas")
        with db.engine.begin() as conexion:
            insertar_evento_antiguo(conexion)
        upgrade()
        fila = db.session.execute(text(
            "SELECT requiere_aprobacion, aviso_privacidad, version_inscripciones FROM evento WHERE slug = 'antiguo'")).one()
        assert (bool(fila[0]), fila[1], fila[2]) == (False, "", 0)
        db.session.remove()
        db.engine.dispose()


def test_correos_intentados_y_sin_enviar_pasan_a_fallidos(url_vacia, tmp_path):
    """Un correo que se quedó «pendiente» con intentos gastados (nadie lo veía fallar, «Reintentar» no lo
    alcanzaba) pasa a «fallido»; uno que aún no se intentó sigue pendiente."""
    app = create_app(configuracion(tmp_path, url_vacia))
    with app.app_context():
        upgrade(revision="0008_busqueda")
        with db.engine.begin() as conexion:
            for destinatario, intentos in (("atascado@prueba.org", 8), ("nuevo@prueba.org", 0)):
                conexion.execute(text(
                    "INSERT INTO correo_saliente (tipo, url_base, destinatario, asunto, estado, intentos, ultimo_error, "
                    "proximo_intento, creado_en) VALUES ('confirmada', 'http://localhost/', :destinatario, '', "
                    "'pendiente', :intentos, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
                    {"destinatario": destinatario, "intentos": intentos})
        upgrade()
        estados = dict(db.session.execute(text("SELECT destinatario, estado FROM correo_saliente")).all())
        assert estados == {"atascado@prueba.org": "fallido", "nuevo@prueba.org": "pendiente"}
        db.session.remove()
        db.engine.dispose()
