"""Schemathesis contra la aplicación viva (WSGI, en el mismo proceso): para cada operación de la
descripción OpenAPI, datos válidos y no válidos generados a partir de ella, con la clave de API de la
organizadora de un evento de hoy. Ninguna respuesta es un 5xx ni se sale de lo descrito (código,
tipo de contenido, cabeceras y esquema). Con semilla fija: cada ejecución prueba los mismos casos.

Al final, una prueba por cada defecto que encontró, para que no vuelva.
"""
from __future__ import annotations

import copy
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)
from sqlalchemy import delete, func, select

from apoyo import crear_usuario
from eventos import qr, zonas
from eventos.api.descripcion import descripcion
from eventos.extensiones import db
from eventos.mesas.servicios import actual
from eventos.modelos import Asistencia, Evento, Inscripcion, Mesa, Respuesta, RolEvento, TokenApi, Usuario
from eventos.servicios import programa

COMPROBACIONES = [not_a_server_error, status_code_conformance, content_type_conformance,
                  response_headers_conformance, response_schema_conformance]

# La descripción que sirve la aplicación (test_openapi.py comprueba que /api/v1/openapi.json es esta misma),
# cargada al importar para que cada operación sea una prueba propia; las peticiones van a la aplicación
# de las pruebas (`app=`). `schemathesis.pytest.from_fixture` no sirve con pytest 9.2 (usa `Node._nodeid`).
api = schemathesis.openapi.from_dict(copy.deepcopy(descripcion()))  # la de la aplicación queda intacta
# Ids, slugs y códigos que existen, para llegar a las vistas y no solo al 404. Los pone `evento_api`.
REALES: dict[str, list] = {}


@pytest.fixture(scope="module")
def evento_api(app):
    """Una copia de hoy de las Jornadas (sesiones, 5 mesas, guía común) con una inscripción en cada estado
    y la clave de API de su organizadora. Se borra al terminar."""
    sufijo = uuid.uuid4().hex[:8]
    with app.app_context():
        original = Evento.con_programa("jornadas-mexico-ue")
        evento = programa.duplicar(original, f"api-{sufijo}", zonas.hoy_en(original.zona_horaria), estado="publicado")
        db.session.flush()
        organizadora = crear_usuario(f"api-{sufijo}@prueba.org", "Organizadora de la API")
        db.session.add(RolEvento(evento=evento, usuario=organizadora, rol="organizador"))
        _, clave = TokenApi.crear(organizadora, "Schemathesis")
        mesas = db.session.execute(select(Mesa.id).where(Mesa.evento_id == evento.id)).scalars().all()
        personas = [Inscripcion(evento_id=evento.id, nombre=f"Persona {estado}", apellidos="Pruebas", estado=estado,
                                correo=f"{n}-{sufijo}@prueba.org", institucion="Municipio de Prueba",
                                mesa_id=mesas[0], consentimiento_en=zonas.ahora())
                    for n, estado in enumerate(("confirmada", "confirmada", "en_espera", "pendiente", "cancelada"))]
        db.session.add_all(personas)
        db.session.commit()
        datos = {"slug": evento.slug, "clave": clave, "correo": organizadora.correo}
        REALES.update(slug=[evento.slug], mesa_id=mesas, sesion_id=[s.id for s in evento.sesiones],
                      pregunta_id=[p.id for g in evento.guias for b in g.bloques for p in b.preguntas],
                      inscripcion_id=[p.id for p in personas], codigo=[qr.contenido_qr(p) for p in personas])
    yield datos
    REALES.clear()
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == datos["slug"])).scalar_one()
        for modelo in (Asistencia, Inscripcion):
            db.session.execute(delete(modelo).where(modelo.evento_id == evento.id))
        db.session.delete(evento)
        db.session.execute(delete(Usuario).where(Usuario.correo == datos["correo"]))
        db.session.commit()


def _real(nombre: str):
    return st.sampled_from(REALES[nombre])


@api.hook
def before_generate_path_parameters(contexto, estrategia):
    """La mitad de los casos, con ids y slugs que existen (los ejemplos de la descripción, como `gsef2021`,
    dan los 403: esta organizadora no organiza ese evento)."""
    nombres = [p.name for p in contexto.operation.path_parameters]
    if not REALES or not nombres:  # al recoger las pruebas aún no hay evento
        return estrategia
    return st.one_of(st.fixed_dictionaries({n: _real(n) for n in nombres}), estrategia)


@api.hook
def before_generate_body(contexto, estrategia):
    """Lecturas con códigos, inscripciones y sesiones reales; respuestas sobre versiones que pueden existir."""
    if not REALES:
        return estrategia
    if contexto.operation.method == "put":
        con_version = st.tuples(estrategia, st.integers(0, 3)).map(
            lambda par: {**par[0], "version": par[1]} if isinstance(par[0], dict) else par[0])
        return st.one_of(con_version, estrategia)
    if contexto.operation.path.endswith("/acreditacion"):
        qr_real = st.fixed_dictionaries({"codigo": _real("codigo")}, optional={
            "sesion_id": st.one_of(st.none(), _real("sesion_id")), "id_cliente": st.sampled_from(["a", "b", "c"])})
        return st.one_of(qr_real, st.fixed_dictionaries({"inscripcion_id": _real("inscripcion_id")}), estrategia)
    return estrategia


