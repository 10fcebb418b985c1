"""La lista de países del formulario de inscripción y los nombres de los países en cada idioma.

Qué entra: los códigos asignados de ISO 3166-1 (los de `pycountry`), más Kosovo (XK), que no tiene código
ISO pero lo usan la Unión Europea, el Banco Mundial y CLDR, y del que vienen personas a los foros. Quedan
fuera los códigos que CLDR nombra sin ser países: las reservas excepcionales de ISO (Canarias IC, Ceuta y
Melilla EA, Diego García DG, Clipperton CP, Sark CQ, Ascensión AC, Tristán de Acuña TA), las agrupaciones (EU,
EZ, UN, QO), los códigos de pruebas (XA, XB) y el desconocido (ZZ).

Cómo se ordena: como se lee en cada idioma, con el algoritmo de ordenación de Unicode (UCA, `pyuca`): los
acentos no cuentan en la primera pasada («México» va después de «Marruecos» y antes de «Micronesia»;
«África do Sul», con la A). En español, además, la ñ es una letra entre la n y la o (la regla de CLDR
para el español).

El orden y la lista salen de `paises.json`, que genera `python -m eventos.paises` (con `pyuca` y `pycountry`,
dependencias de las pruebas): la tabla de Unicode ocupa unos 20 MB que un proceso web no devolvería al sistema.
tests/test_paises.py comprueba que el archivo coincide con lo que generan las bibliotecas.

Los códigos guardados siguen siendo ISO: una inscripción antigua con un código que ya no está en la lista
(«IC») sigue mostrando su nombre (`nombres`).
"""
from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path

from babel import Locale

ARCHIVO = Path(__file__).with_name("paises.json")
IDIOMAS = ("es", "en", "pt")
FUERA_DE_ISO = frozenset({"XK"})  # Kosovo


@lru_cache(maxsize=1)
def _datos() -> dict:
    return json.loads(ARCHIVO.read_text(encoding="utf-8"))


@lru_cache(maxsize=3)
def nombres(idioma: str) -> dict[str, str]:
    """Código → nombre de cada país o territorio que conoce CLDR, también los que no salen en la lista."""
    return {codigo: nombre for codigo, nombre in Locale.parse(idioma).territories.items()
            if len(codigo) == 2 and codigo.isalpha()}


@lru_cache(maxsize=3)
def _posiciones(idioma: str) -> dict[str, int]:
    """El lugar de cada código en el orden alfabético de los nombres en ese idioma."""
    orden = _datos()["orden"]
    return {codigo: i for i, codigo in enumerate(orden.get(idioma.split("_")[0], orden["es"]))}


def orden_de_pais(idioma: str):
    """Función clave para ordenar códigos de país por su nombre en ese idioma (`sorted(codigos, key=...)`)."""
    posiciones = _posiciones(idioma)
    return lambda codigo: (posiciones.get(codigo, len(posiciones)), codigo)


@lru_cache(maxsize=3)
def paises(idioma: str) -> tuple[tuple[str, str], ...]:
    """(código, nombre) de los países, en el idioma de la página y en su orden alfabético."""
    todos = nombres(idioma)
    return tuple((c, todos[c]) for c in sorted(set(_datos()["paises"]) & todos.keys(), key=orden_de_pais(idioma)))


# --- Generar paises.json (pruebas y `python -m eventos.paises`; nunca en un proceso web) ---------------------
def ordenar(textos, idioma: str) -> list[str]:
    """Los textos en el orden alfabético de ese idioma (UCA; en español, la ñ como letra propia)."""
    import pyuca

    class OrdenadorEspanol(pyuca.Collator):
        """UCA con la regla del español de CLDR (`&N<ñ<<<Ñ`): la ñ, una letra propia entre la n y la o."""

        def __init__(self):
            super().__init__()
            n = self.table.find_prefix([ord("n")])[1][0]
            nn = self.table.find_prefix([ord("N")])[1][0]
            # Un peso primario entre el de la n y el de la letra siguiente: las claves se comparan como tuplas.
            self.table.add([ord("n"), 0x303], [[n[0] + 0.5, n[1], n[2]]])
            self.table.add([ord("N"), 0x303], [[nn[0] + 0.5, nn[1], nn[2]]])

    ordenador = OrdenadorEspanol() if idioma.split("_")[0] == "es" else pyuca.Collator()
    return sorted(textos, key=lambda texto: ordenador.sort_key(unicodedata.normalize("NFC", texto)))


def generar() -> dict:
    """El contenido de paises.json: los códigos de la lista (ISO 3166-1 y Kosovo) y, por idioma, todos los
    códigos con nombre en CLDR en el orden de sus nombres."""
    import pycountry

    orden = {}
    for idioma in IDIOMAS:
        por_nombre = {nombre: codigo for codigo, nombre in nombres(idioma).items()}
        orden[idioma] = [por_nombre[nombre] for nombre in ordenar(por_nombre, idioma)]
    return {"paises": sorted({p.alpha_2 for p in pycountry.countries} | FUERA_DE_ISO), "orden": orden}


if __name__ == "__main__":
    ARCHIVO.write_text(json.dumps(generar(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"Escrito {ARCHIVO}")
