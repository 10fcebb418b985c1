"""Oficina: la encuesta de evaluación. Crearla con la propuesta por omisión, sus datos (fechas en la hora del
evento, anonimato que no cambia una vez respondida), y sus secciones y preguntas con sus botones de subir, bajar
y eliminar. Todo por HTTP, como la organización de un evento de prueba con dos mesas."""
from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from apoyo import borrar_usuarios, campos_del_formulario, cliente_con_sesion, crear_usuario, entrar, enviar
from apoyo_inscripciones import EventoPrueba
from eventos.encuestas import servicios
from eventos.extensiones import db
from eventos.modelos import (Auditoria, Encuesta, Evento, Mesa, PreguntaEncuesta, RespuestaEncuesta, RolEvento,
                             SeccionEncuesta)


@dataclass
class Oficina:
    evento: EventoPrueba
    organizador: str
    moderador: str

    @property
    def base(self) -> str:
        return f"/organizacion/eventos/{self.evento.slug}/encuesta"


@pytest.fixture()
def oficina(app, eventos_prueba):
    """Un evento de prueba (zona America/Mexico_City; sesiones «apertura» y «trabajo»; mesas «a» y «b») con su
    organizadora y el moderador de la mesa «a»."""
    evento = eventos_prueba(mesas=[("a", None), ("b", None)])
    sufijo = uuid.uuid4().hex[:8]
    datos = Oficina(evento, f"org-enc-{sufijo}@prueba.org", f"mod-enc-{sufijo}@prueba.org")
    with app.app_context():
        organizadora = crear_usuario(datos.organizador)
        moderador = crear_usuario(datos.moderador)
        db.session.add(RolEvento(evento=db.session.get(Evento, evento.id), usuario=organizadora, rol="organizador"))
        mesa = db.session.get(Mesa, evento.mesas["a"])
        mesa.moderadores.append(moderador)
        db.session.commit()
    yield datos
    borrar_usuarios(app, (datos.organizador, datos.moderador))


@pytest.fixture()
def organizadora(app, oficina):
    return cliente_con_sesion(app, oficina.organizador)


@pytest.fixture()
def con_encuesta(app, oficina, organizadora):
    """La oficina con la encuesta por omisión ya creada (por su botón)."""
    assert enviar(organizadora, f"{oficina.base}/crear").status_code == 302
    return oficina


# --- Ayudas ----------------------------------------------------------------------------------------
def _texto(respuesta) -> str:
    return html.unescape(respuesta.get_data(as_text=True))


def _encuesta(app, oficina):
    """La encuesta del evento, leída de nuevo y separada de la sesión (None si no hay)."""
    with app.app_context():
        encuesta = db.session.execute(select(Encuesta).where(Encuesta.evento_id == oficina.evento.id)) \
            .scalar_one_or_none()
        if encuesta is not None:
            _ = encuesta.preguntas  # carga secciones y preguntas antes de separarla
        db.session.expunge_all()
        return encuesta


def _estructura(app, oficina) -> list[tuple[str, list[str]]]:
    """[(sección, [preguntas])] en el orden de la encuesta."""
    encuesta = _encuesta(app, oficina)
    return [(s.titulo, [p.texto for p in s.preguntas]) for s in encuesta.secciones]


def _seccion(app, oficina, titulo: str) -> SeccionEncuesta:
    return next(s for s in _encuesta(app, oficina).secciones if s.titulo == titulo)


def _pregunta(app, oficina, texto: str) -> PreguntaEncuesta:
    return next(p for p in _encuesta(app, oficina).preguntas if p.texto == texto)


def _datos(**cambios) -> dict:
    datos = {"titulo": "Evaluación del seminario", "introduccion": "Cinco minutos, por favor.",
             "abre_en": "2130-03-10T09:00", "cierra_en": "2130-03-20T18:30", "publico": "asistentes",
             "anonima": "y"}
    datos.update(cambios)
    return {k: v for k, v in datos.items() if v is not None}


