"""Oficina: mesas (crear, editar con sus sesiones, ordenar, borrar) y equipo (roles, moderación, invitaciones)."""
from __future__ import annotations

import re
import socket
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from apoyo import entrar, enviar
from eventos.extensiones import db
from eventos.modelos import CorreoSaliente, Evento, Mesa, RolEvento, Usuario
from eventos.permisos import puede_acreditar, puede_gestionar, puede_moderar


def _evento(slug) -> Evento:
    return db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()


def _usuario(correo) -> Usuario | None:
    return db.session.execute(select(Usuario).where(Usuario.correo == correo.lower())).scalar_one_or_none()


def _correos_en(app) -> dict[Path, bytes]:
    carpeta = Path(app.config["MAIL_CARPETA"])
    return {p: p.read_bytes() for p in carpeta.glob("*.eml")} if carpeta.exists() else {}


@pytest.fixture()
def cuentas_nuevas(app):
    """Correos únicos para cuentas que crean las pruebas; se borran al final."""
    creados = []

    def nuevo(prefijo="invitada"):
        correo = f"{prefijo}-{uuid.uuid4().hex[:8]}@prueba.org"
        creados.append(correo)
        return correo

    yield nuevo
    with app.app_context():
        for correo in creados:
            usuario = _usuario(correo)
            if usuario:
                db.session.delete(usuario)
        db.session.commit()


# --- Mesas -----------------------------------------------------------------------------------------

def test_crear_editar_ordenar_y_borrar_una_mesa(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    base = f"/organizacion/eventos/{slug}/mesas"
    with app.app_context():
        evento = _evento(slug)
        sesiones = [(s.id, s.titulo) for s in evento.sesiones if not s.padre_id]
        mesas_antes = len(evento.mesas)
    (s1, titulo1), (s2, _) = sesiones[0], sesiones[-1]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])

    pagina = cliente.get(base)
    assert pagina.status_code == 200
    html = pagina.get_data(as_text=True)
    assert 'scope="col"' in html and 'type="checkbox"' in html and "Añadir una mesa" in html

    respuesta = enviar(cliente, base, {"nombre": "Mesa de Innovación Ñandú", "cupo": "25", "sala": "Sala Roja",
                                       "descripcion": "Trabajo sobre *innovación*.", "sesiones": [str(s1)]})
    assert respuesta.status_code == 302
    with app.app_context():
        evento = _evento(slug)
        mesa = next(m for m in evento.mesas if m.nombre == "Mesa de Innovación Ñandú")
        mesa_id = mesa.id
        assert mesa.clave == "mesa-de-innovacion-nandu"
        assert (mesa.cupo, mesa.sala) == (25, "Sala Roja")
        assert [s.id for s in mesa.sesiones] == [s1]
        assert evento.mesas[-1].id == mesa_id and len(evento.mesas) == mesas_antes + 1

    lista = cliente.get(base).get_data(as_text=True)
    assert "Mesa de Innovación Ñandú" in lista and titulo1 in lista

    publica = app.test_client().get(f"/eventos/{slug}/").get_data(as_text=True)
    assert "Mesa de Innovación Ñandú" in publica and "Cupo: 25" in publica

    # Edición: nombre nuevo y otra sesión (las casillas sustituyen la selección anterior).
    edicion = cliente.get(f"{base}/{mesa_id}")
    assert edicion.status_code == 200
    assert re.search(rf'<input checked[^>]*value="{s1}"|<input[^>]*value="{s1}"[^>]*checked', edicion.get_data(as_text=True))
    respuesta = enviar(cliente, f"{base}/{mesa_id}", {"nombre": "Mesa de Innovación", "cupo": "", "sala": "",
                                                       "enlace": "https://reunion.example/mesa", "sesiones": [str(s2)]})
    assert respuesta.status_code == 302
    with app.app_context():
        mesa = db.session.get(Mesa, mesa_id)
        assert mesa.nombre == "Mesa de Innovación" and mesa.cupo is None and mesa.sala == ""
        assert mesa.enlace == "https://reunion.example/mesa"
        assert mesa.clave == "mesa-de-innovacion-nandu"  # la clave no cambia al renombrar
        assert [s.id for s in mesa.sesiones] == [s2]
    publica = app.test_client().get(f"/eventos/{slug}/").get_data(as_text=True)
    assert "Mesa de Innovación" in publica and "Ñandú" not in publica

    # Sin ninguna casilla marcada, la mesa deja de reunirse en sesiones.
    assert enviar(cliente, f"{base}/{mesa_id}", {"nombre": "Mesa de Innovación"}).status_code == 302
    with app.app_context():
        assert db.session.get(Mesa, mesa_id).sesiones == []

    # Subir: pasa a ser la penúltima; bajar la devuelve al final; subir la primera no cambia nada.
    assert enviar(cliente, f"{base}/{mesa_id}/mover/arriba").status_code == 302
    with app.app_context():
        ids = [m.id for m in _evento(slug).mesas]
        assert ids[-2] == mesa_id
        primera = ids[0]
        assert [m.orden for m in _evento(slug).mesas] == list(range(len(ids)))
    assert enviar(cliente, f"{base}/{mesa_id}/mover/abajo").status_code == 302
    assert enviar(cliente, f"{base}/{primera}/mover/arriba").status_code == 302
    with app.app_context():
        ids = [m.id for m in _evento(slug).mesas]
        assert ids[-1] == mesa_id and ids[0] == primera
    assert enviar(cliente, f"{base}/{mesa_id}/mover/al-lado").status_code == 400

    respuesta = enviar(cliente, f"{base}/{mesa_id}/borrar", follow_redirects=True)
    assert respuesta.status_code == 200 and "eliminada" in respuesta.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Mesa, mesa_id) is None
        assert len(_evento(slug).mesas) == mesas_antes
    assert "Mesa de Innovación" not in app.test_client().get(f"/eventos/{slug}/").get_data(as_text=True)


