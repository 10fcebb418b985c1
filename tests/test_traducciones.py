"""Interfaz en español, inglés y portugués: catálogos completos, al día y compilados en la instalación."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

RAIZ = Path(__file__).resolve().parent.parent
TRADUCCIONES = RAIZ / "eventos" / "traducciones"
IDIOMAS = ("en", "pt")
METODOS = [("eventos/**.py", "python"), ("plantillas/**.html", "jinja2"), ("plantillas/**.txt", "jinja2")]
PALABRAS_CLAVE = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                  "lazy_ngettext": (1, 2)}


def catalogo(idioma):
    with (TRADUCCIONES / idioma / "LC_MESSAGES" / "messages.po").open("rb") as archivo:
        return read_po(archivo)


def mensajes_del_codigo() -> set[str]:
    encontrados = extract_from_dir(str(RAIZ), METODOS, keywords=PALABRAS_CLAVE)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in encontrados if m[0].split("/")[0] in ("eventos", "plantillas")}


@pytest.mark.parametrize("idioma", IDIOMAS)
def test_catalogo_completo_y_al_dia(idioma):
    cat = catalogo(idioma)
    # En los plurales (ngettext) el id y la traducción son tuplas: se comparan por su forma singular.
    traducidos = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in cat if m.id}
    faltan = sorted(mensajes_del_codigo() - set(traducidos))
    assert not faltan, f"Mensajes sin entrada en {idioma} (pybabel extract + update): {faltan[:10]}"
    formas = lambda valor: list(valor) if isinstance(valor, tuple) else [valor]
    sin_traducir = [clave for clave, m in traducidos.items() if not all(formas(m.string)) or m.fuzzy]
    assert not sin_traducir, f"Sin traducir en {idioma}: {sin_traducir[:10]}"
    marcadores = lambda texto: sorted(re.findall(r"%\(\w+\)[sd]|\{\w+\}", texto))
    for clave, m in traducidos.items():
        for traduccion in formas(m.string):
            assert marcadores(formas(m.id)[-1]) == marcadores(traduccion), clave


@pytest.mark.parametrize("idioma", IDIOMAS)
def test_catalogo_compilado_en_la_instalacion(idioma):
    mo = TRADUCCIONES / idioma / "LC_MESSAGES" / "messages.mo"
    assert mo.is_file(), "Los catálogos se compilan al instalar: pip install -e '.[pruebas]'"


@pytest.mark.parametrize("idioma, esperado, zona", [
    ("en", "Upcoming events", "your time zone"), ("pt", "Próximos eventos", "seu fuso")])
def test_paginas_en_otro_idioma(cliente, idioma, esperado, zona):
    r = cliente.get(f"/?lang={idioma}")
    assert f'<html lang="{idioma}">' in r.get_data(as_text=True) and esperado in r.get_data(as_text=True)
    # El idioma elegido se recuerda, y las fechas y zonas se nombran en ese idioma.
    html = cliente.get("/eventos/gsef2021/sesiones/subtema-5?tz=Europe/Madrid").get_data(as_text=True)
    assert zona in html
    assert {"en": "Friday, October 8, 2021", "pt": "sexta-feira, 8 de outubro de 2021"}[idioma] in html
    assert {"en": "Mexico City", "pt": "Cidade do México"}[idioma] in html


def test_idioma_por_cabecera_del_navegador(cliente):
    r = cliente.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"})
    assert '<html lang="pt">' in r.get_data(as_text=True)
    r = cliente.get("/", headers={"Accept-Language": "de-DE"})
    assert '<html lang="es">' in r.get_data(as_text=True)


def test_idioma_no_disponible_da_400(cliente):
    r = cliente.get("/?lang=klingon")
    assert r.status_code == 400 and "Idioma no disponible" in r.get_data(as_text=True)
