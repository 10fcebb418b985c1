"""El techo de bench/agenda.py: la aplicación Flask mínima de bench/trivial.py con una ruta GET (wrk hace GET).
Se sirve igual que la aplicación (gunicorn, 2 workers) desde bench/: `gunicorn trivial_get:app`."""
from flask import jsonify

from trivial import app


@app.get("/ping", endpoint="ping_agenda")
def ping():
    return jsonify({"estado": "ok"})  # lo mismo que /api/v1/salud
