"""Asistencia en la oficina: recuentos en vivo (página y su gemelo JSON, que la refresca sin recargar) y
la lista de asistencia en CSV y Excel.

La ven la organización y también el equipo de acreditación del evento (`permisos.puede_acreditar`): quien
registra asistencias en la puerta puede ver cuántas van. Los recuentos salen de
acreditacion/servicios.py (`recuentos`, `lista_asistencia`); aquí solo se presentan.
"""
from __future__ import annotations

from flask import abort, g, jsonify, render_template, request
from flask_babel import format_percent, gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..acreditacion import servicios
from ..exportar import TIPO_CSV, TIPO_XLSX, csv_bytes, xlsx_bytes
from ..extensiones import db
from ..paises import nombres as nombres_de_paises
from ..modelos import Inscripcion, Mesa
from ..zonas import a_local, ahora, iso, nombre_lugar, reloj_local
from . import bp
from .inscripciones import descarga, privado
from ..permisos import puede_acreditar, puede_gestionar, vista_de_evento

ORIGENES = {"qr": _l("Código QR"), "manual": _l("A mano (búsqueda por nombre)"), "en_linea": _l("En línea")}
FORMATO_HORA = "%Y-%m-%d %H:%M"
VISTAS_EXPORTACION = ("registros", "personas")


def _etiqueta_origen(origen: str) -> str:
    return str(ORIGENES.get(origen, origen))


def _orden_origen(par) -> tuple:
    """QR, a mano, en línea (y cualquier otro origen después, por su nombre)."""
    origen = par[0]
    return (list(ORIGENES).index(origen) if origen in ORIGENES else len(ORIGENES), origen)


def _texto_hora(instante, evento) -> str:
    return a_local(instante, evento.zona_horaria).strftime(FORMATO_HORA) if instante else ""


def datos_asistencia(evento) -> dict:
    """Los recuentos listos para la página y para el JSON (las mismas cifras y textos en los dos)."""
    r = servicios.recuentos(evento)
    zona = evento.zona_horaria
    momento = ahora()
    return {
        "evento": evento.slug,
        "zona_horaria": zona,
        "actualizado_en": iso(momento, zona),
        "actualizado": a_local(momento, zona).strftime("%H:%M:%S"),
        "confirmadas": r.confirmadas,
        "acreditadas": r.acreditadas,
        "porcentaje": None if r.porcentaje is None else round(r.porcentaje * 100, 1),
        "porcentaje_texto": "—" if r.porcentaje is None else format_percent(r.porcentaje),
        "sesiones": [{
            "id": s.id, "titulo": s.titulo, "subsesion": s.padre_id is not None,
            "inicio": iso(s.inicio, zona), "fin": iso(s.fin, zona),
            "horario": f"{_texto_hora(s.inicio, evento)}–{a_local(s.fin, zona):%H:%M}",
            "acreditadas": n,
        } for s, n in r.por_sesion],
        "por_hora": [{
            "desde": hora.strftime("%Y-%m-%dT%H:%M"),
            "etiqueta": f"{hora:%Y-%m-%d %H:%M}–{(hora.hour + 1) % 24:02d}:00",
            "acreditadas": n,
        } for hora, n in r.por_hora],
        "por_origen": [{"origen": origen, "etiqueta": _etiqueta_origen(origen), "evento": en_evento,
                        "sesiones": en_sesiones}
                       for origen, (en_evento, en_sesiones) in sorted(r.por_origen.items(), key=_orden_origen)],
        "por_mesa": [{"id": mesa.id if mesa else None, "mesa": mesa.nombre if mesa else _("Sin mesa"),
                      "confirmadas": confirmadas, "acreditadas": acreditadas}
                     for mesa, confirmadas, acreditadas in r.por_mesa],
        "recientes": [{
            "inscripcion_id": f.inscripcion_id, "nombre": f.nombre.strip(), "institucion": f.institucion,
            "registrada_en": iso(f.registrada_en, zona), "hora": _texto_hora(f.registrada_en, evento),
            "sesion_id": f.sesion_id, "sesion": f.sesion or _("Evento completo"),
            "origen": _etiqueta_origen(f.origen), "acreditado_por": f.acreditado_por or "",
        } for f in r.recientes],
    }


