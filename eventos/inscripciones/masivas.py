"""Acciones con varias inscripciones a la vez (la lista de la oficina): cancelar, confirmar desde la lista de
espera, mover a una mesa, reenviar el correo de la inscripción y descargar las credenciales.

Cada fila pasa por la misma regla que la acción sobre una sola (servicios.py): el cupo del evento y de la
mesa, la promoción desde la lista de espera cuando se libera una plaza y el correo de cada paso (por la
bandeja de salida). Las filas a las que la acción no se aplica se omiten con su motivo. Nada confirma:
quien llama (la vista) confirma una vez todo el trabajo, o lo deshace entero si algo falla a medias.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..modelos import Inscripcion
from . import avisos, servicios

OPERACIONES = {
    "cancelar": _l("Cancelar"),
    "confirmar": _l("Confirmar desde la lista de espera"),
    "mover": _l("Mover a una mesa"),
    "reenviar": _l("Reenviar el correo de la inscripción"),
    "credenciales": _l("Descargar las credenciales (PDF)"),
}
# Lo que cambia datos (las credenciales solo se leen).
CAMBIAN = ("cancelar", "confirmar", "mover", "reenviar")


@dataclass
class Fila:
    """Lo que se informa de cada inscripción (leído antes de actuar: las reglas caducan los objetos)."""
    id: int
    nombre: str
    motivo: str = ""


@dataclass
class Resultado:
    aplicadas: list[Fila] = field(default_factory=list)
    omitidas: list[Fila] = field(default_factory=list)
    promovidas: list[str] = field(default_factory=list)  # nombres de quienes pasaron de la lista de espera


def motivo_para_omitir(operacion: str, inscripcion: Inscripcion, mesa_id: int | None = None) -> str:
    """Por qué la acción no se aplica a esta inscripción, en su estado actual ("" si se aplica)."""
    estado = inscripcion.estado
    if operacion in ("cancelar", "reenviar", "mover") and estado == "cancelada":
        return _("ya estaba cancelada") if operacion == "cancelar" else _("está cancelada")
    if operacion == "confirmar" and estado != "en_espera":
        return {"confirmada": _("ya estaba confirmada"), "cancelada": _("está cancelada"),
                "pendiente": _("pendiente de aprobación: se aprueba desde su ficha")}.get(estado, str(estado))
    if operacion == "mover" and inscripcion.mesa_id == mesa_id:
        return _("ya estaba en esa mesa")
    if operacion == "credenciales" and estado != "confirmada":
        return _("no está confirmada (%(estado)s)", estado=str(inscripcion.etiqueta_estado).lower())
    return ""


def en_orden(operacion: str, inscripciones) -> list[Inscripcion]:
    """Orden de llegada (la lista de espera se respeta: confirma primero quien antes llegó). Al cancelar, primero
    las que no ocupan plaza: así las plazas que liberan las confirmadas no van a alguien que también se cancela."""
    por_llegada = sorted(inscripciones, key=lambda i: (i.creado_en, i.id))
    if operacion == "cancelar":
        return sorted(por_llegada, key=lambda i: i.estado == "confirmada")
    return por_llegada


def aplicar(operacion: str, inscripciones, mesa_id: int | None = None) -> Resultado:
    """Aplica `operacion` (una de CAMBIAN) a cada inscripción, con la regla de la acción sobre una sola."""
    if operacion not in CAMBIAN:
        raise ValueError(operacion)
    resultado = Resultado()
    filas = [(i, Fila(i.id, i.nombre_completo)) for i in en_orden(operacion, inscripciones)]
    for inscripcion, fila in filas:
        # Cada regla bloquea el evento y vuelve a leer la fila: el estado se mira ya al día.
        fila.motivo = motivo_para_omitir(operacion, inscripcion, mesa_id)
        if not fila.motivo:
            try:
                resultado.promovidas += [p.nombre_completo for p in _una(operacion, inscripcion, mesa_id)]
            except servicios.InscripcionNoPosible:
                fila.motivo = _("no hay plaza libre en el evento o en su mesa") if operacion == "confirmar" \
                    else _("la mesa está completa")
        (resultado.omitidas if fila.motivo else resultado.aplicadas).append(fila)
    return resultado


def _una(operacion: str, inscripcion: Inscripcion, mesa_id: int | None) -> list[Inscripcion]:
    """La acción sobre una sola inscripción (la misma que su botón en la lista); devuelve las promovidas."""
    if operacion == "cancelar":
        return servicios.cancelar(inscripcion.id)
    if operacion == "confirmar":
        servicios.promover(inscripcion.id)
        return []
    if operacion == "mover":
        return servicios.cambiar_datos(inscripcion.id, {"mesa_id": mesa_id})
    avisos.alta(inscripcion)
    return []
