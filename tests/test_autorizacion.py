"""Matriz de autorización: cada ruta de la oficina y de la API × cada tipo de persona.

Las rutas se leen del mapa de URL de la aplicación: una ruta nueva entra sola en la matriz (y la
prueba falla si no sabe qué valores dar a sus parámetros o quién debería poder usarla).
"""
import pytest
from flask import url_for
from sqlalchemy import select

from apoyo import entrar, token_csrf
from eventos.encuestas import servicios as encuestas
from eventos.extensiones import db
from eventos.modelos import (Bloque, Evento, Guia, Inscripcion, Material, Participacion, Pregunta,
                             PreguntaInscripcion, Recordatorio, RolEvento, Sesion, Usuario)
from eventos.zonas import ahora
from eventos.servicios import programa

PERSONAS = ("anonimo", "participante", "moderador_otro", "acreditador", "organizador_otro", "organizador", "admin")
TODAS_CON_CUENTA = set(PERSONAS) - {"anonimo"}
GESTION = {"organizador", "admin"}
ACREDITACION = {"acreditador", "organizador", "admin"}

# Quién puede usar cada ruta (por nombre de endpoint); las de la oficina no listadas son de gestión del evento.
PERMITIDAS = {
    "organizacion.inicio": TODAS_CON_CUENTA,
    "organizacion.nuevo_evento": {"admin"},
    "organizacion.importar": {"admin"},
    "api.eventos": set(PERSONAS),
    "api.evento": set(PERSONAS),
    "api.salud": set(PERSONAS),
    "api.preparado": set(PERSONAS),
    "api.descripcion_openapi": set(PERSONAS),
    "api.documentacion": set(PERSONAS),
    "api.acreditar": ACREDITACION,
    "api.lista_sin_conexion": ACREDITACION,
    "api.buscar": ACREDITACION,
    "api.asistencias": ACREDITACION,
    "acreditacion.inicio": TODAS_CON_CUENTA,  # cada cual ve solo los eventos que acredita
    "acreditacion.service_worker": set(PERSONAS),  # el script del service worker, sin datos
    "organizacion.asistencia": ACREDITACION,
    "organizacion.asistencia_json": ACREDITACION,
    "organizacion.exportar_asistencia_csv": ACREDITACION,
    "organizacion.exportar_asistencia_xlsx": ACREDITACION,
    "mesas.inicio": TODAS_CON_CUENTA,  # cada cual ve sus mesas
    "mesas.token_csrf": TODAS_CON_CUENTA,
    # El tablero de la plenaria: la organización siempre; el resto (sin cuenta incluido), tras publicar.
    "tablero.pagina": GESTION,
    "tablero.datos": GESTION,
    "api.respuestas": GESTION,
    "api.guardar_respuesta": GESTION,  # y la moderación de esa mesa (que no está entre estas personas)
}


def reglas(app):
    for regla in app.url_map.iter_rules():
        if regla.rule.startswith(("/organizacion/", "/api/", "/acreditacion/", "/mesas/")):
            for metodo in sorted(regla.methods - {"HEAD", "OPTIONS"}):
                yield regla, metodo


def permitidas(endpoint: str) -> set[str]:
    if endpoint in PERMITIDAS:
        return PERMITIDAS[endpoint]
    if endpoint.startswith("acreditacion."):
        return ACREDITACION  # el escáner de la puerta
    if endpoint.startswith(("mesas.", "tablero.")):
        return GESTION  # y la moderación de esa mesa (que no está entre estas personas)
    assert endpoint.startswith("organizacion."), f"¿Quién puede usar {endpoint}? Añádalo a PERMITIDAS."
    return GESTION