def test_mesa_con_datos_invalidos_da_400_y_no_cambia_nada(app, cliente, evento_con_equipo):
    slug, mesa_id = evento_con_equipo["slug"], evento_con_equipo["mesa_id"]
    base = f"/organizacion/eventos/{slug}/mesas"
    with app.app_context():
        otra = _evento(evento_con_equipo["otro_slug"]).sesiones[0].id
        mesa = db.session.get(Mesa, mesa_id)
        antes = (mesa.nombre, [s.id for s in mesa.sesiones])
        total = len(_evento(slug).mesas)
    entrar(cliente, evento_con_equipo["correos"]["organizador"])

    respuesta = enviar(cliente, base, {"nombre": "  ", "cupo": "0"})
    assert respuesta.status_code == 400
    html = respuesta.get_data(as_text=True)
    assert "Este campo es obligatorio." in html and 'aria-invalid="true"' in html

    respuesta = enviar(cliente, f"{base}/{mesa_id}", {"nombre": "Cambiada", "sesiones": [str(otra)]})
    assert respuesta.status_code == 400
    assert "Elija solo sesiones de este evento." in respuesta.get_data(as_text=True)
    respuesta = enviar(cliente, f"{base}/{mesa_id}", {"nombre": "Cambiada", "sesiones": ["abc"]})
    assert respuesta.status_code == 400

    with app.app_context():
        mesa = db.session.get(Mesa, mesa_id)
        assert (mesa.nombre, [s.id for s in mesa.sesiones]) == antes
        assert len(_evento(slug).mesas) == total

    # Una mesa de otro evento no se ve a través de este; sin token CSRF no se borra nada.
    with app.app_context():
        mesa_ajena = _evento(evento_con_equipo["otro_slug"]).mesas[0].id
    assert cliente.get(f"{base}/{mesa_ajena}").status_code == 404
    assert cliente.post(f"{base}/{mesa_id}/borrar").status_code == 400


