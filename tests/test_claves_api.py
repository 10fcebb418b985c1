"""Claves de API (/cuentas/claves-api): cada persona crea, ve y revoca las suyas; una clave actúa con los
permisos de su dueña en la API de acreditación y deja de servir al revocarla."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import delete, select

from apoyo import entrar, token_csrf
from eventos import qr
from eventos.extensiones import db
from eventos.modelos import Evento, Inscripcion, RolEvento, TokenApi, Usuario
from eventos.zonas import ahora

RUTA = "/cuentas/claves-api"
RE_CLAVE = re.compile(r'id="clave-nueva"[^>]*value="(evt_[A-Za-z0-9_-]+)"')


def _cliente(app, correo):
    cliente = app.test_client()
    entrar(cliente, correo)
    return cliente


def _crear(cliente, nombre="Lector del acceso A"):
    r = cliente.post(RUTA, data={"nombre": nombre, "csrf_token": token_csrf(cliente)})
    assert r.status_code == 201, r.get_data(as_text=True)[-800:]
    return RE_CLAVE.search(r.get_data(as_text=True)).group(1), r


@pytest.fixture()
def codigos(app, evento_con_equipo):
    """Dos inscripciones confirmadas en el evento del equipo: sus textos de QR."""
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        personas = [Inscripcion(evento_id=evento.id, nombre=f"Persona {n}", estado="confirmada", consentimiento_en=ahora(),
                                correo=f"clave-{uuid.uuid4().hex[:8]}@prueba.org") for n in range(3)]
        db.session.add_all(personas)
        db.session.commit()
        return [qr.contenido_qr(p) for p in personas]


def _acreditar(app, slug, clave, codigo):
    """Como un teléfono o un script: sin sesión, solo con la clave."""
    return app.test_client().post(f"/api/v1/eventos/{slug}/acreditacion", json={"codigo": codigo},
                                  headers={"Authorization": f"Bearer {clave}"})


def test_ciclo_de_vida_de_una_clave(app, evento_con_equipo, codigos):
    slug = evento_con_equipo["slug"]
    cliente = _cliente(app, evento_con_equipo["correos"]["acreditador"])
    assert 'href="/cuentas/claves-api"' in cliente.get("/organizacion/").get_data(as_text=True)  # en la cabecera
    assert "Aún no tiene ninguna clave" in cliente.get(RUTA).get_data(as_text=True)

    clave, r = _crear(cliente)
    html = r.get_data(as_text=True)
    assert f"Authorization: Bearer {clave}" in html and "no se volverá a mostrar" in html
    assert r.headers["Cache-Control"] == "private, no-store"

    # La clave sirve en la API sin sesión ni token CSRF.
    r = _acreditar(app, slug, clave, codigos[0])
    assert r.status_code == 200 and r.get_json()["resultado"] == "aceptado"

    # La lista la muestra por su nombre y su comienzo, nunca entera.
    lista = cliente.get(RUTA).get_data(as_text=True)
    assert "Lector del acceso A" in lista and f"{clave[:10]}…" in lista and clave not in lista
    assert "Vigente" in lista

    with app.app_context():
        clave_id = db.session.execute(select(TokenApi.id).where(TokenApi.resumen == TokenApi.resumir(clave))).scalar_one()
    r = cliente.post(f"{RUTA}/{clave_id}/revocar", data={"csrf_token": token_csrf(cliente)}, follow_redirects=True)
    assert r.status_code == 200 and "revocada" in r.get_data(as_text=True)
    assert "Revocada el" in r.get_data(as_text=True)

    r = _acreditar(app, slug, clave, codigos[1])
    assert r.status_code == 401
    with app.app_context():
        assert db.session.execute(select(TokenApi.revocado_en).where(TokenApi.id == clave_id)).scalar_one() is not None


def test_la_clave_de_quien_no_acredita_en_el_evento_recibe_403(app, evento_con_equipo, codigos):
    for quien in ("participante", "organizador_otro"):
        clave, _ = _crear(_cliente(app, evento_con_equipo["correos"][quien]))
        r = _acreditar(app, evento_con_equipo["slug"], clave, codigos[2])
        assert r.status_code == 403, quien
        assert r.get_json() is None or r.get_json().get("resultado") != "aceptado"


def test_una_clave_inventada_o_mal_escrita_recibe_401(app, evento_con_equipo, codigos):
    clave, _ = _crear(_cliente(app, evento_con_equipo["correos"]["acreditador"]))
    for falsa in (clave[:-1] + ("A" if clave[-1] != "A" else "B"), "evt_inventada", clave.removeprefix("evt_")):
        assert _acreditar(app, evento_con_equipo["slug"], falsa, codigos[2]).status_code == 401


def test_nadie_revoca_las_claves_de_otra_persona(app, evento_con_equipo, codigos):
    clave, _ = _crear(_cliente(app, evento_con_equipo["correos"]["acreditador"]))
    with app.app_context():
        clave_id = db.session.execute(select(TokenApi.id).where(TokenApi.resumen == TokenApi.resumir(clave))).scalar_one()
    intrusa = _cliente(app, evento_con_equipo["correos"]["organizador"])
    r = intrusa.post(f"{RUTA}/{clave_id}/revocar", data={"csrf_token": token_csrf(intrusa)})
    assert r.status_code == 404
    assert "Lector del acceso A" not in intrusa.get(RUTA).get_data(as_text=True)
    assert _acreditar(app, evento_con_equipo["slug"], clave, codigos[0]).status_code == 200


def test_revocar_sin_token_csrf_es_400(app, evento_con_equipo):
    cliente = _cliente(app, evento_con_equipo["correos"]["acreditador"])
    clave, _ = _crear(cliente)
    with app.app_context():
        clave_id = db.session.execute(select(TokenApi.id).where(TokenApi.resumen == TokenApi.resumir(clave))).scalar_one()
    assert cliente.post(f"{RUTA}/{clave_id}/revocar").status_code == 400
    with app.app_context():
        assert db.session.get(TokenApi, clave_id).revocado_en is None


def test_una_clave_no_sirve_para_gestionar_claves(app, evento_con_equipo):
    clave, _ = _crear(_cliente(app, evento_con_equipo["correos"]["acreditador"]))
    r = app.test_client().get(RUTA, headers={"Authorization": f"Bearer {clave}"})
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]  # fuera de /api/ no cuenta


def test_sin_sesion_lleva_a_entrar(app):
    r = app.test_client().get(RUTA)
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]


def test_nombre_obligatorio_y_limite_de_claves(app, evento_con_equipo):
    cliente = _cliente(app, evento_con_equipo["correos"]["participante"])
    r = cliente.post(RUTA, data={"nombre": "   ", "csrf_token": token_csrf(cliente)})
    assert r.status_code == 400 and "Escriba un nombre" in r.get_data(as_text=True)
    r = cliente.post(RUTA, data={"nombre": "x" * 121, "csrf_token": token_csrf(cliente)})
    assert r.status_code == 400
    from eventos.cuentas.claves import MAXIMO_VIGENTES
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(
            Usuario.correo == evento_con_equipo["correos"]["participante"])).scalar_one()
        for n in range(MAXIMO_VIGENTES):
            TokenApi.crear(usuario, f"Clave {n}")
        db.session.commit()
    r = cliente.post(RUTA, data={"nombre": "Una más", "csrf_token": token_csrf(cliente)})
    assert r.status_code == 400 and "revoque alguna" in r.get_data(as_text=True)


def test_cambiar_la_contrasena_revoca_las_claves(app, evento_con_equipo, codigos):
    """Quien robó una sesión o la contraseña y creó una clave la pierde cuando la dueña cambia la contraseña."""
    clave, _ = _crear(_cliente(app, evento_con_equipo["correos"]["acreditador"]))
    assert _acreditar(app, evento_con_equipo["slug"], clave, codigos[0]).status_code == 200
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(
            Usuario.correo == evento_con_equipo["correos"]["acreditador"])).scalar_one()
        usuario.fijar_clave("otra-clave-distinta-456")
        db.session.commit()
    assert _acreditar(app, evento_con_equipo["slug"], clave, codigos[1]).status_code == 401


def test_la_clave_actua_con_los_permisos_que_su_duena_tiene_en_cada_momento(app, evento_con_equipo, codigos):
    """Con roles en dos eventos, la clave acredita en los dos y firma con el nombre de su dueña; quitarle un rol,
    hacerla administradora o desactivar su cuenta cuenta desde la lectura siguiente."""
    slug, otro_slug = evento_con_equipo["slug"], evento_con_equipo["otro_slug"]
    correo = evento_con_equipo["correos"]["acreditador"]
    clave, _ = _crear(_cliente(app, correo))
    with app.app_context():
        duena = db.session.execute(select(Usuario).where(Usuario.correo == correo)).scalar_one()
        otro = db.session.execute(select(Evento).where(Evento.slug == otro_slug)).scalar_one()
        db.session.add(RolEvento(evento=otro, usuario=duena, rol="organizador"))
        db.session.commit()
        nombre = duena.nombre

    r = _acreditar(app, slug, clave, codigos[0])
    assert r.status_code == 200 and r.get_json()["acreditado_por"] == nombre
    # En el otro evento organiza: acredita (la persona es de este evento, así que es «otro_evento», no un 403).
    r = _acreditar(app, otro_slug, clave, codigos[1])
    assert r.status_code == 200 and r.get_json()["resultado"] == "otro_evento"

    with app.app_context():
        db.session.execute(delete(RolEvento).where(RolEvento.usuario_id == duena.id, RolEvento.rol == "acreditador"))
        db.session.commit()
    assert _acreditar(app, slug, clave, codigos[1]).status_code == 403
    assert _acreditar(app, otro_slug, clave, codigos[1]).status_code == 200

    with app.app_context():
        db.session.get(Usuario, duena.id).es_admin = True
        db.session.commit()
    r = _acreditar(app, slug, clave, codigos[1])
    assert r.status_code == 200 and r.get_json()["resultado"] == "aceptado"

    with app.app_context():
        db.session.get(Usuario, duena.id).activo = False
        db.session.commit()
    assert _acreditar(app, slug, clave, codigos[2]).status_code == 401