def _pregunta_nueva(**cambios) -> dict:
    datos = {"tipo": "opcion_unica", "texto": "¿Cómo se enteró del seminario?", "ayuda": "",
             "opciones": "Por correo\nPor redes sociales\nPor un colega", "etiqueta_minima": "", "etiqueta_maxima": ""}
    datos.update(cambios)
    return {k: v for k, v in datos.items() if v is not None}


def _anadir_pregunta(cliente, oficina, seccion_id: int, **cambios):
    return enviar(cliente, f"{oficina.base}/secciones/{seccion_id}/preguntas", _pregunta_nueva(**cambios))


def _responder(app, oficina, valores_por_texto: dict) -> None:
    """Una respuesta guardada tal como la deja el formulario de participantes: {id de pregunta: valor}."""
    with app.app_context():
        encuesta = db.session.execute(select(Encuesta).where(Encuesta.evento_id == oficina.evento.id)).scalar_one()
        por_texto = {p.texto: p.id for p in encuesta.preguntas}
        db.session.add(RespuestaEncuesta(encuesta_id=encuesta.id, modalidad="presencial",
                                         valores={str(por_texto[t]): v for t, v in valores_por_texto.items()}))
        db.session.commit()


def _cambios_auditados(app, oficina, accion: str) -> list[tuple[str, str]]:
    """(acción, objeto) de cada cambio anotado en la auditoría del evento con esa etiqueta."""
    with app.app_context():
        filas = db.session.execute(select(Auditoria.cambios).where(Auditoria.evento_id == oficina.evento.id,
                                                                   Auditoria.accion == accion)).scalars().all()
        return [(c["accion"], c["objeto"]) for cambios in filas for c in cambios]


def _acciones_auditadas(app, oficina) -> list[str]:
    with app.app_context():
        return db.session.execute(select(Auditoria.accion).where(Auditoria.evento_id == oficina.evento.id)
                                  .order_by(Auditoria.id)).scalars().all()


# --- Permisos --------------------------------------------------------------------------------------
def test_solo_la_organizacion_entra(app, oficina):
    anonimo = app.test_client()
    respuesta = anonimo.get(oficina.base)
    assert respuesta.status_code == 302 and "/cuentas/entrar" in respuesta.headers["Location"]

    moderador = app.test_client()
    entrar(moderador, oficina.moderador)
    assert moderador.get(oficina.base).status_code == 403
    assert enviar(moderador, f"{oficina.base}/crear").status_code == 403
    assert _encuesta(app, oficina) is None

    organizadora = app.test_client()
    entrar(organizadora, oficina.organizador)
    pagina = organizadora.get(oficina.base)
    assert pagina.status_code == 200
    assert re.search(r'href="[^"]*/encuesta" aria-current="page">Evaluación<', _texto(pagina))
    assert "Este evento todavía no tiene encuesta de evaluación" in _texto(pagina)
    assert "Crear la encuesta con la propuesta por omisión" in _texto(pagina)

    assert enviar(moderador, f"{oficina.base}/crear").status_code == 403
    enviar(organizadora, f"{oficina.base}/crear")
    seccion = _encuesta(app, oficina).secciones[0]
    pregunta = seccion.preguntas[0]
    for ruta in (oficina.base, f"{oficina.base}/preguntas/{pregunta.id}"):
        assert moderador.get(ruta).status_code == 403, ruta
    for ruta, datos in ((oficina.base, _datos(titulo="Cambiada")), (f"{oficina.base}/secciones", {"titulo": "X"}),
                        (f"{oficina.base}/secciones/{seccion.id}", {"titulo": "X"}),
                        (f"{oficina.base}/secciones/{seccion.id}/preguntas", _pregunta_nueva()),
                        (f"{oficina.base}/preguntas/{pregunta.id}", _pregunta_nueva()),
                        (f"{oficina.base}/preguntas/{pregunta.id}/borrar", {}),
                        (f"{oficina.base}/secciones/{seccion.id}/mover/abajo", {})):
        assert enviar(moderador, ruta, datos).status_code == 403, ruta
    assert _estructura(app, oficina)[0] == ("Las sesiones", ["¿Qué tan útil le resultó cada sesión?"])


