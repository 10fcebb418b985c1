"""Credenciales en PDF para imprimir: la de una persona y las de todas las confirmadas (hojas A4).

`documentos` (reportlab y sus letras, unos 14 MB) se importa en cada vista: un worker que nunca da un PDF
no lo carga."""
from flask import abort, g, request
from flask_babel import gettext as _

from ..modelos import Inscripcion
from . import bp
from ..permisos import vista_de_evento


@bp.get("/eventos/<slug>/inscripciones/<int:inscripcion_id>/credencial.pdf")
@vista_de_evento((Inscripcion, "inscripcion_id"))
def credencial(evento, inscripcion):
    from .. import documentos
    if inscripcion.estado != "confirmada":
        abort(409, description=_("Solo las inscripciones confirmadas tienen credencial: esta está «%(estado)s».",
                                 estado=inscripcion.etiqueta_estado))
    contenido = documentos.credenciales_pdf(documentos.datos_evento(evento, g.idioma),
                                            [documentos.credencial_de(inscripcion, g.idioma)])
    return documentos.respuesta_pdf(contenido, f"credencial-{evento.slug}-{inscripcion.id}.pdf")


@bp.get("/eventos/<slug>/credenciales.pdf")
@vista_de_evento()
def credenciales(evento):
    """Todas las confirmadas (o las de una mesa, con ?mesa=<id>), por apellidos, 8 por hoja."""
    from .. import documentos
    mesa = None
    texto_mesa = request.args.get("mesa", "").strip()
    if texto_mesa:
        mesa = {str(m.id): m for m in evento.mesas}.get(texto_mesa)
        if mesa is None:
            abort(400, description=_("Esa mesa no es de este evento: elija una de la lista."))
    lista = documentos.credenciales_confirmadas(evento, g.idioma, mesa.id if mesa else None)
    if not lista:
        abort(404, description=_("No hay inscripciones confirmadas en esta mesa: no hay credenciales que imprimir.")
              if mesa else _("Todavía no hay inscripciones confirmadas: no hay credenciales que imprimir."))
    contenido = documentos.credenciales_pdf(documentos.datos_evento(evento, g.idioma), lista)
    return documentos.respuesta_pdf(contenido, f"credenciales-{evento.slug}{f'-mesa-{mesa.id}' if mesa else ''}.pdf")
