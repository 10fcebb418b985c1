"""Tablero en vivo para la pantalla de la plenaria (/mesas/tablero/<slug>): las respuestas de las mesas,
por pregunta, que aparecen sin recargar a medida que la moderación las guarda.

La página ya muestra todo lo guardado (sin JavaScript también); estaticos/js/tablero.js pide cada ~3 s
el JSON con `?desde=<cursor>` (solo lo guardado desde entonces, más un margen de segundos: ver
`servicios.cursor_ahora`) y la etiqueta ETag del estado: si nada cambió, la respuesta es un 304 sin
cuerpo tras una sola consulta agregada (`servicios.sello`).

Lo ve siempre la organización del evento; las demás personas (también sin sesión), solo cuando las
respuestas están publicadas. Así nadie de otra mesa lee respuestas sin publicar por esta vía.

Es un blueprint propio («tablero», bajo /mesas/tablero) y no parte del de `mesas`, que exige iniciar
sesión en todas sus rutas: la pantalla de la plenaria no tiene por qué tener una sesión abierta.
"""
from __future__ import annotations

import json

from flask import Blueprint, abort, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..cache import etiqueta, respuesta_condicional
from ..extensiones import db
from ..modelos import Evento
from ..zonas import a_local, iso, leer_iso
from ..permisos import puede_gestionar
from . import servicios
from .exportar import html, texto_intervenciones

INTERVALO_S = 3

bp = Blueprint("tablero", __name__)


def _evento_del_tablero(slug: str) -> Evento:
    evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
    if evento is None:
        abort(404)
    if puede_gestionar(current_user, evento):
        return evento
    if not evento.publicado:
        abort(404)
    if not evento.respuestas_publicadas:
        abort(403, description=_("La organización todavía no ha publicado las respuestas de las mesas de este evento."))
    return evento


def _bloque_elegido(m):
    """`?bloque=` para proyectar solo una ronda; un valor que no es de este evento es un 400 claro."""
    texto = request.args.get("bloque", "").strip()
    if not texto:
        return None
    bloques = {b.id: b for _g, bs in m.guias for b, _p in bs}
    if not texto.isdigit() or int(texto) not in bloques:
        abort(400, description=_("Ese bloque o ronda no es de este evento: elija uno de la lista."))
    return bloques[int(texto)]


def _estado(sello: servicios.Sello) -> tuple:
    """Lo que identifica lo que muestra el tablero: las respuestas guardadas y el idioma. La página y el
    JSON comparten la etiqueta: el primer sondeo tras cargar la página es un 304 si nada cambió."""
    return "tablero", sello.etag, g.idioma


def _respuesta(sello: servicios.Sello, generar, tipo: str):
    return respuesta_condicional(_estado(sello), generar, tipo=tipo, guardar=False, privada=True)


def respuesta_tablero(r, evento) -> dict:
    """Lo que el tablero dibuja de una respuesta. `html` es el texto ya convertido por el filtro
    `markdown` (`exportar.html`: sin HTML de quien escribe); lo demás es texto plano, que el navegador pone con textContent."""
    return {"mesa_id": r.mesa_id, "pregunta_id": r.pregunta_id, "version": r.version,
            "html": str(html(r.texto)), "puntos_clave": list(r.puntos_clave or []),
            "intervenciones": texto_intervenciones(r.intervenciones),
            "actualizada_en": iso(r.actualizada_en, evento.zona_horaria),
            "hora": a_local(r.actualizada_en, evento.zona_horaria).strftime("%H:%M")}


@bp.get("/<slug>")
def pagina(slug):
    evento = _evento_del_tablero(slug)
    cursor = servicios.cursor_ahora()  # antes de leer: lo que llegue entre medias se vuelve a enviar
    sello = servicios.sello(evento.id)
    completa = servicios.matriz(evento)
    bloque = _bloque_elegido(completa)

    def generar() -> bytes:
        m = servicios.filtrar(completa, bloque.id if bloque else None)
        ultima = max(completa.respuestas.values(), key=lambda r: r.actualizada_en, default=None)
        if ultima is not None:
            mesa = next(x for x in completa.mesas if x.id == ultima.mesa_id)
            pregunta = next((p for p in completa.preguntas if p.id == ultima.pregunta_id), None)
            ultima = _("Última respuesta: %(mesa)s · pregunta %(numero)s · %(hora)s", mesa=mesa.nombre,
                       numero=pregunta.numero if pregunta else "?",
                       hora=a_local(ultima.actualizada_en, evento.zona_horaria).strftime("%H:%M"))
        return render_template(
            "mesas/tablero.html", evento=evento, m=m, completa=completa, bloque=bloque, ultima=ultima,
            cursor=iso(cursor, evento.zona_horaria), etag=etiqueta(*_estado(sello)),
            intervalo=INTERVALO_S, texto_intervenciones=texto_intervenciones, html_respuesta=html).encode()

    return _respuesta(sello, generar, "text/html; charset=utf-8")


@bp.get("/<slug>/respuestas.json")
def datos(slug):
    evento = _evento_del_tablero(slug)
    texto_desde = request.args.get("desde", "").strip()
    desde = leer_iso(texto_desde) if texto_desde else None
    if texto_desde and desde is None:
        return jsonify({"error": _("Solicitud no válida"), "estado": 400,
                        "mensaje": _("«desde» debe ser una fecha y hora ISO 8601 con su desfase, como la que devolvió el tablero.")}), 400
    cursor = servicios.cursor_ahora()
    sello = servicios.sello(evento.id)

    def generar() -> bytes:
        return json.dumps({
            "cursor": iso(cursor, evento.zona_horaria),
            "total": sello.respuestas,
            "publicadas": evento.respuestas_publicadas,
            "respuestas": [respuesta_tablero(r, evento) for r in servicios.respuestas_desde(evento.id, desde)],
        }, ensure_ascii=False).encode()

    return _respuesta(sello, generar, "application/json")
