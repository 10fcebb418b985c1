"""Idioma y zona horaria del visitante: elegidos con ?lang= y ?tz= (y recordados en cookies),
o detectados (cabecera Accept-Language; zona detectada en el navegador por estaticos/js/zona.js)."""
from flask import abort, current_app, g, has_request_context, request
from flask_babel import gettext as _

from . import zonas

COOKIE_IDIOMA = "idioma"
COOKIE_ZONA = "tz"
COOKIE_ZONA_DETECTADA = "tz_detectada"
SIN_ZONA = "ninguna"  # el visitante eligió no añadir su zona
UN_ANO = 365 * 24 * 3600


def elegir_idioma() -> str:
    idiomas = current_app.config["IDIOMAS"]
    if not has_request_context():
        return idiomas[0]
    if "idioma" not in g:
        pedido = request.args.get("lang")
        if pedido is not None and pedido not in idiomas:
            g.idioma = idiomas[0]
            abort(400, description=_("Idioma no disponible: use uno de %(idiomas)s.", idiomas=", ".join(idiomas)))
        guardado = request.cookies.get(COOKIE_IDIOMA)
        g.idioma = pedido or (guardado if guardado in idiomas else None) \
            or request.accept_languages.best_match(idiomas) or idiomas[0]
    return g.idioma


def _leer_zona():
    pedida = request.args.get("tz")
    if pedida is not None:
        pedida = pedida.strip()
        if pedida not in (SIN_ZONA, "") and not zonas.es_zona_valida(pedida):
            abort(400, description=_("«%(zona)s» no es una zona horaria conocida. Elija una de la lista.", zona=pedida[:80]))
        g.zona_elegida_ahora = True
        g.zona_visitante = None if pedida in (SIN_ZONA, "") else pedida
        g.zona_detectada = False
        return
    guardada = request.cookies.get(COOKIE_ZONA)
    g.zona_visitante = guardada if zonas.es_zona_valida(guardada) else None
    g.zona_detectada = bool(g.zona_visitante) and request.cookies.get(COOKIE_ZONA_DETECTADA) == "1"
    g.zona_sin_elegir = guardada is None


def registrar_preferencias(app):
    @app.before_request
    def leer_preferencias():
        g.zona_elegida_ahora = False
        g.zona_sin_elegir = False
        _leer_zona()
        elegir_idioma()

    @app.after_request
    def recordar_preferencias(respuesta):
        seguro = request.is_secure
        if request.args.get("lang") in app.config["IDIOMAS"]:
            respuesta.set_cookie(COOKIE_IDIOMA, request.args["lang"], max_age=UN_ANO, samesite="Lax", secure=seguro)
            respuesta.vary.add("Cookie")
        if g.get("zona_elegida_ahora"):
            respuesta.set_cookie(COOKIE_ZONA, g.zona_visitante or SIN_ZONA, max_age=UN_ANO, samesite="Lax", secure=seguro)
            respuesta.delete_cookie(COOKIE_ZONA_DETECTADA)
        return respuesta
