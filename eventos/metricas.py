"""Métricas Prometheus (METRICAS=1) en /metricas: la latencia de cada petición por regla de Flask (la ruta
con sus parámetros sin rellenar, nunca la URL con datos), método y código; las inscripciones por evento y
estado resultante; las lecturas de la puerta por resultado; y la bandeja de salida del correo (cuántos
esperan y cuánto lleva esperando el más antiguo), que se cuenta con una consulta al leer las métricas.

prometheus_client directamente y no prometheus_flask_exporter: bajo gunicorn los dos dependen del modo
multiproceso de prometheus_client (cada worker escribe sus valores en archivos de PROMETHEUS_MULTIPROC_DIR,
que fija gunicorn.conf.py, y /metricas, lo atienda el worker que lo atienda, suma los de todos), pero el
exportador trae su propia ruta sin control de acceso, etiqueta a su manera y no tiene dónde calcular la
bandeja al leer; aquí son unas pocas líneas. Sin METRICAS no se importa nada de esto (ni prometheus_client,
que pesa en cada worker).

Acceso: con METRICAS_CLAVE, solo con `Authorization: Bearer <clave>`; sin ella, solo desde la propia
máquina (127.0.0.1 o ::1) y sin pasar por un proxy (ni X-Forwarded-For ni Forwarded).
"""
from __future__ import annotations

import hmac
import ipaddress
import os
from functools import cache

from flask import Response, current_app, request

from .registro import cronometrar, metodo_conocido, segundos_de_la_peticion

PENDIENTES = "eventos.metricas_pendientes"  # en `Session.info`: lo que se cuenta cuando se confirme


def contar_al_confirmar(nombre: str, **etiquetas: str) -> None:
    """Suma 1 al contador `nombre` cuando se confirme la transacción en curso de `db.session` (nada si se
    deshace). La llaman los servicios y las vistas donde ocurre el hecho, sin confirmar nada ellos."""
    if not current_app.config.get("METRICAS"):
        return
    from .extensiones import db
    db.session.connection()  # con la transacción ya empezada: su fin (commit o rollback) decide
    db.session.info.setdefault(PENDIENTES, []).append((nombre, etiquetas))


def registrar_metricas(app) -> None:
    """Con METRICAS: la ruta /metricas y la medida de cada petición (los primeros ganchos en empezar y los
    últimos en terminar, como los del registro JSON)."""
    if not app.config.get("METRICAS"):
        return
    _metricas()
    app.add_url_rule("/metricas", "metricas", _vista)
    app.before_request_funcs.setdefault(None, []).insert(0, cronometrar)
    app.after_request_funcs.setdefault(None, []).insert(0, _medir)


@cache
def _metricas() -> dict:
    """Las métricas del proceso, creadas una vez (también con varias aplicaciones, como en las pruebas), y los
    ganchos de la sesión de SQLAlchemy que cuentan lo confirmado."""
    from prometheus_client import Counter, Histogram
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    metricas = {
        "peticiones": Histogram("eventos_peticion_segundos", "Duración de las peticiones, por regla, método y código",
                                ("regla", "metodo", "codigo")),
        "inscripciones": Counter("eventos_inscripciones", "Altas de inscripción, por evento y estado resultante",
                                 ("evento", "estado")),
        "acreditaciones": Counter("eventos_acreditaciones", "Lecturas de la puerta, por resultado", ("resultado",)),
    }

    @event.listens_for(Session, "after_commit")
    def al_confirmar(sesion):
        if not sesion.in_nested_transaction():  # liberar un SAVEPOINT también «confirma»
            for nombre, etiquetas in sesion.info.pop(PENDIENTES, ()):
                metricas[nombre].labels(**etiquetas).inc()

    @event.listens_for(Session, "after_transaction_end")
    def al_terminar(sesion, transaccion):
        if transaccion.parent is None:  # deshecha (lo confirmado ya se contó)
            sesion.info.pop(PENDIENTES, None)

    return metricas


def _medir(respuesta):
    segundos = segundos_de_la_peticion()
    if segundos is not None:
        regla = request.url_rule.rule if request.url_rule is not None else "(ninguna)"
        _metricas()["peticiones"].labels(regla, metodo_conocido(request.method), str(respuesta.status_code)) \
            .observe(segundos)
    return respuesta


def _vista():
    from flask_babel import gettext as _
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if not _permitido():
        cabeceras = {"WWW-Authenticate": 'Bearer realm="metricas"'} if current_app.config["METRICAS_CLAVE"] else {}
        mensaje = _("Las métricas solo se sirven con la clave METRICAS_CLAVE o, sin ella, a la propia máquina.")
        return Response(mensaje + "\n", 401 if cabeceras else 403, cabeceras, mimetype="text/plain")
    registro = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registro)
    else:
        registro.register(_Coleccion(REGISTRY.collect))
    familias = _bandeja_de_salida()
    registro.register(_Coleccion(lambda: familias))
    respuesta = Response(generate_latest(registro), mimetype=CONTENT_TYPE_LATEST)
    respuesta.headers["Cache-Control"] = "no-store"
    return respuesta


class _Coleccion:
    """Un colector de prometheus_client hecho de una función que da las familias de métricas."""

    def __init__(self, familias):
        self.collect = familias


def _permitido() -> bool:
    clave = current_app.config.get("METRICAS_CLAVE")
    if clave:
        esquema, _, dada = request.headers.get("Authorization", "").partition(" ")
        return esquema.lower() == "bearer" and hmac.compare_digest(dada.strip().encode(), clave.encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _bandeja_de_salida() -> list:
    """Los correos por entregar (sin enviar y con intentos por delante), la antigüedad del más viejo de ellos
    y los que agotaron sus intentos sin salir (los ve la organización y los puede reintentar)."""
    from prometheus_client.core import GaugeMetricFamily
    from sqlalchemy import func, select

    from .correo import INTENTOS_MAXIMOS
    from .extensiones import db
    from .modelos import CorreoSaliente
    from .zonas import ahora

    por_entregar = CorreoSaliente.intentos < INTENTOS_MAXIMOS
    pendientes, mas_antiguo, agotados = db.session.execute(  # una sola lectura de la bandeja
        select(func.count().filter(por_entregar), func.min(CorreoSaliente.creado_en).filter(por_entregar),
               func.count().filter(~por_entregar))
        .where(CorreoSaliente.estado.in_(("pendiente", "fallido")))).one()
    espera = (ahora() - mas_antiguo).total_seconds() if mas_antiguo is not None else 0.0
    return [
        GaugeMetricFamily("eventos_correo_pendiente", "Correos en la bandeja de salida por entregar", value=pendientes),
        GaugeMetricFamily("eventos_correo_pendiente_mas_antiguo_segundos",
                          "Cuánto lleva esperando el correo por entregar más antiguo (0 si no hay)", value=max(espera, 0.0)),
        GaugeMetricFamily("eventos_correo_agotado", "Correos que agotaron sus intentos sin entregarse", value=agotados),
    ]
