"""API de las respuestas de las mesas: la organización lee todas; cada moderación escribe las de su mesa
con la versión sobre la que escribió (409 con los dos textos si otra persona guardó antes)."""
from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..extensiones import db
from ..mesas import servicios
from ..permisos import evento_con_permiso, mesa_con_permiso, puede_gestionar
from ..zonas import iso
from .comun import cuerpo_json, exigir_csrf_si_hay_sesion, exigir_cuenta
from .rutas import bp


def respuesta_json(respuesta, zona: str) -> dict:
    return {"mesa_id": respuesta.mesa_id, "pregunta_id": respuesta.pregunta_id, "texto": respuesta.texto,
            "puntos_clave": list(respuesta.puntos_clave or []), "intervenciones": respuesta.intervenciones,
            "version": respuesta.version, "actualizada_en": iso(respuesta.actualizada_en, zona),
            "actualizada_por": respuesta.autor or None}


@bp.get("/eventos/<slug>/respuestas")
def respuestas(slug):
    exigir_cuenta()
    evento = evento_con_permiso(slug, puede_gestionar,
                                _("Solo la organización del evento puede leer las respuestas de todas las mesas."))
    m = servicios.matriz(evento)
    zona = evento.zona_horaria
    return jsonify({
        "evento": evento.slug,
        "publicadas": evento.respuestas_publicadas,
        "mesas": [{"id": mesa.id, "clave": mesa.clave, "nombre": mesa.nombre} for mesa in m.mesas],
        "preguntas": [{"id": p.id, "numero": p.numero, "texto": p.texto, "bloque": b.titulo, "guia_id": g.id}
                      for g, bloques in m.guias for b, preguntas in bloques for p in preguntas],
        "respuestas": [respuesta_json(r, zona) for p in m.preguntas for mesa in m.mesas
                       if (r := m.respuesta(mesa, p)) is not None],
    })


@bp.put("/mesas/<int:mesa_id>/respuestas/<int:pregunta_id>")
def guardar_respuesta(mesa_id, pregunta_id):
    exigir_cuenta()
    mesa = mesa_con_permiso(mesa_id, _("Solo la moderación de esta mesa y la organización pueden escribir sus "
                                       "respuestas."))
    exigir_csrf_si_hay_sesion()
    if servicios.pregunta_de_mesa(mesa, pregunta_id) is None:
        abort(404, description=_("Esa pregunta no está en la guía de esta mesa."))
    datos = cuerpo_json()
    zona = mesa.evento.zona_horaria  # leída antes del commit, que caduca los objetos
    try:
        contenido = servicios.validar(datos.get("texto", ""), datos.get("puntos_clave"), datos.get("intervenciones"))
        guardada = servicios.guardar(mesa.id, pregunta_id, contenido, datos.get("version"), current_user)
    except servicios.RespuestaInvalida as error:
        db.session.rollback()
        abort(400, description=str(error))
    except servicios.Conflicto as conflicto:
        db.session.rollback()
        return jsonify({
            "error": _("Conflicto de versiones"),
            "mensaje": _("Otra persona guardó esta respuesta mientras usted escribía. Compare los dos textos y "
                         "guarde la versión fusionada."),
            "estado": 409,
            "actual": respuesta_json(conflicto.actual, zona),
            "enviado": {"texto": contenido.texto, "puntos_clave": contenido.puntos_clave,
                        "intervenciones": contenido.intervenciones, "version": datos.get("version")},
        }), 409
    db.session.commit()
    return jsonify(respuesta_json(guardada, zona))
