"""Métricas Prometheus (METRICAS=1): con varios workers de gunicorn, /metricas suma lo de todos; las
inscripciones y las lecturas de la puerta cuentan cuando se confirman; la bandeja de salida se ve; /metricas
no es pública; y sin METRICAS un worker no carga prometheus_client."""
from __future__ import annotations

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from apoyo import crear_usuario, enviar
from apoyo_gunicorn import RAIZ, Gunicorn
from app import create_app
from eventos import qr
from eventos.extensiones import db
from eventos.metricas import contar_al_confirmar
from eventos.modelos import CorreoSaliente, Evento, Inscripcion, RolEvento, TokenApi
from eventos.zonas import ahora



def valores(texto: str) -> dict[tuple, float]:
    """{(muestra, (etiqueta, valor)…): valor} de una exposición de Prometheus."""
    return {(muestra.name, *sorted(muestra.labels.items())): muestra.value
            for familia in text_string_to_metric_families(texto) for muestra in familia.samples}


def valor(medidas: dict, nombre: str, **etiquetas) -> float:
    return medidas.get((nombre, *sorted(etiquetas.items())), 0.0)


@pytest.fixture()
def con_metricas(app):
    return create_app({**app.config, "METRICAS": True})


@pytest.fixture()
def puerta(app, eventos_prueba):
    """Un evento de hoy con la inscripción abierta y la clave de API de su acreditadora."""
    evento = eventos_prueba(en_dias=0)
    with app.app_context():
        db.session.get(Evento, evento.id).acreditacion_dias_antes = 1  # también a las 00:30 locales
        acreditadora = crear_usuario(f"metricas-{uuid.uuid4().hex[:8]}@prueba.org", "Puerta de las métricas")
        db.session.add(RolEvento(evento_id=evento.id, usuario=acreditadora, rol="acreditador"))
        _, clave = TokenApi.crear(acreditadora, "Métricas")
        db.session.commit()
    yield {"slug": evento.slug, "id": evento.id, "clave": clave}
    with app.app_context():
        db.session.delete(db.session.execute(select(TokenApi).where(
            TokenApi.resumen == TokenApi.resumir(clave))).scalar_one().usuario)
        db.session.commit()


def _datos_inscripcion(correo: str) -> dict:
    return {"nombre": "Marta", "apellidos": "Métricas", "correo": correo, "institucion": "Municipio",
            "cargo": "", "pais": "MX", "ciudad": "", "consentimiento": "y"}


def _codigo_de(app, correo: str) -> str:
    with app.app_context():
        return qr.contenido_qr(db.session.execute(select(Inscripcion).where(Inscripcion.correo == correo)).scalar_one())


# --- En el proceso ------------------------------------------------------------------------------------
def test_solo_cuenta_lo_que_se_confirma(con_metricas):
    from prometheus_client import REGISTRY

    def contadas(resultado: str) -> float:
        return REGISTRY.get_sample_value("eventos_acreditaciones_total", {"resultado": resultado}) or 0.0

    antes = contadas("confirmada")
    with con_metricas.app_context():
        contar_al_confirmar("acreditaciones", resultado="deshecha")
        db.session.rollback()
        contar_al_confirmar("acreditaciones", resultado="confirmada")
        with db.session.begin_nested():  # liberar un SAVEPOINT no es confirmar
            pass
        assert contadas("confirmada") == antes
        db.session.commit()
    assert contadas("confirmada") == antes + 1
    assert contadas("deshecha") == 0


@pytest.mark.reloj  # la puerta acredita en las fechas del evento: también a las horas difíciles
def test_inscripcion_y_lectura_de_la_puerta_suben_sus_contadores(con_metricas, puerta):
    cliente = con_metricas.test_client()
    antes = valores(cliente.get("/metricas").get_data(as_text=True))
    correo = f"marta-{uuid.uuid4().hex[:8]}@prueba.org"
    r = enviar(cliente, f"/eventos/{puerta['slug']}/inscripcion", _datos_inscripcion(correo))
    assert r.status_code == 302, r.get_data(as_text=True)[-500:]
    for codigo in (_codigo_de(con_metricas, correo), "EV1-" + "x" * 22):
        r = cliente.post(f"/api/v1/eventos/{puerta['slug']}/acreditacion", json={"codigo": codigo},
                         headers={"Authorization": f"Bearer {puerta['clave']}"})
        assert r.status_code == 200, r.get_json()
    despues = valores(cliente.get("/metricas").get_data(as_text=True))
    assert valor(despues, "eventos_inscripciones_total", evento=puerta["slug"], estado="confirmada") == 1
    for resultado in ("aceptado", "invalido"):
        assert valor(despues, "eventos_acreditaciones_total", resultado=resultado) == \
            valor(antes, "eventos_acreditaciones_total", resultado=resultado) + 1
    regla = {"regla": "/eventos/<slug>/inscripcion", "metodo": "POST", "codigo": "302"}
    assert valor(despues, "eventos_peticion_segundos_count", **regla) == valor(antes, "eventos_peticion_segundos_count", **regla) + 1