# --- Crear la encuesta -------------------------------------------------------------------------------
def test_crear_la_encuesta_por_omision(app, oficina, organizadora):
    respuesta = enviar(organizadora, f"{oficina.base}/crear")
    assert respuesta.status_code == 302 and respuesta.headers["Location"].endswith("/encuesta")

    encuesta = _encuesta(app, oficina)
    assert encuesta.anonima and encuesta.abre_en is None and encuesta.publico == "asistentes"
    assert [titulo for titulo, _ in _estructura(app, oficina)] == \
        ["Las sesiones", "Las mesas de trabajo", "Formato y organización", "Comentarios"]
    assert [p.tipo for p in encuesta.preguntas] == \
        ["matriz_sesiones", "matriz_mesas", "valoracion", "valoracion", "texto_largo", "texto_largo"]

    pagina = _texto(organizadora.get(oficina.base))
    assert "Encuesta creada con la propuesta por omisión" in pagina
    assert "Borrador: no tiene fecha de apertura" in pagina
    assert "0 respuestas" in pagina
    # Las filas de las matrices salen del programa (sin recesos) y de las mesas.
    for fila in ("Sesión de apertura", "Trabajo en mesas", "Mesa a", "Mesa b"):
        assert f"<li>{fila}</li>" in pagina, fila
    if "organizacion.encuesta_resultados" in app.view_functions:  # la página de resultados (otro módulo)
        assert f'<a href="{oficina.base}/resultados">Ver resultados</a>' in pagina

    # Pulsar otra vez (otra pestaña) no crea otra.
    assert enviar(organizadora, f"{oficina.base}/crear").status_code == 302
    assert "Este evento ya tiene su encuesta de evaluación" in _texto(organizadora.get(oficina.base))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Encuesta)
                                 .where(Encuesta.evento_id == oficina.evento.id)) == 1
    assert "Creación de la encuesta de evaluación" in _acciones_auditadas(app, oficina)


def test_sin_token_csrf_no_se_crea_ni_se_cambia_nada(app, oficina, organizadora):
    assert organizadora.post(f"{oficina.base}/crear").status_code == 400
    assert _encuesta(app, oficina) is None
    enviar(organizadora, f"{oficina.base}/crear")
    seccion = _encuesta(app, oficina).secciones[0]
    for ruta, datos in ((oficina.base, _datos()), (f"{oficina.base}/secciones", {"titulo": "Nueva"}),
                        (f"{oficina.base}/secciones/{seccion.id}/mover/abajo", {}),
                        (f"{oficina.base}/secciones/{seccion.id}/borrar", {})):
        assert organizadora.post(ruta, data=datos).status_code == 400, ruta
    assert _estructura(app, oficina)[0][0] == "Las sesiones" and len(_estructura(app, oficina)) == 4
    assert _encuesta(app, oficina).abre_en is None


def test_sin_encuesta_guardar_sus_datos_da_404(app, oficina, organizadora):
    assert enviar(organizadora, oficina.base, _datos()).status_code == 404
    assert enviar(organizadora, f"{oficina.base}/secciones", {"titulo": "Nueva"}).status_code == 404
    assert _encuesta(app, oficina) is None


