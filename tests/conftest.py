"""Fixtures comunes. Por omisión las pruebas usan SQLite; con TEST_DATABASE_URL, PostgreSQL.

Con RELOJ_PRUEBAS=HH:MM la sesión de pruebas empieza a esa hora UTC de hoy, y cada prueba a esa hora de un
día después que la anterior (y el reloj sigue andando): así .ci/run repite las pruebas que dependen de la hora
en los instantes difíciles.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from flask_migrate import upgrade

from apoyo import INSTANTE_DEL_RELOJ, URL_PRUEBAS, ZONAS_DEL_PROCESO, configuracion, vaciar_bd
from app import create_app
from eventos.extensiones import db


def pytest_configure(config):
    if INSTANTE_DEL_RELOJ:  # lo que se prepara para toda la sesión (la aplicación, la demo) también, a esa hora
        time_machine.travel(INSTANTE_DEL_RELOJ, tick=True).start()


_pruebas_con_reloj = itertools.count(1)


@pytest.fixture(autouse=True)
def reloj_de_cada_prueba():
    """Con RELOJ_PRUEBAS, cada prueba vuelve a empezar en el instante difícil, un día después que la anterior.
    Con un solo reloj andando toda la sesión, las pruebas del primer minuto corrían antes del cruce (con 05:59,
    la medianoche de Ciudad de México) y las demás después; la que coincidía con él creaba el evento «de hoy»
    un día y acreditaba al siguiente, y fallaba o no según la velocidad de la máquina. Volver cada vez al mismo
    día no sirve: el reloj iría hacia atrás, y dos eventos de pruebas distintas (SQLite reutiliza el id del
    que se borró) coincidían en id, versión y hora de actualización, la clave de su instantánea."""
    if INSTANTE_DEL_RELOJ is None:
        yield
        return
    with time_machine.travel(INSTANTE_DEL_RELOJ + timedelta(days=next(_pruebas_con_reloj)), tick=True):
        yield


@pytest.fixture(params=ZONAS_DEL_PROCESO)
def zona_del_proceso(request, monkeypatch):
    """La prueba corre con la zona local del proceso (TZ) lejos de la de los eventos."""
    import time as reloj
    monkeypatch.setenv("TZ", request.param)
    reloj.tzset()
    yield request.param
    monkeypatch.undo()
    reloj.tzset()


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
        db.session.commit()  # cargar() no confirma: lo hace quien llama (como el comando `flask demo`)
    yield aplicacion
    with aplicacion.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def cartero_real(app, monkeypatch):
    """El cartero de la aplicación como en producción: la petición no espera a que su correo se entregue y
    el cartero también revisa la bandeja por su cuenta. Al terminar, se espera a que acabe lo que tenga
    entre manos (las demás pruebas vuelven a esperar cada entrega)."""
    from eventos import correo
    monkeypatch.setitem(app.config, "CORREO_ESPERAR_ENTREGA", False)
    yield correo.cartero_de(app)
    assert correo.esperar_entregas(app), "el cartero no terminó su ronda"


@pytest.fixture()
def cliente(app):
    return app.test_client()


@pytest.fixture()
def contexto(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture()
def evento_con_equipo(app):
    """Una copia de las Jornadas (5 mesas, guía común) con una persona por cada rol posible.

    Devuelve un diccionario con el slug, los correos por rol y los ids de dos mesas. Se borra al final.
    """
    import uuid

    from sqlalchemy import select

    from apoyo import crear_usuario
    from eventos import zonas
    from eventos.modelos import Evento, Mesa, Participacion, Persona, RolEvento
    from eventos.servicios import programa

    sufijo = uuid.uuid4().hex[:8]
    with app.app_context():
        original = Evento.con_programa("jornadas-mexico-ue")
        # Hoy en la zona del evento: la puerta acredita y las sesiones en línea admiten conexiones.
        hoy = zonas.hoy_en(original.zona_horaria)
        evento = programa.duplicar(original, f"prueba-{sufijo}", hoy, estado="publicado")
        otro = programa.duplicar(Evento.con_programa("gsef2021"), f"otro-{sufijo}", hoy)
        db.session.flush()
        correos = {rol: f"{rol}-{sufijo}@prueba.org" for rol in
                   ("admin", "organizador", "organizador_otro", "moderador", "moderador_otro", "acreditador", "participante")}
        usuarios = {rol: crear_usuario(correo, admin=(rol == "admin")) for rol, correo in correos.items()}
        db.session.add_all([RolEvento(evento=evento, usuario=usuarios["organizador"], rol="organizador"),
                            RolEvento(evento=otro, usuario=usuarios["organizador_otro"], rol="organizador"),
                            RolEvento(evento=evento, usuario=usuarios["acreditador"], rol="acreditador")])
        plenaria = evento.sesiones[0]
        db.session.add(Participacion(sesion=plenaria, rol="ponente", cargo="Directora",
                                     persona=Persona(evento=evento, nombre="Ponente de Prueba")))
        mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id).order_by(Mesa.orden)).scalars().all()
        mesas[0].moderadores.append(usuarios["moderador"])
        mesas[1].moderadores.append(usuarios["moderador_otro"])
        db.session.commit()
        datos = {"slug": evento.slug, "otro_slug": otro.slug, "correos": correos,
                 "mesa_id": mesas[0].id, "mesa_otra_id": mesas[1].id}
    yield datos
    with app.app_context():
        from eventos.modelos import Usuario
        for slug in (datos["slug"], datos["otro_slug"]):
            evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
            if evento:
                db.session.delete(evento)
        for correo in correos.values():
            usuario = db.session.execute(select(Usuario).where(Usuario.correo == correo)).scalar_one_or_none()
            if usuario:
                db.session.delete(usuario)
        db.session.commit()


@pytest.fixture()
def eventos_prueba(app):
    """Fábrica de eventos de inscripción de prueba (apoyo_inscripciones.crear_evento); los borra al terminar."""
    from apoyo_inscripciones import borrar_evento, crear_evento

    creados = []

    def crear(**opciones):
        evento = crear_evento(app, **opciones)
        creados.append(evento.slug)
        return evento

    yield crear
    for slug in creados:
        borrar_evento(app, slug)


@pytest.fixture()
def url_vacia(tmp_path):
    """Una base de datos vacía y propia (para probar migraciones): archivo SQLite nuevo, o una base
    PostgreSQL creada para la prueba y borrada al terminar."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from apoyo import es_postgresql
    from eventos.config import normalizar_url_bd
    if not (URL_PRUEBAS and es_postgresql(URL_PRUEBAS)):
        yield f"sqlite:///{tmp_path / 'vacia.sqlite3'}"
        return
    nombre = f"eventos_prueba_vacia_{uuid.uuid4().hex[:8]}"
    servidor = make_url(normalizar_url_bd(URL_PRUEBAS))
    motor = create_engine(servidor, isolation_level="AUTOCOMMIT")
    with motor.connect() as conexion:
        conexion.execute(text(f"CREATE DATABASE {nombre}"))
    yield servidor.set(database=nombre).render_as_string(hide_password=False)
    with motor.connect() as conexion:
        conexion.execute(text(f"DROP DATABASE IF EXISTS {nombre} WITH (FORCE)"))
    motor.dispose()
