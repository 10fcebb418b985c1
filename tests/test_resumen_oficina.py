"""Resumen de la oficina: las cifras de cada evento (inscripciones por estado y por mesa frente al cupo,
acreditaciones de hoy en la zona del evento, correo sin enviar, plazo y próximas sesiones), en la página de
resumen del evento y en la lista de inicio, con un número de consultas que no crece con los datos.

El reloj está en un instante en que la fecha UTC no es la del evento: el 11 de marzo de 2027 a las 02:00 UTC
son las 20:00 del 10 de marzo en Ciudad de México y las 11:00 del 11 de marzo en Tokio."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import lxml.html
import pytest
import time_machine
from sqlalchemy import select

from apoyo import crear_usuario, entrar
from eventos import zonas
from eventos.extensiones import db
from eventos.modelos import Asistencia, CorreoSaliente, Evento, Inscripcion, RolEvento, Usuario
from eventos.organizacion.resumen import cifras_de_eventos, resumen_de_evento
from eventos.servicios import programa
from test_consultas import contar_consultas

pytestmark = pytest.mark.reloj

INSTANTE = datetime(2027, 3, 11, 2, 0, tzinfo=timezone.utc)
MEXICO, TOKIO = "America/Mexico_City", "Asia/Tokyo"


def _evento(slug, zona, *, cupo, mesas, sesiones, apertura, cierre, fechas=("2027-03-10", "2027-03-11")):
    """Un evento publicado importado como lo haría la oficina; `mesas` son (clave, cupo o None)."""
    evento = programa.importar({
        "formato": programa.FORMATO,
        "evento": {"slug": slug, "titulo": f"Foro {slug}", "zona_horaria": zona, "estado": "publicado",
                   "fecha_inicio": fechas[0], "fecha_fin": fechas[1], "organizadores": ["Organización de prueba"],
                   "inscripcion": {"apertura": apertura, "cierre": cierre, **({"cupo": cupo} if cupo else {})}},
        "sesiones": sesiones,
        "mesas": [{"clave": clave, "nombre": f"Mesa {clave}", "sesiones": [],
                   **({"cupo": cupo_mesa} if cupo_mesa else {})} for clave, cupo_mesa in mesas],
    })
    db.session.flush()
    return evento


def _inscribir(evento, estado, mesa=None):
    inscripcion = Inscripcion(evento=evento, nombre="Persona", apellidos=uuid.uuid4().hex[:6],
                              correo=f"{uuid.uuid4().hex[:10]}@prueba.org", estado=estado, mesa=mesa)
    db.session.add(inscripcion)
    db.session.flush()
    return inscripcion


def _acreditar(inscripcion, hora_local, sesion=None):
    """Entrada al evento (o a la sesión) a esa hora de reloj ("AAAA-MM-DD HH:MM") de la zona del evento."""
    db.session.add(Asistencia(evento_id=inscripcion.evento_id, inscripcion_id=inscripcion.id, origen="qr",
                              sesion_id=sesion.id if sesion else None, alcance=sesion.id if sesion else 0,
                              registrada_en=zonas.a_utc(zonas.leer_reloj(hora_local), inscripcion.evento.zona_horaria)))


def _correo(evento, estado):
    db.session.add(CorreoSaliente(evento_id=evento.id, tipo="anuncio", destinatario="x@prueba.org", estado=estado))


@pytest.fixture()
def reloj():
    with time_machine.travel(INSTANTE, tick=False):
        yield INSTANTE


@pytest.fixture()
def foros(app, reloj):
    """Dos eventos con cifras conocidas: uno en Ciudad de México y otro en Tokio."""
    sufijo = uuid.uuid4().hex[:8]
    with app.app_context():
        mx = _evento(f"resumen-mx-{sufijo}", MEXICO, cupo=10, mesas=(("a", 3), ("b", None)),
                     apertura="2027-03-01 09:00", cierre="2027-03-10 23:00", sesiones=[
                         {"clave": "pasada", "titulo": "Apertura", "tipo": "plenaria",
                          "inicio": "2027-03-10 10:00", "fin": "2027-03-10 11:00"},
                         {"clave": "ahora", "titulo": "Conversatorio de la tarde", "tipo": "conversatorio",
                          "inicio": "2027-03-10 19:30", "fin": "2027-03-10 20:30", "sala": "Sala Norte"},
                         {"clave": "manana", "titulo": "Plenaria de cierre", "tipo": "plenaria",
                          "inicio": "2027-03-11 09:00", "fin": "2027-03-11 10:30", "sesiones": [
                              {"clave": "pyr", "titulo": "Preguntas del público", "tipo": "preguntas_y_respuestas",
                               "inicio": "2027-03-11 10:00", "fin": "2027-03-11 10:30"}]}])
        mesa_a, mesa_b = sorted(mx.mesas, key=lambda m: m.clave)
        confirmadas = ([_inscribir(mx, "confirmada", mesa_a) for _ in range(3)]
                       + [_inscribir(mx, "confirmada", mesa_b), _inscribir(mx, "confirmada")])
        for _ in range(2):
            _inscribir(mx, "en_espera", mesa_a)
        _inscribir(mx, "pendiente")
        for _ in range(2):
            _inscribir(mx, "cancelada")
        _acreditar(confirmadas[0], "2027-03-10 08:30")  # hoy (14:30 UTC del 10)
        _acreditar(confirmadas[1], "2027-03-10 19:59")  # hoy (01:59 UTC del 11)
        _acreditar(confirmadas[2], "2027-03-09 18:05")  # ayer (00:05 UTC del 10)
        sesion_ahora = next(s for s in mx.sesiones if s.clave == "ahora")
        _acreditar(confirmadas[3], "2027-03-10 19:40", sesion_ahora)  # a una sesión: no es una entrada al evento
        for estado in ("pendiente", "pendiente", "fallido", "enviado", "anulado"):
            _correo(mx, estado)

        tk = _evento(f"resumen-tk-{sufijo}", TOKIO, cupo=None, mesas=(), apertura="2027-03-20 09:00",
                     cierre="2027-04-01 09:00", fechas=("2027-04-10", "2027-04-10"), sesiones=[
                         {"clave": "unica", "titulo": "Sesión única", "tipo": "plenaria",
                          "inicio": "2027-04-10 10:00", "fin": "2027-04-10 12:00"}])
        en_tokio = [_inscribir(tk, "confirmada") for _ in range(2)]
        _acreditar(en_tokio[0], "2027-03-11 00:30")  # hoy en Tokio (15:30 UTC del 10)
        _acreditar(en_tokio[1], "2027-03-10 23:00")  # ayer en Tokio (14:00 UTC del 10)
        _correo(tk, "fallido")
        db.session.commit()
        datos = {"mx": mx.slug, "tk": tk.slug, "mx_id": mx.id, "tk_id": tk.id}
    yield datos
    with app.app_context():
        for slug in (datos["mx"], datos["tk"]):
            evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
            db.session.delete(evento)
        db.session.commit()


@pytest.fixture()
def organizadora(app, foros):
    """Una cuenta que organiza solo el evento de Ciudad de México."""
    correo = f"org-resumen-{uuid.uuid4().hex[:8]}@prueba.org"
    with app.app_context():
        usuario = crear_usuario(correo)
        db.session.add(RolEvento(evento_id=foros["mx_id"], usuario=usuario, rol="organizador"))
        db.session.commit()
    cliente = app.test_client()
    entrar(cliente, correo)
    yield cliente, correo
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == correo)).scalar_one()
        db.session.delete(usuario)
        db.session.commit()


def _cifras_a_mano(c):
    i = c.inscripciones
    return {"cupo": i.cupo, "confirmadas": i.confirmadas, "en_espera": i.en_espera, "pendientes": i.pendientes,
            "canceladas": i.canceladas, "acreditadas": c.acreditadas, "hoy": c.acreditadas_hoy,
            "pendientes_correo": c.correos_pendientes, "fallidos": c.correos_fallidos}


def test_cifras_de_cada_evento_con_hoy_en_su_zona(app, foros, zona_del_proceso):
    with app.app_context():
        eventos = db.session.execute(select(Evento).where(Evento.id.in_([foros["mx_id"], foros["tk_id"]]))).scalars().all()
        cifras = cifras_de_eventos(eventos)
    # Hoy es el 10 de marzo en Ciudad de México (dos entradas de ese día; la del 9 cuenta solo en el total,
    # aunque en UTC sea del 10) y el 11 en Tokio (una; la del 10 ya fue ayer, aunque en UTC sean del mismo día).
    assert _cifras_a_mano(cifras[foros["mx_id"]]) == {
        "cupo": 10, "confirmadas": 5, "en_espera": 2, "pendientes": 1, "canceladas": 2, "acreditadas": 3, "hoy": 2,
        "pendientes_correo": 2, "fallidos": 1}
    assert _cifras_a_mano(cifras[foros["tk_id"]]) == {
        "cupo": None, "confirmadas": 2, "en_espera": 0, "pendientes": 0, "canceladas": 0, "acreditadas": 2, "hoy": 1,
        "pendientes_correo": 0, "fallidos": 1}


def test_resumen_por_mesa_plazo_y_proximas_sesiones(app, foros, zona_del_proceso):
    with app.app_context():
        evento = db.session.get(Evento, foros["mx_id"])
        resumen = resumen_de_evento(evento)
        assert resumen.hoy.isoformat() == "2027-03-10"
        assert [(f.mesa.nombre if f.mesa else None, f.confirmadas, f.cupo, f.libres) for f in resumen.por_mesa] == [
            ("Mesa a", 3, 3, 0), ("Mesa b", 1, None, None), (None, 1, None, None)]
        assert resumen.estado_inscripcion == "abierta"
        # La pasada ya no; la que está en curso sí; la subsesión no (va dentro de su plenaria).
        assert [(s.titulo, resumen.en_curso(s)) for s in resumen.proximas] == [
            ("Conversatorio de la tarde", True), ("Plenaria de cierre", False)]
        assert resumen_de_evento(db.session.get(Evento, foros["tk_id"])).estado_inscripcion == "aun_no"


def _texto(nodo) -> str:
    return re.sub(r"\s+", " ", nodo.text_content()).strip()


def _pares(nodo) -> dict[str, str]:
    """{término: definición} de las listas <dl> dentro del nodo."""
    return {_texto(div.find("dt")): _texto(div.find("dd")) for div in nodo.xpath(".//dl/div")}


def _seccion(html, titulo):
    return html.xpath(f"//section[h2[normalize-space()='{titulo}']]")[0]


def test_la_pagina_de_resumen_muestra_las_cifras_con_su_texto(app, foros, organizadora):
    cliente, _ = organizadora
    respuesta = cliente.get(f"/organizacion/eventos/{foros['mx']}/")
    assert respuesta.status_code == 200
    html = lxml.html.fromstring(respuesta.get_data(as_text=True))

    inscripciones = _seccion(html, "Inscripciones")
    assert _pares(inscripciones) == {"Confirmadas": "5 de 10 plazas 5 plazas libres", "En lista de espera": "2",
                                     "Pendientes de aprobación": "1", "Canceladas": "2"}
    assert "Inscripción abierta hasta el miércoles, 10 de marzo de 2027, 23:00 (Ciudad de México, hora del evento)" \
        in _texto(inscripciones)
    filas = [[_texto(c) for c in fila.xpath("./th|./td")] for fila in inscripciones.xpath(".//table//tr")]
    assert filas == [["Mesa", "Confirmadas", "Cupo", "Libres"], ["Mesa a", "3", "3", "0 (completa)"],
                     ["Mesa b", "1", "sin cupo", "—"], ["Sin mesa", "1", "sin cupo", "—"]]

    hoy = _seccion(html, "Hoy")
    assert "miércoles, 10 de marzo de 2027, en la zona del evento (Ciudad de México)" in _texto(hoy)
    assert _pares(hoy) == {"Acreditadas hoy": "2", "Acreditadas en total": "3", "Correos pendientes": "2",
                           "Correos fallidos": "1 Ver el error y reintentar"}

    sesiones = _seccion(html, "Próximas sesiones")
    assert [_texto(li) for li in sesiones.xpath(".//li")] == [
        "Conversatorio de la tarde En curso miércoles, 10 de marzo de 2027, 19:30–20:30 · Sala Norte",
        "Plenaria de cierre jueves, 11 de marzo de 2027, 09:00–10:30"]


def test_el_plazo_de_inscripcion_dice_lo_mismo_que_la_pagina_publica(app, foros, organizadora):
    cliente, correo = organizadora
    with app.app_context():
        db.session.add(RolEvento(evento_id=foros["tk_id"], rol="organizador", usuario_id=db.session.execute(
            select(Usuario.id).where(Usuario.correo == correo)).scalar_one()))
        db.session.commit()

    def plazo(slug):
        html = lxml.html.fromstring(cliente.get(f"/organizacion/eventos/{slug}/").get_data(as_text=True))
        return _texto(_seccion(html, "Inscripciones").xpath(".//p[contains(@class, 'plazo')]")[0])
    assert plazo(foros["tk"]) == "La inscripción abre el sábado, 20 de marzo de 2027, 09:00 (Tokio, hora del evento)"
    with app.app_context():
        db.session.get(Evento, foros["mx_id"]).estado = "cerrado"  # cerrado antes de su fecha de cierre
        db.session.commit()
    assert plazo(foros["mx"]) == "La inscripción en línea está cerrada."


def test_las_tareas_habituales_llevan_a_paginas_que_existen(app, foros, organizadora):
    cliente, _ = organizadora
    html = lxml.html.fromstring(cliente.get(f"/organizacion/eventos/{foros['mx']}/").get_data(as_text=True))
    enlaces = _seccion(html, "Tareas habituales").xpath(".//a/@href")
    assert len(enlaces) >= 8
    for enlace in enlaces:
        respuesta = cliente.get(enlace)
        assert respuesta.status_code == 200, enlace
        respuesta.close()


def test_el_inicio_muestra_las_cifras_clave_de_cada_evento(app, foros, organizadora):
    cliente, correo = organizadora
    with app.app_context():
        db.session.add(RolEvento(evento_id=foros["tk_id"], rol="organizador", usuario_id=db.session.execute(
            select(Usuario.id).where(Usuario.correo == correo)).scalar_one()))
        db.session.commit()
    html = lxml.html.fromstring(cliente.get("/organizacion/").get_data(as_text=True))
    tarjetas = {_texto(li.find(".//h3")): _pares(li) for li in html.xpath("//li[contains(@class, 'tarjeta-evento')]")}
    assert tarjetas == {
        f"Foro {foros['mx']}": {"Confirmadas": "5 de 10 plazas", "En lista de espera": "2", "Acreditadas hoy": "2",
                                "Correos fallidos": "1"},
        f"Foro {foros['tk']}": {"Confirmadas": "2 (sin cupo)", "En lista de espera": "0", "Acreditadas hoy": "1",
                                "Correos fallidos": "1"},
    }


def test_consultas_del_inicio_y_del_resumen_no_crecen_con_los_datos(app, foros, organizadora):
    cliente, correo = organizadora
    with app.app_context():
        with contar_consultas() as con_uno:
            assert cliente.get("/organizacion/").status_code == 200
        usuario_id = db.session.execute(select(Usuario.id).where(Usuario.correo == correo)).scalar_one()
        # Más eventos a su cargo, cada uno con sus inscripciones, mesas, asistencias y correos.
        otros = db.session.execute(select(Evento.id).where(Evento.slug.in_(
            ["jornadas-mexico-ue", "gsef2021", "gobiernos-locales-en-accion"]))).scalars().all()
        db.session.add_all([RolEvento(evento_id=evento_id, usuario_id=usuario_id, rol="organizador")
                            for evento_id in [foros["tk_id"], *otros]])
        db.session.commit()
        with contar_consultas() as con_cinco:
            pagina = cliente.get("/organizacion/")
            assert pagina.status_code == 200
        assert pagina.get_data(as_text=True).count('class="tarjeta-evento"') == 5
        assert len(con_uno) == len(con_cinco), f"inicio: {len(con_uno)} consultas con 1 evento, {len(con_cinco)} con 5"

        resumen = {}
        for clave in ("mx", "tk"):  # 3 mesas, 9 inscripciones, 3 sesiones próximas… frente a casi nada
            cliente.get(f"/organizacion/eventos/{foros[clave]}/")  # la primera visita también lee los permisos
            with contar_consultas() as consultas:
                assert cliente.get(f"/organizacion/eventos/{foros[clave]}/").status_code == 200
            resumen[clave] = len(consultas)
    assert resumen["mx"] == resumen["tk"], f"resumen: {resumen}"
    assert resumen["mx"] <= 20, f"resumen: {resumen['mx']} consultas"
