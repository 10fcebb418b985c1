"""Ataque: una cookie copiada antes de salir (issue 12, defecto 5). Salir borra la sesión en el servidor:
ni la cookie de sesión ni la de «recordarme» vuelven a abrir la oficina; las demás sesiones siguen."""
from apoyo import CLAVE, enviar, token_csrf


def _entrar(app, correo, recordar=False):
    cliente = app.test_client()
    cliente.get("/cuentas/entrar")
    r = enviar(cliente, "/cuentas/entrar", {"correo": correo, "clave": CLAVE, **({"recordar": "y"} if recordar else {})})
    assert r.status_code == 302
    return cliente


def _copia(app, cliente, nombre):
    """Otro navegador con solo la cookie `nombre` copiada del primero."""
    ladron = app.test_client()
    ladron.set_cookie(nombre, cliente.get_cookie(nombre).value)
    return ladron


def test_salir_invalida_la_cookie_de_sesion_y_la_de_recordarme(app, evento_con_equipo):
    correo = evento_con_equipo["correos"]["organizador"]
    cliente = _entrar(app, correo, recordar=True)
    otra_sesion = _entrar(app, correo)  # el teléfono de la misma persona
    sesion, recordarme = _copia(app, cliente, "session"), _copia(app, cliente, "remember_token")
    assert sesion.get("/organizacion/").status_code == 200
    assert recordarme.get("/organizacion/").status_code == 200

    r = cliente.post("/cuentas/salir", data={"csrf_token": token_csrf(cliente)})
    assert r.status_code == 302
    for copia in (sesion, recordarme):
        r = copia.get("/organizacion/")
        assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]
    assert cliente.get("/organizacion/").status_code == 302
    assert otra_sesion.get("/organizacion/").status_code == 200  # salir aquí no cierra el teléfono
