"""Páginas y respuestas JSON de error, siempre con un mensaje claro en el idioma de la página."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

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
}


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
