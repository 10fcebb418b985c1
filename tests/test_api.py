"""Contrato de la API JSON v1 con los eventos de demostración."""
from datetime import datetime

import pytest

from eventos.demo import SLUGS


def test_lista_de_eventos(cliente):
    r = cliente.get("/api/v1/eventos")
    assert r.status_code == 200 and r.mimetype == "application/json"
    eventos = {e["slug"]: e for e in r.get_json()["eventos"]}
    assert set(SLUGS) <= set(eventos)
    gsef = eventos["gsef2021"]
    for campo in ("slug", "titulo", "zona_horaria", "zonas_adicionales", "inicio", "fin", "url"):
        assert campo in gsef
    assert gsef["inicio"] == "2021-10-08T09:00:00-05:00"


@pytest.mark.parametrize("slug", SLUGS)
def test_evento_completo_cumple_el_contrato(cliente, slug):
    datos = cliente.get(f"/api/v1/eventos/{slug}").get_json()
    assert datos["slug"] == slug and datos["titulo"] and datos["zona_horaria"] == "America/Mexico_City"
    assert isinstance(datos["zonas_adicionales"], list)
    for campo in ("inicio", "fin"):
        assert datetime.fromisoformat(datos[campo]).utcoffset() is not None
    assert datos["sesiones"]
    for sesion in datos["sesiones"]:
        assert {"id", "titulo", "tipo", "inicio", "fin", "participantes"} <= set(sesion)
        inicio, fin = datetime.fromisoformat(sesion["inicio"]), datetime.fromisoformat(sesion["fin"])
        assert inicio.utcoffset() is not None and fin > inicio
        for p in sesion["participantes"]:
            assert {"nombre", "rol", "cargo", "institucion"} <= set(p)
    for mesa in datos["mesas"]:
        assert mesa["nombre"] and isinstance(mesa["id"], int)
    for guia in datos["guias"]:
        assert "pregunta_rectora" in guia
        for bloque in guia["bloques"]:
            assert bloque["titulo"]
            for pregunta in bloque["preguntas"]:
                assert isinstance(pregunta["numero"], int) and pregunta["texto"] and isinstance(pregunta["id"], int)


def test_horas_con_el_desfase_de_la_zona_del_evento(cliente):
    datos = cliente.get("/api/v1/eventos/gobiernos-locales-en-accion").get_json()
    assert [s["inicio"] for s in datos["sesiones"] if s["sesion_padre_id"] is None] == [
        "2021-06-11T11:00:00-05:00", "2021-06-11T11:15:00-05:00", "2021-06-11T11:50:00-05:00", "2021-06-11T12:20:00-05:00"]
    panel1 = next(s for s in datos["sesiones"] if s["titulo"].startswith("Panel 1"))
    assert panel1["participantes"][0] == {
        "nombre": "Manuel Martínez Justo", "tratamiento": "Dr.", "rol": "facilitador",
        "cargo": "Director de la FES Acatlán", "institucion": "Universidad Nacional Autónoma de México",
        "ciudad": "", "pais": "México"}
    # La próxima edición conserva las 11:00 locales; en 2027 México ya no tiene horario de verano.
    siguiente = cliente.get("/api/v1/eventos/gobiernos-locales-en-accion-2027").get_json()
    assert siguiente["sesiones"][0]["inicio"].endswith("T11:00:00-06:00")


def test_guias_de_gsef_y_jornadas(cliente):
    gsef = cliente.get("/api/v1/eventos/gsef2021").get_json()
    guia, = gsef["guias"]
    assert guia["pregunta_rectora"].startswith("¿Cuáles deberán ser las acciones")
    assert [b["titulo"] for b in guia["bloques"]] == ["Ronda 1", "Ronda 2"]
    jornadas = cliente.get("/api/v1/eventos/jornadas-mexico-ue").get_json()
    assert len(jornadas["mesas"]) == 5
    assert jornadas["guias"][0]["pregunta_rectora"] is None
    assert [len(b["preguntas"]) for b in jornadas["guias"][0]["bloques"]] == [8, 3]


def test_api_404_en_json_y_304(cliente):
    r = cliente.get("/api/v1/eventos/no-existe")
    assert r.status_code == 404 and r.get_json()["mensaje"]
    etag = cliente.get("/api/v1/eventos/gsef2021").headers["ETag"]
    assert cliente.get("/api/v1/eventos/gsef2021", headers={"If-None-Match": etag}).status_code == 304
