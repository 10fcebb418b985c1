"""API de acreditación: el QR real se lee y se acepta, los códigos falsos nunca, cada lectura cuenta una
sola vez (reenvíos y dos dispositivos a la vez) y solo el equipo del evento puede usarla."""
from __future__ import annotations

import random
import string
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from apoyo import CLAVE, crear_usuario, entrar, token_csrf
from apoyo_inscripciones import leer_qr
from eventos import qr
from eventos.extensiones import db
from eventos.modelos import Asistencia, Evento, Inscripcion, RolEvento, TokenApi
from eventos.zonas import ahora
from test_inscripcion_concurrente import base_concurrencia  # noqa: F401  (fixture: SQLite y PostgreSQL)

pytestmark = pytest.mark.reloj  # depende de la hora: .ci/run la repite en instantes difíciles


def _inscribir(evento_id, nombre="Ana", estado="confirmada", mesa_id=None) -> Inscripcion:
    inscripcion = Inscripcion(evento_id=evento_id, nombre=nombre, apellidos="Pruebas", estado=estado,
                              correo=f"{uuid.uuid4().hex[:10]}@prueba.org", institucion="Municipio de Prueba",
                              mesa_id=mesa_id, consentimiento_en=ahora())
    db.session.add(inscripcion)
    return inscripcion


@pytest.fixture()
def puerta(app, eventos_prueba):
    """Un evento con inscripciones en cada estado y una clave de API de su acreditador."""
    evento = eventos_prueba(mesas=[("a", None)], en_dias=0)  # la puerta acredita en las fechas del evento
    otro = eventos_prueba(en_dias=0)
    with app.app_context():
        # Desde la víspera: una lectura «de hace una hora» sigue dentro aunque la prueba corra a las 00:30 locales.
        db.session.get(Evento, evento.id).acreditacion_dias_antes = 1
        acreditador = crear_usuario(f"puerta-{uuid.uuid4().hex[:8]}@prueba.org", "Lucía Puerta")
        db.session.add(RolEvento(evento_id=evento.id, usuario=acreditador, rol="acreditador"))
        _, clave = TokenApi.crear(acreditador, "Teléfono de la puerta")
        personas = {estado: _inscribir(evento.id, f"Persona {estado}", estado, evento.mesas["a"])
                    for estado in ("confirmada", "en_espera", "pendiente", "cancelada")}
        ajena = _inscribir(otro.id, "Persona ajena")
        db.session.commit()
        codigos = {estado: qr.contenido_qr(i) for estado, i in personas.items()}
        datos = {"slug": evento.slug, "evento_id": evento.id, "sesiones": evento.sesiones, "clave": clave,
                 "codigos": codigos, "ajeno": qr.contenido_qr(ajena), "correo": acreditador.correo,
                 "inscripcion_id": personas["confirmada"].id, "png": qr.imagen_png(personas["confirmada"])}
    yield datos
    with app.app_context():
        db.session.delete(db.session.execute(select(TokenApi).where(
            TokenApi.resumen == TokenApi.resumir(clave))).scalar_one().usuario)
        db.session.commit()


def _leer(cliente, puerta, codigo, clave=None, **extra):
    cuerpo = {"codigo": codigo, "sesion_id": None, "id_cliente": str(uuid.uuid4()),
              "escaneado_en": datetime.now(timezone.utc).isoformat(), **extra}
    return cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion", json=cuerpo,
                        headers={"Authorization": f"Bearer {clave or puerta['clave']}"})


def _asistencias(app, puerta) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Asistencia)
                                 .where(Asistencia.evento_id == puerta["evento_id"]))


def _unica_asistencia(app, puerta) -> Asistencia:
    with app.app_context():
        return db.session.execute(select(Asistencia).where(Asistencia.evento_id == puerta["evento_id"])).scalar_one()