def test_la_lista_muestra_moderadores_solo_lectura_con_enlace_al_equipo(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    html = cliente.get(f"/organizacion/eventos/{slug}/mesas").get_data(as_text=True)
    with app.app_context():
        nombre = _usuario(evento_con_equipo["correos"]["moderador"]).nombre
    assert nombre in html
    assert f'/organizacion/eventos/{slug}/equipo#mesa-equipo-{evento_con_equipo["mesa_id"]}' in html


# --- Equipo ----------------------------------------------------------------------------------------

def _enlace_de(mensaje: bytes) -> str:
    texto = message_from_bytes(mensaje, policy=policy.default).get_body(("plain",)).get_content()
    encontrado = re.search(r"https?://[^/\s]+(/cuentas/restablecer/\S+)", texto)
    assert encontrado, texto
    return encontrado.group(1)


def test_acreditador_nuevo_recibe_invitacion_y_elige_su_contrasena(app, cliente, evento_con_equipo, cuentas_nuevas):
    slug = evento_con_equipo["slug"]
    correo = cuentas_nuevas()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    antes = _correos_en(app)

    respuesta = enviar(cliente, f"/organizacion/eventos/{slug}/equipo",
                       {"correo": correo.upper(), "nombre": "Ana Invitada", "rol": "acreditador"},
                       follow_redirects=True)
    assert respuesta.status_code == 200
    html = respuesta.get_data(as_text=True)
    assert "Se creó la cuenta de Ana Invitada" in html and "Invitación pendiente" in html

    with app.app_context():
        usuario = _usuario(correo)
        assert usuario is not None and usuario.correo == correo and usuario.nombre == "Ana Invitada"
        assert usuario.clave_hash == "" and not usuario.comprobar_clave("")
        assert usuario.roles_en(_evento(slug)) == {"acreditador"}

    nuevos = {p: c for p, c in _correos_en(app).items() if p not in antes}
    invitaciones = [c for c in nuevos.values() if correo.encode() in c]
    assert len(invitaciones) == 1
    mensaje = message_from_bytes(invitaciones[0], policy=policy.default)
    assert "Invitación" in mensaje["Subject"]
    enlace = _enlace_de(invitaciones[0])
    assert "/cuentas/restablecer/" in enlace

    invitada = app.test_client()
    assert invitada.get(enlace).status_code == 200
    nueva_clave = "mi-clave-nueva-987"
    respuesta = enviar(invitada, enlace, {"clave": nueva_clave, "repetir": nueva_clave})
    assert respuesta.status_code == 302
    entrar(invitada, correo, nueva_clave)
    # El enlace ya no vale una segunda vez.
    assert app.test_client().get(enlace).status_code == 400


def _puerto_cerrado() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bandeja_de(app, direccion: str) -> list[tuple]:
    with app.app_context():
        return [tuple(f) for f in db.session.execute(
            select(CorreoSaliente.tipo, CorreoSaliente.evento_id, CorreoSaliente.estado, CorreoSaliente.intentos)
            .where(CorreoSaliente.destinatario == direccion))]


def test_invitacion_sale_por_la_bandeja_del_evento_aunque_el_servidor_de_correo_no_responda(
        app, cliente, evento_con_equipo, cuentas_nuevas, monkeypatch):
    slug = evento_con_equipo["slug"]
    correo = cuentas_nuevas()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _puerto_cerrado())  # el servidor de correo está caído
    moderacion = f"moderador:{evento_con_equipo['mesa_id']}"
    respuesta = enviar(cliente, f"/organizacion/eventos/{slug}/equipo",
                       {"correo": correo, "nombre": "Beto Sin Correo", "rol": moderacion})
    assert respuesta.status_code == 302
    with app.app_context():
        evento_id = _evento(slug).id
    # Respondido sin hablar con el servidor de correo: la invitación espera en la bandeja del evento.
    assert _bandeja_de(app, correo) == [("invitacion", evento_id, "pendiente", 0)]
    respuesta.close()
    assert _bandeja_de(app, correo) == [("invitacion", evento_id, "fallido", 1)]
    with app.app_context():
        assert puede_moderar(_usuario(correo), db.session.get(Mesa, evento_con_equipo["mesa_id"]))

    pagina = cliente.get(f"/organizacion/eventos/{slug}/correos").get_data(as_text=True)
    assert correo in pagina and "Invitación al equipo de" in pagina and "Falló" in pagina
    otra_oficina = app.test_client()
    entrar(otra_oficina, evento_con_equipo["correos"]["organizador_otro"])
    otro_evento = otra_oficina.get(f"/organizacion/eventos/{evento_con_equipo['otro_slug']}/correos")
    assert otro_evento.status_code == 200 and correo not in otro_evento.get_data(as_text=True)

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)  # el correo vuelve (aquí, a la carpeta)
    antes = _correos_en(app)
    r = enviar(cliente, f"/organizacion/eventos/{slug}/correos/reintentar", follow_redirects=True)
    assert "1 correo enviado" in r.get_data(as_text=True)
    invitacion, = [c for p, c in _correos_en(app).items() if p not in antes and correo.encode() in c]
    assert app.test_client().get(_enlace_de(invitacion)).status_code == 200


