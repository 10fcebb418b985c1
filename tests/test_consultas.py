"""La agenda se arma con un número fijo de consultas SQL, sin importar cuántas sesiones tenga."""
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from eventos.extensiones import cache, db
from eventos.modelos import Evento
from eventos.servicios import programa


def foro(slug: str, sesiones: int) -> dict:
    lista = []
    for n in range(sesiones):
        dia, hueco = divmod(n, 10)
        hora = 8 + hueco
        lista.append({
            "clave": f"s{n}", "titulo": f"Sesión {n}", "tipo": "panel", "sala": f"Sala {n % 4 + 1}",
            "inicio": f"2027-03-0{dia + 1} {hora:02d}:00", "fin": f"2027-03-0{dia + 1} {hora:02d}:45",
            "participantes": [{"nombre": f"Persona {n}-{k}", "rol": "panelista", "institucion": "Inst"} for k in range(3)],
            "materiales": [{"titulo": "Lámina", "url": "https://example.org/l.pdf"}],
            "sesiones": [{"clave": f"s{n}-pyr", "titulo": "Preguntas", "tipo": "preguntas_y_respuestas",
                          "inicio": f"2027-03-0{dia + 1} {hora:02d}:30", "fin": f"2027-03-0{dia + 1} {hora:02d}:45"}],
        })
    return {
        "formato": programa.FORMATO,
        "evento": {"slug": slug, "titulo": slug, "zona_horaria": "America/Mexico_City", "estado": "publicado",
                   "zonas_adicionales": ["Europe/Madrid"], "fecha_inicio": "2027-03-01", "fecha_fin": "2027-03-05"},
        "sesiones": lista,
        "mesas": [{"clave": f"m{k}", "nombre": f"Mesa {k}", "sesiones": ["s0", "s1"]} for k in range(5)],
        "guias": [{"bloques": [{"titulo": "Ronda 1", "preguntas": [{"numero": 1, "texto": "¿Qué?"}]}]}],
    }


@contextmanager
def contar_consultas():
    consultas = []

    def anotar(conexion, cursor, sentencia, *args):
        consultas.append(sentencia)

    event.listen(db.engine, "before_cursor_execute", anotar)
    try:
        yield consultas
    finally:
        event.remove(db.engine, "before_cursor_execute", anotar)


@pytest.fixture()
def foros(app):
    with app.app_context():
        for slug, n in (("foro-chico", 3), ("foro-grande", 50)):
            programa.importar(foro(slug, n))
        db.session.commit()
    yield
    with app.app_context():
        for evento in db.session.execute(select(Evento).where(Evento.slug.in_(["foro-chico", "foro-grande"]))).scalars():
            db.session.delete(evento)
        db.session.commit()


def test_consultas_de_la_agenda_no_crecen_con_las_sesiones(app, foros):
    cliente = app.test_client()
    cuentas = {}
    with app.app_context():
        for slug in ("foro-chico", "foro-grande"):
            for ruta in (f"/eventos/{slug}/?tz=Asia/Tokyo", f"/eventos/{slug}/sesiones/s1", f"/api/v1/eventos/{slug}"):
                cache.clear()
                with contar_consultas() as consultas:
                    assert cliente.get(ruta).status_code == 200
                cuentas[ruta.replace(slug, "X")] = cuentas.get(ruta.replace(slug, "X"), []) + [len(consultas)]
    for ruta, (chico, grande) in cuentas.items():
        assert chico == grande, f"{ruta}: {chico} consultas con 3 sesiones, {grande} con 50"
        assert grande <= 10, f"{ruta}: {grande} consultas"


def test_un_documento_del_programa_ya_en_cache_es_una_sentencia_sin_transaccion(app, foros):
    """Lo ya guardado (o un 304) cuesta una consulta, la versión del programa, sin BEGIN ni ROLLBACK alrededor:
    con la página en caché, esas dos idas y vueltas eran dos tercios de su trabajo con la base de datos."""
    cliente = app.test_client()
    with app.app_context():
        cache.clear()
        for ruta in ("/eventos/foro-chico/", "/eventos/foro-chico/calendario.ics", "/api/v1/eventos/foro-chico",
                     "/eventos/foro-chico/schedule.xml"):
            primera = cliente.get(ruta)
            assert primera.status_code == 200, ruta
            for cabeceras, codigo in (({}, 200), ({"If-None-Match": primera.headers["ETag"]}, 304)):
                modos = []

                def anotar(conexion, _cursor, sentencia, *_):
                    modos.append((sentencia.split()[0], conexion.get_execution_options().get("isolation_level")))

                event.listen(db.engine, "before_cursor_execute", anotar)
                try:
                    respuesta = cliente.get(ruta, headers=cabeceras)
                finally:
                    event.remove(db.engine, "before_cursor_execute", anotar)
                assert respuesta.status_code == codigo, ruta
                assert modos == [("SELECT", "AUTOCOMMIT")], (ruta, codigo, modos)
                if codigo == 200:
                    assert respuesta.get_data() == primera.get_data()
