"""Cuentas: entrar, salir, restablecer la contraseña por correo, límite de intentos, CLI y cabeceras."""
import email
import email.policy
import re
import socket
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import delete, select

from apoyo import CLAVE, configuracion, crear_usuario, enviar, entrar, redis_de_pruebas
from app import create_app
from eventos.extensiones import db
from eventos.modelos import CorreoSaliente, Usuario


@pytest.fixture()
def cuenta(app):
    with app.app_context():
        usuario = crear_usuario("ana.cuentas@prueba.org", "Ana Cuentas")
        db.session.commit()
    yield "ana.cuentas@prueba.org"
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == "ana.cuentas@prueba.org")).scalar_one()
        db.session.delete(usuario)
        db.session.commit()


def correos_para(app, direccion: str) -> list[str]:
    """Texto de los correos escritos en la carpeta de correo para esa dirección, como los leería un cliente."""
    carpeta = Path(app.config["MAIL_CARPETA"])
    mensajes = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(carpeta.glob("*.eml"), key=lambda p: p.stat().st_mtime)] if carpeta.exists() else []
    return [m.get_body(("plain",)).get_content() for m in mensajes if m["To"] == direccion]


def test_entrar_y_salir(app, cliente, cuenta):
    entrar(cliente, cuenta)
    r = cliente.get("/organizacion/")
    assert r.status_code == 200 and "Ana Cuentas" in r.get_data(as_text=True)
    assert enviar(cliente, "/cuentas/salir").status_code == 302
    r = cliente.get("/organizacion/")
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]


def test_clave_incorrecta_y_cuenta_inexistente_dan_el_mismo_mensaje(cliente, cuenta):
    for correo, clave in ((cuenta, "otra-clave-999"), ("nadie@prueba.org", CLAVE)):
        r = enviar(cliente, "/cuentas/entrar", {"correo": correo, "clave": clave})
        assert r.status_code == 401 and "Correo o contraseña incorrectos." in r.get_data(as_text=True)


def test_formulario_incompleto_da_400(cliente):
    r = enviar(cliente, "/cuentas/entrar", {"correo": "", "clave": ""})
    assert r.status_code == 400 and "Escriba su correo." in r.get_data(as_text=True)


def test_contrasena_guardada_con_argon2id(app, cuenta):
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == cuenta)).scalar_one()
        assert usuario.clave_hash.startswith("$argon2id$") and CLAVE not in usuario.clave_hash


def test_restablecer_contrasena_por_enlace_firmado(app, cliente, cuenta):
    otro = app.test_client()
    entrar(otro, cuenta)  # una sesión abierta en otro dispositivo
    r = enviar(cliente, "/cuentas/recuperar", {"correo": cuenta})
    assert r.status_code == 302
    r.close()  # el correo sale de la bandeja cuando la respuesta terminó
    mensaje, = correos_para(app, cuenta)
    enlace = re.search(r"http://localhost(/cuentas/restablecer/\S+)", mensaje).group(1)
    r = enviar(cliente, enlace, {"clave": "nueva-clave-segura", "repetir": "nueva-clave-segura"})
    assert r.status_code == 302
    assert enviar(app.test_client(), "/cuentas/entrar", {"correo": cuenta, "clave": CLAVE}).status_code == 401
    entrar(cliente, cuenta, "nueva-clave-segura")
    # El enlace ya no vale, y la otra sesión quedó cerrada al cambiar la contraseña.
    r = app.test_client().get(enlace)
    assert r.status_code == 400 and "ya se usó" in r.get_data(as_text=True)
    assert otro.get("/organizacion/").status_code == 302