# --- Datos de la encuesta ----------------------------------------------------------------------------
def test_las_fechas_son_horas_del_evento(app, con_encuesta, organizadora):
    oficina = con_encuesta
    respuesta = enviar(organizadora, oficina.base, _datos(publico="confirmadas", introduccion="Línea 1\r\nLínea 2"))
    assert respuesta.status_code == 302

    encuesta = _encuesta(app, oficina)
    # Ciudad de México es UTC−6 todo el año: las 09:00 de allí son las 15:00 UTC.
    assert encuesta.abre_en == datetime(2130, 3, 10, 15, 0, tzinfo=timezone.utc)
    assert encuesta.cierra_en == datetime(2130, 3, 21, 0, 30, tzinfo=timezone.utc)
    assert (encuesta.titulo, encuesta.introduccion, encuesta.publico) == \
        ("Evaluación del seminario", "Línea 1\nLínea 2", "confirmadas")

    pagina = _texto(organizadora.get(oficina.base))
    assert 'value="2130-03-10T09:00"' in pagina and 'value="2130-03-20T18:30"' in pagina
    # Enviado tal como se muestra, el formulario no cambia nada (ni anota nada en la auditoría).
    auditadas = len(_acciones_auditadas(app, oficina))
    campos = campos_del_formulario(organizadora.get(oficina.base).get_data(as_text=True), accion=oficina.base)
    assert organizadora.post(oficina.base, data=MultiDict(campos)).status_code == 302
    assert _encuesta(app, oficina).abre_en == datetime(2130, 3, 10, 15, 0, tzinfo=timezone.utc)
    assert len(_acciones_auditadas(app, oficina)) == auditadas
    assert "Todavía no está abierta: se abrirá el viernes, 10 de marzo de 2130, 09:00." in pagina
    assert ("modificó", "Encuesta de evaluación «Evaluación del seminario»") in \
        _cambios_auditados(app, oficina, "Edición de la encuesta de evaluación")

    assert enviar(organizadora, oficina.base, _datos(abre_en="2020-01-01T00:00", cierra_en="")).status_code == 302
    assert "Abierta, sin fecha de cierre." in _texto(organizadora.get(oficina.base))
    assert enviar(organizadora, oficina.base,
                  _datos(abre_en="2020-01-01T00:00", cierra_en="2020-02-01T12:00")).status_code == 302
    assert "Cerrada desde el sábado, 1 de febrero de 2020, 12:00." in _texto(organizadora.get(oficina.base))


def test_las_fechas_siguen_la_zona_del_evento_y_rechazan_horas_que_no_existen(app, con_encuesta, organizadora):
    oficina = con_encuesta
    with app.app_context():
        db.session.get(Evento, oficina.evento.id).zona_horaria = "Europe/Madrid"
        db.session.commit()
    # El 28 de marzo de 2027 los relojes de Madrid pasan de las 02:00 a las 03:00.
    respuesta = enviar(organizadora, oficina.base, _datos(abre_en="2027-03-28T02:30", cierra_en=""))
    assert respuesta.status_code == 400
    assert "La hora 2027-03-28 02:30 no existe en Europe/Madrid" in _texto(respuesta)
    assert _encuesta(app, oficina).abre_en is None
    assert enviar(organizadora, oficina.base, _datos(abre_en="2027-03-20T09:00", cierra_en="")).status_code == 302
    assert _encuesta(app, oficina).abre_en == datetime(2027, 3, 20, 8, 0, tzinfo=timezone.utc)
    assert "Hora local del evento (Madrid, Europe/Madrid)." in _texto(organizadora.get(oficina.base))


@pytest.mark.parametrize("cambios, error", [
    ({"cierra_en": "2130-03-10T09:00"}, "El cierre debe ser posterior a la apertura."),
    ({"cierra_en": "2130-03-01T09:00"}, "El cierre debe ser posterior a la apertura."),
    ({"abre_en": "mañana"}, None),
    ({"abre_en": "0001-01-01T00:00"}, "Escriba una fecha entre los años"),
    ({"titulo": ""}, "Este campo es obligatorio."),
    ({"titulo": "Evaluación\r\nBcc: x@x.org"}, "Este campo es de una sola línea"),
    ({"titulo": "x" * 301}, None),
    ({"publico": "todo_el_mundo"}, None),
])
def test_datos_no_validos_dan_400_sin_cambiar_nada(app, con_encuesta, organizadora, cambios, error):
    respuesta = enviar(organizadora, con_encuesta.base, _datos(**cambios))
    assert respuesta.status_code == 400
    if error:
        assert error in _texto(respuesta)
    encuesta = _encuesta(app, con_encuesta)
    assert encuesta.abre_en is None and encuesta.titulo.startswith("Evaluación de ")


