"""El sitio nginx de despliegue/nginx/eventos.conf con sus marcadores cambiados.

Producción (escribe el sitio para /etc/nginx/sites-available/eventos):

    python3 despliegue/generar_nginx.py --dominio foros.example.org --raiz /srv/eventos/app \\
        --nodo 10.0.0.11:8000 --nodo 10.0.0.12:8000

Pruebas: `generar()` escribe un nginx.conf completo que arranca sin root en 127.0.0.1, con el mismo
sitio (los mismos `location`, cabeceras, gzip y reintentos) y todo lo suyo en una carpeta temporal.
"""
from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path
from typing import Sequence

PLANTILLA = Path(__file__).resolve().parent / "nginx" / "eventos.conf"
RAIZ = Path(__file__).resolve().parent.parent
PARAMETROS_NODO = "max_fails=3 fail_timeout=10s"
TIPOS_MIME = Path("/etc/nginx/mime.types")


def sitio(dominio: str, raiz: Path | str, nodos: Sequence[str]) -> str:
    """El texto del sitio. Cada nodo es «host:puerto» (se le añade PARAMETROS_NODO) o una línea `server`
    entera sin `server` ni `;` («127.0.0.1:8001 backup»), que se copia tal cual."""
    lineas = "\n".join(f"    server {nodo if ' ' in nodo else f'{nodo} {PARAMETROS_NODO}'};" for nodo in nodos)
    texto = PLANTILLA.read_text(encoding="utf-8")
    return texto.replace("@NODOS@", lineas).replace("@RAIZ@", str(raiz)).replace("@DOMINIO@", dominio)


def generar(nodos: Sequence[int | str], puerto: int, carpeta: Path, raiz: Path = RAIZ, *,
                    tls: bool = True, puerto_http: int | None = None) -> Path:
    """Escribe en `carpeta` un nginx.conf completo para pruebas en 127.0.0.1 y devuelve su ruta.

    - `nodos`: los nodos del upstream. Un entero es el puerto de un nodo en 127.0.0.1 (con los parámetros
      de producción, PARAMETROS_NODO); un texto es el resto de una línea `server`, tal cual
      («127.0.0.1:8001 max_fails=0», «127.0.0.1:8002 backup»).
    - `puerto`: donde escucha el sitio, en 127.0.0.1. Con `tls` (por omisión) es HTTPS con un certificado
      autofirmado para 127.0.0.1 que se genera con `openssl` en `carpeta/tls/certificado.pem` (úselo como
      `verify=` en requests); sin `tls`, HTTP.
    - `puerto_http`: si se da, también el servidor que redirige a HTTPS escucha ahí; si no, se omite.
    - `carpeta`: una carpeta temporal (se crea si falta); ahí quedan pid, registros (`error.log`,
      `acceso.log`) y cuerpos temporales, así que nginx no necesita root.
    - `raiz`: la raíz del repositorio, de cuya carpeta `estaticos/` sirve nginx.

    Todas las rutas del archivo son absolutas. Arranque: `nginx -c <ruta> -g "daemon off;"` con
    subprocess.Popen (se para con SIGQUIT a ese pid), o sin `-g` (se va a segundo plano y deja su pid en
    `carpeta/nginx.pid`). `nginx -t -c <ruta>` comprueba la configuración.
    """
    carpeta = Path(carpeta).resolve()
    carpeta.mkdir(parents=True, exist_ok=True)
    if not TIPOS_MIME.is_file():
        raise FileNotFoundError(f"nginx sin {TIPOS_MIME}: instálelo con apt-get install -y nginx")
    nodos = [f"127.0.0.1:{nodo} {PARAMETROS_NODO}" if isinstance(nodo, int) else nodo for nodo in nodos]
    texto = sitio("127.0.0.1", raiz, nodos)
    if tls:
        certificado, clave = _certificado_autofirmado(carpeta / "tls")
        escucha = f"listen 127.0.0.1:{puerto} ssl http2;"
    else:
        certificado = clave = None
        escucha = f"listen 127.0.0.1:{puerto};"
    cambios = {
        "    listen [::]:443 ssl http2;\n": "",
        "listen 443 ssl http2;": escucha,
        "    listen [::]:80;\n": "",
        "root /var/www/letsencrypt;": f"root {carpeta / 'acme'};",
        "/var/log/nginx/eventos.access.log": str(carpeta / "acceso.log"),
        "/var/log/nginx/eventos.error.log": str(carpeta / "error.log"),
        "/etc/letsencrypt/live/127.0.0.1/fullchain.pem": str(certificado),
        "/etc/letsencrypt/live/127.0.0.1/privkey.pem": str(clave),
    }
    for viejo, nuevo in cambios.items():
        if viejo not in texto:
            raise ValueError(f"despliegue/nginx/eventos.conf ya no contiene «{viejo.strip()}»: actualice generar_nginx.py")
        texto = texto.replace(viejo, nuevo)
    if not tls:
        texto = "\n".join(linea for linea in texto.splitlines() if not linea.lstrip().startswith("ssl_"))
    texto = (texto.replace("listen 80;", f"listen 127.0.0.1:{puerto_http};") if puerto_http
             else _sin_bloque(texto, "listen 80;"))

    temporales = carpeta / "temporal"
    temporales.mkdir(parents=True, exist_ok=True)
    rutas_temporales = "\n".join(f"    {tipo}_temp_path {temporales / tipo};"
                                 for tipo in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # Con root, los workers de nginx serían «nobody» y no podrían escribir en la carpeta temporal.
    usuario = "user root;\n" if os.geteuid() == 0 else ""
    configuracion = carpeta / "nginx.conf"
    configuracion.write_text(f"""{usuario}worker_processes 1;
pid {carpeta / 'nginx.pid'};
error_log {carpeta / 'error.log'} warn;
events {{
    worker_connections 4096;
}}
http {{
    include {TIPOS_MIME};
    default_type application/octet-stream;
    sendfile on;
    access_log {carpeta / 'acceso.log'};
{rutas_temporales}

{texto}
}}
""", encoding="utf-8")
    return configuracion


def _certificado_autofirmado(carpeta: Path) -> tuple[Path, Path]:
    carpeta.mkdir(parents=True, exist_ok=True)
    certificado, clave = carpeta / "certificado.pem", carpeta / "clave.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(clave), "-out", str(certificado)],
                   check=True, capture_output=True, timeout=60)
    return certificado, clave


def _sin_bloque(texto: str, senal: str) -> str:
    """El texto sin el bloque `server { … }` que contiene `senal`."""
    inicio = texto.rindex("server {", 0, texto.index(senal))
    profundidad, fin = 0, inicio
    for fin in range(inicio, len(texto)):
        profundidad += {"{": 1, "}": -1}.get(texto[fin], 0)
        if texto[fin] == "}" and profundidad == 0:
            break
    return texto[:inicio] + texto[fin + 1:]


def main() -> None:
    argumentos = argparse.ArgumentParser(description="Escribe el sitio nginx de Eventos en la salida estándar.")
    argumentos.add_argument("--dominio", required=True, help="host de URL_PUBLICA, p. ej. foros.example.org")
    argumentos.add_argument("--raiz", required=True, help="carpeta del repositorio en la máquina de nginx")
    argumentos.add_argument("--nodo", action="append", required=True,
                            help=f"host:puerto de un nodo (repetible); se le añade «{PARAMETROS_NODO}»")
    opciones = argumentos.parse_args()
    print(sitio(opciones.dominio, opciones.raiz, opciones.nodo), end="")


if __name__ == "__main__":
    main()
