"""Compila los catálogos de traducción (.po → .mo) como parte de la instalación normal."""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


def compilar_catalogos(raiz: Path) -> None:
    for po in sorted((raiz / "eventos" / "traducciones").glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as entrada:
            catalogo = read_po(entrada)
        with po.with_suffix(".mo").open("wb") as salida:
            write_mo(salida, catalogo, use_fuzzy=False)


class BuildPyConCatalogos(build_py):
    def run(self):
        compilar_catalogos(Path(__file__).resolve().parent)
        super().run()


setup(cmdclass={"build_py": BuildPyConCatalogos})