def test_moderador_con_cuenta_existente_sin_correo_y_sin_duplicados(app, cliente, evento_con_equipo):
    slug, mesa_id = evento_con_equipo["slug"], evento_con_equipo["mesa_otra_id"]
    correo = evento_con_equipo["correos"]["participante"]
    ruta = f"/organizacion/eventos/{slug}/equipo"
    with app.app_context():
        assert not puede_moderar(_usuario(correo), db.session.get(Mesa, mesa_id))
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    antes = _correos_en(app)

    respuesta = enviar(cliente, ruta, {"correo": correo, "rol": f"moderador:{mesa_id}"}, follow_redirects=True)
    assert respuesta.status_code == 200 and "ya tenía cuenta" in respuesta.get_data(as_text=True)
    with app.app_context():
        usuario = _usuario(correo)
        mesa = db.session.get(Mesa, mesa_id)
        assert puede_moderar(usuario, mesa)
        assert not puede_moderar(usuario, db.session.get(Mesa, evento_con_equipo["mesa_id"]))
    assert not any(correo.encode() in c for p, c in _correos_en(app).items() if p not in antes)

    # Repetir el mismo rol (o dar acreditación a quien ya la tiene) solo avisa.
    respuesta = enviar(cliente, ruta, {"correo": correo, "rol": f"moderador:{mesa_id}"}, follow_redirects=True)
    assert "ya tiene el rol" in respuesta.get_data(as_text=True)
    acreditador = evento_con_equipo["correos"]["acreditador"]
    respuesta = enviar(cliente, ruta, {"correo": acreditador, "rol": "acreditador"}, follow_redirects=True)
    assert "ya tiene el rol" in respuesta.get_data(as_text=True)
    with app.app_context():
        assert [u.correo for u in db.session.get(Mesa, mesa_id).moderadores].count(correo) == 1
        assert db.session.scalar(select(func.count()).select_from(RolEvento).join(Usuario).where(
            Usuario.correo == acreditador, RolEvento.evento_id == _evento(slug).id)) == 1

    # La página del equipo lista a cada quien con su rol y un botón «Quitar».
    html = cliente.get(ruta).get_data(as_text=True)
    assert correo in html and acreditador in html and "Quitar" in html and 'class="oculto"' in html
    assert "Moderación de «" in html


