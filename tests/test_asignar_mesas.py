"""Asignar mesas a las personas confirmadas: a mano (con la regla de lugar en la mesa) y repartiendo
automáticamente, siempre dentro del cupo de cada mesa y en orden de inscripción."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from apoyo import entrar, enviar, token_csrf
from eventos.extensiones import db
from eventos.modelos import Auditoria, Evento, Inscripcion, Mesa
from eventos.zonas import ahora


@pytest.fixture()
def reparto(app, evento_con_equipo):
    """Las 5 mesas de las Jornadas con cupos 3, 2, 1, 1 y 1 (8 lugares); la primera ya tiene una persona.
    Diez personas confirmadas sin mesa (inscritas en orden), una en espera y una cancelada."""
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        mesas = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id).order_by(Mesa.orden, Mesa.id)).scalars().all()
        for mesa, cupo in zip(mesas, (3, 2, 1, 1, 1)):
            mesa.cupo = cupo
        base = ahora() - timedelta(days=1)

        def persona(n, estado="confirmada", mesa=None):
            inscripcion = Inscripcion(evento_id=evento.id, nombre=f"Persona{n:02d}", apellidos="Reparto",
                                      correo=f"p{n}@reparto.org", estado=estado, mesa_id=mesa,
                                      consentimiento_en=base, creado_en=base + timedelta(minutes=n))
            db.session.add(inscripcion)
            return inscripcion

        persona(0, mesa=mesas[0].id)
        sin_mesa = [persona(n) for n in range(1, 11)]
        espera, cancelada = persona(11, "en_espera"), persona(12, "cancelada")
        db.session.commit()
        datos = {**evento_con_equipo, "evento_id": evento.id, "mesas": [m.id for m in mesas],
                 "sin_mesa": [i.id for i in sin_mesa], "espera": espera.id, "cancelada": cancelada.id,
                 "ruta": f"/organizacion/eventos/{evento.slug}/mesas/asignar"}
    return datos


def _mesas_de(app, ids):
    with app.app_context():
        return {i.id: i.mesa_id for i in db.session.execute(select(Inscripcion).where(Inscripcion.id.in_(ids))).scalars()}


def test_la_pagina_muestra_el_recuento_y_quien_no_tiene_mesa(cliente, reparto):
    entrar(cliente, reparto["correos"]["organizador"])
    r = cliente.get(reparto["ruta"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('data-inscripcion="') == 10
    assert "Persona11" not in html and "Persona12" not in html  # en espera y cancelada: no se reparten
    assert f'<tr data-mesa="{reparto["mesas"][0]}"><th scope="row">Territorios y coordinación multinivel</th><td data-confirmadas>1</td>' in html


def test_repartir_llena_la_mesa_con_menos_personas_y_respeta_los_cupos(app, cliente, reparto):
    entrar(cliente, reparto["correos"]["organizador"])
    r = enviar(cliente, reparto["ruta"], {"accion": "repartir"})
    assert r.status_code == 303
    pagina = cliente.get(r.headers["Location"]).get_data(as_text=True)
    assert "Se asignó una mesa a 7 personas." in pagina
    assert "3 personas no cupieron: todas las mesas están completas." in pagina
    m = reparto["mesas"]
    asignadas = _mesas_de(app, reparto["sin_mesa"])
    # Ocupación inicial [1, 0, 0, 0, 0]: primero las vacías, en orden; luego la primera con menos gente.
    esperado = [m[1], m[2], m[3], m[4], m[0], m[1], m[0], None, None, None]
    assert [asignadas[i] for i in reparto["sin_mesa"]] == esperado
    with app.app_context():
        for mesa_id, cupo in zip(m, (3, 2, 1, 1, 1)):
            ocupadas = db.session.scalar(select(db.func.count()).where(
                Inscripcion.mesa_id == mesa_id, Inscripcion.estado == "confirmada"))
            assert ocupadas == cupo
        assert db.session.get(Inscripcion, reparto["espera"]).mesa_id is None
        assert db.session.get(Inscripcion, reparto["cancelada"]).mesa_id is None
        auditoria = db.session.execute(select(Auditoria).where(
            Auditoria.evento_id == reparto["evento_id"],
            Auditoria.accion == "Reparto automático de las personas entre las mesas")).scalar_one()
        assert len(auditoria.cambios) == 7 and all("mesa_id" in c["campos"] for c in auditoria.cambios)
    # Repetirlo no cambia nada: las que quedan no caben.
    enviar(cliente, reparto["ruta"], {"accion": "repartir"})
    assert _mesas_de(app, reparto["sin_mesa"]) == asignadas


def test_sin_cupo_todas_caben(app, cliente, reparto):
    with app.app_context():
        for mesa in db.session.execute(select(Mesa).where(Mesa.id.in_(reparto["mesas"]))).scalars():
            mesa.cupo = None
        db.session.commit()
    entrar(cliente, reparto["correos"]["organizador"])
    enviar(cliente, reparto["ruta"], {"accion": "repartir"})
    asignadas = list(_mesas_de(app, reparto["sin_mesa"]).values())
    assert None not in asignadas
    cuantas = {m: asignadas.count(m) for m in reparto["mesas"]}
    cuantas[reparto["mesas"][0]] += 1  # la que ya estaba
    assert max(cuantas.values()) - min(cuantas.values()) <= 1  # equilibradas: 11 personas en 5 mesas


def test_asignar_a_mano_con_la_regla_del_cupo(app, cliente, reparto):
    entrar(cliente, reparto["correos"]["organizador"])
    m, personas = reparto["mesas"], reparto["sin_mesa"]
    # La mesa 3 tiene un lugar: la primera persona entra, la segunda no.
    r = enviar(cliente, reparto["ruta"], {"accion": "asignar", f"mesa-{personas[0]}": m[2],
                                          f"mesa-{personas[1]}": m[2], f"mesa-{personas[2]}": m[1],
                                          f"mesa-{personas[3]}": ""})
    assert r.status_code == 303
    pagina = cliente.get(r.headers["Location"]).get_data(as_text=True)
    assert "Se asignó la mesa a 2 personas." in pagina
    assert "Persona02 Reparto: la mesa «Juventud» ya está completa." in pagina
    asignadas = _mesas_de(app, personas[:4])
    assert asignadas == {personas[0]: m[2], personas[1]: None, personas[2]: m[1], personas[3]: None}
    with app.app_context():
        assert db.session.execute(select(Auditoria).where(
            Auditoria.evento_id == reparto["evento_id"], Auditoria.accion == "Asignación de mesas a mano")).first()


@pytest.mark.parametrize("datos, mensaje", [
    ({"accion": "otra"}, "Acción desconocida"),
    ({"accion": "asignar", "mesa-1x": "1"}, "Formulario no válido"),
    ({"accion": "asignar", "mesa-PERSONA": "999999"}, "Esa mesa no es de este evento"),
    ({"accion": "asignar", "mesa-999999": "MESA"}, "Alguna de esas inscripciones no es de este evento"),
])
def test_lo_que_no_es_valido_es_un_400_claro(app, cliente, reparto, datos, mensaje):
    entrar(cliente, reparto["correos"]["organizador"])
    datos = {k.replace("PERSONA", str(reparto["sin_mesa"][0])): str(v).replace("MESA", str(reparto["mesas"][1]))
             for k, v in datos.items()}
    r = enviar(cliente, reparto["ruta"], datos)
    assert r.status_code == 400
    assert mensaje in r.get_data(as_text=True)
    assert set(_mesas_de(app, reparto["sin_mesa"]).values()) == {None}


def test_la_mesa_de_otro_evento_no_se_puede_asignar(app, cliente, reparto):
    with app.app_context():
        ajena = db.session.execute(select(Mesa.id).join(Evento).where(Evento.slug == reparto["otro_slug"])).scalars().first()
    entrar(cliente, reparto["correos"]["organizador"])
    r = enviar(cliente, reparto["ruta"], {"accion": "asignar", f"mesa-{reparto['sin_mesa'][0]}": ajena})
    assert r.status_code == 400
    assert _mesas_de(app, reparto["sin_mesa"][:1]) == {reparto["sin_mesa"][0]: None}


@pytest.mark.parametrize("persona", ["moderador", "participante", "organizador_otro", "acreditador"])
def test_solo_la_organizacion_asigna_mesas(app, reparto, persona):
    cliente = app.test_client()
    entrar(cliente, reparto["correos"][persona])
    assert cliente.get(reparto["ruta"]).status_code == 403
    r = cliente.post(reparto["ruta"], data={"accion": "repartir", "csrf_token": token_csrf(cliente)})
    assert r.status_code == 403
    assert set(_mesas_de(app, reparto["sin_mesa"]).values()) == {None}


def test_repartir_exige_csrf(app, cliente, reparto):
    entrar(cliente, reparto["correos"]["organizador"])
    assert cliente.post(reparto["ruta"], data={"accion": "repartir"}).status_code == 400
    assert set(_mesas_de(app, reparto["sin_mesa"]).values()) == {None}
