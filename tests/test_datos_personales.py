"""Datos personales: la persona descarga todo lo que se guarda de ella y lo borra; la retención los borra a su
tiempo; el consentimiento guarda la versión del aviso que se aceptó."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from apoyo_inscripciones import (ZONA_EVENTO, estados, inscribir, inscripcion_de, mensajes_para, token_personal, unico)
from eventos.datos_personales import servicios
from eventos.extensiones import db
from eventos.modelos import (Asistencia, Constancia, Evento, Inscripcion, PreguntaInscripcion)

pytestmark = pytest.mark.reloj


def _con_preguntas(app, evento) -> tuple[int, int]:
    with app.app_context():
        abierta = PreguntaInscripcion(evento_id=evento.id, texto="¿Qué espera del foro?", tipo="texto_corto", orden=0)
        eleccion = PreguntaInscripcion(evento_id=evento.id, texto="Temas", tipo="opcion_multiple", orden=1,
                                       opciones=["Agua", "Energía", "Movilidad"])
        db.session.add_all([abierta, eleccion])
        db.session.commit()
        return abierta.id, eleccion.id


def _persona_completa(app, cliente, evento):
    """Una persona con todo tipo de datos: respuestas propias, mesa, consentimiento, un correo, asistencia y
    constancia. Devuelve (correo, token, id)."""
    abierta, eleccion = _con_preguntas(app, evento)
    direccion = unico("datos")
    respuesta = inscribir(cliente, evento.slug, direccion, nombre="Zacarías", apellidos="Quintanilla Ybarra",
                          institucion="Instituto Xochitl Único", cargo="Coordinación Zeta", ciudad="Tlaxcala",
                          mesa=str(evento.mesas["a"]), **{f"pregunta_{abierta}": "Aprender sobre ríos Wixárika",
                                                          f"pregunta_{eleccion}": ["Agua", "Movilidad"]})
    assert respuesta.status_code == 302
    (confirmacion,) = mensajes_para(app, direccion)
    inscripcion = inscripcion_de(app, evento, direccion)
    with app.app_context():
        db.session.add(Asistencia(evento_id=evento.id, inscripcion_id=inscripcion.id, origen="qr"))
        db.session.get(Evento, evento.id).constancias_habilitadas = True
        db.session.add(Constancia(inscripcion_id=inscripcion.id, codigo="K7QM2XPA9TRD"))
        db.session.commit()
    return direccion, token_personal(confirmacion), inscripcion.id


def test_la_descarga_tiene_todo_lo_que_se_guarda(app, cliente, eventos_prueba):
    evento = eventos_prueba(mesas=[("a", None)])
    direccion, token, inscripcion_id = _persona_completa(app, cliente, evento)
    respuesta = cliente.get(f"/inscripcion/{token}/datos.json")
    assert respuesta.status_code == 200 and "no-store" in respuesta.headers["Cache-Control"]
    assert "attachment" in respuesta.headers["Content-Disposition"]
    datos = json.loads(respuesta.get_data(as_text=True))
    with app.app_context():
        inscripcion = db.session.get(Inscripcion, inscripcion_id)
        zona = inscripcion.evento.zona_horaria

        def iso(valor):
            return valor.astimezone(ZoneInfo(zona)).isoformat() if valor else None

        esperado = {
            "inscripcion": {"numero": inscripcion_id, "estado": "confirmada", "nombre": "Zacarías",
                            "apellidos": "Quintanilla Ybarra", "correo": direccion,
                            "institucion": "Instituto Xochitl Único", "cargo": "Coordinación Zeta", "pais": "MX",
                            "ciudad": "Tlaxcala", "modalidad": "", "mesa": "Mesa a",
                            "zona_horaria": inscripcion.zona_horaria, "idioma": "es",
                            "actualizada_en": iso(inscripcion.actualizado_en), "sin_anuncios_desde": None},
            "respuestas": [{"pregunta": "¿Qué espera del foro?", "respuesta": "Aprender sobre ríos Wixárika"},
                           {"pregunta": "Temas", "respuesta": ["Agua", "Movilidad"]}],
            "consentimiento": {"aceptado_en": iso(inscripcion.consentimiento_en), "version_del_aviso": 1,
                               "texto_del_aviso": servicios.texto_del_aviso(inscripcion.evento)},
            "historial": [{"estado": "inscrita", "en": iso(inscripcion.creado_en)},
                          {"estado": "confirmada", "en": iso(inscripcion.confirmada_en)}],
            "asistencia": [{"sesion": None, "origen": "qr",
                            "registrada_en": iso(inscripcion.asistencias[0].registrada_en)}],
            "constancia": {"codigo": "K7QM2XPA9TRD", "emitida_en": iso(inscripcion.constancia.emitida_en)},
        }
    for clave, valor in esperado.items():
        assert datos[clave] == valor, clave
    (correo_enviado,) = datos["correos"]
    assert correo_enviado["asunto"].startswith("Inscripción confirmada") and correo_enviado["estado"] == "enviado"
    assert datos["evento"]["identificador"] == evento.slug and datos["evento"]["borrado_de_datos_previsto"]
    pagina = cliente.get(f"/inscripcion/{token}/datos").get_data(as_text=True)
    for texto in ("Quintanilla Ybarra", "Instituto Xochitl Único", "Aprender sobre ríos Wixárika", "K7QM-2XPA-9TRD",
                  "Inscripción confirmada"):
        assert texto in pagina


def _textos_en_la_base(app) -> str:
    """Todo el texto de todas las columnas de texto (y binarias, y JSON) de todas las tablas, junto."""
    partes = []
    with app.app_context():
        for tabla in db.metadata.sorted_tables:
            columnas = [c for c in tabla.columns
                        if isinstance(c.type, (sa.String, sa.Text, sa.JSON, sa.LargeBinary))]
            if not columnas:
                continue
            for fila in db.session.execute(select(*columnas)):
                for valor in fila:
                    if isinstance(valor, bytes):
                        partes.append(valor.decode("utf-8", "replace"))
                    elif valor is not None:
                        partes.append(json.dumps(valor, ensure_ascii=False) if not isinstance(valor, str) else valor)
    return "\n".join(partes)


def test_borrar_no_deja_rastro_y_libera_la_plaza(app, cliente, eventos_prueba):
    evento = eventos_prueba(cupo=1, mesas=[("a", None)], en_dias=10)
    direccion, token, inscripcion_id = _persona_completa(app, cliente, evento)
    en_espera = unico("espera")
    inscribir(cliente, evento.slug, en_espera, mesa=str(evento.mesas["a"]))
    assert estados(app, evento)[en_espera] == "en_espera"
    _reemitir_como_organizacion(app, evento, inscripcion_id)
    with app.app_context():
        inscripcion = db.session.get(Inscripcion, inscripcion_id)
        codigo_qr, clave_calendario = inscripcion.codigo, inscripcion.clave_calendario

    pagina = cliente.get(f"/inscripcion/{token}/borrar")
    assert pagina.status_code == 200
    from apoyo_inscripciones import token_de
    sin_casilla = cliente.post(f"/inscripcion/{token}/borrar", data={"csrf_token": token_de(pagina.get_data(as_text=True))})
    assert sin_casilla.status_code == 400 and inscripcion_de(app, evento, direccion) is not None
    sin_csrf = cliente.post(f"/inscripcion/{token}/borrar", data={"entiendo": "si"})
    assert sin_csrf.status_code == 400 and inscripcion_de(app, evento, direccion) is not None
    hecho = cliente.post(f"/inscripcion/{token}/borrar", data={
        "entiendo": "si", "csrf_token": token_de(cliente.get(f"/inscripcion/{token}/borrar").get_data(as_text=True))})
    assert hecho.status_code == 200 and "se borraron" in hecho.get_data(as_text=True)

    todo = _textos_en_la_base(app)
    for rastro in (direccion, "Zacarías", "Quintanilla", "Xochitl", "Coordinación Zeta", "Tlaxcala", "Wixárika",
                   codigo_qr, clave_calendario):
        assert rastro not in todo, rastro
    assert cliente.get(f"/inscripcion/{token}").status_code == 404
    assert cliente.get(f"/calendario/{clave_calendario}.ics").status_code == 404
    retirada = cliente.get("/verificar/K7QM-2XPA-9TRD")
    assert retirada.status_code == 410 and "se retiró" in retirada.get_data(as_text=True)
    assert estados(app, evento)[en_espera] == "confirmada", "la plaza pasó a la lista de espera"
    with app.app_context():
        inscripcion = db.session.get(Inscripcion, inscripcion_id)
        assert inscripcion.nombre == servicios.ANONIMIZADO and inscripcion.estado == "cancelada"
        assert len(inscripcion.asistencias) == 1, "la asistencia se sigue contando, sin nombre"
    assert mensajes_para(app, direccion)[-1]["Subject"].startswith("Inscripción confirmada"), "no se le avisa"


def _reemitir_como_organizacion(app, evento, inscripcion_id):
    """Un cambio de la organización en la inscripción: la auditoría lo anota con el correo de la persona."""
    from apoyo import crear_usuario, entrar, enviar
    from eventos.modelos import Auditoria, RolEvento
    correo = unico("org")
    with app.app_context():
        db.session.add(RolEvento(evento_id=evento.id, usuario=crear_usuario(correo), rol="organizador"))
        db.session.commit()
    oficina = app.test_client()
    entrar(oficina, correo)
    ruta = f"/organizacion/eventos/{evento.slug}/inscripciones/{inscripcion_id}"
    assert enviar(oficina, ruta + "/reemitir-codigo").status_code in (302, 303)
    with app.app_context():
        direccion = db.session.get(Inscripcion, inscripcion_id).correo
        anotado = db.session.execute(select(Auditoria.cambios).where(Auditoria.evento_id == evento.id)).scalars().all()
        assert direccion in json.dumps(anotado, ensure_ascii=False)


def test_la_retencion_borra_a_su_tiempo_una_sola_vez_y_desde_dos_procesos(app, cliente, eventos_prueba):
    evento = eventos_prueba(en_dias=2)
    correos = [unico("ret") for _ in range(6)]
    for direccion in correos:
        inscribir(cliente, evento.slug, direccion)
    with app.app_context():
        ev = db.session.get(Evento, evento.id)
        ev.retencion_meses = 1
        db.session.commit()
        cuando = servicios.fecha_de_borrado(ev)
    medianoche = datetime.combine(evento.dia + timedelta(days=1), time(0, 0), tzinfo=ZoneInfo(ZONA_EVENTO))
    assert cuando == medianoche + relativedelta(months=1), "un mes después de la medianoche en que acaba, en su zona"
    with time_machine.travel(cuando - timedelta(minutes=1), tick=False), app.app_context():
        assert servicios.anonimizar_vencidas() == 0
    resultados = []

    def proceso():
        with app.app_context():
            resultados.append(servicios.anonimizar_vencidas())
            db.session.commit()

    with time_machine.travel(cuando + timedelta(minutes=1), tick=False):
        hilos = [threading.Thread(target=proceso) for _ in range(2)]
        for hilo in hilos:
            hilo.start()
        for hilo in hilos:
            hilo.join()
        with app.app_context():
            assert servicios.anonimizar_vencidas() == 0, "idempotente"
    assert sum(resultados) == 6
    todo = _textos_en_la_base(app)
    assert not any(direccion in todo for direccion in correos)
    with app.app_context():
        anonimas = db.session.execute(select(Inscripcion.estado).where(Inscripcion.evento_id == evento.id)).scalars().all()
    assert anonimas == ["confirmada"] * 6, "tras el evento, las cifras quedan (sin nombres)"


def test_el_alta_manual_solo_anota_consentimiento_si_se_marca(app, eventos_prueba):
    """Antes se guardaba la hora del consentimiento aunque la casilla estuviera sin marcar."""
    from apoyo import enviar
    evento = eventos_prueba()
    oficina = app.test_client()
    correo_org = unico("org")
    from apoyo import crear_usuario, entrar
    from eventos.modelos import RolEvento
    with app.app_context():
        db.session.add(RolEvento(evento_id=evento.id, usuario=crear_usuario(correo_org), rol="organizador"))
        db.session.commit()
    entrar(oficina, correo_org)
    ruta = f"/organizacion/eventos/{evento.slug}/inscripciones/nueva"
    base = {"nombre": "Sin", "apellidos": "Casilla", "institucion": "X", "cargo": "Y", "pais": "MX", "ciudad": "Z"}
    sin, con = unico("sin"), unico("con")
    assert enviar(oficina, ruta, {**base, "correo": sin}).status_code == 303
    assert enviar(oficina, ruta, {**base, "correo": con, "consentimiento": "y"}).status_code == 303
    assert inscripcion_de(app, evento, sin).consentimiento_en is None
    assert inscripcion_de(app, evento, sin).aviso_privacidad_id is None
    assert inscripcion_de(app, evento, con).consentimiento_en is not None
    assert inscripcion_de(app, evento, con).aviso_privacidad_id is not None


def test_cambiar_el_aviso_crea_una_version_y_cada_quien_guarda_la_suya(app, cliente, eventos_prueba):
    evento = eventos_prueba()
    antes, despues = unico("antes"), unico("despues")
    inscribir(cliente, evento.slug, antes)
    with app.app_context():
        db.session.get(Evento, evento.id).aviso_privacidad = "Nuevo aviso: sus datos se tratan así."
        db.session.commit()
    inscribir(cliente, evento.slug, despues)
    with app.app_context():
        primera = db.session.get(Inscripcion, inscripcion_de(app, evento, antes).id).aviso_privacidad
        segunda = db.session.get(Inscripcion, inscripcion_de(app, evento, despues).id).aviso_privacidad
        assert (primera.version, segunda.version) == (1, 2)
        assert segunda.texto == "Nuevo aviso: sus datos se tratan así."
        assert "Se borran 12 meses después del evento" in primera.texto


def test_un_enlace_de_borrado_inventado_no_borra_nada(cliente):
    assert cliente.get("/inscripcion/inventado/borrar").status_code == 404
    from apoyo import token_csrf
    assert cliente.post("/inscripcion/inventado/borrar",
                        data={"entiendo": "si", "csrf_token": token_csrf(cliente)}).status_code == 404
    assert cliente.get("/inscripcion/inventado/datos.json").status_code == 404
    assert re.search("no es válido", cliente.get("/inscripcion/inventado/datos").get_data(as_text=True))


def test_la_organizacion_descarga_y_borra_a_peticion_y_la_auditoria_no_guarda_los_datos(app, cliente, eventos_prueba):
    from apoyo import crear_usuario, entrar, enviar
    from eventos.modelos import Auditoria, RolEvento
    evento = eventos_prueba(mesas=[("a", None)])
    direccion, token, inscripcion_id = _persona_completa(app, cliente, evento)
    organizacion, moderacion = unico("org"), unico("mod")
    with app.app_context():
        db.session.add(RolEvento(evento_id=evento.id, usuario=crear_usuario(organizacion), rol="organizador"))
        crear_usuario(moderacion)
        db.session.commit()
    ajena = app.test_client()
    entrar(ajena, moderacion)
    base = f"/organizacion/eventos/{evento.slug}/inscripciones/{inscripcion_id}"
    assert ajena.get(base + "/datos.json").status_code == 403
    assert enviar(ajena, base + "/borrar-datos").status_code == 403
    oficina = app.test_client()
    entrar(oficina, organizacion)
    descarga = oficina.get(base + "/datos.json")
    assert descarga.status_code == 200 and json.loads(descarga.get_data())["inscripcion"]["correo"] == direccion
    assert enviar(oficina, base + "/borrar-datos").status_code == 303
    assert "se borraron" in oficina.get(base).get_data(as_text=True)
    exportado = oficina.get(f"/organizacion/eventos/{evento.slug}/inscripciones.csv").get_data(as_text=True)
    assert servicios.ANONIMIZADO in exportado and direccion not in exportado and "Quintanilla" not in exportado
    with app.app_context():
        acciones = db.session.execute(select(Auditoria.accion, Auditoria.cambios, Auditoria.usuario_id)
                                      .where(Auditoria.evento_id == evento.id)).all()
    assert {"Descarga de datos personales", "Borrado de datos personales"} <= {a for a, _, _ in acciones}
    assert all(u is not None for a, _, u in acciones if a.endswith("datos personales"))
    assert direccion not in json.dumps([c for _, c, _ in acciones], ensure_ascii=False)
    assert cliente.get(f"/inscripcion/{token}").status_code == 404


def test_acortar_la_retencion_adelanta_el_borrado_y_no_se_puede_alargar(app, eventos_prueba):
    from apoyo import crear_usuario, entrar, enviar
    from eventos.modelos import RolEvento
    evento = eventos_prueba()
    organizacion = unico("org")
    with app.app_context():
        db.session.add(RolEvento(evento_id=evento.id, usuario=crear_usuario(organizacion), rol="organizador"))
        db.session.commit()
    oficina = app.test_client()
    entrar(oficina, organizacion)
    ruta = f"/organizacion/eventos/{evento.slug}/inscripciones/ajustes"
    assert enviar(oficina, ruta, {"retencion_meses": "13"}).status_code == 400
    assert enviar(oficina, ruta, {"retencion_meses": "2"}).status_code == 302
    with app.app_context():
        ev = db.session.get(Evento, evento.id)
        assert ev.retencion_meses == 2
        fecha = servicios.fecha_de_borrado(ev)
    pagina = oficina.get(f"/organizacion/eventos/{evento.slug}/inscripciones").get_data(as_text=True)
    assert fecha.astimezone(ZoneInfo(ZONA_EVENTO)).strftime("%Y-%m-%d %H:%M") in pagina


def test_el_proceso_de_correo_anonimiza_lo_vencido_en_su_ronda(app, cliente, eventos_prueba, monkeypatch):
    from eventos import correo
    evento = eventos_prueba(en_dias=2)
    direccion = unico("ronda")
    inscribir(cliente, evento.slug, direccion)
    with app.app_context():
        ev = db.session.get(Evento, evento.id)
        ev.retencion_meses = 0
        db.session.commit()
        cuando = servicios.fecha_de_borrado(ev)
    monkeypatch.setitem(correo._ULTIMO_BORRADO, "en", float("-inf"))
    with time_machine.travel(cuando + timedelta(minutes=5), tick=False), app.app_context():
        correo.programar_y_entregar()
    assert inscripcion_de(app, evento, direccion) is None, "ya no hay inscripción con ese correo"
