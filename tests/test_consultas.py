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
def contar_consultas(con_parametros: bool = False):
    consultas = []

    def anotar(conexion, cursor, sentencia, parametros, *args):
        consultas.append((sentencia, parametros) if con_parametros else sentencia)

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


def test_las_plazas_ocupadas_se_cuentan_en_el_indice_sin_leer_las_filas(app):
    """Cada alta cuenta las confirmadas del evento (y de su mesa) con el evento bloqueado, y el formulario cuenta
    las de cada estado y mesa. Con un índice por evento y otro por estado, el recuento leía cada fila del evento:
    con 20 000 confirmadas, PostgreSQL pasaba de 1 a 3,6 ms por alta y las altas, que van en fila, bajaban de
    ~240/s a ~130/s (bench/inscripcion.py). Cada recuento debe poder resolverse con el índice compuesto solo."""
    from eventos.inscripciones import servicios

    datos = foro("foro-con-cupo", 1)
    datos["evento"]["inscripcion"] = {"cupo": 500}
    datos["mesas"] = [{"clave": "m0", "nombre": "Mesa 0", "cupo": 50}]
    with app.app_context():
        programa.importar(datos)
        db.session.commit()
        evento = db.session.execute(select(Evento).where(Evento.slug == "foro-con-cupo")).scalar_one()
        try:
            with contar_consultas(con_parametros=True) as consultas:
                servicios.inscribir(evento.id, {"correo": "plazas@example.org", "nombre": "Ana",  # sin depender del plazo
                                                "mesa_id": evento.mesas[0].id}, por_organizacion=True)
                servicios.disponibilidad(evento)
            recuentos = [(sentencia, parametros) for sentencia, parametros in consultas if "count(" in sentencia]
            assert len(recuentos) == 3, consultas  # del evento y de la mesa al inscribir, y la del formulario
            for sentencia, parametros in recuentos:
                plan = _plan(sentencia, parametros)
                assert "ix_inscripcion_evento_estado_mesa" in plan and ("COVERING INDEX" in plan
                                                                         or "Index Only Scan" in plan), (sentencia, plan)
        finally:
            db.session.rollback()
            db.session.delete(db.session.get(Evento, evento.id))
            db.session.commit()


def _plan(sentencia: str, parametros) -> str:
    """El plan de la sentencia tal como se envió. En PostgreSQL, sin recorrido secuencial ni de mapa de bits (con
    tan pocas filas los preferiría): queda a la vista qué índice elegiría y si le basta sin leer las filas (lo que
    PostgreSQL hace además con las que el autovacuum aún no marcó visibles no se ve en el plan)."""
    conexion = db.session.connection()
    if conexion.dialect.name == "sqlite":
        return "\n".join(str(fila) for fila in conexion.exec_driver_sql("EXPLAIN QUERY PLAN " + sentencia, parametros))
    conexion.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conexion.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    return "\n".join(fila[0] for fila in conexion.exec_driver_sql("EXPLAIN " + sentencia, parametros))