def test_el_qr_leido_por_un_decodificador_independiente_se_acepta(app, cliente, puerta):
    leido = leer_qr(puerta["png"])  # zxing-cpp, no la biblioteca que lo generó
    assert leido == puerta["codigos"]["confirmada"]
    r = _leer(cliente, puerta, leido)
    assert r.status_code == 200
    datos = r.get_json()
    assert datos["resultado"] == "aceptado"
    assert datos["nombre"] == "Persona confirmada Pruebas"
    assert datos["institucion"] == "Municipio de Prueba" and datos["mesa"] == "Mesa a"
    assert datos["acreditado_en"].endswith(("-06:00", "-05:00"))  # hora de la zona del evento
    assert datos["acreditado_por"] == "Lucía Puerta"

    segunda = _leer(cliente, puerta, leido).get_json()  # otra lectura (otro id_cliente): ya estaba
    assert segunda["resultado"] == "ya_acreditado"
    assert segunda["acreditado_en"] == datos["acreditado_en"] and segunda["acreditado_por"] == "Lucía Puerta"
    assert _asistencias(app, puerta) == 1


def test_cada_estado_de_la_inscripcion_da_su_resultado(cliente, puerta):
    esperados = {"en_espera": "en_espera", "pendiente": "en_espera", "cancelada": "cancelado"}
    for estado, resultado in esperados.items():
        datos = _leer(cliente, puerta, puerta["codigos"][estado]).get_json()
        assert datos["resultado"] == resultado, estado
        assert "acreditado_en" not in datos
    ajeno = _leer(cliente, puerta, puerta["ajeno"]).get_json()
    assert ajeno == {"resultado": "otro_evento"}  # auténtico, pero no dice de quién es


def test_reenviar_la_misma_lectura_no_duplica_nada(app, cliente, puerta):
    id_cliente = str(uuid.uuid4())
    primera = _leer(cliente, puerta, puerta["codigos"]["confirmada"], id_cliente=id_cliente).get_json()
    otra_vez = _leer(cliente, puerta, puerta["codigos"]["confirmada"], id_cliente=id_cliente).get_json()
    assert primera["resultado"] == otra_vez["resultado"] == "aceptado"
    assert primera == otra_vez
    assert _asistencias(app, puerta) == 1


def test_la_hora_de_una_lectura_sin_conexion_es_la_de_la_lectura(app, cliente, puerta):
    hace_una_hora = datetime.now(timezone.utc) - timedelta(hours=1)
    _leer(cliente, puerta, puerta["codigos"]["confirmada"], escaneado_en=hace_una_hora.isoformat())
    asistencia = _unica_asistencia(app, puerta)
    assert abs(asistencia.registrada_en - hace_una_hora) < timedelta(seconds=1)
    assert asistencia.recibida_en - asistencia.registrada_en > timedelta(minutes=59)


def test_una_hora_del_futuro_se_sustituye_por_la_de_llegada(app, cliente, puerta):
    futuro = datetime.now(timezone.utc) + timedelta(days=1)
    _leer(cliente, puerta, puerta["codigos"]["confirmada"], escaneado_en=futuro.isoformat())
    asistencia = _unica_asistencia(app, puerta)
    assert asistencia.registrada_en < datetime.now(timezone.utc) + timedelta(seconds=1)


def test_por_sesion_y_por_evento_son_acreditaciones_distintas(app, cliente, puerta):
    codigo = puerta["codigos"]["confirmada"]
    trabajo = puerta["sesiones"]["trabajo"]
    assert _leer(cliente, puerta, codigo).get_json()["resultado"] == "aceptado"
    assert _leer(cliente, puerta, codigo, sesion_id=trabajo).get_json()["resultado"] == "aceptado"
    assert _leer(cliente, puerta, codigo, sesion_id=trabajo).get_json()["resultado"] == "ya_acreditado"
    assert _asistencias(app, puerta) == 2


@pytest.mark.parametrize("cuerpo, mensaje", [
    ({"codigo": 123}, "codigo"),
    ({"codigo": "EV1-x", "sesion_id": "uno"}, "sesion_id"),
    ({"codigo": "EV1-x", "sesion_id": 999_999_999}, "sesion_id"),
    ({"codigo": "EV1-x", "id_cliente": "x" * 65}, "id_cliente"),
    ({"inscripcion_id": 999_999_999}, "inscripción"),
])
def test_peticiones_mal_formadas_reciben_un_4xx_con_mensaje(cliente, puerta, cuerpo, mensaje):
    r = cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion", json=cuerpo,
                     headers={"Authorization": f"Bearer {puerta['clave']}"})
    assert r.status_code in (400, 404)
    assert mensaje in r.get_json()["mensaje"]


