"""Tokens y códigos QR: enlaces personales firmados y el código de acreditación de cada inscripción.

- Enlace personal: `firmar_gestion()` firma (id, clave_gestion) con la clave de la aplicación; cambiar
  `clave_gestion` invalida los enlaces anteriores.
- Código del QR: 128 bits al azar guardados en la inscripción; el servidor lo busca, así que un código
  inventado o alterado nunca coincide. Reemitirlo deja el anterior sin valor.
"""
from __future__ import annotations

import hmac
import io
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

PREFIJO_CODIGO = "EV1-"


def _firmador(uso: str = "gestion-inscripcion") -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=uso)


def firmar_gestion(inscripcion) -> str:
    return _firmador().dumps([inscripcion.id, inscripcion.clave_gestion])


def firmar_baja(inscripcion) -> str:
    """El enlace para dejar de recibir anuncios (va en cada anuncio): solo sirve para eso, no abre la página
    personal. Cambiar `clave_gestion` también lo invalida."""
    return _firmador("baja-anuncios").dumps([inscripcion.id, inscripcion.clave_gestion])


def leer_gestion(token: str, uso: str = "gestion-inscripcion") -> tuple[int, str] | None:
    """(id, clave) de un enlace personal auténtico, o None si es inventado o está alterado."""
    try:
        datos = _firmador(uso).loads(token)
    except BadSignature:
        return None
    if not (isinstance(datos, list) and len(datos) == 2 and isinstance(datos[0], int) and isinstance(datos[1], str)):
        return None
    return datos[0], datos[1]


def clave_coincide(esperada: str, recibida: str) -> bool:
    return hmac.compare_digest(esperada.encode(), recibida.encode())


def inscripcion_del_enlace(token: str, uso: str = "gestion-inscripcion"):
    """La inscripción de un enlace personal firmado (o del de baja de anuncios, con `uso="baja-anuncios"`);
    404, con un mensaje, si el enlace no es válido."""
    from flask import abort
    from flask_babel import gettext as _

    from .extensiones import db
    from .modelos import Inscripcion
    leido = leer_gestion(token, uso)
    inscripcion = db.session.get(Inscripcion, leido[0]) if leido else None
    if inscripcion is None or not clave_coincide(inscripcion.clave_gestion, leido[1]):
        abort(404, description=_("Este enlace personal no es válido. Use el enlace del último correo que recibió."))
    return inscripcion


def contenido_qr(inscripcion) -> str:
    """Lo que lleva el QR: corto, para que el código sea pequeño y se lea rápido."""
    return PREFIJO_CODIGO + inscripcion.codigo


def _qr(texto: str, **opciones):
    import qrcode  # aquí y no arriba: con él vienen PIL y lxml, que solo necesita quien dibuja un código
    # Máscara fija: ahorra evaluar las ocho posibles (la mitad del tiempo de generar cada código).
    codigo = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=2, **opciones)
    codigo.add_data(texto)
    codigo.make(fit=True)
    return codigo


def matriz(texto: str) -> list[list[bool]]:
    """Los módulos del QR (con su zona de silencio), para dibujarlo como vector en un PDF."""
    return _qr(texto).get_matrix()


@lru_cache(maxsize=512)
def _png(texto: str) -> bytes:
    salida = io.BytesIO()
    _qr(texto, box_size=8).make_image().save(salida, format="PNG")
    return salida.getvalue()


@lru_cache(maxsize=512)
def _svg(texto: str) -> bytes:
    import qrcode.image.svg
    salida = io.BytesIO()
    _qr(texto, box_size=10, image_factory=qrcode.image.svg.SvgPathFillImage).make_image().save(salida)
    return salida.getvalue()


def imagen_png(inscripcion) -> bytes:
    return _png(contenido_qr(inscripcion))


def imagen_svg(inscripcion) -> bytes:
    """SVG con fondo blanco (los lectores no encuentran un QR sobre fondo transparente)."""
    return _svg(contenido_qr(inscripcion))