def test_solo_la_administracion_nombra_o_quita_organizadores(app, cliente, evento_con_equipo):
    slug, correos = evento_con_equipo["slug"], evento_con_equipo["correos"]
    ruta = f"/organizacion/eventos/{slug}/equipo"
    entrar(cliente, correos["organizador"])
    assert 'value="organizador"' not in cliente.get(ruta).get_data(as_text=True)
    assert enviar(cliente, ruta, {"correo": correos["participante"], "rol": "organizador"}).status_code == 403
    with app.app_context():
        evento = _evento(slug)
        assert "organizador" not in _usuario(correos["participante"]).roles_en(evento)
        rol_organizador = next(r.id for r in evento.roles if r.rol == "organizador")
    assert enviar(cliente, f"{ruta}/roles/{rol_organizador}/quitar").status_code == 403
    with app.app_context():
        assert db.session.get(RolEvento, rol_organizador) is not None

    admin = app.test_client()
    entrar(admin, correos["admin"])
    assert 'value="organizador"' in admin.get(ruta).get_data(as_text=True)
    assert enviar(admin, ruta, {"correo": correos["participante"], "rol": "organizador"}).status_code == 302
    with app.app_context():
        evento = _evento(slug)
        participante = _usuario(correos["participante"])
        assert puede_gestionar(participante, evento)
        nuevo = next(r.id for r in evento.roles if r.rol == "organizador" and r.usuario_id == participante.id)
    assert enviar(admin, f"{ruta}/roles/{nuevo}/quitar").status_code == 302
    with app.app_context():
        assert not puede_gestionar(_usuario(correos["participante"]), _evento(slug))


def test_quitar_acreditacion_y_moderacion(app, cliente, evento_con_equipo):
    slug, correos, mesa_id = evento_con_equipo["slug"], evento_con_equipo["correos"], evento_con_equipo["mesa_id"]
    ruta = f"/organizacion/eventos/{slug}/equipo"
    with app.app_context():
        evento = _evento(slug)
        acreditador = _usuario(correos["acreditador"])
        rol_id = next(r.id for r in evento.roles if r.usuario_id == acreditador.id)
        moderador_id = _usuario(correos["moderador"]).id
        assert puede_acreditar(acreditador, evento)
    entrar(cliente, correos["organizador"])

    assert cliente.post(f"{ruta}/roles/{rol_id}/quitar").status_code == 400  # sin token CSRF
    respuesta = enviar(cliente, f"{ruta}/roles/{rol_id}/quitar", follow_redirects=True)
    assert respuesta.status_code == 200 and "ya no tiene el rol" in respuesta.get_data(as_text=True)
    respuesta = enviar(cliente, f"{ruta}/mesas/{mesa_id}/moderadores/{moderador_id}/quitar", follow_redirects=True)
    assert respuesta.status_code == 200 and "ya no modera" in respuesta.get_data(as_text=True)
    with app.app_context():
        evento = _evento(slug)
        assert not puede_acreditar(_usuario(correos["acreditador"]), evento)
        assert not puede_moderar(_usuario(correos["moderador"]), db.session.get(Mesa, mesa_id))
        assert db.session.get(RolEvento, rol_id) is None
    # Ya no es moderador de esa mesa: 404; un rol ya borrado, también.
    assert enviar(cliente, f"{ruta}/mesas/{mesa_id}/moderadores/{moderador_id}/quitar").status_code == 404
    assert enviar(cliente, f"{ruta}/roles/{rol_id}/quitar").status_code == 404