def test_un_caracter_de_control_da_400(app, con_encuesta, organizadora):
    assert enviar(organizadora, con_encuesta.base, _datos(titulo="Eval\x00uación")).status_code == 400
    assert _encuesta(app, con_encuesta).abre_en is None


def test_el_anonimato_no_cambia_cuando_ya_hay_respuestas(app, con_encuesta, organizadora):
    oficina = con_encuesta
    # Sin respuestas, se puede cambiar en los dos sentidos.
    assert enviar(organizadora, oficina.base, _datos(anonima=None)).status_code == 302
    assert not _encuesta(app, oficina).anonima
    assert "Identificada: cada respuesta lleva el nombre" in _texto(organizadora.get(oficina.base))
    assert enviar(organizadora, oficina.base, _datos()).status_code == 302
    assert _encuesta(app, oficina).anonima

    _responder(app, oficina, {"El formato del evento (duración, ritmo, participación)": 4})
    respuesta = enviar(organizadora, oficina.base, _datos(anonima=None, titulo="Otro título"))
    assert respuesta.status_code == 400
    assert "La encuesta ya tiene respuestas, así que ya no puede cambiar si es anónima" in _texto(respuesta)
    encuesta = _encuesta(app, oficina)
    assert encuesta.anonima and encuesta.titulo == "Evaluación del seminario"
    # Lo demás sí se puede cambiar.
    assert enviar(organizadora, oficina.base, _datos(titulo="Otro título")).status_code == 302
    assert _encuesta(app, oficina).titulo == "Otro título"
    pagina = _texto(organizadora.get(oficina.base))
    assert "1 respuesta ·" in pagina and "Como ya tiene respuestas, esto ya no se puede cambiar." in pagina


# --- Secciones -------------------------------------------------------------------------------------
def test_anadir_renombrar_mover_y_borrar_secciones(app, con_encuesta, organizadora):
    oficina = con_encuesta
    respuesta = enviar(organizadora, f"{oficina.base}/secciones", {"titulo": "Materiales"})
    assert respuesta.status_code == 302 and re.search(r"/encuesta#seccion-\d+$", respuesta.headers["Location"])
    assert [t for t, _ in _estructura(app, oficina)][-1] == "Materiales"

    materiales = _seccion(app, oficina, "Materiales")
    assert enviar(organizadora, f"{oficina.base}/secciones/{materiales.id}", {"titulo": "Los materiales"}) \
        .status_code == 302
    assert enviar(organizadora, f"{oficina.base}/secciones/{materiales.id}/mover/arriba").status_code == 302
    assert [t for t, _ in _estructura(app, oficina)] == \
        ["Las sesiones", "Las mesas de trabajo", "Formato y organización", "Los materiales", "Comentarios"]
    assert enviar(organizadora, f"{oficina.base}/secciones/{materiales.id}/mover/sideways").status_code == 400

    formato = _seccion(app, oficina, "Formato y organización")
    pagina = _texto(organizadora.get(oficina.base))
    assert "Eliminar «Formato y organización» con sus 2 preguntas" in pagina
    respuesta = enviar(organizadora, f"{oficina.base}/secciones/{formato.id}/borrar")
    assert respuesta.status_code == 302
    assert "Sección «Formato y organización» eliminada con sus preguntas." in _texto(organizadora.get(oficina.base))
    assert [t for t, _ in _estructura(app, oficina)] == \
        ["Las sesiones", "Las mesas de trabajo", "Los materiales", "Comentarios"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PreguntaEncuesta)
                                 .where(PreguntaEncuesta.seccion_id == formato.id)) == 0
        # El orden sigue seguido tras borrar.
        encuesta = db.session.execute(select(Encuesta).where(Encuesta.evento_id == oficina.evento.id)).scalar_one()
        assert [s.orden for s in encuesta.secciones] == [0, 1, 2, 3]

    acciones = _acciones_auditadas(app, oficina)
    for accion in ("Nueva sección en la encuesta de evaluación",
                   "Cambio del título de una sección de la encuesta de evaluación",
                   "Cambio del orden de las secciones de la encuesta de evaluación",
                   "Sección eliminada de la encuesta de evaluación"):
        assert accion in acciones, accion
    eliminados = _cambios_auditados(app, oficina, "Sección eliminada de la encuesta de evaluación")
    assert {("eliminó", "Sección de la encuesta «Formato y organización»"),
            ("eliminó", "Pregunta de la encuesta «El formato del evento (duración, ritmo, participación)»"),
            ("eliminó", "Pregunta de la encuesta «La organización (información previa, inscripción, puntualidad)»")} \
        <= set(eliminados)
    assert _cambios_auditados(app, oficina, "Cambio del título de una sección de la encuesta de evaluación") == \
        [("modificó", "Sección de la encuesta «Los materiales»")]


