"""Los objetivos del issue 13 en una corrida: agenda, acreditación, memoria e inscripción, una tras otra.

    .venv/bin/python bench/objetivos.py              # PostgreSQL, como se fijaron los objetivos (~8 min)
    .venv/bin/python bench/objetivos.py --sqlite     # la misma corrida sobre SQLite

Cada medición corre sola (no se estorban entre sí) con su salida completa en un registro; al final se
imprimen juntos sus resúmenes, cada cifra junto a su objetivo o techo con OK o FALLA, y dónde quedó cada
registro. Sale con 0 solo si todas las mediciones terminaron y ninguna cifra dice FALLA.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent

# (script, argumentos con PostgreSQL, con SQLite, línea con la que empieza su resumen, con la que termina o None)
MEDICIONES = (
    ("agenda.py", ["--postgres"], [], "== RESUMEN", "Carga media"),
    ("acreditacion.py", [], ["--sqlite"], "== Resultados", None),
    ("memoria.py", [], ["--sqlite"], "== Resumen", None),
    ("inscripcion.py", [], ["--sqlite"], "== RESUMEN", None),
)


def resumen(salida: str, desde: str, hasta: str | None) -> str:
    lineas = salida.splitlines()
    inicio = next((n for n, linea in enumerate(lineas) if linea.startswith(desde)), None)
    if inicio is None:
        return ""
    fin = next((n for n in range(inicio + 1, len(lineas)) if hasta and lineas[n].startswith(hasta)), len(lineas))
    return "\n".join(lineas[inicio:fin]).rstrip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="todas sobre SQLite en vez de PostgreSQL")
    args = parser.parse_args()
    carpeta = Path(tempfile.mkdtemp(prefix="eventos-bench-objetivos-"))
    comienzo = time.perf_counter()
    resultados = []
    for script, con_postgresql, con_sqlite, desde, hasta in MEDICIONES:
        argumentos = con_sqlite if args.sqlite else con_postgresql
        registro = carpeta / script.replace(".py", ".log")
        print(f"{time.strftime('%H:%M:%S')}  {script} {' '.join(argumentos)}  (registro: {registro})", flush=True)
        with registro.open("w") as salida:
            codigo = subprocess.run([sys.executable, str(RAIZ / "bench" / script), *argumentos], cwd=RAIZ,
                                    stdout=salida, stderr=subprocess.STDOUT).returncode
        texto = resumen(registro.read_text(), desde, hasta)
        resultados.append((script, codigo, texto))
    print(f"\n{'=' * 100}\nObjetivos del issue 13 ({'SQLite' if args.sqlite else 'PostgreSQL'}), "
          f"{(time.perf_counter() - comienzo) / 60:.1f} min\n{'=' * 100}")
    fallos = 0
    for script, codigo, texto in resultados:
        print(f"\n### {script}" + ("" if codigo == 0 else f"  (terminó con código {codigo})"))
        print(texto or "(sin resumen: ver su registro)")
        fallos += (codigo != 0) + (not texto) + texto.count("FALLA")
    print(f"\nRegistros completos en {carpeta}")
    print("Todos los objetivos: OK" if not fallos else f"Objetivos: {fallos} FALLA o medición sin terminar")
    return 1 if fallos else 0


if __name__ == "__main__":
    sys.exit(main())
