"""Configuración de gunicorn, que la lee por sí solo al arrancar en la raíz del repositorio:
`gunicorn 'app:create_app()'`. La orden manda sobre este archivo: `-w 4`, `-b 0.0.0.0:8000`,
`--access-logfile -`…
"""
import gc
import os
from pathlib import Path

from eventos.config import activada, carpeta_instancia, desde_entorno, exigir_produccion

# La aplicación se carga una vez en el proceso maestro y los workers la heredan al bifurcarse: comparten
# sus páginas de memoria (copia al escribir) en vez de cargar cada uno la suya, y arrancan al instante.
preload_app = True
# Número de workers: WEB_CONCURRENCY, como en la mayoría de las plataformas; 2 si no está definida.
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
# Solo la máquina local: delante va el proxy con HTTPS (gunicorn escucharía en 0.0.0.0 si hubiera $PORT).
bind = ["127.0.0.1:8000"]
# Sin registro de accesos (el proxy ya lo lleva); los errores siguen saliendo por stderr.
accesslog = None
# Sin el socket de control de gunicorn (por omisión en ~/.gunicorn/): varios nodos en una máquina se pisarían
# el mismo socket, y el servicio de systemd no puede escribir en su carpeta personal. Se gobierna con señales.
control_socket_disable = True
INSTANCIA = carpeta_instancia()  # la misma que usa create_app
# Métricas (METRICAS=1): cada worker escribe las suyas en PROMETHEUS_MULTIPROC_DIR y /metricas suma las de
# todos (prometheus_client en modo multiproceso, eventos/metricas.py). Tiene que estar fijada antes de cargar
# la aplicación; por omisión, metricas/ en la carpeta de la instancia.
if activada("METRICAS"):
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(INSTANCIA) / "metricas"))

# Receta de la documentación de Python para servidores que se bifurcan (gc.freeze): el recolector de ciclos
# no corre en el maestro mientras carga la aplicación, para no dejar huecos en las páginas que los workers
# van a compartir.
gc.disable()


def pre_fork(server, worker):
    """Justo antes de cada bifurcación: lo que hay en el maestro pasa a la generación permanente, que el
    recolector de los workers no recorre (recorrerla escribiría en cada objeto y copiaría sus páginas)."""
    gc.freeze()


def post_fork(server, worker):
    """En el worker recién creado: el recolector vuelve a funcionar (para lo que cree cada petición) y, con
    la aplicación precargada, el pool de conexiones empieza vacío: una conexión abierta en el maestro no se
    comparte con ningún worker (receta de SQLAlchemy: `dispose(close=False)` no cierra la del maestro)."""
    gc.enable()
    if server.cfg.preload_app:
        from eventos.extensiones import db
        with server.app.wsgi().app_context():
            for motor in db.engines.values():
                motor.dispose(close=False)


def post_request(worker, req, environ, resp):
    """Tras responder: recoger la basura cíclica de la petición (cada objeto que carga el ORM queda en un ciclo
    con su estado) antes de que empiece la siguiente. Solo las generaciones jóvenes, donde está lo de esta
    petición: cuesta microsegundos en una página de la caché. Sin esto, la basura de una petición seguía
    ocupando memoria mientras la siguiente pedía más: ~5 MB más por worker tras repetir la síntesis de las
    mesas (bench/memoria.py)."""
    gc.collect(1)


def on_starting(server):
    """Antes de abrir el puerto, con el número real de workers (la orden puede cambiarlo: `-w 4`): en
    producción, varios procesos necesitan REDIS_URL (la regla y su mensaje, en `config.exigir_produccion`).
    El error sale por stderr y gunicorn termina con código 1. Con métricas, su carpeta empieza vacía: lo
    de una ejecución anterior no se suma a esta (documentación de prometheus_client)."""
    exigir_produccion(desde_entorno(INSTANCIA), server.cfg.workers)
    if activada("METRICAS"):
        carpeta = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        carpeta.mkdir(parents=True, exist_ok=True)
        for archivo in carpeta.glob("*.db"):
            archivo.unlink()


def child_exit(server, worker):
    """Un worker terminó: sus métricas de tipo «gauge en vivo» dejan de contar (las demás se siguen sumando)."""
    if activada("METRICAS"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
