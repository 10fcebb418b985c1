"""Páginas públicas de los tres eventos: lo que ve un participante, en la zona del evento y en otras."""
import re

import pytest

from eventos.demo import SLUGS

pytestmark = pytest.mark.reloj  # depende de la hora: .ci/run la repite en instantes difíciles


def texto_visible(respuesta) -> str:
    html = respuesta.get_data(as_text=True)
    html = re.sub(r"<select.*?</select>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def horas_de(respuesta, clase: str) -> list[str]:
    """Rangos de hora mostrados en las filas de una clase (hora-evento, hora-visitante…)."""
    html = respuesta.get_data(as_text=True)
    bloques = re.findall(rf'<p class="hora[^"]*\b{clase}\b[^"]*">(.*?)</p>', html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", b)).strip() for b in bloques]


def test_inicio_lista_proximos_y_pasados(cliente):
    r = cliente.get("/")
    assert r.status_code == 200
    texto = texto_visible(r)
    proximos, pasados = texto.split("Eventos pasados")
    for titulo in ("Jornadas de intercambio México–Unión Europea", "Foro Global de la Economía Social GSEF2021",
                   "Gobiernos locales en acción"):
        assert titulo in proximos and titulo in pasados  # edición 2021 pasada y próxima edición
    assert "fechas ilustrativas" in texto


@pytest.mark.parametrize("slug", SLUGS)
def test_pagina_de_evento_y_de_cada_sesion(cliente, slug):
    r = cliente.get(f"/eventos/{slug}/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    sesiones = sorted(set(re.findall(rf'href="/eventos/{slug}/sesiones/([a-z0-9-]+)"', html)))
    assert sesiones
    for clave in sesiones:
        assert cliente.get(f"/eventos/{slug}/sesiones/{clave}").status_code == 200


def test_mercociudades_horas_en_la_zona_del_evento_y_adicional(cliente):
    r = cliente.get("/eventos/gobiernos-locales-en-accion/?tz=ninguna")
    evento = horas_de(r, "hora-evento")
    assert evento[0].startswith("11:00–11:15 Ciudad de México")
    assert any(h.startswith("12:20–12:30") for h in evento)
    texto = texto_visible(r)
    assert "13:00–13:15 Montevideo" in texto and "14:20–14:30 Montevideo" in texto
    assert "viernes, 11 de junio de 2021" in texto
    assert "UTC−05:00, zona del evento" in texto and "UTC−03:00" in texto
    assert horas_de(r, "hora-visitante") == []


def test_zona_del_visitante_se_anade_sin_quitar_la_del_evento(cliente):
    r = cliente.get("/eventos/gobiernos-locales-en-accion/?tz=Asia/Tokyo")
    assert horas_de(r, "hora-evento")[0].startswith("11:00–11:15 Ciudad de México")
    visitante = horas_de(r, "hora-visitante")
    # 11:00 en Ciudad de México (UTC−5) es la 01:00 del sábado 12 en Tokio (UTC+9).
    assert visitante[0].startswith("01:00–01:15 Tokio su zona") and "sáb 12 jun" in visitante[0]
    assert "su zona" in texto_visible(r)


def test_zona_elegida_se_recuerda_y_se_puede_quitar(cliente):
    cliente.get("/eventos/gsef2021/?tz=Europe/Madrid")
    r = cliente.get("/eventos/gsef2021/sesiones/subtema-5")
    assert horas_de(r, "hora-visitante")[0].startswith("16:00–18:00 Madrid")
    assert horas_de(r, "hora-evento")[0].startswith("09:00–11:00 Ciudad de México")
    cliente.get("/eventos/gsef2021/?tz=ninguna")
    assert horas_de(cliente.get("/eventos/gsef2021/sesiones/subtema-5"), "hora-visitante") == []


def test_zona_detectada_por_el_navegador_se_rotula(cliente):
    cliente.set_cookie("tz", "America/Sao_Paulo")
    cliente.set_cookie("tz_detectada", "1")
    r = cliente.get("/eventos/gsef2021/")
    assert horas_de(r, "hora-visitante")[0].startswith("11:00–13:00 São Paulo")
    assert "detectada en su navegador" in texto_visible(r)


def test_zona_invalida_da_400_con_mensaje(cliente):
    r = cliente.get("/eventos/gsef2021/?tz=Marte/Base")
    assert r.status_code == 400
    assert "no es una zona horaria conocida" in texto_visible(r)


def test_sesion_de_gsef_muestra_objetivos_y_guia(cliente):
    r = cliente.get("/eventos/gsef2021/sesiones/subtema-5")
    texto = texto_visible(r)
    assert "Pregunta rectora" in texto
    assert "¿Cuáles deberán ser las acciones o estrategias de las personas" in texto
    assert "Ronda 1" in texto and "Ronda 2" in texto
    assert "Visibilizar a diferentes organizaciones" in texto
    assert "horario ilustrativo" in texto
    html = r.get_data(as_text=True)
    assert html.count('<li value="') == 10


def test_sesion_de_panel_muestra_personas_con_roles_y_preguntas_anidadas(cliente):
    texto = texto_visible(cliente.get("/eventos/gobiernos-locales-en-accion/sesiones/panel-1?tz=ninguna"))
    assert "Facilitación Dr. Manuel Martínez Justo Director de la FES Acatlán, Universidad Nacional Autónoma de México, México" in texto
    assert "Panelista" in texto and "Sofía Arce Directora General de Relaciones Internacionales, Alcaldía de Cuenca, Cuenca, Ecuador" in texto
    assert "Dentro de esta sesión" in texto and "Sesión de preguntas y respuestas" in texto
    assert "Duración: 35 minutos" in texto


def test_sesion_de_mesas_muestra_la_guia_comun(cliente):
    texto = texto_visible(cliente.get("/eventos/jornadas-mexico-ue/sesiones/grupos-2"))
    assert "Brechas de género" in texto and "Juventud" in texto
    assert "Modernización de los mecanismos de cooperación" in texto
    assert "¿Sigue teniendo relevancia los intercambios entre la UE y AL?" in texto
    assert "miércoles, 10 de noviembre de 2021" in texto and "fechas ilustrativas" in texto


def test_evento_muestra_datos_generales(cliente):
    texto = texto_visible(cliente.get("/eventos/jornadas-mexico-ue/"))
    for fragmento in ("Nota conceptual", "Objetivos", "Resultados esperados", "Formato y metodología",
                      "Delegación de la Unión Europea", "AMEXCID", "Presencial", "Mesas de trabajo",
                      "Preguntas comunes a todas las mesas", "fechas ilustrativas",
                      "Sistematizar", ):
        assert fragmento.lower() in texto.lower(), fragmento


def test_material_se_descarga_como_adjunto(cliente):
    html = cliente.get("/eventos/jornadas-mexico-ue/sesiones/plenaria-3").get_data(as_text=True)
    enlace = re.search(r'href="(/materiales/\d+/[^"]+)"', html).group(1)
    r = cliente.get(enlace)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Cooperación laboral en las Américas" in r.get_data(as_text=True)
    assert cliente.get(enlace + "x").status_code == 404


def test_respuesta_condicional_304(cliente):
    r = cliente.get("/eventos/gsef2021/?tz=ninguna")
    etag = r.headers["ETag"]
    r2 = cliente.get("/eventos/gsef2021/", headers={"If-None-Match": etag})
    assert r2.status_code == 304
    # Otra zona u otro idioma es otra versión de la página.
    assert cliente.get("/eventos/gsef2021/?tz=Europe/Madrid", headers={"If-None-Match": etag}).status_code == 200


def test_evento_inexistente_da_404(cliente):
    assert cliente.get("/eventos/no-existe/").status_code == 404
    assert cliente.get("/eventos/gsef2021/sesiones/no-existe").status_code == 404


def test_pagina_legible_sin_javascript(cliente):
    """Todas las horas están en el HTML servido: el script solo detecta la zona la primera vez."""
    r = cliente.get("/eventos/gobiernos-locales-en-accion/?tz=America/Los_Angeles")
    assert "09:00–09:15 Los Ángeles" in texto_visible(r)
    assert '<form class="selector-zona" method="get"' in r.get_data(as_text=True)