def test_cuerpo_que_no_es_json(cliente, puerta):
    r = cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion", data="codigo=EV1-x",
                     headers={"Authorization": f"Bearer {puerta['clave']}"})
    assert r.status_code == 400 and "JSON" in r.get_json()["mensaje"]


def test_diez_mil_codigos_inventados_o_alterados_no_entran(app, puerta):
    """Al azar, con el prefijo, y el código real con un carácter cambiado, quitado o añadido."""
    azar = random.Random(5)
    alfabeto = string.ascii_letters + string.digits + "-_"
    real = puerta["codigos"]["confirmada"]
    secreto = real[4:]
    falsos = set()
    while len(falsos) < 10_000:
        tipo = azar.randrange(5)
        if tipo == 0:
            falso = "".join(azar.choices(alfabeto, k=azar.randrange(1, 40)))
        elif tipo == 1:
            falso = "EV1-" + "".join(azar.choices(alfabeto, k=len(secreto)))
        elif tipo == 2:
            i = azar.randrange(len(secreto))
            falso = "EV1-" + secreto[:i] + azar.choice(alfabeto.replace(secreto[i], "")) + secreto[i + 1:]
        elif tipo == 3:
            i = azar.randrange(len(secreto))
            falso = "EV1-" + secreto[:i] + secreto[i + 1:]
        else:
            falso = "EV1-" + secreto + azar.choice(alfabeto)
        if falso not in (real, secreto):
            falsos.add(falso)
    cliente = app.test_client()
    resultados = {_leer(cliente, puerta, falso).get_json()["resultado"] for falso in falsos}
    assert resultados == {"invalido"}
    assert _asistencias(app, puerta) == 0


def test_solo_el_equipo_del_evento_puede_acreditar(app, puerta, evento_con_equipo):
    """Un acreditador de otro evento (con sesión o con su clave) no puede; el organizador sí."""
    correos = evento_con_equipo["correos"]
    with app.app_context():
        organizador = db.session.execute(select(RolEvento).join(RolEvento.usuario).where(
            RolEvento.rol == "organizador")).scalars().first()
        otro_acreditador = crear_usuario(correos["acreditador"])  # acredita otro evento
        _, clave_ajena = TokenApi.crear(otro_acreditador, "ajena")
        db.session.commit()
        assert organizador is not None
    cliente = app.test_client()
    r = _leer(cliente, puerta, puerta["codigos"]["confirmada"], clave=clave_ajena)
    assert r.status_code == 403 and "nombre" not in r.get_json()
    r = _leer(cliente, puerta, puerta["codigos"]["confirmada"], clave="evt_clave-inventada")
    assert r.status_code == 401
    for ruta in ("acreditacion/sin-conexion", "acreditacion/buscar?q=Persona", "asistencias"):
        assert cliente.get(f"/api/v1/eventos/{puerta['slug']}/{ruta}",
                           headers={"Authorization": f"Bearer {clave_ajena}"}).status_code == 403
    assert _asistencias(app, puerta) == 0


def test_con_la_sesion_del_navegador_hace_falta_el_token_csrf(app, puerta):
    cliente = app.test_client()
    entrar(cliente, puerta["correo"], CLAVE)
    ruta = f"/api/v1/eventos/{puerta['slug']}/acreditacion"
    cuerpo = {"codigo": puerta["codigos"]["confirmada"], "id_cliente": str(uuid.uuid4())}
    sin_token = cliente.post(ruta, json=cuerpo)
    assert sin_token.status_code == 400 and "seguridad" in sin_token.get_json()["mensaje"]
    assert _asistencias(app, puerta) == 0
    con_token = cliente.post(ruta, json=cuerpo, headers={"X-CSRFToken": token_csrf(cliente)})
    assert con_token.get_json()["resultado"] == "aceptado"


def test_lista_sin_conexion_lleva_resumenes_y_no_codigos(cliente, puerta):
    import hashlib
    r = cliente.get(f"/api/v1/eventos/{puerta['slug']}/acreditacion/sin-conexion",
                    headers={"Authorization": f"Bearer {puerta['clave']}"})
    cuerpo = r.get_data(as_text=True)
    assert puerta["codigos"]["confirmada"][4:] not in cuerpo
    codigos = r.get_json()["codigos"]
    assert [c["nombre"] for c in codigos] == ["Persona confirmada Pruebas"]  # solo las confirmadas
    assert codigos[0]["resumen"] == hashlib.sha256(puerta["codigos"]["confirmada"].encode()).hexdigest()
    assert codigos[0]["acreditado"] is False


