"""Fixtures comunes. Por omisión las pruebas usan SQLite; con TEST_DATABASE_URL, PostgreSQL."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade

from apoyo import URL_PRUEBAS, configuracion, vaciar_bd
from app import create_app
from eventos.extensiones import db

@pytest.fixture(scope="session")
def url_bd(tmp_path_factory) -> str:
    return URL_PRUEBAS or f"sqlite:///{tmp_path_factory.mktemp('bd') / 'pruebas.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory, url_bd):
    """Aplicación con la base construida por las migraciones y los eventos de demostración."""
    vaciar_bd(url_bd)
    aplicacion = create_app(configuracion(tmp_path_factory.mktemp("instancia"), url_bd))
    with aplicacion.app_context():
        upgrade()
        from eventos.demo import cargar
        cargar()
    yield aplicacion
    with aplicacion.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def cliente(app):
    return app.test_client()


@pytest.fixture()
def contexto(app):
    with app.app_context():
        yield
        db.session.rollback()
