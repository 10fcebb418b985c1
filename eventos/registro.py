"""Los registros nunca llevan secretos: ni los de la aplicación, ni los de Werkzeug, ni los de gunicorn.

Cada registro del proceso se enmascara al crearse (una fábrica de registros de `logging`): los enlaces
personales (`/inscripcion/<token>`), los de restablecer la contraseña, las claves del calendario
suscrito, los códigos QR, las claves de API y las direcciones de correo, en los mensajes y en las trazas.
Los errores de la base de datos no muestran los valores de la sentencia (`hide_parameters` del motor, en
`config.opciones_motor`).

Con REGISTRO=json (`registrar_peticiones`), los registros de la aplicación salen por stderr como una línea
JSON cada uno (python-json-logger), y cada petición deja la suya: método, ruta (con los secretos en `***` y
solo los parámetros de la consulta que no llevan datos de nadie), código, duración en ms, endpoint e id de
la petición (el de `X-Request-ID` si tiene buena forma; si no, uno nuevo; se devuelve en la respuesta). Nunca
cabeceras (Authorization, cookies), cuerpos, correos ni direcciones IP.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from urllib.parse import quote

from flask import g, has_request_context, request

_PATRONES = (
    # PostgreSQL repite los valores en el detalle de sus errores: la fila que falló, la clave repetida.
    (re.compile(r"(Failing row contains ).*$", re.M), r"\1(***)."),
    (re.compile(r"(Key \([^)]*\))=.*$", re.M), r"\1=(***)"),
    (re.compile(r"(/inscripcion/)[^/\s?#\"'<>]+"), r"\1***"),
    (re.compile(r"(/cuentas/restablecer/)[^/\s?#\"'<>]+"), r"\1***"),
    (re.compile(r"(/anuncios/(?:baja|alta)/)[^/\s?#\"'<>]+"), r"\1***"),
    (re.compile(r"(/calendario/)[^/\s?#\"'<>]+?(\.ics)"), r"\1***\2"),
    (re.compile(r"(/verificar/)[^/\s?#\"'<>]+"), r"\1***"),  # el código de una constancia
    (re.compile(r"\bEV1-[A-Za-z0-9_-]{8,}"), "EV1-***"),
    (re.compile(r"\bevt_[A-Za-z0-9_-]+"), "evt_***"),
    (re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b"), r"\1***@\2"),
)


def ocultar(texto: str) -> str:
    for patron, sustituto in _PATRONES:
        texto = patron.sub(sustituto, texto)
    return texto


_FABRICA_ORIGINAL = logging.getLogRecordFactory()


def _registro_sin_secretos(*args, **kwargs) -> logging.LogRecord:
    """Cada registro nace ya enmascarado (mensaje y traza): da igual qué manejador o formateador lo escriba
    después, ni a qué registrador se propague."""
    registro = _FABRICA_ORIGINAL(*args, **kwargs)
    try:
        mensaje = registro.getMessage()
    except Exception:  # noqa: BLE001 — un mensaje mal formado lo señala el propio logging al escribirlo
        return registro
    registro.msg, registro.args = ocultar(mensaje), None
    if registro.exc_info and not registro.exc_text:
        registro.exc_text = ocultar(logging.Formatter().formatException(registro.exc_info))
    return registro


def registrar_registros() -> None:
    """Instala la fábrica de registros sin secretos en el proceso (aplicación, Werkzeug, gunicorn, SQLAlchemy)."""
    if logging.getLogRecordFactory() is not _registro_sin_secretos:
        logging.setLogRecordFactory(_registro_sin_secretos)


# --- REGISTRO=json: una línea JSON por petición ------------------------------------------------------
PETICIONES = logging.getLogger("eventos.peticiones")
# Parámetros de la consulta que se escriben tal cual; de cualquier otro (búsquedas con nombres o correos,
# `next` con un enlace personal, códigos de constancia…) solo el nombre, con el valor en ***.
PARAMETROS_LEGIBLES = frozenset({"lang", "tz", "pagina", "sesion", "bloque", "mesa", "por", "estado", "descargar",
                                 "desde"})
_ID_PETICION = re.compile(r"[A-Za-z0-9._-]{8,128}")  # p. ej. el $request_id de nginx o un UUID
_METODOS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def ruta_sin_secretos(ruta: str, consulta) -> str:
    """La ruta de una petición para los registros: los tokens de la ruta en *** (`ocultar`) y, de la
    consulta (un MultiDict), solo los valores de PARAMETROS_LEGIBLES. La arroba queda sin codificar: así
    `ocultar` ve los correos también en los nombres y valores que elige quien llama."""
    partes = [f"{quote(nombre, safe='/@')}={quote(valor, safe='/@') if nombre in PARAMETROS_LEGIBLES else '***'}"
              for nombre, valor in consulta.items(multi=True)]
    return ocultar(ruta + ("?" + "&".join(partes) if partes else ""))


def metodo_conocido(metodo: str) -> str:
    """El método HTTP, o OTRO si no es uno de los habituales (lo escribe el cliente: no puede inventar valores)."""
    return metodo if metodo in _METODOS else "OTRO"


def registrar_peticiones(app) -> None:
    """REGISTRO=json: los registros de `eventos.*` como JSON por stderr, una línea por petición y el id de la
    petición en cada registro hecho durante ella. Con REGISTRO=texto (por omisión), nada cambia."""
    from .config import ConfiguracionInsegura
    if app.config["REGISTRO"] not in ("texto", "json"):
        raise ConfiguracionInsegura(f"REGISTRO debe ser texto o json, no «{app.config['REGISTRO']}».")
    if app.config["REGISTRO"] != "json":
        return
    _manejador_json()
    # Los primeros en empezar y los últimos en terminar: cuentan también lo que rechazan los demás ganchos
    # (límite de peticiones, entrada no válida) y ven la respuesta ya completa.
    app.before_request_funcs.setdefault(None, []).insert(0, _empezar_peticion)
    app.after_request_funcs.setdefault(None, []).insert(0, _terminar_peticion)


def cronometrar() -> None:
    """Cuándo empezó la petición, una sola vez: lo leen el registro JSON y las métricas (`segundos_de_la_peticion`)."""
    g.setdefault("inicio_peticion", time.perf_counter())


def segundos_de_la_peticion() -> float | None:
    inicio = g.get("inicio_peticion")
    return None if inicio is None else time.perf_counter() - inicio


def _empezar_peticion() -> None:
    cronometrar()
    propio = request.headers.get("X-Request-ID", "")
    g.id_peticion = propio if _ID_PETICION.fullmatch(propio) else uuid.uuid4().hex


def _terminar_peticion(respuesta):
    if "id_peticion" not in g:  # la petición falló antes de los ganchos (al abrir la sesión, p. ej.)
        _empezar_peticion()
    respuesta.headers["X-Request-ID"] = g.id_peticion
    PETICIONES.info("petición", extra={
        "metodo": metodo_conocido(request.method), "ruta": ruta_sin_secretos(request.path, request.args),
        "codigo": respuesta.status_code, "endpoint": request.endpoint,
        "duracion_ms": round(segundos_de_la_peticion() * 1000, 1)})
    return respuesta


class _IdDePeticion(logging.Filter):
    """Añade a cada registro hecho durante una petición el id de esa petición."""

    def filter(self, registro: logging.LogRecord) -> bool:
        if has_request_context() and "id_peticion" in g:
            registro.id_peticion = g.id_peticion
        return True


def _manejador_json() -> None:
    """Un manejador por stderr con formato JSON para el registrador `eventos` (y todo lo que cuelga de él), una
    sola vez por proceso. Cada campo de texto pasa otra vez por `ocultar`, también los añadidos con `extra=`,
    y la traza de un error se enmascara: la biblioteca la vuelve a escribir desde `exc_info` en vez de usar la
    que ya dejó enmascarada la fábrica de registros."""
    from flask.logging import default_handler
    from pythonjsonlogger.json import JsonFormatter

    class FormatoJson(JsonFormatter):
        def formatException(self, informacion) -> str:
            return ocultar(super().formatException(informacion))

        def process_log_record(self, datos: dict) -> dict:
            return {clave: ocultar(valor) if isinstance(valor, str) else valor for clave, valor in datos.items()}

    raiz = logging.getLogger("eventos")
    if any(isinstance(manejador.formatter, JsonFormatter) for manejador in raiz.handlers):
        return
    manejador = logging.StreamHandler()
    manejador.setFormatter(FormatoJson("{levelname}{name}{message}", style="{", timestamp="momento",
                                       json_ensure_ascii=False,
                                       rename_fields={"levelname": "nivel", "name": "registrador", "message": "mensaje"}))
    manejador.addFilter(_IdDePeticion())
    raiz.removeHandler(default_handler)  # el de Flask escribiría cada error otra vez, en texto
    raiz.addHandler(manejador)
    PETICIONES.setLevel(logging.INFO)
