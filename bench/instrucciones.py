"""Instrucciones de CPU por petición (valgrind/callgrind), para comparar dos versiones del código en una máquina
ruidosa: el recuento apenas cambia de una corrida a otra (±0,1 %), haga lo que haga el resto de la máquina.

    .venv/bin/python bench/instrucciones.py                    # todas las mediciones, 10 peticiones cada una
    .venv/bin/python bench/instrucciones.py agenda agenda_tz   # solo esas
    .venv/bin/python bench/instrucciones.py --peticiones 20

Mide el árbol en el que está este archivo, sobre SQLite (una carpeta temporal que se borra) con el foro
sintético de 300 sesiones. Cada medición es un proceso de Python bajo `valgrind --tool=callgrind`; solo se
cuentan las peticiones medidas (la preparación y el calentamiento van con la instrumentación apagada,
`callgrind_control -i`). Para comparar con otra versión: `git worktree add /tmp/otra <commit>`, copiar allí
este archivo y ejecutarlo desde esa carpeta con el mismo Python. Ver bench/LEEME.md.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from agenda import API, PAGINA, SEMINARIO, crear_aplicacion, preparar_datos, preparar_entorno  # noqa: E402

# nombre: (configuración de la aplicación, ruta, cabeceras, parámetros de la petición i)
MEDICIONES = {
    "agenda": ({"CACHE_BYTES": 0}, PAGINA, {}, lambda i, zonas: {}),
    "agenda_tz": ({"CACHE_BYTES": 0}, PAGINA, {}, lambda i, zonas: {"tz": "Asia/Tokyo"}),
    "agenda_paris": ({"CACHE_BYTES": 0}, PAGINA, {}, lambda i, zonas: {"tz": "Europe/Paris"}),
    "agenda_zonas": ({"CACHE_BYTES": 0}, PAGINA, {}, lambda i, zonas: {"tz": zonas[i * 7 % len(zonas)]}),
    "api": ({"CACHE_BYTES": 0}, API, {}, lambda i, zonas: {}),
    "seminario": ({"CACHE_BYTES": 0}, SEMINARIO, {}, lambda i, zonas: {}),
    "agenda_cache": ({}, PAGINA, {}, lambda i, zonas: {}),
    "agenda_cache_gzip": ({}, PAGINA, {"Accept-Encoding": "gzip"}, lambda i, zonas: {}),
    "agenda_304": ({}, PAGINA, {"If-None-Match": None}, lambda i, zonas: {}),
}


def entorno(carpeta: Path) -> None:
    """El de `agenda.py`: SQLite en `carpeta` y sin Redis (con REDIS_URL, CACHE_BYTES=0 no tendría efecto)."""
    os.environ.pop("REDIS_URL", None)
    os.environ.update(preparar_entorno(False, carpeta))


def preparar(carpeta: Path) -> None:
    entorno(carpeta)
    app = crear_aplicacion(carpeta)
    with app.app_context():
        preparar_datos()


def medir(carpeta: Path, nombre: str, peticiones: int) -> None:
    """Dentro de valgrind: calienta con la instrumentación apagada y cuenta solo las peticiones medidas."""
    from eventos.zonas import zonas_para_selector
    entorno(carpeta)
    config, ruta, cabeceras, parametros = MEDICIONES[nombre]
    cliente = crear_aplicacion(carpeta, config).test_client(use_cookies=False)
    zonas = [zona for zona, _ in zonas_para_selector("es")]
    if "If-None-Match" in cabeceras:
        cabeceras = {"If-None-Match": cliente.get(ruta).headers["ETag"]}
    for i in range(3):
        cliente.get(ruta, query_string=parametros(peticiones + i, zonas), headers=cabeceras)
    instrumentar = ["callgrind_control", "-i"]
    subprocess.run([*instrumentar, "on", str(os.getpid())], check=True, capture_output=True)
    for i in range(peticiones):
        respuesta = cliente.get(ruta, query_string=parametros(i, zonas), headers=cabeceras)
        if respuesta.status_code not in (200, 304):
            raise SystemExit(f"{ruta} respondió {respuesta.status_code}")
    subprocess.run([*instrumentar, "off", str(os.getpid())], check=True, capture_output=True)


def contar(carpeta: Path, nombre: str, peticiones: int) -> int:
    orden = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null",
             sys.executable, __file__, "--medir", nombre, "--carpeta", str(carpeta), "--peticiones", str(peticiones)]
    # Con la misma semilla de hash, el recuento de una corrida a otra varía menos (±0,1 %).
    resultado = subprocess.run(orden, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    total = re.search(r"Collected : (\d+)", resultado.stderr)
    if resultado.returncode != 0 or total is None:
        raise SystemExit(f"{nombre}: valgrind terminó con {resultado.returncode}\n{resultado.stderr[-2000:]}")
    return int(total.group(1))


def _positivo(texto: str) -> int:
    valor = int(texto)
    if valor < 1:
        raise argparse.ArgumentTypeError("debe ser 1 o más")
    return valor


def main() -> None:
    argumentos = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    argumentos.add_argument("mediciones", nargs="*", metavar="medicion", help=", ".join(MEDICIONES))
    argumentos.add_argument("--peticiones", type=_positivo, default=10)
    argumentos.add_argument("--medir", help=argparse.SUPPRESS)
    argumentos.add_argument("--carpeta", help=argparse.SUPPRESS)
    opciones = argumentos.parse_args()
    if opciones.medir:
        medir(Path(opciones.carpeta), opciones.medir, opciones.peticiones)
        return
    desconocidas = set(opciones.mediciones) - set(MEDICIONES)
    if desconocidas:
        argumentos.error(f"mediciones desconocidas: {', '.join(sorted(desconocidas))}")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("Hace falta valgrind (paquete valgrind de Debian).")
    carpeta = Path(tempfile.mkdtemp(prefix="bench-instrucciones-"))
    try:
        preparar(carpeta)
        print(f"Árbol: {RAIZ} ({opciones.peticiones} peticiones por medición)")
        for nombre in opciones.mediciones or MEDICIONES:
            total = contar(carpeta, nombre, opciones.peticiones)
            print(f"{nombre:<20} {total / opciones.peticiones / 1e6:8.2f} millones de instrucciones por petición")
    finally:
        shutil.rmtree(carpeta, ignore_errors=True)


if __name__ == "__main__":
    main()