@pytest.mark.parametrize("titulo, error", [("", "Este campo es obligatorio."),
                                           ("Uno\nDos", "Este campo es de una sola línea"),
                                           ("x" * 301, "300")])
def test_una_seccion_no_valida_da_400(app, con_encuesta, organizadora, titulo, error):
    oficina = con_encuesta
    respuesta = enviar(organizadora, f"{oficina.base}/secciones", {"titulo": titulo})
    assert respuesta.status_code == 400 and error in _texto(respuesta)
    primera = _seccion(app, oficina, "Las sesiones")
    respuesta = enviar(organizadora, f"{oficina.base}/secciones/{primera.id}", {"titulo": titulo})
    assert respuesta.status_code == 400 and error in _texto(respuesta)
    assert [t for t, _ in _estructura(app, oficina)] == \
        ["Las sesiones", "Las mesas de trabajo", "Formato y organización", "Comentarios"]


# --- Preguntas -------------------------------------------------------------------------------------
def test_anadir_editar_mover_y_borrar_preguntas(app, con_encuesta, organizadora):
    oficina = con_encuesta
    comentarios = _seccion(app, oficina, "Comentarios")
    respuesta = _anadir_pregunta(organizadora, oficina, comentarios.id, ayuda="Elija la principal.",
                                 obligatoria="y", etiqueta_minima="no se guarda")
    assert respuesta.status_code == 302 and re.search(r"/encuesta#pregunta-\d+$", respuesta.headers["Location"])
    nueva = _pregunta(app, oficina, "¿Cómo se enteró del seminario?")
    assert (nueva.tipo, nueva.opciones, nueva.etiquetas, nueva.ayuda, nueva.obligatoria) == \
        ("opcion_unica", ["Por correo", "Por redes sociales", "Por un colega"], [], "Elija la principal.", True)
    assert _estructura(app, oficina)[-1][1][-1] == "¿Cómo se enteró del seminario?"

    # Editar: la página muestra lo guardado; al guardar, una valoración con sus etiquetas pierde las opciones.
    ruta = f"{oficina.base}/preguntas/{nueva.id}"
    pagina = _texto(organizadora.get(ruta))
    assert 'value="¿Cómo se enteró del seminario?"' in pagina and "Por redes sociales\nPor un colega" in pagina
    respuesta = enviar(organizadora, ruta, _pregunta_nueva(tipo="valoracion", texto="¿Le sirvió la difusión?",
                                                           etiqueta_minima="Nada", etiqueta_maxima="Mucho"))
    assert respuesta.status_code == 302
    editada = _pregunta(app, oficina, "¿Le sirvió la difusión?")
    assert (editada.id, editada.tipo, editada.etiquetas, editada.opciones, editada.obligatoria) == \
        (nueva.id, "valoracion", ["Nada", "Mucho"], [], False)

    # Subir y bajar dentro de su sección.
    assert enviar(organizadora, f"{ruta}/mover/arriba").status_code == 302
    assert _estructura(app, oficina)[-1][1] == ["¿Qué deberíamos cambiar para la próxima edición?",
                                                "¿Le sirvió la difusión?", "¿Algo más que quiera contarnos?"]
    assert enviar(organizadora, f"{ruta}/mover/abajo").status_code == 302
    assert _estructura(app, oficina)[-1][1][-1] == "¿Le sirvió la difusión?"

    assert enviar(organizadora, f"{ruta}/borrar").status_code == 302
    assert "Pregunta «¿Le sirvió la difusión?» eliminada." in _texto(organizadora.get(oficina.base))
    assert _estructura(app, oficina)[-1][1] == ["¿Qué deberíamos cambiar para la próxima edición?",
                                                "¿Algo más que quiera contarnos?"]
    assert _cambios_auditados(app, oficina, "Nueva pregunta en la encuesta de evaluación") == \
        [("creó", "Pregunta de la encuesta «¿Cómo se enteró del seminario?»")]
    assert _cambios_auditados(app, oficina, "Edición de una pregunta de la encuesta de evaluación") == \
        [("modificó", "Pregunta de la encuesta «¿Le sirvió la difusión?»")]
    assert ("modificó", "Pregunta de la encuesta «¿Le sirvió la difusión?»") in \
        _cambios_auditados(app, oficina, "Cambio del orden de las preguntas de la encuesta de evaluación")
    assert _cambios_auditados(app, oficina, "Pregunta eliminada de la encuesta de evaluación") == \
        [("eliminó", "Pregunta de la encuesta «¿Le sirvió la difusión?»")]
    auditoria = _texto(organizadora.get(f"/organizacion/eventos/{oficina.evento.slug}/auditoria"))
    assert "Pregunta eliminada de la encuesta de evaluación" in auditoria