def test_acreditar_a_mano_tras_buscar(app, cliente, puerta):
    cabeceras = {"Authorization": f"Bearer {puerta['clave']}"}
    encontradas = cliente.get(f"/api/v1/eventos/{puerta['slug']}/acreditacion/buscar?q=municipio",
                              headers=cabeceras).get_json()["inscripciones"]
    assert len(encontradas) == 4
    confirmada = next(i for i in encontradas if i["estado"] == "confirmada")
    r = cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion", headers=cabeceras,
                     json={"inscripcion_id": confirmada["id"], "id_cliente": str(uuid.uuid4())})
    assert r.get_json()["resultado"] == "aceptado"
    with app.app_context():
        assert db.session.execute(select(Asistencia.origen).where(
            Asistencia.evento_id == puerta["evento_id"])).scalar_one() == "manual"


# --- Dos dispositivos a la vez ------------------------------------------------------------------
DISPOSITIVOS, PERSONAS_SIMULTANEAS = 8, 10


def test_lecturas_simultaneas_del_mismo_codigo_cuentan_una_vez(base_concurrencia, tmp_path):  # noqa: F811
    """8 dispositivos leen a la vez el mismo QR, para 10 personas: una asistencia por persona, un
    «aceptado» y siete «ya acreditado»; en PostgreSQL con conexiones realmente simultáneas."""
    from flask_migrate import upgrade

    from apoyo import configuracion
    from app import create_app
    from apoyo_inscripciones import crear_evento

    aplicacion = create_app(configuracion(tmp_path, base_concurrencia))
    with aplicacion.app_context():
        upgrade()
    evento = crear_evento(aplicacion, en_dias=0)
    with aplicacion.app_context():
        acreditador = crear_usuario("puerta@prueba.org")
        db.session.add(RolEvento(evento_id=evento.id, usuario=acreditador, rol="acreditador"))
        _, clave = TokenApi.crear(acreditador, "puerta")
        personas = [_inscribir(evento.id, f"P{n}") for n in range(PERSONAS_SIMULTANEAS)]
        db.session.commit()
        codigos = [qr.contenido_qr(p) for p in personas]

    resultados: list[list[str]] = [[] for _ in codigos]
    errores = []
    barreras = [threading.Barrier(DISPOSITIVOS) for _ in codigos]

    def dispositivo():
        cliente = aplicacion.test_client()
        for n, codigo in enumerate(codigos):
            barreras[n].wait()
            r = cliente.post(f"/api/v1/eventos/{evento.slug}/acreditacion", json={
                "codigo": codigo, "id_cliente": str(uuid.uuid4())}, headers={"Authorization": f"Bearer {clave}"})
            if r.status_code != 200:
                errores.append(r.status_code)
            else:
                resultados[n].append(r.get_json()["resultado"])

    hilos = [threading.Thread(target=dispositivo) for _ in range(DISPOSITIVOS)]
    for hilo in hilos:
        hilo.start()
    for hilo in hilos:
        hilo.join(60)
    assert not errores
    for lecturas in resultados:
        assert sorted(lecturas) == ["aceptado"] + ["ya_acreditado"] * (DISPOSITIVOS - 1)
    with aplicacion.app_context():
        por_persona = db.session.execute(select(Asistencia.inscripcion_id, func.count()).where(
            Asistencia.evento_id == evento.id).group_by(Asistencia.inscripcion_id)).all()
        assert len(por_persona) == PERSONAS_SIMULTANEAS and {n for _, n in por_persona} == {1}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("cuerpo", [{"codigo": "EV1-x", "sesion_id": 2**40}, {"inscripcion_id": 2**40},
                                    {"codigo": "EV1-x", "escaneado_en": "0001-01-01T00:00:00+01:00"}])
def test_numeros_enormes_y_fechas_imposibles_no_son_un_500(cliente, puerta, cuerpo):
    r = cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion", json={"id_cliente": "x", **cuerpo},
                     headers={"Authorization": f"Bearer {puerta['clave']}"})
    assert r.status_code in (200, 400, 404)
    assert r.status_code != 200 or r.get_json()["resultado"] == "invalido"