def valores(app, datos) -> dict:
    """Un valor real del evento de prueba para cada parámetro de ruta."""
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == datos["slug"])).scalar_one()
        primero = lambda modelo, *condiciones: db.session.execute(
            select(modelo.id).where(*condiciones).order_by(modelo.id)).scalars().first()
        sesion_id = primero(Sesion, Sesion.evento_id == evento.id)
        guia_id = primero(Guia, Guia.evento_id == evento.id)
        bloque_id = primero(Bloque, Bloque.guia_id == guia_id)
        moderador = db.session.execute(select(Usuario).where(Usuario.correo == datos["correos"]["moderador"])).scalar_one()
        # Una inscripción y una pregunta del formulario, para las rutas que las piden.
        if primero(Inscripcion, Inscripcion.evento_id == evento.id) is None:
            db.session.add(Inscripcion(evento_id=evento.id, nombre="Persona", correo="matriz@prueba.org",
                                       estado="confirmada", consentimiento_en=ahora()))
        if primero(PreguntaInscripcion, PreguntaInscripcion.evento_id == evento.id) is None:
            db.session.add(PreguntaInscripcion(evento_id=evento.id, texto="¿Pregunta?", tipo="texto_corto"))
        if primero(Recordatorio, Recordatorio.evento_id == evento.id) is None:
            db.session.add(Recordatorio(evento_id=evento.id, minutos_antes=60, idioma="es",
                                        textos={"es": {"asunto": "Pronto: {sesion}", "texto": "Hola, {nombre}."}}))
        encuesta = encuestas.encuesta_de(evento.id) or encuestas.crear_por_omision(evento)
        db.session.commit()
        return {
            "slug": evento.slug,
            "sesion_id": sesion_id,
            "participacion_id": primero(Participacion, Participacion.sesion_id.in_(
                select(Sesion.id).where(Sesion.evento_id == evento.id))),
            "mesa_id": datos["mesa_id"],
            "usuario_id": moderador.id,
            "guia_id": guia_id,
            "bloque_id": bloque_id,
            "pregunta_id": primero(Pregunta, Pregunta.bloque_id == bloque_id),
            "material_id": primero(Material, Material.evento_id == evento.id),
            "rol_id": primero(RolEvento, RolEvento.evento_id == evento.id, RolEvento.rol == "organizador"),
            "inscripcion_id": primero(Inscripcion, Inscripcion.evento_id == evento.id),
            "pregunta_inscripcion_id": primero(PreguntaInscripcion, PreguntaInscripcion.evento_id == evento.id),
            "recordatorio_id": primero(Recordatorio, Recordatorio.evento_id == evento.id),
            "seccion_encuesta_id": encuesta.secciones[0].id,
            "pregunta_encuesta_id": encuesta.preguntas[0].id,
            "direccion": "abajo",
            "nuevo": "cerrado",
            "formato": "yaml",
        }


def ruta_con_valores(app, regla, valores_) -> str:
    faltan = set(regla.arguments) - set(valores_)
    assert not faltan, f"{regla.rule}: no sé qué valor dar a {faltan}"
    with app.test_request_context():
        return url_for(regla.endpoint, **{nombre: valores_[nombre] for nombre in regla.arguments})


def cliente_de(app, datos, persona):
    cliente = app.test_client()
    if persona != "anonimo":
        entrar(cliente, datos["correos"][persona])
    return cliente


def foto(app, slug):
    """Todo lo que una petición denegada no debe poder cambiar."""
    with app.app_context():
        db.session.expire_all()
        evento = Evento.con_programa(slug, solo_publicados=False)
        roles = sorted((r.usuario_id, r.rol) for r in evento.roles)
        moderadores = sorted((m.id, u.id) for m in evento.mesas for u in m.moderadores)
        return programa.exportar(evento), roles, moderadores, evento.estado


@pytest.mark.parametrize("persona", PERSONAS)
def test_matriz_de_autorizacion(app, evento_con_equipo, persona):
    valores_ = valores(app, evento_con_equipo)
    cliente = cliente_de(app, evento_con_equipo, persona)
    token = token_csrf(cliente)
    antes = foto(app, evento_con_equipo["slug"])
    titulo = "Jornadas de intercambio"
    probadas = 0
    for regla, metodo in reglas(app):
        ruta = ruta_con_valores(app, regla, valores_)
        permitido = persona in permitidas(regla.endpoint)
        if metodo == "GET":
            r = cliente.get(ruta)
        elif permitido:
            continue  # un POST permitido cambiaría el evento: lo cubren las pruebas de cada sección
        else:
            r = cliente.open(ruta, method=metodo, data={"csrf_token": token, "titulo": "Cambio no autorizado",
                                                        "correo": "x@x.org", "rol": "organizador", "texto": "x",
                                                        "nombre": "x"})
        probadas += 1
        if permitido:
            assert r.status_code == 200, f"{persona} {metodo} {ruta}: {r.status_code}"
        elif persona == "anonimo" and ruta.startswith("/api/"):
            assert r.status_code == 401, f"{metodo} {ruta}: {r.status_code}"
        elif persona == "anonimo" and regla.endpoint.startswith("tablero."):
            assert r.status_code == 403, f"{metodo} {ruta}: {r.status_code}"
        elif persona == "anonimo":
            assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"], f"{metodo} {ruta}: {r.status_code}"
        else:
            assert r.status_code == 403, f"{persona} {metodo} {ruta}: {r.status_code}"
            assert titulo not in r.get_data(as_text=True), f"{persona} {metodo} {ruta} muestra datos del evento"
    assert probadas >= 10
    assert foto(app, evento_con_equipo["slug"]) == antes, f"{persona} cambió algo sin permiso"


def test_todas_las_rutas_de_la_oficina_exigen_sesion(app):
    """Ninguna ruta de la oficina queda fuera de la matriz por no tener parámetros conocidos."""
    rutas = [regla.rule for regla, _ in reglas(app) if regla.rule.startswith("/organizacion/")]
    assert len(rutas) >= 20
