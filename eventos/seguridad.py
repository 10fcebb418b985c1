"""Cabeceras de seguridad para todas las respuestas, y las redirecciones que vienen de la URL."""
from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix

POLITICA_CONTENIDO = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def registrar_seguridad(app):
    from .entrada import comprobar_peticion
    if app.config.get("HTTPS"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.before_request(comprobar_peticion)

    @app.after_request
    def cabeceras(respuesta):
        cabeceras = respuesta.headers
        cabeceras.setdefault("Content-Security-Policy", POLITICA_CONTENIDO)
        cabeceras.setdefault("X-Frame-Options", "DENY")
        cabeceras.setdefault("X-Content-Type-Options", "nosniff")
        # Los enlaces personales llevan un token en la URL: no se envían a otros sitios.
        cabeceras.setdefault("Referrer-Policy", "same-origin")
        cabeceras.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if app.config.get("HTTPS"):
            cabeceras.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return respuesta


def ruta_local(destino: str | None, prefijo: str = "/") -> str | None:
    """`destino` si es una ruta de este sitio que empieza por `prefijo`; si no, None.

    Rechaza esquemas y hosts, «//», barras invertidas, espacios y caracteres de control: los navegadores
    quitan tabuladores y saltos de línea de las direcciones, así que «/%09/otro.sitio» sería «//otro.sitio».
    """
    if not destino or not destino.isprintable() or any(c.isspace() or c == "\\" for c in destino):
        return None
    partes = urlsplit(destino)
    if partes.scheme or partes.netloc or destino.startswith("//") or not destino.startswith(prefijo):
        return None
    return destino