@bp.get("/eventos/<slug>/asistencia")
@vista_de_evento(permiso=puede_acreditar)
def asistencia(evento):
    return privado(render_template("organizacion/asistencia.html", evento=evento, datos=datos_asistencia(evento),
                                    gestiona=puede_gestionar(current_user, evento)))


@bp.get("/eventos/<slug>/asistencia.json")
@vista_de_evento(permiso=puede_acreditar)
def asistencia_json(evento):
    return privado(jsonify(datos_asistencia(evento)))


# --- Exportar ------------------------------------------------------------------------------------

def _vista_exportacion() -> str:
    vista = request.args.get("por", "registros").strip()
    if vista not in VISTAS_EXPORTACION:
        abort(400, description=_("«por» debe ser «registros» (una fila por asistencia) o «personas» (una por persona)."))
    return vista


def _filas_registros(evento):
    """Una fila por asistencia registrada (al evento o a una sesión)."""
    nombres_pais = nombres_de_paises(g.idioma)
    yield [_("Nombre"), _("Correo"), _("Institución"), _("País"), _("Mesa"), _("Sesión"), _("Origen"),
           _("Registrada (hora de %(lugar)s)", lugar=nombre_lugar(evento.zona_horaria, g.idioma)), _("Acreditado por")]
    for f in servicios.lista_asistencia(evento):
        yield [f.nombre.strip(), f.correo, f.institucion, nombres_pais.get(f.pais, f.pais), f.mesa or "",
               f.sesion or _("Evento completo"), _etiqueta_origen(f.origen), reloj_local(f.registrada_en, evento.zona_horaria),
               f.acreditado_por or ""]


def _filas_personas(evento):
    """Una fila por persona confirmada o que asistió: su entrada al evento y las sesiones a las que fue."""
    nombres_pais = nombres_de_paises(g.idioma)
    entrada, sesiones = {}, {}
    for f in servicios.lista_asistencia(evento):
        if f.sesion_id is None:
            entrada[f.inscripcion_id] = f.registrada_en
        else:
            sesiones.setdefault(f.inscripcion_id, []).append(f.sesion)
    personas = db.session.execute(
        select(Inscripcion, Mesa.nombre).outerjoin(Mesa, Mesa.id == Inscripcion.mesa_id)
        .where(Inscripcion.evento_id == evento.id,
               db.or_(Inscripcion.estado == "confirmada", Inscripcion.id.in_(sorted(set(entrada) | set(sesiones)))))
        .order_by(Inscripcion.apellidos, Inscripcion.nombre, Inscripcion.id)).all()
    yield [_("Nombre"), _("Correo"), _("Institución"), _("País"), _("Mesa"), _("Estado de la inscripción"),
           _("Entrada al evento (hora de %(lugar)s)", lugar=nombre_lugar(evento.zona_horaria, g.idioma)), _("Número de sesiones"), _("Sesiones")]
    for i, mesa in personas:
        titulos = sesiones.get(i.id, [])
        yield [i.nombre_completo, i.correo, i.institucion, nombres_pais.get(i.pais, i.pais), mesa or "",
               str(i.etiqueta_estado), reloj_local(entrada.get(i.id), evento.zona_horaria), len(titulos), "; ".join(titulos)]


def _exportacion(evento):
    vista = _vista_exportacion()
    filas = _filas_personas(evento) if vista == "personas" else _filas_registros(evento)
    encabezados, *resto = filas
    nombre = f"asistencia-{evento.slug}" + ("-personas" if vista == "personas" else "")
    return encabezados, resto, nombre


@bp.get("/eventos/<slug>/asistencia.csv")
@vista_de_evento(permiso=puede_acreditar)
def exportar_asistencia_csv(evento):
    encabezados, filas, nombre = _exportacion(evento)
    return descarga(csv_bytes(encabezados, filas), TIPO_CSV, f"{nombre}.csv")


@bp.get("/eventos/<slug>/asistencia.xlsx")
@vista_de_evento(permiso=puede_acreditar)
def exportar_asistencia_xlsx(evento):
    encabezados, filas, nombre = _exportacion(evento)
    return descarga(xlsx_bytes(encabezados, filas, hoja=_("Asistencia")), TIPO_XLSX, f"{nombre}.xlsx")