def test_enlace_caducado_o_falsificado(app, cliente, cuenta):
    enviar(cliente, "/cuentas/recuperar", {"correo": cuenta}).close()
    enlace = re.search(r"http://localhost(/cuentas/restablecer/\S+)", correos_para(app, cuenta)[-1]).group(1)
    app.config["RESTABLECER_VALIDEZ_SEGUNDOS"] = -1
    try:
        r = cliente.get(enlace)
        assert r.status_code == 400 and "caducado" in r.get_data(as_text=True)
    finally:
        app.config["RESTABLECER_VALIDEZ_SEGUNDOS"] = 3600
    r = cliente.get(enlace[:-4] + "AAAA")
    assert r.status_code == 400 and "no es válido" in r.get_data(as_text=True)


def _puerto_cerrado() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def cuenta_sin_correo(app):
    """Una cuenta propia de la prueba; al final se borran ella y sus correos de la bandeja."""
    direccion = f"sin-smtp-{uuid.uuid4().hex[:8]}@prueba.org"
    with app.app_context():
        crear_usuario(direccion, "Ana Sin Correo")
        db.session.commit()
    yield direccion
    with app.app_context():
        db.session.execute(delete(CorreoSaliente).where(CorreoSaliente.destinatario == direccion))
        db.session.execute(delete(Usuario).where(Usuario.correo == direccion))
        db.session.commit()


def _bandeja_de(app, direccion: str) -> list[tuple]:
    with app.app_context():
        return [tuple(f) for f in db.session.execute(
            select(CorreoSaliente.tipo, CorreoSaliente.evento_id, CorreoSaliente.estado, CorreoSaliente.intentos)
            .where(CorreoSaliente.destinatario == direccion))]


def test_restablecer_no_espera_al_servidor_de_correo_y_sale_por_la_bandeja(app, cliente, cuenta_sin_correo,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _puerto_cerrado())  # el servidor de correo está caído
    r = enviar(cliente, "/cuentas/recuperar", {"correo": cuenta_sin_correo})
    assert r.status_code == 302
    # Respondido sin hablar con el servidor de correo: el enlace espera en la bandeja (de ningún evento).
    assert _bandeja_de(app, cuenta_sin_correo) == [("restablecer", None, "pendiente", 0)]
    r.close()
    assert _bandeja_de(app, cuenta_sin_correo) == [("restablecer", None, "fallido", 1)]

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)  # el correo vuelve (aquí, a la carpeta)
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=2)):  # llega la hora del reintento
        app.test_cli_runner().invoke(args=["correo", "enviar"])
    mensaje, = correos_para(app, cuenta_sin_correo)
    enlace = re.search(r"http://localhost(/cuentas/restablecer/\S+)", mensaje).group(1)
    assert app.test_client().get(enlace).status_code == 200


def test_recuperar_no_revela_si_existe_la_cuenta(app, cliente):
    r = enviar(cliente, "/cuentas/recuperar", {"correo": "nadie.aqui@prueba.org"}, follow_redirects=True)
    assert "Si hay una cuenta con ese correo" in r.get_data(as_text=True)
    assert correos_para(app, "nadie.aqui@prueba.org") == []


def test_limite_de_intentos_de_entrada(app, tmp_path, url_bd):
    app = create_app({**configuracion(tmp_path, url_bd), "LIMITE_INGRESO": "3 per minute"})
    cliente = app.test_client()
    codigos = [enviar(cliente, "/cuentas/entrar", {"correo": "x@prueba.org", "clave": "mala-clave-000"}).status_code
               for _ in range(4)]
    assert codigos == [401, 401, 401, 429]
    r = enviar(cliente, "/cuentas/entrar", {"correo": "x@prueba.org", "clave": "mala-clave-000"})
    assert "Demasiados intentos" in r.get_data(as_text=True)


def test_redireccion_solo_dentro_del_sitio(cliente, cuenta):
    r = enviar(cliente, "/cuentas/entrar?next=https://malo.example/", {"correo": cuenta, "clave": CLAVE})
    assert r.headers["Location"].endswith("/organizacion/")


