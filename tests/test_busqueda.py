"""Buscar a una persona no depende de acentos ni mayúsculas, ni en la puerta (escáner) ni en la oficina
(texto e institución), en SQLite y en PostgreSQL; «%» y «_» escritos por alguien se buscan tal cual.
Lo ya guardado antes de la migración se encuentra igual."""
from __future__ import annotations

import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from apoyo import configuracion, crear_usuario, entrar, insertar_evento_antiguo
from apoyo_inscripciones import inscribir, unico
from app import create_app
from eventos.extensiones import db
from eventos.inscripciones import servicios
from eventos.modelos import Inscripcion, RolEvento
from eventos.modelos.inscripciones import textos_de_busqueda
from eventos.texto import plegar
from eventos.zonas import ahora

JOSE = "José Pérez Núñez"


@pytest.fixture()
def puerta(app, cliente, eventos_prueba):
    """Un evento con tres personas (una inscrita por el formulario público) y el cliente de su organizadora."""
    evento = eventos_prueba(mesas=[("a", None), ("b", None)])
    jose = unico("jose")
    r = inscribir(app.test_client(), evento.slug, jose, nombre="José", apellidos="Pérez Núñez",
                  institucion="Universidad Autónoma de Puebla", mesa=str(evento.mesas["a"]))
    assert r.status_code in (302, 303), r.get_data(as_text=True)[-500:]
    with app.app_context():
        organizadora = crear_usuario(f"org-{uuid.uuid4().hex[:8]}@prueba.org", "Organizadora")
        db.session.add(RolEvento(evento_id=evento.id, usuario=organizadora, rol="organizador"))
        for nombre, apellidos, institucion, mesa in (("Ana", "Gómez", "Fundación 100% Rural", "a"),
                                                     ("Luis", "Mora", "Centro_Sur", "b")):
            db.session.add(Inscripcion(evento_id=evento.id, nombre=nombre, apellidos=apellidos, institucion=institucion,
                                       correo=unico(nombre.lower()), estado="confirmada", consentimiento_en=ahora(),
                                       mesa_id=evento.mesas[mesa]))
        db.session.commit()
        correo = organizadora.correo
    entrar(cliente, correo)
    yield {"slug": evento.slug, "evento_id": evento.id, "jose": jose}
    with app.app_context():
        db.session.delete(crear_usuario(correo))
        db.session.commit()


def _escaner(cliente, puerta, q) -> list[str]:
    r = cliente.get(f"/api/v1/eventos/{puerta['slug']}/acreditacion/buscar", query_string={"q": q})
    assert r.status_code == 200, q
    return sorted(i["nombre"] for i in r.get_json()["inscripciones"])


def _oficina(cliente, puerta, **filtros) -> list[str]:
    r = cliente.get(f"/organizacion/eventos/{puerta['slug']}/inscripciones", query_string=filtros)
    assert r.status_code == 200, filtros
    html = r.get_data(as_text=True)
    return [nombre for nombre in (JOSE, "Ana Gómez", "Luis Mora") if f">{nombre}</a>" in html]


def test_plegar_quita_acentos_y_mayusculas():
    assert plegar("José PÉREZ Núñez") == "jose perez nunez"
    assert plegar("Straße ﬁn İzmir São") == "strasse fin izmir sao"
    assert plegar(None) == ""


@pytest.mark.parametrize("q", ["perez", "nunez", "PÉREZ", "Núñez", "NUNEZ", "jose perez", "autonoma", "AUTÓNOMA"])
def test_escaner_encuentra_sin_acentos_ni_mayusculas(cliente, puerta, q):
    assert _escaner(cliente, puerta, q) == [JOSE]


def test_escaner_busca_por_ciento_y_guion_bajo_tal_cual(cliente, puerta):
    assert _escaner(cliente, puerta, "%%") == []
    assert _escaner(cliente, puerta, "__") == []
    assert _escaner(cliente, puerta, "100%") == ["Ana Gómez"]
    assert _escaner(cliente, puerta, "o_s") == ["Luis Mora"]
    assert _escaner(cliente, puerta, "GOMEZ") == ["Ana Gómez"]


def test_escaner_consultas_fijas(app, cliente, puerta):
    """La búsqueda trae la mesa con las personas (cada una en otra mesa): el número de consultas no crece
    con los resultados."""
    from test_consultas import contar_consultas
    with app.app_context(), contar_consultas() as una:
        _escaner(cliente, puerta, "gomez")
    with app.app_context(), contar_consultas() as todas:
        _escaner(cliente, puerta, "prueba.org")
    assert len(una) == len(todas)


