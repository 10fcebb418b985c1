"""Ataque: la cabecera Host (issue 12, defectos 1 y 2). Toda dirección absoluta sale de URL_PUBLICA;
cualquier otro Host recibe un 400 antes de que nada se componga, se envíe o se guarde en caché. En
producción (HTTPS=1) la aplicación no arranca sin URL_PUBLICA, y sus cabeceras son las debidas."""
import re

import pytest
from sqlalchemy import func, select

from apoyo import configuracion, token_csrf
from app import create_app
from eventos.config import ConfiguracionInsegura
from eventos.extensiones import db
from eventos.modelos import CorreoSaliente

MALVADO = {"Host": "evil.example"}


def _correos(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CorreoSaliente))


def test_recuperar_con_un_host_falso_no_envia_nada(app, evento_con_equipo):
    cliente = app.test_client()
    token = token_csrf(cliente)
    antes = _correos(app)
    for cabeceras in (MALVADO, {"Host": "localhost", "X-Forwarded-Host": "evil.example"}):
        r = cliente.post("/cuentas/recuperar", data={"correo": evento_con_equipo["correos"]["admin"], "csrf_token": token},
                         headers=cabeceras)
        if "X-Forwarded-Host" in cabeceras:  # sin HTTPS=1 no se cree a X-Forwarded-Host: el enlace sale de URL_PUBLICA
            assert r.status_code == 302
        else:
            assert r.status_code == 400
    with app.app_context():
        nuevos = db.session.execute(select(CorreoSaliente).order_by(CorreoSaliente.id.desc())
                                    .limit(_correos(app) - antes)).scalars().all()
        assert all(b"evil.example" not in (c.mensaje or b"") for c in nuevos)
    assert _correos(app) - antes == 1


@pytest.mark.parametrize("ruta", ["/eventos/{slug}/?lang=pt", "/eventos/{slug}/calendario.ics", "/eventos/{slug}/schedule.xml",
                                  "/api/v1/eventos/{slug}"])
def test_un_host_falso_no_envenena_la_cache(app, evento_con_equipo, ruta):
    ruta = ruta.format(slug="gsef2021")
    cliente = app.test_client()
    assert cliente.get(ruta, headers=MALVADO).status_code == 400
    r = cliente.get(ruta)
    texto = r.get_data(as_text=True)
    assert r.status_code == 200 and "evil.example" not in texto
    assert "http://localhost/" in texto or "webcal://localhost/" in texto


def test_produccion_sin_direccion_publica_no_arranca(tmp_path):
    with pytest.raises(ConfiguracionInsegura, match="URL_PUBLICA"):
        create_app({**configuracion(tmp_path, "sqlite://"), "HTTPS": True, "URL_PUBLICA": None})
    with pytest.raises(ConfiguracionInsegura, match="SECRET_KEY"):
        create_app({**configuracion(tmp_path, "sqlite://"), "HTTPS": True, "URL_PUBLICA": "https://foros.example.org",
                    "SECRET_KEY": None})


def test_cabeceras_en_produccion(app, evento_con_equipo):
    """La aplicación de producción sobre la misma base: CSP, HSTS, cookies seguras y solo su host."""
    produccion = create_app({**app.config, "HTTPS": True, "URL_PUBLICA": "https://foros.example.org",
                             "TRUSTED_HOSTS": None, "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True})
    cliente = produccion.test_client()
    base = "https://foros.example.org"
    assert cliente.get("/", base_url="https://localhost").status_code == 400
    assert cliente.get("/", base_url=base, headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
    r = cliente.get("/cuentas/entrar", base_url=base)
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    token = re.search(r'name="csrf-token" content="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = cliente.post("/cuentas/entrar", base_url=base, headers={"Referer": f"{base}/cuentas/entrar"}, data={
        "correo": evento_con_equipo["correos"]["organizador"], "clave": "clave-de-prueba-123", "recordar": "y",
        "csrf_token": token})
    assert r.status_code == 302
    cookies = r.headers.get_all("Set-Cookie")
    for nombre in ("session=", "remember_token="):
        cookie, = [c for c in cookies if c.startswith(nombre)]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    pagina = cliente.get("/eventos/gsef2021/", base_url=base).get_data(as_text=True)
    assert "webcal://foros.example.org/" in pagina


def test_en_produccion_los_correos_se_componen_con_la_direccion_publica(app, eventos_prueba):
    """El proceso de correo compone fuera de la petición: con HTTPS=1 solo vale el host público."""
    from eventos.inscripciones import avisos, servicios
    evento = eventos_prueba(cupo=5, modalidad="virtual")
    produccion = create_app({**app.config, "HTTPS": True, "URL_PUBLICA": "https://foros.example.org",
                             "TRUSTED_HOSTS": None, "CORREO_AL_RESPONDER": False})
    with produccion.app_context():
        inscripcion, _ = servicios.inscribir(evento.id, {
            "nombre": "Ana", "apellidos": "Producción", "correo": "ana.produccion@prueba.org", "institucion": "",
            "cargo": "", "pais": "MX", "ciudad": "", "zona_horaria": "America/Mexico_City", "idioma": "es"})
        saliente, = [c for c in db.session.execute(select(CorreoSaliente).where(
            CorreoSaliente.inscripcion_id == inscripcion.id)).scalars()]
        asunto, mensaje = avisos.componer(saliente)
        db.session.rollback()
    import email
    import email.policy
    texto = email.message_from_bytes(mensaje, policy=email.policy.default).get_body(("plain",)).get_content()
    assert asunto.startswith("Inscripción confirmada")
    assert "https://foros.example.org/inscripcion/" in texto and "//localhost" not in texto