def test_comando_usuarios_crear(app, monkeypatch):
    monkeypatch.setenv("EVENTOS_PASSWORD", "clave-por-entorno-1")
    resultado = app.test_cli_runner().invoke(args=["usuarios", "crear", "--correo", "CLI@Prueba.org",
                                                   "--nombre", "Desde CLI", "--admin"])
    assert resultado.exit_code == 0, resultado.output
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == "cli@prueba.org")).scalar_one()
        assert usuario.es_admin and usuario.comprobar_clave("clave-por-entorno-1")
        repetido = app.test_cli_runner().invoke(args=["usuarios", "crear", "--correo", "cli@prueba.org", "--nombre", "X"])
        assert repetido.exit_code != 0 and "Ya existe" in repetido.output
        monkeypatch.setenv("EVENTOS_PASSWORD", "corta")
        corta = app.test_cli_runner().invoke(args=["usuarios", "crear", "--correo", "b@prueba.org", "--nombre", "B"])
        assert corta.exit_code != 0 and "al menos 10" in corta.output
        db.session.delete(usuario)
        db.session.commit()


def test_post_sin_token_csrf_se_rechaza(app, cliente, cuenta):
    entrar(cliente, cuenta)
    r = cliente.post("/cuentas/salir")
    assert r.status_code == 400 and "código de seguridad" in r.get_data(as_text=True)
    r = cliente.post("/cuentas/salir", data={"csrf_token": "falso"})
    assert r.status_code == 400
    assert cliente.get("/organizacion/").status_code == 200  # sigue dentro: no se cerró la sesión


@pytest.mark.parametrize("ruta", ["/", "/eventos/gsef2021/", "/cuentas/entrar", "/api/v1/eventos", "/no-existe"])
def test_cabeceras_de_seguridad(cliente, ruta):
    r = cliente.get(ruta)
    politica = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in politica and "frame-ancestors 'none'" in politica and "unsafe-inline" not in politica
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_cookies_seguras_detras_de_https(app, tmp_path, url_bd, monkeypatch):
    monkeypatch.setenv("HTTPS", "1")
    app = create_app(configuracion(tmp_path, url_bd))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    r = app.test_client().get("/cuentas/entrar", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in r.headers
    assert "Secure" in r.headers.get("Set-Cookie", "")


def test_plantillas_sin_scripts_ni_estilos_en_linea():
    """La política de contenido prohíbe código en línea: ninguna plantilla de página lo usa (los
    correos, que no se sirven como páginas, llevan estilos en línea como es costumbre)."""
    for plantilla in Path(__file__).resolve().parent.parent.joinpath("plantillas").rglob("*.html"):
        if plantilla.name.startswith("correo"):
            continue
        texto = plantilla.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", texto), plantilla
        assert not re.search(r"\sstyle=\"|\son[a-z]+=\"", texto), plantilla


def _redis_disponible(url: str) -> bool:
    import redis
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def test_limite_compartido_en_redis_entre_procesos(app, tmp_path, url_bd, monkeypatch):
    """Con REDIS_URL, dos procesos (aquí, dos aplicaciones) comparten el contador de intentos."""
    url_redis = redis_de_pruebas(15)
    if not _redis_disponible(url_redis):
        pytest.skip("No hay Redis en 127.0.0.1:6379: redis-server --daemonize yes --bind 127.0.0.1")
    import redis
    redis.Redis.from_url(url_redis).flushdb()
    monkeypatch.setenv("REDIS_URL", url_redis)
    apps = [create_app({**configuracion(tmp_path / str(n), url_bd), "LIMITE_INGRESO": "3 per minute"}) for n in range(2)]
    assert apps[0].config["RATELIMIT_STORAGE_URI"] == url_redis
    codigos = [enviar(apps[n % 2].test_client(), "/cuentas/entrar", {"correo": "r@prueba.org", "clave": "mala-clave-000"}).status_code
               for n in range(4)]
    assert codigos == [401, 401, 401, 429]
    redis.Redis.from_url(url_redis).flushdb()
