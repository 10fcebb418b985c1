"""PostgreSQL: una conexión del pool que murió mientras estaba sin usar (reinicio del servidor, corte de
red) se descarta al sacarla, sin que la petición falle."""
import pytest
from sqlalchemy import create_engine, text

from apoyo import URL_PRUEBAS, es_postgresql
from eventos import config
from eventos.extensiones import db

pytestmark = pytest.mark.skipif(not (URL_PRUEBAS and es_postgresql(URL_PRUEBAS)),
                                reason="solo con PostgreSQL (TEST_DATABASE_URL=postgresql://…)")


def test_una_conexion_muerta_en_el_pool_no_rompe_la_siguiente_peticion(app, monkeypatch):
    cliente = app.test_client()
    assert cliente.get("/api/v1/eventos").status_code == 200  # deja conexiones en el pool
    with app.app_context():
        db.session.remove()
        url = db.engine.url
    # Otra conexión, fuera del pool de la aplicación, termina todas las de la aplicación.
    otro_motor = create_engine(url, isolation_level="AUTOCOMMIT")
    with otro_motor.connect() as ajena:
        terminadas = ajena.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )).scalar_one()
    otro_motor.dispose()
    assert terminadas >= 1
    monkeypatch.setattr(config, "INACTIVIDAD_PARA_COMPROBAR", 0.0)  # como si hubiera pasado el rato
    try:
        assert cliente.get("/api/v1/eventos").status_code == 200
    finally:
        # Las otras conexiones terminadas (la del cartero, por ejemplo) no pasan a las pruebas siguientes, que
        # las sacarían del pool antes del plazo de comprobación.
        with app.app_context():
            db.engine.dispose()