def test_un_id_cliente_repetido_para_otra_persona_se_rechaza(app, cliente, puerta, eventos_prueba):
    with app.app_context():
        otra = _inscribir(puerta["evento_id"], "Otra persona")
        db.session.commit()
        codigo_otra = qr.contenido_qr(otra)
    id_cliente = str(uuid.uuid4())
    assert _leer(cliente, puerta, puerta["codigos"]["confirmada"], id_cliente=id_cliente).get_json()["resultado"] \
        == "aceptado"
    r = _leer(cliente, puerta, codigo_otra, id_cliente=id_cliente)
    assert r.status_code == 400 and "id_cliente" in r.get_json()["mensaje"]


def test_una_lectura_de_hace_dias_es_un_reloj_mal_puesto(app, cliente, puerta):
    hace_una_semana = datetime.now(timezone.utc) - timedelta(days=7)
    _leer(cliente, puerta, puerta["codigos"]["confirmada"], escaneado_en=hace_una_semana.isoformat())
    asistencia = _unica_asistencia(app, puerta)
    assert asistencia.registrada_en > datetime.now(timezone.utc) - timedelta(minutes=1)


def _mover_evento(app, puerta, dias: int, dias_antes: int = 0) -> None:
    """Traslada las fechas del evento `dias` días (las sesiones no cuentan para la puerta)."""
    with app.app_context():
        evento = db.session.get(Evento, puerta["evento_id"])
        evento.fecha_inicio += timedelta(days=dias)
        evento.fecha_fin += timedelta(days=dias)
        evento.acreditacion_dias_antes = dias_antes
        db.session.commit()


@pytest.mark.parametrize("dias", [400, -3])  # un evento del año que viene, y uno que ya pasó
def test_fuera_de_las_fechas_del_evento_no_se_acredita(app, cliente, puerta, dias):
    _mover_evento(app, puerta, dias)
    r = _leer(cliente, puerta, puerta["codigos"]["confirmada"])
    datos = r.get_json()
    assert r.status_code == 200 and datos["resultado"] == "fuera_de_fecha"
    with app.app_context():
        evento = db.session.get(Evento, puerta["evento_id"])
        assert datos["acreditacion"]["desde"].startswith(evento.fecha_inicio.isoformat())
        assert datos["acreditacion"]["hasta"].startswith((evento.fecha_fin + timedelta(days=1)).isoformat())
    assert _asistencias(app, puerta) == 0
    manual = cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion",
                          json={"inscripcion_id": puerta["inscripcion_id"], "id_cliente": str(uuid.uuid4())},
                          headers={"Authorization": f"Bearer {puerta['clave']}"})
    assert manual.get_json()["resultado"] == "fuera_de_fecha" and _asistencias(app, puerta) == 0


def test_la_organizacion_abre_la_acreditacion_el_dia_anterior(app, cliente, puerta):
    _mover_evento(app, puerta, 1)
    assert _leer(cliente, puerta, puerta["codigos"]["confirmada"]).get_json()["resultado"] == "fuera_de_fecha"
    _mover_evento(app, puerta, 0, dias_antes=1)  # recoger credenciales la víspera
    assert _leer(cliente, puerta, puerta["codigos"]["confirmada"]).get_json()["resultado"] == "aceptado"
    assert _asistencias(app, puerta) == 1


def test_una_lectura_sin_conexion_de_antes_de_la_apertura_no_cuenta(app, cliente, puerta):
    """Lo que cuenta es la hora de la lectura, no la de llegada: leída la víspera, enviada hoy, no registra."""
    with app.app_context():
        desde, _ = db.session.get(Evento, puerta["evento_id"]).ventana_acreditacion()
    with time_machine.travel(desde + timedelta(hours=1), tick=False):
        r = _leer(cliente, puerta, puerta["codigos"]["confirmada"],
                  escaneado_en=(desde - timedelta(minutes=30)).isoformat())
    assert r.get_json()["resultado"] == "fuera_de_fecha" and _asistencias(app, puerta) == 0


def test_la_lista_sin_conexion_lleva_las_fechas_de_acreditacion(cliente, puerta):
    datos = cliente.get(f"/api/v1/eventos/{puerta['slug']}/acreditacion/sin-conexion",
                        headers={"Authorization": f"Bearer {puerta['clave']}"}).get_json()
    assert set(datos["acreditacion"]) == {"desde", "hasta"}