def test_la_pagina_de_una_matriz_dice_que_filas_valora(app, con_encuesta, organizadora):
    oficina = con_encuesta
    por_mesa = _encuesta(app, oficina).preguntas[1]
    assert por_mesa.tipo == "matriz_mesas"
    pagina = _texto(organizadora.get(f"{oficina.base}/preguntas/{por_mesa.id}"))
    assert "a cada una de estas mesas del evento" in pagina
    assert "<li>Mesa a</li>" in pagina and "<li>Mesa b</li>" in pagina
    assert 'value="Nada útil"' in pagina and 'value="Muy útil"' in pagina


@pytest.mark.parametrize("cambios, error", [
    ({"opciones": "Solo una"}, "Escriba al menos dos opciones, una por línea."),
    ({"opciones": "\n\n  \n"}, "Escriba al menos dos opciones, una por línea."),
    ({"opciones": "Sí\nNo\nsí"}, "Hay opciones repetidas."),
    ({"opciones": "\n".join(f"Opción {n}" for n in range(31))}, "Como máximo 30 opciones."),
    ({"opciones": "Corta\n" + "x" * 201}, "Cada opción puede tener como máximo 200 caracteres."),
    ({"tipo": "opcion_multiple", "opciones": ""}, "Escriba al menos dos opciones, una por línea."),
    ({"tipo": "dibujo"}, None),
    ({"texto": ""}, "Este campo es obligatorio."),
    ({"texto": "x" * 501}, None),
    ({"ayuda": "x" * 501}, None),
    ({"texto": "¿Cómo?\r\nBcc: x@x.org"}, "Este campo es de una sola línea"),
    ({"ayuda": "Una\tayuda"}, "Este campo es de una sola línea"),
    ({"tipo": "valoracion", "etiqueta_minima": "Nada\nútil"}, "Este campo es de una sola línea"),
])
def test_una_pregunta_no_valida_da_400_sin_guardar(app, con_encuesta, organizadora, cambios, error):
    oficina = con_encuesta
    comentarios = _seccion(app, oficina, "Comentarios")
    respuesta = _anadir_pregunta(organizadora, oficina, comentarios.id, **cambios)
    assert respuesta.status_code == 400
    if error:
        assert error in _texto(respuesta)
    assert len(_seccion(app, oficina, "Comentarios").preguntas) == 2

    existente = comentarios.preguntas[0]
    respuesta = enviar(organizadora, f"{oficina.base}/preguntas/{existente.id}", _pregunta_nueva(**cambios))
    assert respuesta.status_code == 400
    assert _pregunta(app, oficina, existente.texto).tipo == "texto_largo"


