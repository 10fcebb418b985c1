"""Cada cambio del programa sube la versión del evento (y la secuencia de la sesión afectada) y queda
registrado en la auditoría del evento: quién, cuándo y qué campos pasaron de qué valor a cuál.

Se hace en un solo punto (antes de cada flush) para que ninguna vista, importación o comando pueda
olvidarlo. La versión invalida las páginas ya generadas (caché, ETag) y alimenta SEQUENCE y
LAST-MODIFIED en iCalendar.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import force_locale, ngettext
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .evento import Evento
from .mesas import Bloque, Guia, Mesa, Pregunta
from .programa import Material, Participacion, Persona, Sesion, SesionRetirada
from .comunicaciones import Anuncio, Recordatorio
from .encuestas import Encuesta, PreguntaEncuesta, SeccionEncuesta
from .inscripciones import Inscripcion, PreguntaInscripcion
from .usuarios import Auditoria, RolEvento

# `aviso`: lo último que se comunicó a participantes de la sesión; no es parte del programa.
_CAMPOS_DE_CONTROL = {"version_programa", "actualizado_en", "secuencia", "creado_en", "uid", "aviso"}
# Secretos: la auditoría anota que cambiaron, nunca su valor (la lee toda la organización).
_CAMPOS_SECRETOS = {"codigo", "clave_gestion", "clave_calendario", "clave_hash", "sello", "resumen"}
SECRETO_OCULTO = "(secreto)"
# Quién modera una mesa se audita, pero no cambia el programa publicado (ni invalida su caché).
_CAMPOS_DE_EQUIPO = {"moderadores"}
_MAX_CAMBIOS = 100
_ETIQUETAS = {Evento: "Evento", Sesion: "Sesión", Participacion: "Participación", Persona: "Persona",
              Material: "Material", Mesa: "Mesa", Guia: "Guía", Bloque: "Bloque", Pregunta: "Pregunta",
              RolEvento: "Rol", PreguntaInscripcion: "Pregunta del formulario", Inscripcion: "Inscripción",
              Anuncio: "Comunicación", Recordatorio: "Recordatorio", Encuesta: "Encuesta de evaluación",
              SeccionEncuesta: "Sección de la encuesta", PreguntaEncuesta: "Pregunta de la encuesta"}
# Se auditan, pero no forman parte del programa publicado (no cambian su versión ni su caché).
_FUERA_DEL_PROGRAMA = (RolEvento, PreguntaInscripcion, Inscripcion, Anuncio, Recordatorio, Encuesta, SeccionEncuesta,
                       PreguntaEncuesta)
_AUDITADOS = tuple(_ETIQUETAS)


def _afectados(obj):
    """(evento, sesión) a los que pertenece un objeto del programa."""
    if isinstance(obj, Evento):
        return obj, None
    if isinstance(obj, Sesion):
        return obj.evento, obj
    if isinstance(obj, (Participacion, Material)):
        sesion = obj.sesion
        evento = sesion.evento if sesion is not None else getattr(obj, "evento", None)
        return evento, sesion
    if isinstance(obj, (Persona, Mesa, Guia, RolEvento)):
        return obj.evento, None
    if isinstance(obj, (PreguntaInscripcion, Inscripcion, Anuncio, Recordatorio)):
        return obj.evento or inspect(obj).session.get(Evento, obj.evento_id), None
    if isinstance(obj, Bloque):
        return (obj.guia.evento if obj.guia else None), None
    if isinstance(obj, (Encuesta, SeccionEncuesta, PreguntaEncuesta)):
        return _evento_de_la_encuesta(obj), None
    if isinstance(obj, Pregunta):
        guia = obj.bloque.guia if obj.bloque else None
        return (guia.evento if guia else None), None
    return None, None


def _evento_de_la_encuesta(obj):
    """Al borrar una sección o pregunta, ya no cuelga de su encuesta (ni la sección de la suya): por el id."""
    sesion_db = inspect(obj).session
    por_id = lambda modelo, id_: sesion_db.get(modelo, id_) if id_ is not None else None
    if isinstance(obj, PreguntaEncuesta):
        obj = obj.seccion or por_id(SeccionEncuesta, obj.seccion_id)
    if isinstance(obj, SeccionEncuesta):
        obj = obj.encuesta or por_id(Encuesta, obj.encuesta_id)
    return (obj.evento or por_id(Evento, obj.evento_id)) if obj is not None else None


def _nombre(obj) -> str:
    etiqueta = _ETIQUETAS[type(obj)]
    if isinstance(obj, Participacion):
        persona = obj.persona.nombre if obj.persona else "?"
        return f"{etiqueta} de «{persona}» ({obj.rol}) en «{obj.sesion.titulo if obj.sesion else '?'}»"
    if isinstance(obj, RolEvento):
        return f"{etiqueta} {obj.rol} de {obj.usuario.correo if obj.usuario else '?'}"
    if isinstance(obj, Pregunta):
        return f"{etiqueta} {obj.numero}: «{(obj.texto or '')[:80]}»"
    if isinstance(obj, Inscripcion):
        return f"{etiqueta} de {obj.correo}"
    if isinstance(obj, (PreguntaInscripcion, PreguntaEncuesta)):
        return f"{etiqueta} «{(obj.texto or '')[:80]}»"
    if isinstance(obj, (Anuncio, Recordatorio)):
        return f"{etiqueta} «{obj.version(None)[1]['asunto'][:80]}»"
    texto = getattr(obj, "titulo", None) or getattr(obj, "nombre", None) or ""
    return f"{etiqueta} «{texto[:80]}»"


def _valor(valor):
    if isinstance(valor, (datetime, date)):
        return valor.isoformat()
    if isinstance(valor, (list, tuple, set)):
        return [_valor(v) for v in valor]
    if valor is None or isinstance(valor, (str, int, float, bool)):
        return valor
    if hasattr(valor, "__table__"):
        return getattr(valor, "correo", None) or getattr(valor, "titulo", None) or getattr(valor, "nombre", None) or str(valor)
    return str(valor)


def _campos_cambiados(obj) -> dict:
    estado = inspect(obj)
    campos = {}
    for attr in estado.mapper.column_attrs:
        historia = estado.attrs[attr.key].history
        if attr.key not in _CAMPOS_DE_CONTROL and historia.has_changes():
            antes = historia.deleted[0] if historia.deleted else None
            despues = historia.added[0] if historia.added else None
            campos[attr.key] = [SECRETO_OCULTO, SECRETO_OCULTO] if attr.key in _CAMPOS_SECRETOS \
                else [_valor(antes), _valor(despues)]
    for relacion in estado.mapper.relationships:
        if relacion.secondary is not None and not relacion.viewonly:
            historia = estado.attrs[relacion.key].history
            if historia.has_changes():
                actuales = list(historia.unchanged) + list(historia.added)
                anteriores = list(historia.unchanged) + list(historia.deleted)
                campos[relacion.key] = [_valor(anteriores), _valor(actuales)]
    return campos


def _usuario_actual_id():
    if not has_request_context():
        return None
    from flask_login import current_user
    return current_user.id if current_user and current_user.is_authenticated else None


def _cambios_mas(n: int) -> str:
    """«y 3 cambios más», en el idioma por omisión del sitio como el resto del registro (permisos.auditar)."""
    if not has_app_context():
        return ngettext("y %(num)d cambio más", "y %(num)d cambios más", n)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return ngettext("y %(num)d cambio más", "y %(num)d cambios más", n)


@event.listens_for(Session, "before_flush")
def registrar_cambios(sesion_db: Session, contexto, instancias):
    eventos, sesiones, cambios = set(), set(), {}
    usuario_id = _usuario_actual_id()
    with sesion_db.no_autoflush:
        for accion, objetos in (("modificó", sesion_db.dirty), ("creó", sesion_db.new), ("eliminó", sesion_db.deleted)):
            for obj in list(objetos):
                if not isinstance(obj, _AUDITADOS):
                    continue
                if isinstance(obj, Inscripcion) and usuario_id is None:
                    continue  # las altas y bajas que hace cada participante no son cambios de la organización
                campos = _campos_cambiados(obj) if accion == "modificó" else {}
                if accion == "modificó" and not campos:
                    continue
                evento, sesion = _afectados(obj)
                if evento is None or (evento in sesion_db.deleted):
                    continue
                solo_equipo = isinstance(obj, _FUERA_DEL_PROGRAMA) or (accion == "modificó" and set(campos) <= _CAMPOS_DE_EQUIPO)
                if not solo_equipo:
                    eventos.add(evento)
                    if sesion is not None and not (accion == "creó" and obj is sesion):
                        sesiones.add(sesion)
                if isinstance(obj, Persona) and accion == "modificó":
                    # su nombre aparece en esas sesiones (calendarios, páginas): cambian con él
                    sesiones.update(p.sesion for p in obj.participaciones if p.sesion is not None)
                cambio = {"accion": accion, "objeto": _nombre(obj)}
                if campos:
                    cambio["campos"] = campos
                cambios.setdefault(evento, []).append(cambio)
    for evento in eventos:
        if evento not in sesion_db.new:
            evento.marcar_cambio()
    for sesion in sesiones:
        if sesion not in sesion_db.deleted and sesion not in sesion_db.new:
            sesion.marcar_cambio()
    for sesion in [o for o in sesion_db.deleted if isinstance(o, Sesion)]:
        if sesion.evento not in sesion_db.deleted:
            sesion_db.add(SesionRetirada(evento_id=sesion.evento_id, uid=sesion.uid, titulo=sesion.titulo,
                                         inicio=sesion.inicio, fin=sesion.fin, secuencia=sesion.secuencia + 1))
    accion = g.get("accion_auditoria") if has_request_context() else None
    agrupados = g.get("cambios_agrupados") if has_request_context() else None
    if agrupados is not None:  # dentro de `una_sola_entrada`: la entrada se escribe al final del bloque
        for lista in cambios.values():
            agrupados.extend(lista)
        return
    for evento, lista in cambios.items():
        if len(lista) > _MAX_CAMBIOS:
            lista = lista[:_MAX_CAMBIOS] + [{"accion": "…", "objeto": _cambios_mas(len(lista) - _MAX_CAMBIOS)}]
        sesion_db.add(Auditoria(evento=evento, usuario_id=usuario_id, cambios=lista,
                                accion=accion or ("Creación del evento" if evento in sesion_db.new else "Cambios en el programa")))


@contextmanager
def una_sola_entrada(sesion_db: Session, evento: Evento):
    """Una acción sobre muchas filas (las acciones en bloque de la lista de inscripciones), cuyas reglas hacen
    un flush por fila, queda en UNA entrada de la auditoría: primero el resumen que quien llama añade a la
    lista que recibe (vacía: no se escribe nada), después el detalle de cada cambio. Si el bloque falla, no
    se escribe nada (y quien llama deshace lo demás)."""
    detalle: list = []
    resumen: list = []
    g.cambios_agrupados = detalle
    try:
        yield resumen
        sesion_db.flush()  # lo último que quedó sin escribir también va a esta entrada
    finally:
        g.pop("cambios_agrupados", None)
    if not resumen:
        return
    if len(detalle) > _MAX_CAMBIOS:
        detalle = detalle[:_MAX_CAMBIOS] + [{"accion": "…", "objeto": f"y {len(detalle) - _MAX_CAMBIOS} cambios más"}]
    sesion_db.add(Auditoria(evento_id=evento.id, usuario_id=_usuario_actual_id(), cambios=resumen + detalle,
                            accion=g.get("accion_auditoria") or "Cambios en las inscripciones"))