def test_oficina_busca_sin_acentos_ni_mayusculas(cliente, puerta):
    for q in ("perez", "PÉREZ", "nunez", "JOSÉ PÉREZ"):
        assert _oficina(cliente, puerta, q=q) == [JOSE], q
    assert _oficina(cliente, puerta, q="gomez") == ["Ana Gómez"]
    assert _oficina(cliente, puerta, q="%%") == []
    assert _oficina(cliente, puerta, q="__") == []


def test_oficina_filtra_la_institucion_sin_acentos_ni_mayusculas(cliente, puerta):
    for institucion in ("autonoma", "AUTÓNOMA", "universidad autónoma"):
        assert _oficina(cliente, puerta, institucion=institucion) == [JOSE], institucion
    assert _oficina(cliente, puerta, institucion="perez") == []  # solo la institución, no el nombre
    assert _oficina(cliente, puerta, institucion="100%") == ["Ana Gómez"]
    assert _oficina(cliente, puerta, institucion="0%") == ["Ana Gómez"]
    assert _oficina(cliente, puerta, institucion="o_s") == ["Luis Mora"]
    assert _oficina(cliente, puerta, institucion="__") == []


def test_cambiar_los_datos_cambia_la_busqueda(app, cliente, puerta):
    """La persona corrige sus datos con su enlace personal: se la encuentra por los nuevos."""
    with app.app_context():
        ident = db.session.execute(select(Inscripcion.id).where(Inscripcion.correo == puerta["jose"])).scalar_one()
        servicios.cambiar_datos(ident, {"apellidos": "Ibáñez", "institucion": "Ministerio"})
        db.session.commit()  # el servicio no confirma: lo hace quien llama
    assert _escaner(cliente, puerta, "IBANEZ") == ["José Ibáñez"]
    assert _escaner(cliente, puerta, "nunez") == []
    assert _escaner(cliente, puerta, "autonoma") == []
    with app.app_context():
        inscripcion = db.session.get(Inscripcion, ident)
        inscripcion.estado = "cancelada"  # un cambio ajeno a la búsqueda la deja como estaba
        db.session.commit()
        assert inscripcion.busqueda.startswith("jose ibanez\n") and inscripcion.institucion_plegada == "ministerio"


def test_textos_de_busqueda_caben_en_sus_columnas():
    """Plegar alarga algunos textos («ﷺ» son 18 letras): nada pasa del tamaño de su columna."""
    busqueda, institucion = textos_de_busqueda("ﷺ" * 120, "😀" * 120, "a" * 254, "😀" * 300)
    assert len(busqueda) <= 800 and len(institucion) <= 300


# --- La migración pliega lo ya guardado ----------------------------------------------------------

def test_la_migracion_pliega_las_inscripciones_existentes(url_vacia, tmp_path):
    app = create_app(configuracion(tmp_path, url_vacia))
    with app.app_context():
        upgrade(revision="0003_inscripciones")
        with db.engine.begin() as conexion:
            evento_id = insertar_evento_antiguo(conexion)
            # Más filas que un lote de la migración: se pliegan todas.
            conexion.execute(text(
                "INSERT INTO inscripcion (evento_id, nombre, apellidos, correo, institucion, cargo, pais, ciudad, "
                "modalidad, respuestas, estado, clave_gestion, codigo, zona_horaria, idioma, consentimiento_en, "
                "creado_en, actualizado_en) VALUES (:evento, :nombre, 'Pérez Núñez', :correo, 'Universidad Autónoma', "
                "'', 'MX', '', '', '{}', 'confirmada', :codigo, :codigo, '', 'es', '2021-01-01 00:00:00', "
                "'2021-01-01 00:00:00', '2021-01-01 00:00:00')"),
                [{"evento": evento_id, "nombre": f"JOSÉ {n}", "correo": f"jose{n}@prueba.org",
                  "codigo": f"codigo-{n:05d}-0123456789"} for n in range(1203)])
        upgrade()
        filas = db.session.execute(text("SELECT nombre, busqueda, institucion_plegada FROM inscripcion")).all()
        assert len(filas) == 1203
        for nombre, busqueda, institucion in filas:
            numero = nombre.split()[1]
            assert (busqueda, institucion) == (
                f"jose {numero} perez nunez\njose{numero}@prueba.org\nuniversidad autonoma", "universidad autonoma")
        db.session.remove()
        db.engine.dispose()
