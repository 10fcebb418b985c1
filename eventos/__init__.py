"""Aplicación de foros y seminarios: fábrica de la aplicación."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import carpeta_instancia
from .estaticos import con_huella, servir

RAIZ = Path(__file__).resolve().parent.parent


class Aplicacion(Flask):
    """Flask con una sola raíz para las direcciones absolutas: `url_for(..., _external=True)` (en el código
    y en las plantillas) sale de URL_PUBLICA, nunca de la cabecera Host de la petición. Los estáticos se
    enlazan con la huella de su contenido en el nombre."""

    def url_for(self, endpoint: str, *, _external: bool = False, _scheme: str | None = None, **valores) -> str:
        if endpoint == "static" and "filename" in valores and not self.debug:
            valores["filename"] = con_huella(self.static_folder, valores["filename"])
        ruta = super().url_for(endpoint, _external=False, **valores)
        if not (_external or _scheme) or not ruta.startswith("/"):
            return ruta
        base = self.config["URL_PUBLICA"]
        return (f"{_scheme}{base[base.index(':'):]}" if _scheme else base) + ruta

    def send_static_file(self, filename: str):
        """/estaticos/…: con la huella del contenido en el nombre, caché de un año (eventos/estaticos.py)."""
        return servir(self.static_folder, filename)


def create_app(config: dict | None = None) -> Flask:
    app = Aplicacion(
        __name__,
        instance_relative_config=True,
        instance_path=carpeta_instancia(),
        template_folder=str(RAIZ / "plantillas"),
        static_folder=str(RAIZ / "estaticos"),
        static_url_path="/estaticos",
    )
    from .config import clave_local, desde_entorno, elegir_almacen, opciones_motor, preparar_direcciones
    app.config.from_mapping(desde_entorno(app.instance_path))
    if config:
        app.config.update(config)
    preparar_direcciones(app.config)
    elegir_almacen(app.config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", opciones_motor(app.config["SQLALCHEMY_DATABASE_URI"]))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = clave_local(Path(app.instance_path))

    from . import modelos  # noqa: F401  (registra las tablas antes de Migrate)
    from .extensiones import babel, cache, csrf, db, limiter, login
    from .preferencias import elegir_idioma, registrar_preferencias
    from .metricas import registrar_metricas
    from .registro import registrar_peticiones, registrar_registros
    from .seguridad import registrar_seguridad

    db.init_app(app)
    _preparar_motor(app, db)
    if not os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        # Las migraciones (Alembic y Mako, ~11 MB) son de la línea de órdenes y de las pruebas: los procesos
        # web de gunicorn (que lo anuncia en SERVER_SOFTWARE antes de cargar la aplicación) no las cargan.
        from flask_migrate import Migrate
        Migrate(app, db, directory=str(RAIZ / "migraciones"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=elegir_idioma)
    cache.init_app(app)
    login.init_app(app)
    limiter.init_app(app)
    registrar_seguridad(app)  # la política de entrada, antes que las preferencias (que leen ?lang= y ?tz=)
    registrar_preferencias(app)
    registrar_registros()
    registrar_peticiones(app)  # REGISTRO=json
    registrar_metricas(app)  # METRICAS=1

    _enteros_de_ruta_acotados(app)
    from .acreditacion.rutas import bp as acreditacion_bp
    from .api.rutas import bp as api_bp
    from .calendario.rutas import bp as calendario_bp
    from .constancias.rutas import bp as constancias_bp
    from .cuentas.rutas import bp as cuentas_bp
    from .encuestas.rutas import bp as encuestas_bp
    from .errores import registrar_errores
    from .inscripciones.rutas import bp as inscripciones_bp
    from .mesas.rutas import bp as mesas_bp
    from .mesas.tablero import bp as tablero_bp
    from .organizacion import bp as organizacion_bp
    from .publico.rutas import bp as publico_bp
    from .texto import registrar_filtros

    app.register_blueprint(publico_bp)
    app.register_blueprint(inscripciones_bp)
    app.register_blueprint(encuestas_bp)
    app.register_blueprint(calendario_bp)
    app.register_blueprint(constancias_bp)
    app.register_blueprint(cuentas_bp, url_prefix="/cuentas")
    app.register_blueprint(organizacion_bp, url_prefix="/organizacion")
    app.register_blueprint(acreditacion_bp, url_prefix="/acreditacion")
    app.register_blueprint(tablero_bp, url_prefix="/mesas/tablero")  # sin exigir sesión, a diferencia de `mesas`
    app.register_blueprint(mesas_bp, url_prefix="/mesas")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)
    registrar_errores(app)
    registrar_filtros(app)

    from .correo import registrar_entrega
    registrar_entrega(app)

    from .cli import registrar_comandos
    registrar_comandos(app)
    return app


def _enteros_de_ruta_acotados(app) -> None:
    """`<int:…>` en las rutas no pasa del máximo de la base de datos: un id enorme es un 404, no un 500."""
    from werkzeug.routing import IntegerConverter

    from .extensiones import MAXIMO_ENTERO_BD

    class EnteroBD(IntegerConverter):
        def __init__(self, mapa, *args, **kwargs):
            kwargs.setdefault("max", MAXIMO_ENTERO_BD)
            super().__init__(mapa, *args, **kwargs)

    app.url_map.converters["int"] = EnteroBD


def _preparar_motor(app, db) -> None:
    """PostgreSQL: comprobar las conexiones que llevaban un rato sin usarse. SQLite: claves foráneas activas (los ON DELETE CASCADE dependen de ello) y registro WAL, para que
    las lecturas no esperen a las escrituras cuando hay varios procesos."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from .config import preparar_postgresql
        with app.app_context():
            preparar_postgresql(db.engine)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        motor = db.engine

    @event.listens_for(motor, "connect")
    def pragmas(conexion, _registro):
        cursor = conexion.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(motor, "savepoint")
    def transaccion_antes_del_savepoint(conexion, _nombre):
        """pysqlite abre la transacción con la primera escritura; un SAVEPOINT anterior la abriría él solo y
        liberarlo la confirmaría, con el trabajo de quien llama a medias. Se abre antes, ya como escritura
        (IMMEDIATE: espera su turno como cualquier primera escritura)."""
        if not conexion.connection.driver_connection.in_transaction:
            conexion.exec_driver_sql("BEGIN IMMEDIATE")
