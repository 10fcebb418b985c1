"""Carga y corrección: 200 inscripciones simultáneas por HTTP real para 50 plazas, contra gunicorn con
varios procesos, dan exactamente 50 confirmadas y 150 en espera, sin ningún 5xx; en SQLite y en
PostgreSQL.

Cada base es nueva (SQLite en un archivo temporal; en PostgreSQL, la base «eventos_prueba_concurrencia_<pid>»
en el servidor de TEST_DATABASE_URL, que se crea y se borra aquí). Todo en 127.0.0.1. Además se comprueba
que cada persona recibe exactamente un correo (la entrega ocurre en los mismos procesos web).
"""
from __future__ import annotations

import email
import email.policy
import os
import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from apoyo import URL_PRUEBAS, configuracion
from apoyo_gunicorn import Gunicorn
from eventos.config import normalizar_url_bd

pytestmark = pytest.mark.lento

requests = pytest.importorskip("requests")

# Con el pid: dos ejecuciones de la batería a la vez contra el mismo servidor no se borran la base.
BASE_PG = f"eventos_prueba_concurrencia_{os.getpid()}"
PERSONAS, CUPO, HILOS, PROCESOS = 200, 50, 50, 4
SECRETO = "clave-fija-de-la-prueba-de-concurrencia"


