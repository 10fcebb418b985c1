"""Configuración desde variables de entorno; valores por omisión para funcionar sin configurar nada."""
import os
from pathlib import Path


def normalizar_url_bd(url: str) -> str:
    """Acepta `postgres://` y `postgresql://` y usa siempre el controlador psycopg 3."""
    for prefijo in ("postgres://", "postgresql://"):
        if url.startswith(prefijo):
            return "postgresql+psycopg://" + url[len(prefijo):]
    return url


def desde_entorno(instance_path: str) -> dict:
    instancia = Path(instance_path)
    url_bd = normalizar_url_bd(
        os.environ.get("DATABASE_URL") or f"sqlite:///{instancia / 'eventos.sqlite3'}"
    )
    redis_url = os.environ.get("REDIS_URL") or None
    https = os.environ.get("HTTPS", "").lower() in ("1", "true", "si", "sí", "yes")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": url_bd,
        "REDIS_URL": redis_url,
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_DEFAULT_TIMEOUT": 3600,
        "CACHE_KEY_PREFIX": "eventos:",
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
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "si", "sí", "yes"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "eventos@localhost",
        "MAIL_CARPETA": os.environ.get("MAIL_CARPETA") or str(instancia / "correo"),
        # Con un proceso de correo aparte (`flask correo enviar --continuo`), los procesos web solo anotan.
        "CORREO_AL_RESPONDER": os.environ.get("CORREO_PROCESO_APARTE", "").lower() not in ("1", "true", "si", "sí", "yes"),
        "URL_PUBLICA": os.environ.get("URL_PUBLICA") or None,
        "MATERIALES_CARPETA": os.environ.get("MATERIALES_CARPETA") or str(instancia / "materiales"),
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_TRANSLATION_DIRECTORIES": "traducciones",
        "IDIOMAS": ("es", "en", "pt"),
        "ZONA_HORARIA_POR_OMISION": os.environ.get("ZONA_HORARIA", "America/Mexico_City"),
    }


def opciones_motor(url_bd: str) -> dict:
    """SQLite: varios procesos escriben por turnos y se espera hasta 30 s en vez de fallar con «database
    is locked». PostgreSQL: las conexiones del pool se comprueban al sacarlas solo si llevaban un rato
    sin usarse (ver `preparar_postgresql`). En ambos, los errores no muestran los valores de la sentencia:
    llevarían a los registros enlaces personales, claves y correos."""
    if url_bd.startswith("postgresql"):
        return {"hide_parameters": True}
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
