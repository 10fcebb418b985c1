"""API de acreditación: registrar asistencia por QR o a mano, lista para trabajar sin conexión, búsqueda
y la lista de asistencia. Con la sesión del navegador (y su token CSRF en `X-CSRFToken`) o con una
clave de API (`Authorization: Bearer`)."""
from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..acreditacion import servicios
from ..entrada import leer_json
from ..extensiones import db, es_entero_bd, sin_transaccion
from ..metricas import contar_al_confirmar
from ..modelos import Evento
from ..permisos import MENSAJES, evento_con_permiso, puede_acreditar
from ..zonas import iso
from .comun import cuerpo_json, exigir_csrf_si_hay_sesion, exigir_cuenta
from .rutas import bp


def evento_acreditable(slug: str) -> Evento:
    exigir_cuenta()
    return evento_con_permiso(slug, puede_acreditar)


def lectura_json(lectura: servicios.Lectura, evento: servicios.EventoPuerta) -> dict:
    datos = {"resultado": lectura.resultado}
    if lectura.resultado == "fuera_de_fecha":
        datos["acreditacion"] = ventana_json(evento)
    if lectura.inscripcion_id is not None:
        datos.update(nombre=lectura.nombre, institucion=lectura.institucion, mesa=lectura.mesa,
                     inscripcion_id=lectura.inscripcion_id)
    if lectura.acreditado_en is not None:
        datos.update(acreditado_en=iso(lectura.acreditado_en, evento.zona_horaria),
                     acreditado_por=lectura.acreditado_por or None)
    return datos


def ventana_json(evento) -> dict:
    """Cuándo acredita la puerta: de la medianoche local del primer día (o unos días antes) al final del último."""
    desde, hasta = evento.ventana_acreditacion()
    return {"desde": iso(desde, evento.zona_horaria), "hasta": iso(hasta, evento.zona_horaria)}


@bp.post("/eventos/<slug>/acreditacion")
def acreditar(slug):
    """Una lectura en tres consultas: la clave de API con los roles de su dueña (al autenticar), el evento con la
    persona del código leído (`servicios.puerta`) y la asistencia (`INSERT … ON CONFLICT DO NOTHING`).

    Sin transacción (AUTOCOMMIT): lo único que escribe es ese INSERT, atómico por sí solo, y lo anterior solo lee.
    Así cada lectura de la puerta se ahorra dos idas y vueltas a la base, BEGIN y COMMIT. La conexión vuelve al
    pool con el aislamiento de siempre."""
    sin_transaccion()
    exigir_cuenta()
    # El cuerpo ya lo leyó (y validó) el gancho de entrada: aquí solo se mira qué código buscar con el evento.
    leido = leer_json() if request.is_json else None
    codigo = leido.get("codigo") if isinstance(leido, dict) and "inscripcion_id" not in leido else None
    evento, persona = servicios.puerta(slug, codigo)
    if evento is None:
        abort(404)
    if not puede_acreditar(current_user, evento):
        abort(403, description=MENSAJES[puede_acreditar]())
    exigir_csrf_si_hay_sesion()
    datos = cuerpo_json()
    id_cliente = datos.get("id_cliente")
    if id_cliente is not None and (not isinstance(id_cliente, str) or not 0 < len(id_cliente) <= 64):
        abort(400, description=_("«id_cliente» debe ser un texto de 1 a 64 caracteres."))
    try:
        sesion = servicios.sesion_de_evento(evento, datos.get("sesion_id"))
    except servicios.LecturaInvalida:
        abort(400, description=_("«sesion_id» debe ser null o el número de una sesión de este evento."))
    escaneado_en = servicios.hora_de_lectura(datos.get("escaneado_en"))
    try:
        if "inscripcion_id" in datos:  # acreditación a mano, tras buscar a la persona
            ident = datos["inscripcion_id"]
            lectura = servicios.registrar(evento, ident, sesion, current_user, id_cliente, escaneado_en) \
                if es_entero_bd(ident) else None
            if lectura is None or lectura.resultado in ("invalido", "otro_evento"):
                abort(404, description=_("No hay ninguna inscripción con ese número en este evento."))
        else:
            if not isinstance(codigo, str):
                abort(400, description=_("Falta «codigo»: el texto leído del QR."))
            lectura = servicios.acreditar(evento, persona, sesion, current_user, id_cliente, escaneado_en)
    except servicios.LecturaInvalida:
        db.session.rollback()
        abort(400, description=_("Ese «id_cliente» ya se usó para la lectura de otra persona: cada lectura "
                                 "necesita el suyo."))
    contar_al_confirmar("acreditaciones", resultado=lectura.resultado)
    db.session.commit()
    return jsonify(lectura_json(lectura, evento))  # `evento` no es del ORM: el commit no lo caduca


@bp.get("/eventos/<slug>/acreditacion/sin-conexion")
def lista_sin_conexion(slug):
    evento = evento_acreditable(slug)
    respuesta = jsonify({"evento": evento.slug, "acreditacion": ventana_json(evento),
                         "codigos": servicios.lista_sin_conexion(evento)})
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta


@bp.get("/eventos/<slug>/acreditacion/buscar")
def buscar(slug):
    evento = evento_acreditable(slug)
    encontradas = servicios.buscar(evento, request.args.get("q", ""))
    acreditadas = servicios.acreditadas(evento, [i.id for i in encontradas])
    return jsonify({"inscripciones": [{
        "id": i.id, "nombre": i.nombre_completo, "institucion": i.institucion, "correo": i.correo,
        "estado": i.estado, "mesa": i.mesa.nombre if i.mesa else None, "acreditado": i.id in acreditadas,
    } for i in encontradas]})


@bp.get("/eventos/<slug>/asistencias")
def asistencias(slug):
    evento = evento_acreditable(slug)
    return jsonify({"asistencias": [{
        "inscripcion_id": fila.inscripcion_id, "nombre": fila.nombre, "institucion": fila.institucion,
        "sesion_id": fila.sesion_id, "origen": fila.origen,
        "registrada_en": iso(fila.registrada_en, evento.zona_horaria),
    } for fila in servicios.lista_asistencia(evento)]})