def test_metricas_no_publicas(con_metricas, app):
    cliente = con_metricas.test_client()
    assert cliente.get("/metricas").status_code == 200  # desde 127.0.0.1, sin proxy
    assert cliente.get("/metricas", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    assert cliente.get("/metricas", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 403
    con_clave = create_app({**app.config, "METRICAS": True, "METRICAS_CLAVE": "clave-de-prometheus-123"}).test_client()
    r = con_clave.get("/metricas")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert con_clave.get("/metricas", headers={"Authorization": "Bearer otra-clave"}).status_code == 401
    r = con_clave.get("/metricas", environ_base={"REMOTE_ADDR": "192.0.2.10"},
                      headers={"Authorization": "Bearer clave-de-prometheus-123"})
    assert r.status_code == 200 and "eventos_correo_pendiente" in r.get_data(as_text=True)
    assert app.test_client().get("/metricas").status_code == 404  # sin METRICAS no hay ruta


def _modulos_cargados(tmp_path, entorno: dict) -> str:
    codigo = ("import sys; from app import create_app; create_app(); "
              "print(' '.join(m for m in ('prometheus_client', 'pythonjsonlogger') if m in sys.modules))")
    return subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ, capture_output=True, text=True, timeout=60, check=True,
                          env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'bd.sqlite3'}",
                               "SECRET_KEY": "clave-de-pruebas", "SERVER_SOFTWARE": "gunicorn/23.0.0", **entorno}).stdout


def test_sin_metricas_ni_registro_json_un_worker_no_carga_sus_bibliotecas(tmp_path):
    assert _modulos_cargados(tmp_path, {}).split() == []
    assert _modulos_cargados(tmp_path, {"METRICAS": "1", "REGISTRO": "json"}).split() == ["prometheus_client",
                                                                                           "pythonjsonlogger"]


# --- Con dos workers de gunicorn -------------------------------------------------------------------
@pytest.mark.lento
def test_sin_carpeta_las_metricas_van_a_la_de_la_instancia(url_bd, tmp_path):
    instancia = tmp_path / "instancia"
    entorno = {"DATABASE_URL": url_bd, "SECRET_KEY": "clave", "METRICAS": "1", "INSTANCIA": str(instancia)}
    with Gunicorn(tmp_path, entorno, ("-w", "2")) as servidor:
        servidor.esperar()
        medidas = valores(requests.get(servidor.base + "/metricas", timeout=10).text)
    assert valor(medidas, "eventos_peticion_segundos_count", regla="/api/v1/salud", metodo="GET", codigo="200") >= 1
    assert list((instancia / "metricas").glob("histogram_*.db"))


@pytest.mark.lento  # sin «reloj»: gunicorn corre con el reloj de verdad, no con el de RELOJ_PRUEBAS
def test_con_dos_workers_metricas_suma_los_de_ambos(app, url_bd, puerta, tmp_path):
    with app.app_context():  # un correo que espera desde hace una hora
        viejo = CorreoSaliente(evento_id=puerta["id"], tipo="restablecer", destinatario="nadie@prueba.org",
                               asunto="Correo viejo", mensaje=b"Subject: viejo\n\nhola", creado_en=ahora() - timedelta(hours=1))
        db.session.add(viejo)
        db.session.commit()
    carpeta = tmp_path / "metricas"  # la crea gunicorn.conf.py
    entorno = {"DATABASE_URL": url_bd, "SECRET_KEY": app.config["SECRET_KEY"], "METRICAS": "1",
               "PROMETHEUS_MULTIPROC_DIR": str(carpeta), "CORREO_PROCESO_APARTE": "1",
               "LIMITE_INSCRIPCION": "100000 per minute"}
    with Gunicorn(tmp_path, entorno, ("-w", "2")) as servidor:
        servidor.esperar()
        leer = lambda: valores(requests.get(servidor.base + "/metricas", timeout=10).text)  # noqa: E731
        antes = leer()
        # Peticiones a la vez hasta que las hayan atendido los dos workers (cada uno escribe su archivo).
        enviadas = 0
        with ThreadPoolExecutor(max_workers=8) as grupo:
            for _ in range(20):
                codigos = list(grupo.map(lambda _: requests.get(servidor.base + "/api/v1/salud", timeout=10).status_code,
                                         range(16)))
                assert codigos == [200] * 16
                enviadas += 16
                if len({archivo.stem.rsplit("_", 1)[-1] for archivo in carpeta.glob("histogram_*.db")}) >= 2:
                    break
        pids = {archivo.stem.rsplit("_", 1)[-1] for archivo in carpeta.glob("histogram_*.db")}
        assert len(pids) == 2, f"solo un worker atendió: {pids}"

        sesion = requests.Session()
        formulario = sesion.get(f"{servidor.base}/eventos/{puerta['slug']}/inscripcion", timeout=10).text
        token = formulario.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        correo = f"marta-{uuid.uuid4().hex[:8]}@prueba.org"
        r = sesion.post(f"{servidor.base}/eventos/{puerta['slug']}/inscripcion", allow_redirects=False, timeout=30,
                        data={**_datos_inscripcion(correo), "csrf_token": token})
        assert r.status_code == 302, r.text[-500:]
        for codigo in (_codigo_de(app, correo), "EV1-" + "x" * 22):
            r = requests.post(f"{servidor.base}/api/v1/eventos/{puerta['slug']}/acreditacion", json={"codigo": codigo},
                              headers={"Authorization": f"Bearer {puerta['clave']}"}, timeout=30)
            assert r.status_code == 200, r.text
        despues = leer()

    salud = {"regla": "/api/v1/salud", "metodo": "GET", "codigo": "200"}
    assert valor(despues, "eventos_peticion_segundos_count", **salud) - \
        valor(antes, "eventos_peticion_segundos_count", **salud) == enviadas
    assert valor(despues, "eventos_inscripciones_total", evento=puerta["slug"], estado="confirmada") == 1
    for resultado in ("aceptado", "invalido"):
        assert valor(despues, "eventos_acreditaciones_total", resultado=resultado) - \
            valor(antes, "eventos_acreditaciones_total", resultado=resultado) == 1
    # La bandeja: el correo de la inscripción espera (lo entrega el proceso de correo, que aquí no hay).
    assert valor(despues, "eventos_correo_pendiente") == valor(antes, "eventos_correo_pendiente") + 1
    assert valor(despues, "eventos_correo_pendiente_mas_antiguo_segundos") >= 3600