@pytest.mark.parametrize("datos, mensaje", [
    ({"correo": "no-es-un-correo", "nombre": "Alguien", "rol": "acreditador"}, "Escriba una dirección de correo válida."),
    ({"correo": "", "nombre": "Alguien", "rol": "acreditador"}, "Este campo es obligatorio."),
    ({"correo": "{nuevo}", "nombre": "  ", "rol": "acreditador"}, "escriba el nombre de la persona"),
    ({"correo": "{nuevo}", "nombre": "Alguien", "rol": "moderador:{mesa_ajena}"}, "Elija un rol de la lista"),
    ({"correo": "{nuevo}", "nombre": "Alguien", "rol": "moderador:abc"}, "Elija un rol de la lista"),
    ({"correo": "{nuevo}", "nombre": "Alguien", "rol": "superusuario"}, "Elija un rol de la lista"),
])
def test_miembro_con_datos_invalidos_da_400_y_no_cambia_nada(app, cliente, evento_con_equipo, cuentas_nuevas,
                                                             datos, mensaje):
    slug = evento_con_equipo["slug"]
    nuevo = cuentas_nuevas()
    with app.app_context():
        mesa_ajena = _evento(evento_con_equipo["otro_slug"]).mesas[0].id
        roles_antes = db.session.scalar(select(func.count()).select_from(RolEvento))
        usuarios_antes = db.session.scalar(select(func.count()).select_from(Usuario))
    datos = {k: v.format(nuevo=nuevo, mesa_ajena=mesa_ajena) for k, v in datos.items()}
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    antes = _correos_en(app)

    respuesta = enviar(cliente, f"/organizacion/eventos/{slug}/equipo", datos)
    assert respuesta.status_code == 400
    html = respuesta.get_data(as_text=True)
    assert mensaje in html and 'role="alert"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RolEvento)) == roles_antes
        assert db.session.scalar(select(func.count()).select_from(Usuario)) == usuarios_antes
        assert _usuario(nuevo) is None
        assert all(not m.moderadores or m.id != mesa_ajena for m in _evento(evento_con_equipo["otro_slug"]).mesas)
    assert set(_correos_en(app)) == set(antes)


def _rutas(datos):
    slug, mesa_id = datos["slug"], datos["mesa_id"]
    base = f"/organizacion/eventos/{slug}"
    return [
        ("get", f"{base}/mesas"), ("post", f"{base}/mesas"), ("get", f"{base}/mesas/{mesa_id}"),
        ("post", f"{base}/mesas/{mesa_id}"), ("post", f"{base}/mesas/{mesa_id}/borrar"),
        ("post", f"{base}/mesas/{mesa_id}/mover/arriba"), ("get", f"{base}/equipo"), ("post", f"{base}/equipo"),
        ("post", f"{base}/equipo/roles/{{rol_id}}/quitar"),
        ("post", f"{base}/equipo/mesas/{mesa_id}/moderadores/{{moderador_id}}/quitar"),
    ]


@pytest.mark.parametrize("quien", ["organizador_otro", "moderador", "acreditador", "participante"])
def test_quien_no_organiza_este_evento_recibe_403_en_todas_las_rutas(app, cliente, evento_con_equipo, quien):
    correos = evento_con_equipo["correos"]
    with app.app_context():
        evento = _evento(evento_con_equipo["slug"])
        rol_id = next(r.id for r in evento.roles if r.rol == "acreditador")
        moderador_id = _usuario(correos["moderador"]).id
        mesa = db.session.get(Mesa, evento_con_equipo["mesa_id"])
        estado = (mesa.nombre, mesa.orden, len(evento.mesas), len(evento.roles), len(mesa.moderadores))
    entrar(cliente, correos[quien])
    datos = {"nombre": "Intrusa", "correo": correos[quien], "rol": "acreditador"}
    for metodo, ruta in _rutas(evento_con_equipo):
        ruta = ruta.format(rol_id=rol_id, moderador_id=moderador_id)
        respuesta = cliente.get(ruta) if metodo == "get" else enviar(cliente, ruta, datos)
        assert respuesta.status_code == 403, (metodo, ruta, respuesta.status_code)
    with app.app_context():
        evento = _evento(evento_con_equipo["slug"])
        mesa = db.session.get(Mesa, evento_con_equipo["mesa_id"])
        assert (mesa.nombre, mesa.orden, len(evento.mesas), len(evento.roles), len(mesa.moderadores)) == estado


def test_sin_sesion_se_pide_entrar(cliente, evento_con_equipo):
    for metodo, ruta in _rutas(evento_con_equipo):
        ruta = ruta.format(rol_id=1, moderador_id=1)
        respuesta = cliente.get(ruta) if metodo == "get" else enviar(cliente, ruta)
        assert respuesta.status_code in (302, 401), ruta
        if respuesta.status_code == 302:
            assert "/cuentas/entrar" in respuesta.headers["Location"]
