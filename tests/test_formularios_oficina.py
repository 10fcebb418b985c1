"""Cada formulario de edición de la oficina, enviado tal como se muestra, no cambia nada.

Recorre todas las páginas de la oficina del mapa de URL, y en cada una todos los formularios POST con
campos; los envía de vuelta sin tocarlos y comprueba que la base de datos (auditoría incluida) sigue
igual. Un formulario nuevo entra solo en la prueba: si crea algo o es una acción, hay que decirlo abajo.
"""
from urllib.parse import urlsplit

import lxml.html
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from apoyo import entrar
from eventos.extensiones import db
from test_autorizacion import reglas, ruta_con_valores, valores

# Formularios que, por su naturaleza, crean algo nuevo al enviarse (o lo intentan con campos vacíos).
CREAN = {
    "organizacion.nuevo_evento", "organizacion.nueva_sesion", "organizacion.nueva_participacion",
    "organizacion.nueva_mesa", "organizacion.nueva_guia", "organizacion.nuevo_bloque", "organizacion.nueva_pregunta",
    "organizacion.nuevo_material", "organizacion.nuevo_miembro", "organizacion.nueva_inscripcion",
    "organizacion.nueva_pregunta_inscripcion", "organizacion.duplicar", "organizacion.importar",
    "organizacion.nuevo_recordatorio", "organizacion.nueva_seccion_encuesta", "organizacion.nueva_pregunta_encuesta",
}
# Acciones explícitas: su botón es la orden de hacer algo (repartir a las personas entre las mesas, publicar,
# avisar de los cambios del programa).
ACCIONES = {"organizacion.asignar_mesas", "organizacion.publicar_respuestas", "organizacion.avisar_cambios"}


def foto_bd(app) -> dict:
    """Todas las filas de todas las tablas."""
    with app.app_context():
        db.session.expire_all()
        return {tabla.name: sorted(map(tuple, db.session.execute(select(tabla)).all()), key=repr)
                for tabla in db.metadata.sorted_tables}


def formularios_de(app, html: str, ruta: str):
    """(endpoint, acción, valores) de cada formulario POST con campos propios de la página."""
    adaptador = app.url_map.bind("localhost")
    for formulario in lxml.html.fromstring(html).forms:
        if (formulario.method or "GET").upper() != "POST":
            continue
        campos = formulario.form_values()
        if not any(nombre != "csrf_token" for nombre, _ in campos):
            continue  # un solo botón: es una acción (publicar, borrar, mover…), no un formulario de datos
        accion = urlsplit(formulario.action or ruta).path
        endpoint, _ = adaptador.match(accion, method="POST")
        yield endpoint, accion, campos


def test_enviar_un_formulario_sin_tocarlo_no_cambia_nada(app, evento_con_equipo):
    valores_ = valores(app, evento_con_equipo)
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    enviados = set()
    for regla, metodo in reglas(app):
        if metodo != "GET" or not regla.rule.startswith("/organizacion/"):
            continue
        ruta = ruta_con_valores(app, regla, valores_)
        pagina = cliente.get(ruta)
        if pagina.status_code != 200 or pagina.mimetype != "text/html":
            continue
        for endpoint, accion, campos in formularios_de(app, pagina.get_data(as_text=True), ruta):
            if endpoint in CREAN | ACCIONES or accion in enviados:
                continue
            enviados.add(accion)
            antes = foto_bd(app)
            respuesta = cliente.post(accion, data=MultiDict(campos))
            assert respuesta.status_code in (200, 302, 303), f"{accion} (desde {ruta}): {respuesta.status_code}"
            despues = foto_bd(app)
            cambios = {t: (antes[t], despues[t]) for t in antes if antes[t] != despues[t]}
            assert not cambios, f"{accion} (desde {ruta}) cambió sin que nada cambiara en el formulario: {list(cambios)}"
    # Los formularios de edición que hay hoy (así no pasa en silencio si dejara de encontrarlos).
    assert len(enviados) >= 8, sorted(enviados)
