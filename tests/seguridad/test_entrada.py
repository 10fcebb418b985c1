"""Ataque: bytes y formas hostiles (issue 12, defecto 4). Una sola política para todo texto: NUL,
caracteres de control y de dirección del texto dan un 400 claro y no guardan nada; los saltos de línea
solo donde el campo es de varias líneas; el JSON se lee con límites; las fechas están acotadas."""
import io

import pytest
import yaml
from sqlalchemy import select

from apoyo import campos_del_formulario, enviar, entrar, token_csrf
from apoyo_inscripciones import cuantas, inscribir, unico
from eventos.extensiones import db
from eventos.modelos import Evento
from test_formularios_oficina import foto_bd

NUL, RLO = "\x00", "\u202e"


@pytest.mark.parametrize("ruta", ["/eventos/%00/", "/eventos/gsef2021/?tz=%00", "/eventos/a%E2%80%AEb/",
                                  "/api/v1/eventos?x=%01", "/verificar/%00"])
def test_nul_y_control_en_la_direccion_dan_400(cliente, ruta):
    r = cliente.get(ruta)
    assert r.status_code == 400, ruta
    assert "caracteres no admitidos" in r.get_data(as_text=True)


def test_un_idioma_con_nul_da_400(cliente):
    r = cliente.get("/?lang=%00")
    assert r.status_code == 400 and "Idioma no disponible" in r.get_data(as_text=True)


@pytest.mark.parametrize("hostil", [f"Ana{NUL}", f"Ana{RLO}gnp.exe", "Ana\x1b[31m"])
def test_inscripcion_con_caracteres_hostiles_no_guarda_nada(app, eventos_prueba, hostil):
    evento = eventos_prueba(cupo=5)
    r = inscribir(app.test_client(), evento.slug, unico("hostil"), nombre=hostil)
    assert r.status_code == 400
    assert cuantas(app, evento) == 0


def test_entrar_con_nul_da_400(cliente):
    cliente.get("/cuentas/entrar")
    r = enviar(cliente, "/cuentas/entrar", {"correo": f"a{NUL}@b.org", "clave": "x"})
    assert r.status_code == 400


@pytest.mark.parametrize("titulo, mensaje", [
    ("Foro\r\nBcc: todos@example.org", "una sola línea"),
    (f"Foro {RLO}cod.exe", "caracteres no admitidos"),
])
def test_un_titulo_de_una_linea_no_admite_saltos_ni_control(app, evento_con_equipo, titulo, mensaje):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    ruta = f"/organizacion/eventos/{evento_con_equipo['slug']}/datos"
    campos = dict(campos_del_formulario(cliente.get(ruta).get_data(as_text=True)))
    antes = foto_bd(app)
    r = cliente.post(ruta, data={**campos, "titulo": titulo})
    assert r.status_code == 400 and mensaje in r.get_data(as_text=True)
    assert foto_bd(app) == antes
    # En los campos de varias líneas, los saltos de línea sí valen.
    r = cliente.post(ruta, data={**campos, "objetivos": "Uno\r\nDos"})
    assert r.status_code == 302


@pytest.mark.parametrize("campo, valor", [("fecha_inicio", "9999-12-31"), ("inscripcion_apertura", "9999-12-31T23:59"),
                                          ("fecha_fin", "0001-01-01")])
def test_fechas_imposibles_dan_400_y_no_500(app, evento_con_equipo, campo, valor):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    ruta = f"/organizacion/eventos/{evento_con_equipo['slug']}/datos"
    campos = dict(campos_del_formulario(cliente.get(ruta).get_data(as_text=True)))
    r = cliente.post(ruta, data={**campos, campo: valor})
    assert r.status_code == 400 and "Escriba una fecha entre los años" in r.get_data(as_text=True)
    r = enviar(cliente, f"/organizacion/eventos/{evento_con_equipo['slug']}/duplicar",
               {"slug": "copia-9999", "fecha_inicio": "9999-12-31"})
    assert r.status_code == 400


def test_json_muy_anidado_o_con_nul_da_400(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    cabeceras = {"X-CSRFToken": token_csrf(cliente), "Content-Type": "application/json"}
    ruta = f"/api/v1/eventos/{evento_con_equipo['slug']}/acreditacion"
    for cuerpo in ("[" * 100_000, '{"codigo": "EV1-\\u0000"}', '{"codigo": "x", "id_cliente": "\\u202e"}'):
        r = cliente.post(ruta, data=cuerpo, headers=cabeceras)
        assert r.status_code == 400, cuerpo[:30]
        assert r.get_json()["estado"] == 400
    r = cliente.put(f"/api/v1/mesas/{evento_con_equipo['mesa_id']}/respuestas/1", data="{" * 50_000, headers=cabeceras)
    assert r.status_code == 400


def test_importar_un_programa_con_saltos_en_un_titulo_lo_rechaza(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    programa = {"formato": "programa-eventos/1", "evento": {
        "slug": "importado-hostil", "titulo": "Foro\nBcc: x@y.org", "zona_horaria": "America/Mexico_City",
        "fecha_inicio": "2027-01-01", "fecha_fin": "9999-01-01"}, "sesiones": []}
    r = enviar(cliente, "/organizacion/importar",
               {"archivo": (io.BytesIO(yaml.safe_dump(programa).encode()), "hostil.yaml")},
               content_type="multipart/form-data")
    texto = r.get_data(as_text=True)
    assert r.status_code == 400 and "una sola línea" in texto and "Escriba una fecha entre los años" in texto
    with app.app_context():
        assert db.session.execute(select(Evento).where(Evento.slug == "importado-hostil")).first() is None


def test_importar_un_programa_con_tipos_y_numeros_hostiles_lo_rechaza_sin_500(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    programa = {"formato": "programa-eventos/1", "evento": {
        "slug": "importado-tipos", "titulo": "Foro", "modalidad": ["virtual"], "zona_horaria": [1],
        "zonas_adicionales": [{"x": 1}], "organizadores": ["Bien", f"Mal{NUL}"], "fecha_inicio": "2027-01-01",
        "fecha_fin": "2027-01-01", "inscripcion": {"cupo": 10 ** 20}}, "sesiones": []}
    r = enviar(cliente, "/organizacion/importar",
               {"archivo": (io.BytesIO(yaml.safe_dump(programa).encode()), "tipos.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 400
    with app.app_context():
        assert db.session.execute(select(Evento).where(Evento.slug == "importado-tipos")).first() is None


def test_un_nombre_de_archivo_con_nul_da_400(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    r = enviar(cliente, "/organizacion/importar", {"archivo": (io.BytesIO(b"x"), f"a{NUL}\u202e.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "caracteres no admitidos" in r.get_data(as_text=True)
