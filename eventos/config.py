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


def preparar_direcciones(config) -> None:
    """Comprueba la dirección pública y fija los hosts de confianza (`TRUSTED_HOSTS` de Flask: cualquier
    otro Host recibe un 400). En producción (HTTPS=1), sin URL_PUBLICA ni SECRET_KEY no se arranca."""
    from urllib.parse import urlsplit
    if config.get("HTTPS"):
        faltan = [nombre for nombre in ("URL_PUBLICA", "SECRET_KEY") if not config.get(nombre)]
        if faltan:
            raise ConfiguracionInsegura(
                f"En producción (HTTPS=1) hace falta {' y '.join(faltan)}: la dirección pública de la que salen "
                "todos los enlaces (p. ej. URL_PUBLICA=https://foros.example.org) y una clave secreta compartida "
                "por todos los procesos.")
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
    https = os.environ.get("HTTPS", "").lower() in ("1", "true", "si", "sí", "yes")
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
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "si", "sí", "yes"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "eventos@localhost",
        "MAIL_CARPETA": os.environ.get("MAIL_CARPETA") or str(instancia / "correo"),
        "CORREO_RECLAMO_SEGUNDOS": int(os.environ.get("CORREO_RECLAMO_SEGUNDOS") or 600),
        # Con un proceso de correo aparte (`flask correo enviar --continuo`), los procesos web solo anotan.
        "CORREO_AL_RESPONDER": os.environ.get("CORREO_PROCESO_APARTE", "").lower() not in ("1", "true", "si", "sí", "yes"),
        # La única raíz de las direcciones absolutas (correos, calendarios, exportaciones, API, páginas en
        # caché): nunca la cabecera Host de una petición. Obligatoria en producción.
        "URL_PUBLICA": os.environ.get("URL_PUBLICA") or (None if https else URL_DESARROLLO),
        "HOSTS_DE_CONFIANZA": [h.strip() for h in os.environ.get("HOSTS_DE_CONFIANZA", "").split(",") if h.strip()],
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
