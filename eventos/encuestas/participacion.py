"""La encuesta del lado de quien responde: su respuesta anterior (para verla y cambiarla), los campos del
formulario que la muestran, y si su página personal y el correo de después del evento la invitan a responder.
Las reglas (quién responde, validar y guardar) están en servicios.py."""
from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..extensiones import db
from ..modelos import Inscripcion
from ..modelos.encuestas import Encuesta, RespuestaEncuesta
from ..zonas import ahora
from . import servicios


def respuesta_anterior(encuesta: Encuesta, inscripcion: Inscripcion, clave_edicion: str | None
                       ) -> RespuestaEncuesta | None:
    """La respuesta que esta persona puede ver y cambiar: en una encuesta identificada, la suya; en una anónima,
    la de la clave de edición que guarda su navegador (sin esa clave, ninguna)."""
    if not encuesta.anonima:
        condicion = RespuestaEncuesta.inscripcion_id == inscripcion.id
    elif clave_edicion:
        condicion = RespuestaEncuesta.clave_edicion == servicios.resumen_de_clave(clave_edicion)
    else:
        return None
    return db.session.execute(select(RespuestaEncuesta).where(RespuestaEncuesta.encuesta_id == encuesta.id,
                                                              condicion)).scalar_one_or_none()


def campos_de(valores: dict) -> MultiDict:
    """Los campos del formulario (`p<id>`, `p<id>-<fila>`) que, enviados, darían estos valores guardados."""
    campos = MultiDict()
    for pregunta_id, valor in valores.items():
        if isinstance(valor, dict):  # matriz: {fila: valoración}
            for fila, nota in valor.items():
                campos.add(f"p{pregunta_id}-{fila}", str(nota))
        elif isinstance(valor, list):  # varias opciones
            for opcion in valor:
                campos.add(f"p{pregunta_id}", opcion)
        else:
            campos.add(f"p{pregunta_id}", str(valor))
    return campos


def _puede_responder_ya(encuesta: Encuesta, inscripcion: Inscripcion) -> bool:
    try:
        servicios.comprobar(encuesta, inscripcion)
    except servicios.NoPuedeResponder:
        return False
    return True


def invitacion(evento_id: int, inscripcion: Inscripcion) -> str | None:
    """Lo que ofrece la página personal: «responder», «cambiar» (ya respondió) o None (no hay encuesta abierta
    que esta persona pueda responder)."""
    encuesta = servicios.encuesta_de(evento_id)
    if encuesta is None or not encuesta.abierta() or not _puede_responder_ya(encuesta, inscripcion):
        return None
    return "cambiar" if servicios.ya_respondio(encuesta, inscripcion.id) else "responder"


def encuesta_para_el_correo(evento_id: int, inscripcion: Inscripcion) -> Encuesta | None:
    """La encuesta a la que invita el mensaje de después del evento: abierta, o con su apertura ya fijada y sin
    cerrar, si esta persona puede (o podrá) responderla."""
    encuesta = servicios.encuesta_de(evento_id)
    if encuesta is None or encuesta.abre_en is None or (encuesta.cierra_en is not None
                                                        and encuesta.cierra_en <= ahora()):
        return None
    if encuesta.abierta():
        return encuesta if _puede_responder_ya(encuesta, inscripcion) else None
    # Todavía no abre (comprobar() la rechazaría solo por eso): las mismas condiciones sobre la persona.
    elegible = inscripcion.estado == "confirmada" and (encuesta.publico != "asistentes"
                                                       or bool(servicios.modalidad_de(inscripcion.id)))
    return encuesta if elegible else None
