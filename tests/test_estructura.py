"""Reglas de estructura que se comprueban solas: un blueprint no importa las rutas ni las ayudas privadas
de otro, los permisos viven en un solo módulo y cada vista de la oficina entra por `vista_de_evento`."""
import ast
from pathlib import Path

PAQUETE = Path(__file__).resolve().parent.parent / "eventos"
BLUEPRINTS = {p.name for p in PAQUETE.iterdir() if (p / "__init__.py").is_file() and p.name not in ("modelos", "servicios", "demo")}


def _importaciones(archivo: Path):
    for nodo in ast.walk(ast.parse(archivo.read_text(encoding="utf-8"))):
        if isinstance(nodo, ast.ImportFrom) and nodo.level >= 1 and nodo.module:
            yield nodo.level, nodo.module, [a.name for a in nodo.names]


def test_ningun_blueprint_importa_rutas_ni_ayudas_privadas_de_otro():
    problemas = []
    for blueprint in BLUEPRINTS:
        for archivo in (PAQUETE / blueprint).glob("*.py"):
            for nivel, modulo, nombres in _importaciones(archivo):
                destino = modulo.split(".")[0]
                if nivel != 2 or destino not in BLUEPRINTS or destino == blueprint:
                    continue
                if modulo.endswith(".rutas") or any(n.startswith("_") for n in nombres):
                    problemas.append(f"{archivo.relative_to(PAQUETE)}: from ..{modulo} import {', '.join(nombres)}")
    assert not problemas, problemas


def test_las_vistas_de_la_oficina_entran_por_vista_de_evento():
    """Ninguna vista con `<slug>` en la oficina carga el evento por su cuenta."""
    sueltas, vistas = [], 0
    for archivo in (PAQUETE / "organizacion").glob("*.py"):
        for nodo in ast.walk(ast.parse(archivo.read_text(encoding="utf-8"))):
            if not isinstance(nodo, ast.FunctionDef):
                continue
            decoradores = [ast.unparse(d) for d in nodo.decorator_list]
            if any("<slug>" in d for d in decoradores):
                vistas += 1
                if not any(d.startswith("vista_de_evento") for d in decoradores):
                    sueltas.append(f"{archivo.name}:{nodo.name}")
    assert not sueltas, sueltas
    assert vistas >= 30  # las de la oficina (las de borrar y mover las registra ordenables.registrar)


def test_licencia_del_proyecto_y_de_lo_copiado_de_terceros():
    """pyproject.toml declara MIT y el texto está en LICENSE; lo de terceros lleva su licencia al lado."""
    import tomllib
    raiz = PAQUETE.parent
    declarada = tomllib.loads((raiz / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    texto = (raiz / "LICENSE").read_text(encoding="utf-8")
    assert declarada == "MIT" and texto.startswith("MIT License") and "Permission is hereby granted" in texto
    assert "Apache License" in (raiz / "estaticos" / "vendor" / "jsqr" / "LICENSE").read_text(encoding="utf-8")
    fuentes = PAQUETE / "pdf" / "fuentes"
    licencia_fuentes = (fuentes / "LICENCIA.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licencia_fuentes and "Arev Fonts Copyright" in licencia_fuentes
    assert list(fuentes.glob("*.ttf"))
    assert "## Licencia" in (raiz / "README.md").read_text(encoding="utf-8")