def test_una_pregunta_respondida_no_cambia_de_tipo_y_borrarla_quita_sus_respuestas(app, con_encuesta, organizadora):
    oficina = con_encuesta
    formato = "El formato del evento (duración, ritmo, participación)"
    organizacion = "La organización (información previa, inscripción, puntualidad)"
    _responder(app, oficina, {formato: 4, organizacion: 5})
    pregunta = _pregunta(app, oficina, formato)
    ruta = f"{oficina.base}/preguntas/{pregunta.id}"

    respuesta = enviar(organizadora, ruta, _pregunta_nueva(tipo="texto_corto", texto=formato))
    assert respuesta.status_code == 400 and "Esta pregunta ya tiene 1 respuesta: su tipo no puede cambiar" \
        in _texto(respuesta)
    assert _pregunta(app, oficina, formato).tipo == "valoracion"
    # La redacción sí se puede corregir.
    assert enviar(organizadora, ruta, _pregunta_nueva(tipo="valoracion", texto="El formato",
                                                      etiqueta_minima="Malo", etiqueta_maxima="Bueno")) \
        .status_code == 302

    assert "Eliminar «El formato»; se pierde 1 respuesta a ella" in _texto(organizadora.get(oficina.base))
    assert "Al eliminarla se pierde la respuesta que tiene (1)." in _texto(organizadora.get(ruta))
    assert enviar(organizadora, f"{ruta}/borrar").status_code == 302
    assert "Se quitó la respuesta que tenía (1)." in _texto(organizadora.get(oficina.base))
    with app.app_context():
        (valores,) = db.session.execute(select(RespuestaEncuesta.valores).join(Encuesta)
                                        .where(Encuesta.evento_id == oficina.evento.id)).scalars().all()
    assert valores == {str(_pregunta(app, oficina, organizacion).id): 5}


def test_ids_de_otro_evento_dan_404(app, con_encuesta, organizadora, eventos_prueba):
    oficina = con_encuesta
    otro = eventos_prueba()
    with app.app_context():
        ajena = servicios.crear_por_omision(db.session.get(Evento, otro.id))
        db.session.commit()
        seccion_id, pregunta_id = ajena.secciones[0].id, ajena.preguntas[0].id
    assert organizadora.get(f"{oficina.base}/preguntas/{pregunta_id}").status_code == 404
    for ruta, datos in ((f"{oficina.base}/preguntas/{pregunta_id}", _pregunta_nueva()),
                        (f"{oficina.base}/preguntas/{pregunta_id}/borrar", {}),
                        (f"{oficina.base}/preguntas/{pregunta_id}/mover/abajo", {}),
                        (f"{oficina.base}/secciones/{seccion_id}", {"titulo": "Mía"}),
                        (f"{oficina.base}/secciones/{seccion_id}/preguntas", _pregunta_nueva()),
                        (f"{oficina.base}/secciones/{seccion_id}/borrar", {})):
        assert enviar(organizadora, ruta, datos).status_code == 404, ruta
    for inexistente in (99999999, 2 ** 40):
        assert organizadora.get(f"{oficina.base}/preguntas/{inexistente}").status_code == 404
    with app.app_context():
        ajena = db.session.get(Encuesta, ajena.id)
        assert [s.titulo for s in ajena.secciones][0] == "Las sesiones" and len(ajena.preguntas) == 5
