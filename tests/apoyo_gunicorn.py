"""gunicorn de verdad para las pruebas de operación: en 127.0.0.1, en un puerto libre, con gunicorn.conf.py
(precarga, ganchos) y el entorno que se le dé; su salida (stdout y stderr) queda en un archivo."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

RAIZ = Path(__file__).resolve().parent.parent
# Variables del entorno de quien corre las pruebas que cambiarían lo que se prueba.
AJENAS = ("REDIS_URL", "HTTPS", "URL_PUBLICA", "WEB_CONCURRENCY", "PORT", "METRICAS", "METRICAS_CLAVE", "REGISTRO",
          "PROMETHEUS_MULTIPROC_DIR", "CORREO_PROCESO_APARTE", "MAIL_SERVER", "DATABASE_URL", "SECRET_KEY")


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def comando_gunicorn() -> list[str]:
    """gunicorn junto al intérprete; lee gunicorn.conf.py (el socket de control, apagado ahí) desde RAIZ."""
    junto = Path(sys.executable).with_name("gunicorn")
    return [str(junto)] if junto.exists() else [sys.executable, "-m", "gunicorn"]


class Gunicorn:
    def __init__(self, tmp_path: Path, entorno: dict, argumentos=("-w", "2")):
        self.puerto = puerto_libre()
        self.base = f"http://127.0.0.1:{self.puerto}"
        self.archivo = tmp_path / f"gunicorn-{self.puerto}.log"
        base = {clave: valor for clave, valor in os.environ.items() if clave not in AJENAS}
        base.update({"MAIL_CARPETA": str(tmp_path / "correo"), "MATERIALES_CARPETA": str(tmp_path / "materiales"),
                     "PYTHONUNBUFFERED": "1", **entorno})
        self._salida = self.archivo.open("wb")
        self.proceso = subprocess.Popen(
            comando_gunicorn() + ["-b", f"127.0.0.1:{self.puerto}", "--timeout", "60", "--graceful-timeout", "5",
                                  *argumentos, "app:create_app()"],
            cwd=RAIZ, env=base, stdout=self._salida, stderr=subprocess.STDOUT)

    def terminar_solo(self, limite: float = 60.0) -> int:
        """Espera a que gunicorn termine por sí mismo (p. ej. al negarse a arrancar); su código de salida."""
        try:
            return self.proceso.wait(timeout=limite)
        except subprocess.TimeoutExpired:
            self.detener()
            pytest.fail(f"gunicorn no terminó en {limite:.0f} s:\n{self.salida()[-3000:]}")

    def esperar(self, ruta: str = "/api/v1/salud", limite: float = 60.0, **opciones) -> None:
        fin = time.monotonic() + limite
        while time.monotonic() < fin:
            if self.proceso.poll() is not None:
                pytest.fail(f"gunicorn terminó al arrancar (código {self.proceso.returncode}):\n{self.salida()[-3000:]}")
            try:
                if requests.get(self.base + ruta, timeout=5, **opciones).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn no respondió en {limite:.0f} s:\n{self.salida()[-3000:]}")

    def salida(self) -> str:
        if not self._salida.closed:
            self._salida.flush()
        return self.archivo.read_text(encoding="utf-8", errors="replace")

    def detener(self) -> None:
        if self.proceso.poll() is None:
            self.proceso.send_signal(signal.SIGTERM)
            try:
                self.proceso.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proceso.kill()
                self.proceso.wait(timeout=10)
        self._salida.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.detener()
