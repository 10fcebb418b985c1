"""Páginas y respuestas JSON de error, siempre con un mensaje claro en el idioma de la página."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, SecurityError, ServiceUnavailable

TITULOS = {
    400: lambda: _("Solicitud no válida"),
    401: lambda: _("Hace falta identificarse"),
    403: lambda: _("Acceso denegado"),
    404: lambda: _("No encontrado"),
    405: lambda: _("Método no permitido"),
    409: lambda: _("Conflicto"),
    413: lambda: _("Archivo demasiado grande"),
    429: lambda: _("Demasiadas solicitudes"),
    500: lambda: _("Error del servidor"),
    503: lambda: _("Servicio no disponible"),
}
ESPERA_SIN_BASE = 5  # segundos que Retry-After pide esperar cuando la base de datos no responde


def _mensaje(error: HTTPException) -> str:
    por_omision = {
        404: _("La página que busca no existe o ya no está publicada."),
        500: _("Algo falló de nuestro lado. Inténtelo de nuevo en unos minutos."),
    }
    if isinstance(error, SecurityError):
        return _("Esta dirección no se sirve desde aquí.")
    if isinstance(error, CSRFError):
        return _("El formulario caducó o le falta su código de seguridad. Vuelva a cargar la página e inténtelo de nuevo.")
    if error.code == 429:
        return _("Demasiados intentos seguidos. Espere un minuto y vuelva a intentarlo.")
    if error.code == 413:
        return _("El archivo es demasiado grande.")
    descripcion = error.description if error.description != type(error).description else None
    return descripcion or por_omision.get(error.code) or _("No se pudo atender la solicitud.")


def registrar_errores(app):
    @app.errorhandler(HTTPException)
    def error_http(error: HTTPException):
        codigo = error.code or 500
        titulo = TITULOS.get(codigo, TITULOS[500 if codigo >= 500 else 400])()
        mensaje = _mensaje(error)
        if request.path.startswith("/api/"):
            return jsonify({"error": titulo, "mensaje": mensaje, "estado": codigo}), codigo
        if isinstance(error, SecurityError):  # un Host que no es de confianza: sin él no se construye ninguna dirección
            return f"{titulo}: {mensaje}\n", codigo, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template("error.html", codigo=codigo, titulo=titulo, mensaje=mensaje), codigo

    @app.errorhandler(OperationalError)
    def base_sin_respuesta(error: OperationalError):
        """La base de datos se reinicia o no se alcanza: 503 con Retry-After en vez de un 500. nginx no lo cuenta
        como fallo del nodo (despliegue/nginx/eventos.conf): todos los nodos lo darían a la vez. El pool ya
        descartó la conexión rota; la siguiente petición abre otra."""
        from .extensiones import db
        db.session.rollback()
        # La primera línea del error del controlador («connection refused», «the database system is shutting
        # down»…): sin la sentencia ni sus valores, que podrían llevar datos personales.
        primera_linea = (str(error.orig).strip().splitlines() or [""])[0]
        app.logger.warning("La base de datos no responde: %s: %s", type(error.orig).__name__, primera_linea)
        respuesta = app.make_response(error_http(ServiceUnavailable(
            _("El servicio no puede atender ahora mismo. Inténtelo de nuevo en unos segundos."))))
        respuesta.headers["Retry-After"] = str(ESPERA_SIN_BASE)
        return respuesta
