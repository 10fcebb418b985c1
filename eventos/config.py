"""Configuración desde variables de entorno; valores por omisión para funcionar sin configurar nada."""
import os
from pathlib import Path


def normalizar_url_bd(url: str) -> str:
    """Acepta `postgres://` y `postgresql://` y usa siempre el controlador psycopg 3."""
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url[len(prefijo):]
    return url


URL_DESARROLLO = "http://127.0.0.1:5000"  # la de `flask run`, en la primera orden del README
HOSTS_LOCALES = ["localhost", "127.0.0.1"]  # Werkzeug no sabe comparar [::1] con su lista de confianza


class ConfiguracionInsegura(RuntimeError):
    """Falta algo sin lo que la aplicación no debe arrancar en producción."""


def carpeta_instancia() -> str:
    """La carpeta de la instancia (INSTANCIA; si no, instance/ del repositorio): cada nodo puede tener la suya."""
    return os.environ.get("INSTANCIA") or str(Path(__file__).resolve().parent.parent / "instance")


def activada(nombre: str) -> bool:
    """Una variable de entorno de sí o no: `1`, `true`, `si`, `sí` o `yes` la activan."""
    return os.environ.get(nombre, "").lower() in ("1", "true", "si", "sí", "yes")


def procesos_web_del_entorno() -> int:
    """Los procesos web que anuncia WEB_CONCURRENCY (la que lee gunicorn.conf.py); 1 si no está."""
    valor = os.environ.get("WEB_CONCURRENCY", "").strip()
    return int(valor) if valor.isdigit() else 1


def exigir_produccion(config, procesos: int) -> None:
    """En producción (HTTPS=1) no se arranca sin lo imprescindible; el error dice, por cada pieza que falta,
    qué variable poner. Con más de un proceso web, también REDIS_URL: sin él, cada proceso llevaría su
    propia caché y sus propios límites de peticiones (10 intentos por minuto serían 10 por proceso)."""
    if not config.get("HTTPS"):
        return
    faltan = []
    if not config.get("URL_PUBLICA"):
        faltan.append("URL_PUBLICA: la dirección pública de la que salen todos los enlaces "
                      "(p. ej. URL_PUBLICA=https://foros.example.org).")
    if not config.get("SECRET_KEY"):
        faltan.append("SECRET_KEY: una clave secreta compartida por todos los procesos "
                      "(p. ej. SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\").")
    if procesos > 1 and not config.get("REDIS_URL"):
        faltan.append(f"REDIS_URL: con {procesos} procesos web, la caché y los límites de peticiones se comparten "
                      "en Redis (p. ej. REDIS_URL=redis://127.0.0.1:6379/0); o un solo proceso (WEB_CONCURRENCY=1, -w 1).")
    if faltan:
        raise ConfiguracionInsegura("En producción (HTTPS=1) hace falta:\n" + "\n".join(f"  - {f}" for f in faltan))


def preparar_direcciones(config) -> None:
    """Comprueba la dirección pública y fija los hosts de confianza (`TRUSTED_HOSTS` de Flask: cualquier
    otro Host recibe un 400). En producción (HTTPS=1), sin URL_PUBLICA ni SECRET_KEY (ni REDIS_URL con
    WEB_CONCURRENCY>1) no se arranca: ver `exigir_produccion`."""
    from urllib.parse import urlsplit
    exigir_produccion(config, procesos_web_del_entorno())
    partes = urlsplit(config["URL_PUBLICA"] or "")
    if partes.scheme not in ("http", "https") or not partes.hostname or partes.path.strip("/") or partes.query:
        raise ConfiguracionInsegura(f"URL_PUBLICA debe ser el esquema y el host (y el puerto) del sitio, p. ej. "
                                    f"https://foros.example.org, no «{config['URL_PUBLICA']}».")
    config["URL_PUBLICA"] = f"{partes.scheme}://{partes.netloc}"
    locales = [] if config.get("HTTPS") else HOSTS_LOCALES
    if not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [partes.hostname, *locales, *config.get("HOSTS_DE_CONFIANZA", [])]


