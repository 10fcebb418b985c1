"""El techo de la medición de acreditación: una aplicación Flask mínima servida igual (gunicorn, mismos
procesos), que responde a un POST JSON sin base de datos ni sesión."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/")
def eco():
    datos = request.get_json(silent=True) or {}
    return jsonify({"resultado": "aceptado", "codigo": datos.get("codigo")})
