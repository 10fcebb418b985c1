"""Ataque: redirección abierta tras entrar (issue 12, defecto 3). Solo se siguen rutas de este sitio,
sea cual sea la codificación; un `next` con saltos de línea no es un 500."""
import pytest

from apoyo import enviar, entrar

HOSTILES = [
    "/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "//evil.example", "/\\evil.example",
    "https://evil.example/", "///evil.example", "/%20/evil.example", "http:/evil.example", "%2F%2Fevil.example",
    "/%E3%80%80/evil.example", "javascript:alert(1)", "/organizacion/%0D%0ASet-Cookie:x=1",
]


@pytest.mark.parametrize("siguiente", HOSTILES)
def test_entrar_con_next_hostil_vuelve_a_la_oficina(app, evento_con_equipo, siguiente):
    cliente = app.test_client()
    cliente.get("/cuentas/entrar")
    r = enviar(cliente, f"/cuentas/entrar?next={siguiente}",
               {"correo": evento_con_equipo["correos"]["organizador"], "clave": "clave-de-prueba-123"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/organizacion/", r.headers["Location"]
    # Ya con sesión, la misma dirección también vuelve a la oficina.
    r = cliente.get(f"/cuentas/entrar?next={siguiente}")
    assert r.status_code == 302 and r.headers["Location"] == "/organizacion/"


def test_un_next_del_propio_sitio_se_sigue(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    destino = f"/organizacion/eventos/{evento_con_equipo['slug']}/agenda"
    r = cliente.get(f"/cuentas/entrar?next={destino}")
    assert r.status_code == 302 and r.headers["Location"] == destino
