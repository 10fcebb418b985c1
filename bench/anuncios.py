"""Anuncios a 10 000 personas: anotarlos en la bandeja de salida y entregarlos por SMTP con el proceso de correo.

    .venv/bin/python bench/anuncios.py                 # PostgreSQL (base eventos_bench_anuncios, se crea y se borra)
    .venv/bin/python bench/anuncios.py --sqlite        # SQLite en una carpeta temporal
    .venv/bin/python bench/anuncios.py --personas 2000 # prueba rápida del guion (cifras sin valor)
    .venv/bin/python bench/anuncios.py --perfil        # perfil cProfile aunque se cumpla el objetivo

1. Anotar: un anuncio al segmento «confirmadas» de un evento con 10 000 inscripciones confirmadas;
   `servicios.enviar` (un INSERT … SELECT) y el commit. Objetivo ≤ 2 s.
2. Entregar: un servidor SMTP de pruebas (aiosmtpd en 127.0.0.1, en este proceso) y `flask correo enviar
   --continuo` tal como se despliega (sin --cada, sin nice), con CORREO_PROCESO_APARTE=1: mensajes por
   segundo desde que arranca el proceso hasta que los 10 000 están «enviado». Objetivo ≥ 200 mensajes/s con un
   proceso; con dos procesos a la vez, a título informativo. Se comprueba que cada persona recibió el anuncio
   exactamente una vez y que no se repite ningún Message-ID.
3. Si la entrega no llega al objetivo (o con --perfil): perfil cProfile de `correo.entregar_pendientes` en
   este mismo proceso, contra el mismo servidor SMTP, con 1 000 mensajes de otro anuncio.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import create_engine, func, select

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))
sys.path.insert(0, str(RAIZ / "bench"))

from agenda import base_de_medicion, carga_media, parar, titulo  # noqa: E402
from foro_sintetico import inscribir_confirmadas  # noqa: E402

BASE_PG = "eventos_bench_anuncios"
DOMINIO = "bench-anuncios.org"
URL_PUBLICA = "http://localhost"
SECRETO = "bench-anuncios"
ANOTAR_MAXIMO_S = 2.0
MENSAJES_POR_SEGUNDO_MINIMO = 200
PERFILADOS = 1000
ESPERA_MAXIMA_S = 600  # como mucho, lo que se espera a que una entrega termine


class Sumidero:
    """Manejador de aiosmtpd que cuenta cada mensaje aceptado por destinatario y guarda su Message-ID."""

    def __init__(self):
        self._cerrojo = threading.Lock()
        self._cabeceras = BytesHeaderParser()
        self.vaciar()

    def vaciar(self):
        with self._cerrojo:
            self.destinatarios: Counter = Counter()
            self.identificadores: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        identificador = self._cabeceras.parsebytes(envelope.content)["Message-ID"]
        with self._cerrojo:
            self.destinatarios.update(d.lower() for d in envelope.rcpt_tos)
            self.identificadores.append(identificador)
        return "250 Message accepted for delivery"

    def comprobar(self, esperados: set[str]) -> dict:
        with self._cerrojo:
            return {"recibidos": sum(self.destinatarios.values()),
                    "uno_por_persona": self.destinatarios == Counter(esperados),
                    "ids_unicos": len(set(self.identificadores)) == len(self.identificadores)}


def arrancar_sumidero() -> tuple[Sumidero, object]:
    from aiosmtpd.controller import Controller

    class Controlador(Controller):
        def _trigger_server(self):  # port=0: el sistema elige un puerto libre
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    sumidero = Sumidero()
    controlador = Controlador(sumidero, hostname="127.0.0.1", port=0, ready_timeout=5)
    controlador.start()
    return sumidero, controlador


def crear_aplicacion(url_bd: str, carpeta: Path, puerto_smtp: int):
    from app import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url_bd, "SECRET_KEY": SECRETO, "URL_PUBLICA": URL_PUBLICA,
                       "MAIL_CARPETA": str(carpeta / "correo"), "MATERIALES_CARPETA": str(carpeta / "materiales"),
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": puerto_smtp, "CORREO_AL_RESPONDER": False,
                       "REDIS_URL": None})


def preparar(app, personas: int) -> int:
    """Esquema, un evento publicado y `personas` inscripciones confirmadas; devuelve el id del evento."""
    from flask_migrate import upgrade

    from eventos.extensiones import db
    from eventos.servicios import programa
    with app.app_context():
        upgrade()
        inicio = time.perf_counter()
        evento = programa.importar({
            "formato": programa.FORMATO,
            "evento": {"slug": "foro-anuncios", "titulo": "Foro de prueba de anuncios", "estado": "publicado",
                       "zona_horaria": "America/Mexico_City", "fecha_inicio": "2027-05-10", "fecha_fin": "2027-05-10"},
            "sesiones": [{"clave": "s1", "titulo": "Plenaria", "tipo": "plenaria",
                          "inicio": "2027-05-10 09:00", "fin": "2027-05-10 10:00"}],
        })
        db.session.flush()
        inscribir_confirmadas(evento.id, personas, DOMINIO)
        db.session.commit()
        print(f"Preparación: evento y {personas} inscripciones confirmadas en {time.perf_counter() - inicio:.1f} s")
        return evento.id


def anotar(app, evento_id: int, segmento: dict, etiqueta: str) -> tuple[int, int, float]:
    """Un anuncio al segmento: (id, correos anotados, segundos de `servicios.enviar` + commit)."""
    from eventos.comunicaciones import servicios
    from eventos.extensiones import db
    from eventos.modelos import Anuncio, CorreoSaliente, Evento
    with app.app_context():
        anuncio = Anuncio(evento=db.session.get(Evento, evento_id), segmento=segmento, idioma="es",
                          textos={"es": {"asunto": f"{etiqueta}: aviso para {{nombre}}",
                                         "texto": "Hola {nombre}:\n\nLa plenaria cambia de sala. Su enlace: {enlace}"}})
        db.session.add(anuncio)
        db.session.flush()
        inicio = time.perf_counter()
        servicios.enviar(anuncio)
        db.session.commit()
        segundos = time.perf_counter() - inicio
        # `enviar` devuelve el rowcount del INSERT … SELECT; se cuenta en la base para no depender de él.
        anotados = db.session.scalar(select(func.count()).select_from(CorreoSaliente)
                                     .where(CorreoSaliente.anuncio_id == anuncio.id))
        return anuncio.id, anotados, segundos


def estados(motor, anuncio_id: int) -> dict[str, int]:
    from eventos.modelos import CorreoSaliente
    with motor.connect() as conexion:
        return dict(conexion.execute(select(CorreoSaliente.estado, func.count())
                                     .where(CorreoSaliente.anuncio_id == anuncio_id)
                                     .group_by(CorreoSaliente.estado)).all())


def cpu_segundos(pid: int) -> float:
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def entregar(url_bd: str, carpeta: Path, puerto_smtp: int, anuncio_id: int, total: int, procesos: int) -> dict:
    """Arranca `procesos` procesos de correo y espera a que los `total` correos del anuncio estén «enviado»."""
    entorno = {clave: valor for clave, valor in os.environ.items()
               if not clave.startswith(("REDIS_", "DATABASE_", "MAIL_"))}
    entorno.update({"DATABASE_URL": url_bd, "SECRET_KEY": SECRETO, "URL_PUBLICA": URL_PUBLICA,
                    "CORREO_PROCESO_APARTE": "1", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(puerto_smtp),
                    "INSTANCIA": str(carpeta / "instancia-correo")})
    motor = create_engine(url_bd)
    registros = [carpeta / f"correo-{procesos}-{n}.log" for n in range(procesos)]
    inicio = time.perf_counter()
    lanzados = [subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "app", "correo", "enviar",
                                  "--continuo"], cwd=RAIZ, env=entorno, stdout=registro.open("w"),
                                 stderr=subprocess.STDOUT) for registro in registros]
    primero = fin = None
    vistos: dict[str, int] = {}
    cpu = 0.0
    try:
        while time.perf_counter() - inicio < ESPERA_MAXIMA_S:
            vistos = estados(motor, anuncio_id)
            if primero is None and vistos.get("enviado"):
                primero = time.perf_counter()
            if vistos == {"enviado": total}:
                fin = time.perf_counter()
                break
            if any(p.poll() is not None for p in lanzados):
                print("Un proceso de correo terminó antes de tiempo:\n"
                      + "\n".join(r.read_text()[-2000:] for r in registros))
                break
            time.sleep(0.1)
        cpu = sum(cpu_segundos(p.pid) for p in lanzados if p.poll() is None)
    finally:
        for proceso in lanzados:
            parar(proceso)
        motor.dispose()
    duracion = (fin or time.perf_counter()) - inicio
    return {"procesos": procesos, "segundos": duracion, "por_segundo": vistos.get("enviado", 0) / duracion,
            "desde_el_primero": (total - 1) / (fin - primero) if fin and primero and fin > primero else None,
            "arranque_s": (primero - inicio) if primero else None, "completo": fin is not None,
            "estados": vistos, "cpu_ms": 1000 * cpu / max(vistos.get("enviado", 0), 1)}


def perfilar(app, evento_id: int, sumidero: Sumidero, cuantos: int) -> None:
    """cProfile de `correo.entregar_pendientes` en este proceso, con un anuncio a las `cuantos` primeras personas."""
    from eventos import correo
    from eventos.comunicaciones import servicios
    from eventos.extensiones import db
    from eventos.modelos import Evento, Inscripcion
    with app.app_context():
        ids = db.session.scalars(select(Inscripcion.id).where(Inscripcion.evento_id == evento_id)
                                 .order_by(Inscripcion.id).limit(cuantos)).all()
        segmento = servicios.segmento_de(db.session.get(Evento, evento_id), "seleccion", ids=ids)
    anotar(app, evento_id, segmento, "Perfil")
    sumidero.vaciar()
    perfil = cProfile.Profile()
    with app.app_context():
        inicio = time.perf_counter()
        enviados, fallidos = perfil.runcall(correo.entregar_pendientes, limite=cuantos)
        segundos = time.perf_counter() - inicio
    print(f"{enviados} enviados, {fallidos} fallidos en {segundos:.1f} s con el perfilador "
          f"({enviados / segundos:.0f} mensajes/s; el perfilador lo hace más lento)")
    estadisticas = pstats.Stats(perfil)
    por_funcion = {(archivo, nombre): datos[3] for (archivo, _, nombre), datos in estadisticas.stats.items()}

    def acumulado(modulo: str, nombre: str) -> float:
        return sum(t for (archivo, funcion), t in por_funcion.items() if funcion == nombre and archivo.endswith(modulo))
    total = acumulado("correo.py", "entregar_pendientes")
    partes = {"componer (plantillas, enlaces firmados, MIME)": acumulado("correo.py", "componer"),
              "entregar_bytes (SMTP)": acumulado("correo.py", "entregar_bytes"),
              "  de ello, abrir la conexión (connect, EHLO)": acumulado("smtplib.py", "__init__")
              + acumulado("smtplib.py", "ehlo_or_helo_if_needed"),
              "  de ello, cerrar la conexión (QUIT)": acumulado("smtplib.py", "__exit__"),
              "reclamar (UPDATE … RETURNING + commit por trozo)": acumulado("correo.py", "_reclamar"),
              "anotar el resultado (UPDATE + commit por correo)": acumulado("correo.py", "_anotar")}
    print(f"Dónde se va el tiempo de entregar_pendientes ({total:.2f} s con el perfilador, por mensaje "
          f"{1000 * total / max(enviados, 1):.2f} ms):")
    for nombre, segundos_parte in partes.items():
        print(f"  {nombre:48} {segundos_parte:6.2f} s  {100 * segundos_parte / total:5.1f} %  "
              f"{1000 * segundos_parte / max(enviados, 1):5.2f} ms/mensaje")
    for orden in ("cumulative", "tottime"):
        salida = io.StringIO()
        pstats.Stats(perfil, stream=salida).sort_stats(orden).print_stats(25)
        print(f"-- cProfile por {orden} --")
        print("\n".join(salida.getvalue().splitlines()[6:]))


def _marca(cumple: bool) -> str:
    return "OK   " if cumple else "FALLA"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="SQLite en una carpeta temporal en vez de PostgreSQL")
    parser.add_argument("--personas", type=int, default=10_000, help="inscripciones confirmadas (10 000)")
    parser.add_argument("--perfil", action="store_true", help="perfil cProfile aunque se cumpla el objetivo")
    args = parser.parse_args()
    esperados = {f"p{n}@{DOMINIO}" for n in range(args.personas)}
    sumidero, controlador = arrancar_sumidero()
    try:
        with tempfile.TemporaryDirectory(prefix="eventos-bench-anuncios-") as tmp, \
                base_de_medicion(args.sqlite, Path(tmp), BASE_PG) as url_bd:
            carpeta = Path(tmp)
            print(f"Base: {url_bd} · CPU: {os.cpu_count()} · SMTP: 127.0.0.1:{controlador.port} · "
                  f"carga media: {carga_media()}")
            app = crear_aplicacion(url_bd, carpeta, controlador.port)
            evento_id = preparar(app, args.personas)
            entregas, anotados = [], []
            for procesos in (1, 2):
                titulo(f"Anuncio a {args.personas} personas, {procesos} proceso(s) de correo "
                       f"(carga media: {carga_media()})")
                anuncio_id, cuantos, segundos = anotar(app, evento_id, {"tipo": "confirmadas"}, f"Anuncio {procesos}")
                anotados.append((cuantos, segundos))
                print(f"anotados {cuantos} correos en {segundos:.2f} s (servicios.enviar + commit)")
                sumidero.vaciar()
                r = entregar(url_bd, carpeta, controlador.port, anuncio_id, cuantos, procesos)
                r.update(sumidero.comprobar(esperados))
                entregas.append(r)
                print(f"{r['estados']} en {r['segundos']:.1f} s: {r['por_segundo']:.1f} mensajes/s desde el arranque"
                      + (f", {r['desde_el_primero']:.1f}/s desde el primer envío (arranque {r['arranque_s']:.1f} s)"
                         if r["desde_el_primero"] else "")
                      + f"; CPU de los procesos de correo {r['cpu_ms']:.2f} ms/mensaje; recibidos {r['recibidos']}")
            lento = entregas[0]["por_segundo"] < MENSAJES_POR_SEGUNDO_MINIMO
            if lento or args.perfil:
                titulo(f"Perfil: correo.entregar_pendientes en el proceso, {PERFILADOS} mensajes "
                       f"(carga media: {carga_media()})")
                perfilar(app, evento_id, sumidero, min(PERFILADOS, args.personas))
            with app.app_context():
                from eventos.extensiones import db
                db.engine.dispose()
    finally:
        controlador.stop()

    titulo(f"RESUMEN (carga media al terminar: {carga_media()})")
    print(f"objetivos: anotar ≤ {ANOTAR_MAXIMO_S:.0f} s; entregar ≥ {MENSAJES_POR_SEGUNDO_MINIMO} mensajes/s con un "
          "proceso de correo; cada persona recibe el anuncio una vez")
    for (cuantos, segundos), r in zip(anotados, entregas):
        print(f"anotar {cuantos} correos           {segundos:6.2f} s          {_marca(segundos <= ANOTAR_MAXIMO_S)}")
        if r["procesos"] == 1:
            veredicto = _marca(r["por_segundo"] >= MENSAJES_POR_SEGUNDO_MINIMO and r["completo"])
        else:
            veredicto = "(informativo)"
        print(f"entregar con {r['procesos']} proceso(s)     {r['por_segundo']:6.1f} mensajes/s {veredicto}"
              f"   {r['segundos']:.1f} s en total")
        print(f"    recibidos {r['recibidos']} de {len(esperados)}: uno por persona y Message-ID sin repetir "
              f"{_marca(r['uno_por_persona'] and r['ids_unicos'] and r['completo'])}")


if __name__ == "__main__":
    main()
