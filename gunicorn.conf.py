"""Configuración de gunicorn, que la lee por sí solo al arrancar en la raíz del repositorio:
`gunicorn 'app:create_app()'`. La orden manda sobre este archivo: `-w 4`, `-b 0.0.0.0:8000`,
`--access-logfile -`…
"""
import gc
import os

# La aplicación se carga una vez en el proceso maestro y los workers la heredan al bifurcarse: comparten
# sus páginas de memoria (copia al escribir) en vez de cargar cada uno la suya, y arrancan al instante.
preload_app = True
# Número de workers: WEB_CONCURRENCY, como en la mayoría de las plataformas; 2 si no está definida.
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
# Solo la máquina local: delante va el proxy con HTTPS (gunicorn escucharía en 0.0.0.0 si hubiera $PORT).
bind = ["127.0.0.1:8000"]
# Sin registro de accesos (el proxy ya lo lleva); los errores siguen saliendo por stderr.
accesslog = None

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