# --- Bases de datos --------------------------------------------------------------------------------
def _motor_servidor_pg(url: str):
    return create_engine(normalizar_url_bd(url), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


@pytest.fixture(params=["sqlite", "postgresql"])
def base_concurrencia(request, tmp_path):
    """URL de una base de datos vacía (se borra al terminar)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'concurrencia.sqlite3'}"
        return
    servidor = URL_PRUEBAS or "postgresql://postgres@127.0.0.1:5432/postgres"
    if not servidor.startswith("postgres"):
        pytest.skip(f"TEST_DATABASE_URL no es PostgreSQL ({servidor.split(':')[0]})")
    motor = _motor_servidor_pg(servidor)
    try:
        with motor.connect() as conexion:
            conexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)"))
            conexion.execute(text(f"CREATE DATABASE {BASE_PG}"))
    except Exception as error:  # noqa: BLE001 — sin servidor (o sin permisos) no hay prueba posible
        motor.dispose()
        pytest.skip(f"No hay un servidor PostgreSQL utilizable en {make_url(servidor).render_as_string()} "
                    f"(defina TEST_DATABASE_URL): {str(error).splitlines()[0]}")
    try:
        yield make_url(servidor).set(database=BASE_PG).render_as_string(hide_password=False)
    finally:
        with motor.connect() as conexion:
            conexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)"))
        motor.dispose()


def preparar_base(url: str, tmp_path: Path) -> str:
    """Esquema por las migraciones y un evento publicado con cupo 50 e inscripción abierta; devuelve el slug."""
    from flask_migrate import upgrade

    from app import create_app
    from eventos.extensiones import db
    from apoyo_inscripciones import crear_evento

    aplicacion = create_app(configuracion(tmp_path / "preparacion", url))
    with aplicacion.app_context():
        upgrade()
    evento = crear_evento(aplicacion, cupo=CUPO)
    with aplicacion.app_context():
        db.session.remove()
        db.engine.dispose()
    return evento.slug


def correos_sin_entregar(url: str) -> int:
    motor = create_engine(normalizar_url_bd(url))
    try:
        with motor.connect() as conexion:
            return conexion.execute(text("SELECT count(*) FROM correo_saliente WHERE estado <> 'enviado'")).scalar_one()
    finally:
        motor.dispose()


def esperar_bandeja_vacia(url: str, limite: float = 30.0) -> int:
    """Los procesos web entregan el correo después de responder: espera a que terminen (acotado)."""
    fin = time.monotonic() + limite
    while (pendientes := correos_sin_entregar(url)) and time.monotonic() < fin:
        time.sleep(0.3)
    return pendientes


def recuento(url: str, slug: str) -> tuple[Counter, list[str], int]:
    """(estados, códigos QR, correos distintos) leídos directamente de la base."""
    from eventos.modelos import Evento, Inscripcion
    motor = create_engine(normalizar_url_bd(url))
    try:
        with motor.connect() as conexion:
            evento_id = conexion.execute(select(Evento.id).where(Evento.slug == slug)).scalar_one()
            filas = conexion.execute(select(Inscripcion.estado, Inscripcion.codigo)
                                     .where(Inscripcion.evento_id == evento_id)).all()
            correos = conexion.execute(select(func.count(func.distinct(Inscripcion.correo)))
                                       .where(Inscripcion.evento_id == evento_id)).scalar_one()
    finally:
        motor.dispose()
    return Counter(estado for estado, _ in filas), [codigo for _, codigo in filas], correos


# --- Personas inscribiéndose a la vez ----------------------------------------------------------------
RE_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')


def inscribir_a_la_vez(base: str, slug: str) -> list[dict]:
    """200 personas, cada una con su sesión: abren el formulario (token CSRF) y, cuando todas lo tienen,
    envían a la vez. 50 hilos; cada uno atiende a 4 personas. Devuelve un resultado por persona."""
    ruta = f"{base}/eventos/{slug}/inscripcion"
    lote = PERSONAS // HILOS
    barrera = threading.Barrier(HILOS, timeout=60)
    marca = uuid.uuid4().hex[:6]

    def hilo(numero: int) -> list[dict]:
        preparadas = []
        try:
            for k in range(lote):
                indice = numero * lote + k
                sesion = requests.Session()
                pagina = sesion.get(ruta, timeout=60)
                encontrado = RE_CSRF.search(pagina.text)
                assert pagina.status_code == 200 and encontrado, f"formulario: {pagina.status_code}"
                preparadas.append((indice, sesion, next(g for g in encontrado.groups() if g)))
        finally:
            barrera.wait()  # todas a la vez (si una falla, las demás no se quedan esperando)
        resultados = []
        for indice, sesion, token in preparadas:
            datos = {"nombre": f"Persona {indice}", "apellidos": "Concurrente", "correo": f"p{indice}-{marca}@carga.org",
                     "institucion": "Institución de carga", "cargo": "", "pais": "MX", "ciudad": "",
                     "consentimiento": "y", "csrf_token": token}
            inicio = time.monotonic()
            try:
                r = sesion.post(ruta, data=datos, allow_redirects=False, timeout=120)
                resultados.append({"indice": indice, "estado": r.status_code, "segundos": time.monotonic() - inicio,
                                   "destino": r.headers.get("Location", ""),
                                   "cuerpo": r.text[-600:] if r.status_code >= 400 else ""})
            except requests.RequestException as error:
                resultados.append({"indice": indice, "estado": None, "segundos": time.monotonic() - inicio,
                                   "destino": "", "cuerpo": repr(error)})
            finally:
                sesion.close()
        return resultados

    with ThreadPoolExecutor(max_workers=HILOS) as grupo:
        return [r for lista in grupo.map(hilo, range(HILOS)) for r in lista]


def test_200_inscripciones_simultaneas_para_50_plazas(base_concurrencia, tmp_path):
    url_bd = base_concurrencia
    motor = make_url(normalizar_url_bd(url_bd)).get_backend_name()
    slug = preparar_base(url_bd, tmp_path)
    servidor = Gunicorn(tmp_path, {"DATABASE_URL": url_bd, "SECRET_KEY": SECRETO,
                                   "LIMITE_INSCRIPCION": "100000 per minute"}, ("-w", str(PROCESOS)))
    try:
        servidor.esperar(f"/eventos/{slug}/inscripcion")
        inicio = time.monotonic()
        resultados = inscribir_a_la_vez(servidor.base, slug)
        duracion = time.monotonic() - inicio
        sin_entregar = esperar_bandeja_vacia(url_bd)
    finally:
        servidor.detener()
    salida = servidor.salida()

    codigos = Counter(r["estado"] for r in resultados)
    tiempos = sorted(r["segundos"] for r in resultados)
    resumen = (f"[{motor}] {len(resultados)} POST en {duracion:.1f} s con {PROCESOS} procesos: códigos {dict(codigos)}; "
               f"latencia mediana {tiempos[len(tiempos) // 2]:.2f} s, máxima {tiempos[-1]:.2f} s")
    print(resumen)
    errores = [r for r in resultados if r["estado"] is None or r["estado"] >= 500]
    trazas = "\n".join(re.findall(r"Traceback.*?(?=\n\[|\Z)", salida, re.DOTALL))[-4000:]
    assert not errores, f"{resumen}\nrespuestas 5xx o sin respuesta: {errores[:3]}\ngunicorn:\n{trazas or salida[-4000:]}"
    assert codigos == {302: PERSONAS}, resumen
    assert all(r["destino"].endswith(f"/eventos/{slug}/inscripcion/recibida") for r in resultados)

    estados, codigos_qr, correos = recuento(url_bd, slug)
    assert correos == PERSONAS
    assert estados == {"confirmada": CUPO, "en_espera": PERSONAS - CUPO}, f"{resumen}; estados {dict(estados)}"
    assert len(codigos_qr) == len(set(codigos_qr)) == PERSONAS, "códigos QR repetidos"
    assert "database is locked" not in salida, f"{resumen}\n{trazas or salida[-4000:]}"

    # Cada persona recibe exactamente un correo (confirmación o lista de espera), ni cero ni dos.
    assert sin_entregar == 0, f"{sin_entregar} correos sin entregar tras 30 s"
    por_persona = Counter(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"]
                          for p in (tmp_path / "correo").glob("*.eml"))
    assert len(por_persona) == PERSONAS
    repetidos = {direccion: n for direccion, n in por_persona.items() if n > 1}
    assert not repetidos, f"correos repetidos: {len(repetidos)} personas, p. ej. {list(repetidos.items())[:3]}"