def test_reenviar_una_lectura_aceptada_sigue_aceptada_aunque_llegue_fuera_de_fecha(app, cliente, puerta):
    """El escáner reenvía su cola al día siguiente y sin hora de lectura: lo ya registrado no cambia."""
    id_cliente = str(uuid.uuid4())
    assert _leer(cliente, puerta, puerta["codigos"]["confirmada"], id_cliente=id_cliente).get_json()["resultado"] == "aceptado"
    with app.app_context():
        _, hasta = db.session.get(Evento, puerta["evento_id"]).ventana_acreditacion()
    with time_machine.travel(hasta + timedelta(hours=2), tick=False):
        r = _leer(cliente, puerta, puerta["codigos"]["confirmada"], id_cliente=id_cliente, escaneado_en=None)
    assert r.get_json()["resultado"] == "aceptado" and _asistencias(app, puerta) == 1


def test_una_acreditacion_son_tres_sentencias_sin_transaccion(app, cliente, puerta):
    """En la puerta cada ida y vuelta a la base de datos cuenta (8 escáneres a la vez): la clave con sus
    roles, el evento con la inscripción leída y la asistencia (INSERT … ON CONFLICT DO NOTHING). Antes eran seis
    (evento e inscripción por separado, y SAVEPOINT … RELEASE), y luego cinco: BEGIN y COMMIT alrededor de las
    tres, que sobran porque solo el INSERT escribe."""
    from sqlalchemy import event
    _leer(cliente, puerta, puerta["codigos"]["en_espera"])  # la clave ya anotó su uso: no cuenta aquí
    modos, crudas = [], set()

    def anotar(conexion, _cursor, sentencia, *_):
        modos.append((sentencia.split()[0], conexion.get_execution_options().get("isolation_level")))
        crudas.add(conexion.connection.driver_connection)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", anotar)
        try:
            assert _leer(cliente, puerta, puerta["codigos"]["confirmada"]).get_json()["resultado"] == "aceptado"
        finally:
            event.remove(db.engine, "before_cursor_execute", anotar)
    assert modos == [("SELECT", "AUTOCOMMIT"), ("SELECT", "AUTOCOMMIT"), ("INSERT", "AUTOCOMMIT")]
    assert _asistencias(app, puerta) == 1
    # La conexión vuelve al pool con su aislamiento: lo siguiente que la use va en una transacción, como siempre.
    (cruda,) = crudas
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert (cruda.autocommit is False) if postgresql else (cruda.isolation_level is not None)  # psycopg / sqlite3


def test_una_acreditacion_en_curso_no_bloquea_ni_la_cuenta_de_la_puerta_ni_el_evento(app, puerta):
    """Todas las acreditaciones de un evento a la vez (y las de una cuenta de puerta compartida): si cada una
    bloqueara la fila del evento o la de la cuenta hasta el commit (lo que hace una clave foránea en
    PostgreSQL), a las 9:00 se estorbarían en ellas. Antes, `asistencia.evento_id` y `asistencia.usuario_id`
    eran claves foráneas y esta prueba no conseguía ninguno de los dos bloqueos."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from eventos.acreditacion import servicios
    from eventos.modelos import Usuario
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("Los bloqueos de fila por clave foránea son de PostgreSQL (TEST_DATABASE_URL=postgresql://…)")
    otra = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        acreditador = db.session.execute(select(Usuario).where(Usuario.correo == puerta["correo"])).scalar_one()
        evento, persona = servicios.puerta(puerta["slug"], puerta["codigos"]["confirmada"])
        lectura = servicios.acreditar(evento, persona, None, acreditador, "en-curso")
        assert lectura.resultado == "aceptado"  # la asistencia está escrita y la transacción sigue abierta
        try:
            with otra.connect() as conexion:
                conexion.execute(text("SET lock_timeout = '1s'"))
                for tabla, fila in (("usuario", acreditador.id), ("evento", puerta["evento_id"])):
                    try:
                        conexion.execute(text(f"SELECT id FROM {tabla} WHERE id = :id FOR UPDATE NOWAIT"),
                                         {"id": fila}).one()
                    except OperationalError as error:
                        pytest.fail(f"la acreditación en curso bloquea la fila de {tabla}: {error.orig}")
                    conexion.rollback()
        finally:
            db.session.rollback()
            otra.dispose()
