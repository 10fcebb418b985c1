"""Reglas de zonas horarias: conversión con reglas históricas, horas inexistentes y ambiguas."""
from datetime import date, datetime

import pytest

from eventos import zonas

pytestmark = pytest.mark.reloj  # depende de la hora: .ci/run la repite en instantes difíciles


def test_mexico_tenia_horario_de_verano_en_2021():
    # 8 de octubre de 2021, 09:00 en Ciudad de México: aún en horario de verano (UTC−5).
    instante = zonas.a_utc(datetime(2021, 10, 8, 9, 0), "America/Mexico_City")
    assert instante == datetime(2021, 10, 8, 14, 0, tzinfo=zonas.UTC)


def test_mexico_sin_horario_de_verano_desde_2023():
    # Desde la reforma de 2022 no hay horario de verano: en octubre de 2027 es UTC−6.
    instante = zonas.a_utc(datetime(2027, 10, 8, 9, 0), "America/Mexico_City")
    assert instante == datetime(2027, 10, 8, 15, 0, tzinfo=zonas.UTC)


def test_seminario_mercociudades_coincide_con_la_fuente():
    # La fuente: 13:00 de Uruguay = 11:00 de México el 11 de junio de 2021.
    instante = zonas.a_utc(zonas.leer_reloj("2021-06-11 11:00"), "America/Mexico_City")
    assert zonas.a_local(instante, "America/Montevideo").strftime("%H:%M") == "13:00"


def test_hora_inexistente_se_rechaza_con_mensaje_claro():
    # 4 de abril de 2021: en Ciudad de México el reloj saltó de 02:00 a 03:00.
    with pytest.raises(zonas.HoraInexistente) as error:
        zonas.a_utc(zonas.leer_reloj("2021-04-04 02:30"), "America/Mexico_City")
    assert "no existe" in str(error.value)


def test_hora_ambigua_se_rechaza_con_mensaje_claro():
    # 31 de octubre de 2021: de 01:00 a 02:00 ocurrió dos veces.
    with pytest.raises(zonas.HoraAmbigua) as error:
        zonas.a_utc(zonas.leer_reloj("2021-10-31 01:30"), "America/Mexico_City")
    assert "dos veces" in str(error.value)


def test_zona_desconocida_y_formato_invalido():
    with pytest.raises(zonas.ZonaDesconocida):
        zonas.zona("Marte/Olympus_Mons")
    with pytest.raises(zonas.FormatoDeHoraInvalido):
        zonas.a_utc(zonas.leer_reloj("11 de junio, 11h"), "America/Mexico_City")
    assert not zonas.es_zona_valida("America/Ciudad_Inventada")
    assert zonas.es_zona_valida("America/Montevideo")


def test_a_utc_no_acepta_horas_con_zona():
    with pytest.raises(ValueError):
        zonas.a_utc(datetime(2021, 6, 11, 11, tzinfo=zonas.UTC), "America/Mexico_City")


def test_inicio_del_dia_existe_aunque_la_medianoche_no():
    # En Santiago de Chile el cambio de horario de 2021-09-05 salta de 00:00 a 01:00.
    instante = zonas.inicio_del_dia(date(2021, 9, 5), "America/Santiago")
    assert zonas.a_local(instante, "America/Santiago").date() == date(2021, 9, 5)


def test_desfase_y_nombre_de_lugar():
    instante = zonas.a_utc(zonas.leer_reloj("2021-06-11 11:00"), "America/Mexico_City")
    assert zonas.desfase_texto(instante, "America/Mexico_City") == "UTC−05:00"
    assert zonas.desfase_texto(instante, "Asia/Kolkata") == "UTC+05:30"
    assert zonas.nombre_lugar("America/Mexico_City", "es") == "Ciudad de México"
    assert zonas.nombre_lugar("America/Mexico_City", "en") == "Mexico City"


def test_zonas_de_vista_nunca_sustituye_la_del_evento():
    vistas = zonas.zonas_de_vista("America/Mexico_City", ["America/Montevideo"], "Europe/Madrid", "es")
    assert [v.nombre for v in vistas] == ["America/Mexico_City", "America/Montevideo", "Europe/Madrid"]
    assert vistas[0].es_del_evento and vistas[-1].es_del_visitante
    # Si el visitante está en la zona del evento, no se repite la columna.
    vistas = zonas.zonas_de_vista("America/Mexico_City", [], "America/Mexico_City", "es")
    assert len(vistas) == 1 and vistas[0].es_del_evento and vistas[0].es_del_visitante


def test_columna_fecha_hora_utc_exige_zona():
    columna = zonas.FechaHoraUTC()
    with pytest.raises(ValueError):
        columna.process_bind_param(datetime(2021, 1, 1), None)
    valor = columna.process_bind_param(zonas.a_utc(zonas.leer_reloj("2021-06-11 11:00"), "America/Mexico_City"), None)
    assert valor == datetime(2021, 6, 11, 16, 0) and valor.tzinfo is None
    assert columna.process_result_value(valor, None).tzinfo is zonas.UTC