def desde_entorno(instance_path: str) -> dict:
    instancia = Path(instance_path)
    url_bd = normalizar_url_bd(
        os.environ.get("DATABASE_URL") or f"sqlite:///{instancia / 'eventos.sqlite3'}"
    )
    redis_url = os.environ.get("REDIS_URL") or None
    https = activada("HTTPS")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": url_bd,
        "REDIS_URL": redis_url,
        # Documentos en caché (eventos/cache.py): en Redis si lo hay; si no, hasta CACHE_MB en cada proceso.
        # Las instantáneas del programa y sus moldes, hasta MEMORIA_MB en cada proceso.
        "CACHE_SEGUNDOS": 3600,
        "CACHE_PREFIJO": "eventos:",
        "CACHE_BYTES": int(os.environ.get("CACHE_MB") or 16) * 1024 * 1024,
        "MEMORIA_BYTES": int(os.environ.get("MEMORIA_MB") or 16) * 1024 * 1024,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LIMITE_INGRESO": os.environ.get("LIMITE_INGRESO", "10 per minute"),
        "LIMITE_INSCRIPCION": os.environ.get("LIMITE_INSCRIPCION", "20 per minute"),
        "LIMITE_VERIFICACION": os.environ.get("LIMITE_VERIFICACION", "30 per minute"),
        # Detrás de un proxy con HTTPS: cookies solo por HTTPS, HSTS y cabeceras X-Forwarded-* de confianza.
        "HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "MATERIALES_TAMANO_MAXIMO": 20 * 1024 * 1024,
        "RESTABLECER_VALIDEZ_SEGUNDOS": 3600,
        "INVITACION_VALIDEZ_SEGUNDOS": 7 * 24 * 3600,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": activada("MAIL_USE_TLS"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "eventos@localhost",
        "MAIL_CARPETA": os.environ.get("MAIL_CARPETA") or str(instancia / "correo"),
        "CORREO_RECLAMO_SEGUNDOS": int(os.environ.get("CORREO_RECLAMO_SEGUNDOS") or 600),
        # Con un proceso de correo aparte (`flask correo enviar --continuo`), los procesos web solo anotan.
        "CORREO_AL_RESPONDER": not activada("CORREO_PROCESO_APARTE"),
        # La única raíz de las direcciones absolutas (correos, calendarios, exportaciones, API, páginas en
        # caché): nunca la cabecera Host de una petición. Obligatoria en producción.
        "URL_PUBLICA": os.environ.get("URL_PUBLICA") or (None if https else URL_DESARROLLO),
        "HOSTS_DE_CONFIANZA": [h.strip() for h in os.environ.get("HOSTS_DE_CONFIANZA", "").split(",") if h.strip()],
        "MATERIALES_CARPETA": os.environ.get("MATERIALES_CARPETA") or str(instancia / "materiales"),
        # Dónde van los archivos de materiales: carpeta | bd | s3; sin decirlo, lo decide `elegir_almacen`.
        "ALMACEN_MATERIALES": os.environ.get("ALMACEN_MATERIALES") or None,
        "S3_BUCKET": os.environ.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": os.environ.get("S3_REGION") or None,
        # Operación: métricas Prometheus en /metricas (eventos/metricas.py) y una línea JSON por petición.
        "METRICAS": activada("METRICAS"),
        "METRICAS_CLAVE": os.environ.get("METRICAS_CLAVE") or None,
        "REGISTRO": os.environ.get("REGISTRO", "").strip().lower() or "texto",
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_TRANSLATION_DIRECTORIES": "traducciones",
        "IDIOMAS": ("es", "en", "pt"),
        "ZONA_HORARIA_POR_OMISION": os.environ.get("ZONA_HORARIA", "America/Mexico_City"),
    }


def elegir_almacen(config) -> None:
    """Fija ALMACEN_MATERIALES (eventos/servicios/materiales.py): el que se pida; si no, un bucket S3 si hay
    S3_BUCKET, la base de datos con PostgreSQL, y si no la carpeta local (que cada nodo tiene aparte)."""
    import importlib.util
    pedido = (config.get("ALMACEN_MATERIALES") or "").strip().lower()
    almacen = pedido or ("s3" if config.get("S3_BUCKET") else
                         "bd" if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "carpeta")
    if almacen not in ("carpeta", "bd", "s3"):
        raise ConfiguracionInsegura(f"ALMACEN_MATERIALES debe ser carpeta, bd o s3, no «{pedido}».")
    if almacen == "s3" and not config.get("S3_BUCKET"):
        raise ConfiguracionInsegura("ALMACEN_MATERIALES=s3 necesita el nombre del bucket en S3_BUCKET.")
    if almacen == "s3" and importlib.util.find_spec("boto3") is None:
        raise ConfiguracionInsegura("Los materiales en S3 necesitan boto3: pip install 'eventos[s3]'.")
    config["ALMACEN_MATERIALES"] = almacen


def opciones_motor(url_bd: str) -> dict:
    """SQLite: varios procesos escriben por turnos y se espera hasta 30 s en vez de fallar con «database
    is locked». PostgreSQL: las conexiones del pool se comprueban al sacarlas solo si llevaban un rato
    sin usarse (ver `preparar_postgresql`). En ambos, los errores no muestran los valores de la sentencia:
    llevarían a los registros enlaces personales, claves y correos. Una base que no contesta (la máquina
    caída) hace fallar la conexión a los 5 s, no a los minutos: ni la petición ni /api/v1/preparado esperan."""
    if url_bd.startswith("postgresql"):
        return {"hide_parameters": True, "connect_args": {"connect_timeout": 5}}
    return {"connect_args": {"timeout": 30}, "hide_parameters": True}


# Una conexión usada hace menos que esto no se comprueba: bajo carga, cada petición se ahorra una ida y
# vuelta a la base de datos (SELECT 1), que en una máquina pequeña cuesta tanto como una consulta real.
INACTIVIDAD_PARA_COMPROBAR = 10.0


def preparar_postgresql(motor) -> None:
    """Comprobación «pesimista» de las conexiones, como `pool_pre_ping`, pero solo de las que llevan más
    de INACTIVIDAD_PARA_COMPROBAR segundos en el pool (tras un reinicio de PostgreSQL, por ejemplo).
    Receta de la documentación de SQLAlchemy: lanzar DisconnectionError hace que el pool la descarte y
    pruebe con otra."""
    import time

    from sqlalchemy import event, exc

    @event.listens_for(motor, "checkin")
    def al_devolver(_conexion, registro):
        registro.info["devuelta_en"] = time.monotonic()

    @event.listens_for(motor, "checkout")
    def al_sacar(conexion, registro, _proxy):
        devuelta = registro.info.get("devuelta_en")
        if devuelta is None or time.monotonic() - devuelta < INACTIVIDAD_PARA_COMPROBAR:
            return
        try:
            conexion.execute("SELECT 1")
            conexion.rollback()
        except Exception as error:  # noqa: BLE001 — cualquier fallo: la conexión no sirve
            raise exc.DisconnectionError() from error


def clave_local(instancia: Path) -> str:
    """Sin SECRET_KEY, guarda una clave aleatoria en instance/ para que sobreviva a reinicios."""
    archivo = instancia / "secret_key"
    if not archivo.exists():
        instancia.mkdir(parents=True, exist_ok=True)
        archivo.write_text(os.urandom(32).hex())
        archivo.chmod(0o600)
    return archivo.read_text().strip()