@api.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
def test_la_api_cumple_su_descripcion(case, app, evento_api):
    # Sin gzip: schemathesis pide como `requests` (que acepta gzip), pero contra la aplicación WSGI lee el cuerpo
    # tal cual llega, sin descomprimirlo. Que lo comprimido sea el mismo documento lo comprueba test_cache.py.
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {evento_api['clave']}",
                                             "Accept-Encoding": "identity"}, checks=COMPROBACIONES)


CON_CUENTA = [(ruta, metodo) for ruta, metodos in descripcion()["paths"].items()
              for metodo, operacion in metodos.items() if operacion["security"]]


@pytest.mark.parametrize("ruta, metodo", CON_CUENTA)
@pytest.mark.parametrize("autorizacion", [None, "Bearer evt_clave-inventada", "Basic dXN1YXJpbzpjbGF2ZQ=="])
def test_sin_credenciales_validas_401_como_se_describe(app, evento_api, ruta, metodo, autorizacion):
    operacion = api[ruta][metodo.upper()]
    cuerpo = {"body": {"codigo": REALES["codigo"][0], "version": 0}} if metodo != "get" else {}
    caso = operacion.Case(path_parameters={p.name: REALES[p.name][0] for p in operacion.path_parameters},
                          headers={"Authorization": autorizacion} if autorizacion else {}, **cuerpo)
    respuesta = caso.call_and_validate(app=app, checks=COMPROBACIONES)
    assert respuesta.status_code == 401
    assert respuesta.headers["www-authenticate"] == ['Bearer realm="api"']


# --- Defectos encontrados (con Schemathesis o al escribir la descripción) ------------------------------
def _con_clave(evento_api) -> dict:
    return {"Authorization": f"Bearer {evento_api['clave']}", "Content-Type": "application/json"}


@pytest.mark.parametrize("metodo, ruta, cuerpo", [
    # Schemathesis, en PostgreSQL: «PostgreSQL text fields cannot contain NUL (0x00) bytes» (500).
    ("get", "/api/v1/eventos/{slug}/acreditacion/buscar?q=0%00", None),
    ("get", "/api/v1/eventos/a%00b", None),
    ("post", "/api/v1/eventos/{slug}/acreditacion", '{"codigo": "EV1-x", "id_cliente": "a\\u0000b"}'),
    ("put", "/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", '{"texto": "a\\u0000b", "version": 0}'),
    # Sustitutos sueltos: JSON los admite, UTF-8 no; ni SQLite ni PostgreSQL pueden guardarlos (500).
    ("post", "/api/v1/eventos/{slug}/acreditacion", '{"codigo": "EV1-x", "id_cliente": "\\ud800"}'),
    ("put", "/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", '{"texto": "a\\udfffb", "version": 0}'),
    ("put", "/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", '{"texto": "a", "puntos_clave": ["\\ud83d"], "version": 0}'),
    # «²».isdigit() es cierto pero int() no lo lee; más de 4300 cifras, tampoco (500).
    ("put", "/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", '{"texto": "a", "intervenciones": "\\u00b2", "version": 0}'),
    ("put", "/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", '{"texto": "a", "intervenciones": "' + "9" * 5000 + '", "version": 0}'),
    # JSON anidado más de lo que admite el analizador: RecursionError (500).
    ("put", "/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", "[" * 100_000),
    ("post", "/api/v1/eventos/{slug}/acreditacion", '{"codigo": "EV1-x", "x": ' + "[" * 5_000 + "]" * 5_000 + "}"),
])
def test_entradas_hostiles_son_un_400_claro_y_no_guardan_nada(app, evento_api, metodo, ruta, cuerpo):
    ruta = ruta.format(slug=evento_api["slug"], mesa_id=REALES["mesa_id"][0], pregunta_id=REALES["pregunta_id"][0])
    antes = _guardado(app)
    r = app.test_client().open(ruta, method=metodo.upper(), data=cuerpo, headers=_con_clave(evento_api))
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    assert set(r.get_json()) == {"error", "mensaje", "estado"} and r.get_json()["mensaje"]
    assert _guardado(app) == antes


def _guardado(app) -> tuple[int, int]:
    """Asistencias y versiones de respuestas de las mesas del evento de las pruebas."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Asistencia).where(
                    Asistencia.inscripcion_id.in_(REALES["inscripcion_id"]))),
                db.session.scalar(select(func.coalesce(func.sum(Respuesta.version), 0)).where(
                    Respuesta.mesa_id.in_(REALES["mesa_id"]))))


def test_intervenciones_con_cifras_de_otras_escrituras_se_leen(app, evento_api):
    """Lo que sí es un número decimal (cifras árabes orientales) se sigue aceptando."""
    mesa_id, pregunta_id = REALES["mesa_id"][-1], REALES["pregunta_id"][-1]
    with app.app_context():
        vigente = actual(mesa_id, pregunta_id)
        version = vigente.version if vigente else 0
    r = app.test_client().put(f"/api/v1/mesas/{mesa_id}/respuestas/{pregunta_id}", headers=_con_clave(evento_api),
                              json={"texto": "Una respuesta", "intervenciones": "١٢", "version": version})
    assert r.status_code == 200 and r.get_json()["intervenciones"] == 12
