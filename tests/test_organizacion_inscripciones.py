"""Oficina: inscripciones (lista, recuentos, búsqueda y filtros, altas a mano, confirmar / aprobar /
cancelar / reenviar, exportar a CSV y Excel), preguntas propias del formulario, correo saliente y
permisos. Todo por HTTP, como organizador del evento de prueba (`evento_con_equipo`).
"""
from __future__ import annotations

import csv
import io
import re
import socket
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, event, select

from apoyo import entrar, enviar
from eventos.extensiones import db
from eventos.modelos import CorreoSaliente, Evento, Inscripcion, Mesa, PreguntaInscripcion
from eventos.zonas import ahora

FORMULA = '=HYPERLINK("http://x")'


# --- Apoyo -----------------------------------------------------------------------------------------

def _evento(slug) -> Evento:
    return db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()


def _ajustar(app, slug, *, cupo=2, abierta=True, requiere_aprobacion=False):
    """Ventana de inscripción abierta (cierre dentro de 10 días) o cerrada (ayer), y el cupo."""
    with app.app_context():
        evento = _evento(slug)
        evento.inscripcion_apertura = ahora() - timedelta(days=5)
        evento.inscripcion_cierre = ahora() + timedelta(days=10) if abierta else ahora() - timedelta(days=1)
        evento.cupo = cupo
        evento.requiere_aprobacion = requiere_aprobacion
        db.session.commit()


def _mesas(app, slug) -> list[int]:
    with app.app_context():
        return db.session.execute(select(Mesa.id).join(Evento).where(Evento.slug == slug)
                                  .order_by(Mesa.orden, Mesa.id)).scalars().all()


def _inscripcion(app, correo) -> Inscripcion | None:
    with app.app_context():
        inscripcion = db.session.execute(select(Inscripcion).where(Inscripcion.correo == correo)).scalar_one_or_none()
        if inscripcion is not None:
            db.session.expunge(inscripcion)
        return inscripcion


def _correo_unico(prefijo="persona") -> str:
    return f"{prefijo}-{uuid.uuid4().hex[:8]}@prueba.org"


def _datos_persona(mesa_id, correo=None, **cambios) -> dict:
    datos = {"nombre": "Ana", "apellidos": "Pérez", "correo": correo or _correo_unico(), "institucion": "Instituto Uno",
             "cargo": "Investigadora", "pais": "MX", "ciudad": "Puebla", "mesa": str(mesa_id)}
    datos.update(cambios)
    return datos


def _alta(cliente, slug, mesa_id, **cambios) -> str:
    """Alta a mano por la organización; devuelve el correo inscrito."""
    datos = _datos_persona(mesa_id, **cambios)
    respuesta = enviar(cliente, f"/organizacion/eventos/{slug}/inscripciones/nueva", datos, buffered=True)
    assert respuesta.status_code == 303, respuesta.get_data(as_text=True)[-1500:]
    return datos["correo"]


def _correos_en(app) -> dict[Path, bytes]:
    carpeta = Path(app.config["MAIL_CARPETA"])
    return {p: p.read_bytes() for p in carpeta.glob("*.eml")} if carpeta.exists() else {}


def _nuevos_para(app, antes: dict, destinatario: str) -> list:
    mensajes = [message_from_bytes(contenido, policy=policy.default)
                for ruta, contenido in _correos_en(app).items() if ruta not in antes]
    return [m for m in mensajes if m["To"] == destinatario]


def _texto(respuesta) -> str:
    return respuesta.get_data(as_text=True)


@contextmanager
def contar_consultas():
    consultas = []

    def anotar(conexion, cursor, sentencia, *args):
        consultas.append(sentencia)

    event.listen(db.engine, "before_cursor_execute", anotar)
    try:
        yield consultas
    finally:
        event.remove(db.engine, "before_cursor_execute", anotar)


def _vaciar(app, *slugs):
    """Borra inscripciones, preguntas y correos de estos eventos.

    No debería hacer falta (ON DELETE CASCADE), pero si la conexión de SQLite quedó con las claves
    foráneas desactivadas, borrar un evento deja sus inscripciones, y un evento nuevo que reciba el
    mismo id las heredaría: cada prueba empieza y termina sin ellas.
    """
    with app.app_context():
        ids = db.session.execute(select(Evento.id).where(Evento.slug.in_(slugs))).scalars().all()
        for modelo in (CorreoSaliente, Inscripcion, PreguntaInscripcion):
            db.session.execute(delete(modelo).where(modelo.evento_id.in_(ids)))
        db.session.commit()


@pytest.fixture()
def limpio(app, evento_con_equipo):
    slugs = (evento_con_equipo["slug"], evento_con_equipo["otro_slug"])
    _vaciar(app, *slugs)
    yield
    _vaciar(app, *slugs)


@pytest.fixture()
def organizacion(app, cliente, evento_con_equipo, limpio):
    """Cliente con la sesión del organizador; ventana abierta y cupo 2."""
    slug = evento_con_equipo["slug"]
    _ajustar(app, slug)
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    return cliente


# --- Alta a mano -----------------------------------------------------------------------------------

def test_alta_a_mano_aunque_la_inscripcion_este_cerrada(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    mesa = _mesas(app, slug)[0]
    _ajustar(app, slug, abierta=False, requiere_aprobacion=True)
    cliente = organizacion
    base = f"/organizacion/eventos/{slug}/inscripciones/nueva"

    pagina = cliente.get(base)
    assert pagina.status_code == 200
    html = _texto(pagina)
    assert 'name="consentimiento"' in html and "por otro medio" in html and 'type="radio"' in html

    incompleto = enviar(cliente, base, _datos_persona(mesa, nombre="", pais=""))
    assert incompleto.status_code == 400
    assert "Este campo es obligatorio." in _texto(incompleto) and "Elija su país." in _texto(incompleto)

    antes = _correos_en(app)
    correo = _alta(cliente, slug, mesa, correo=_correo_unico("manual").upper())  # sin la casilla de consentimiento
    correo = correo.lower()
    inscripcion = _inscripcion(app, correo)
    # Cerrada y con aprobación previa: la organización inscribe igual, confirmada, y la persona recibe su correo.
    assert inscripcion.estado == "confirmada" and inscripcion.mesa_id == mesa and inscripcion.pais == "MX"
    assert [m["Subject"] for m in _nuevos_para(app, antes, correo)] == [
        f"Inscripción confirmada: {evento_con_equipo_titulo(app, slug)}"]

    # El formulario público sigue cerrado para el resto.
    publico = enviar(app.test_client(), f"/eventos/{slug}/inscripcion",
                     {**_datos_persona(mesa), "consentimiento": "y"})
    assert publico.status_code == 403

    # La misma dirección otra vez: no se duplica y se avisa a la organización.
    repetida = enviar(cliente, base, _datos_persona(mesa, correo=correo, nombre="Otra"), follow_redirects=True)
    assert repetida.status_code == 200 and "ya tenía una inscripción" in _texto(repetida)
    with app.app_context():
        assert db.session.execute(select(Inscripcion).where(Inscripcion.correo == correo)).scalars().all()[0].nombre == "Ana"


def evento_con_equipo_titulo(app, slug) -> str:
    with app.app_context():
        return _evento(slug).titulo


# --- Lista: recuentos, búsqueda, filtros ------------------------------------------------------------

def test_recuentos_busqueda_y_filtros(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    m1, m2 = _mesas(app, slug)[:2]
    cliente = organizacion
    a = _alta(cliente, slug, m1, nombre="Alicia", apellidos="Zamora", institucion="Universidad del Ñandú", pais="MX")
    b = _alta(cliente, slug, m2, nombre="Bruno", apellidos="Quiroga", institucion="Ministerio de Trabajo", pais="AR")
    c = _alta(cliente, slug, m1, nombre="Carla", apellidos="Ibáñez", institucion="UNAM", pais="MX")  # cupo 2: espera
    # Con aprobación previa, el formulario público deja la inscripción pendiente.
    respuesta = enviar(cliente, f"/organizacion/eventos/{slug}/inscripciones/ajustes",
                       {"requiere_aprobacion": "y", "aviso_privacidad": "Sus datos **solo** para este foro."})
    assert respuesta.status_code == 302
    publico = app.test_client()
    d = _correo_unico("publica")
    r = enviar(publico, f"/eventos/{slug}/inscripcion",
               {**_datos_persona(m2, correo=d, nombre="Diego", institucion="Cooperativa Sur", pais="CL"), "consentimiento": "y"})
    assert r.status_code == 302, _texto(r)[-800:]
    assert "<strong>solo</strong>" in _texto(publico.get(f"/eventos/{slug}/inscripcion"))
    assert [_inscripcion(app, x).estado for x in (a, b, c, d)] == ["confirmada", "confirmada", "en_espera", "pendiente"]

    base = f"/organizacion/eventos/{slug}/inscripciones"
    html = _texto(cliente.get(base))
    assert "2 de 2 plazas" in html
    recuento = re.search(r'id="t-recuento".*?</dl>', html, re.S).group(0)
    assert re.search(r"En lista de espera</dt><dd>1<", recuento) and re.search(r"Pendientes de aprobación</dt><dd>1<", recuento)
    assert re.search(r"Canceladas</dt><dd>0<", recuento)
    with app.app_context():
        nombre_m1 = db.session.get(Mesa, m1).nombre
    # Por mesa: una confirmada en cada una de las dos primeras.
    assert re.search(rf"<th scope=\"row\">{re.escape(nombre_m1)}</th><td>1</td>", html)
    assert all(x in html for x in (a, b, c, d)) and "Argentina" in html and 'scope="col"' in html

    def correos_listados(**filtros):
        respuesta = cliente.get(base, query_string=filtros)
        assert respuesta.status_code == 200, filtros
        tabla = re.search(r'<table class="tabla" id="tabla-inscripciones">.*?</table>', _texto(respuesta), re.S)
        return {x for x in (a, b, c, d) if tabla and x in tabla.group(0)}

    assert correos_listados(q="zamora") == {a}
    assert correos_listados(q="UNIVERSIDAD") == {a}
    assert correos_listados(q="ministerio de") == {b}
    assert correos_listados(q=d.split("@")[0].upper()) == {d}
    assert correos_listados(q="100%") == set()  # % se busca literalmente
    assert correos_listados(estado="en_espera") == {c}
    assert correos_listados(estado="pendiente") == {d}
    assert correos_listados(mesa=str(m1)) == {a, c}
    assert correos_listados(pais="MX") == {a, c}
    assert correos_listados(pais="MX", estado="confirmada") == {a}
    assert correos_listados(institucion="unam") == {c}
    assert correos_listados(q="nadie-con-este-nombre") == set()

    mesa_ajena = str((_mesas(app, evento_con_equipo["otro_slug"]) or [999999])[0])
    for malos in ({"estado": "borrada"}, {"mesa": "abc"}, {"mesa": mesa_ajena},
                  {"pais": "XX"}, {"pagina": "0"}, {"pagina": "dos"}, {"q": "x" * 201}):
        respuesta = cliente.get(base, query_string=malos)
        assert respuesta.status_code == 400, malos
    assert "Estado desconocido" in _texto(cliente.get(base, query_string={"estado": "borrada"}))

    # Ajustes guardados en el evento; un aviso demasiado largo es un 400 con su mensaje.
    with app.app_context():
        evento = _evento(slug)
        assert evento.requiere_aprobacion and evento.aviso_privacidad.startswith("Sus datos")
    largo = enviar(cliente, f"{base}/ajustes", {"aviso_privacidad": "x" * 20001})
    assert largo.status_code == 400 and "Aviso de privacidad" in _texto(largo)


def test_paginas_de_cien_y_consultas_que_no_crecen(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    mesas = _mesas(app, slug)
    with app.app_context():
        evento = _evento(slug)
        evento_id = evento.id

    def crear(n, desde):
        with app.app_context():
            for k in range(desde, desde + n):
                db.session.add(Inscripcion(evento_id=evento_id, mesa_id=mesas[k % len(mesas)], nombre=f"Persona {k:03d}",
                                           apellidos="Serie", correo=f"serie-{k:03d}-{slug}@prueba.org",
                                           institucion=f"Inst {k % 7}", pais="MX", estado="confirmada",
                                           consentimiento_en=ahora(), creado_en=ahora() + timedelta(seconds=k)))
            db.session.commit()

    base = f"/organizacion/eventos/{slug}/inscripciones"
    cuentas = []
    for n, desde in ((3, 0), (102, 3)):
        crear(n, desde)
        with app.app_context(), contar_consultas() as consultas:
            assert organizacion.get(base).status_code == 200
        cuentas.append(len(consultas))
    assert cuentas[0] == cuentas[1], f"consultas: {cuentas[0]} con 3 inscripciones, {cuentas[1]} con 105"

    primera = _texto(organizacion.get(base))
    assert "105 inscripciones" in primera and "página 1 de 2" in primera
    assert "Persona 000" in primera and "Persona 099" in primera and "Persona 100" not in primera
    segunda = _texto(organizacion.get(base, query_string={"pagina": "2", "q": "serie"}))
    assert "Persona 100" in segunda and "Persona 104" in segunda and "Persona 099" not in segunda
    assert "página 2 de 2" in segunda and "q=serie" in segunda  # los enlaces conservan los filtros


# --- Confirmar, aprobar, cancelar, reenviar --------------------------------------------------------

def test_confirmar_aprobar_cancelar_y_reenviar(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    m1, m2 = _mesas(app, slug)[:2]
    cliente = organizacion
    a = _alta(cliente, slug, m1, nombre="Alicia")
    b = _alta(cliente, slug, m2, nombre="Bruno")
    c = _alta(cliente, slug, m1, nombre="Carla")
    d = _alta(cliente, slug, m2, nombre="Dario")
    _ajustar(app, slug, requiere_aprobacion=True)
    p = _correo_unico("pendiente")
    r = enviar(app.test_client(), f"/eventos/{slug}/inscripcion",
               {**_datos_persona(m1, correo=p, nombre="Paula"), "consentimiento": "y"})
    assert r.status_code == 302
    ids = {x: _inscripcion(app, x).id for x in (a, b, c, d, p)}
    base = f"/organizacion/eventos/{slug}/inscripciones"
    lista = f"{base}?estado=en_espera"

    # Sin lugar: confirmar desde la espera es un error claro, y nada cambia.
    r = enviar(cliente, f"{base}/{ids[c]}/promover?volver={lista}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith(lista)
    assert "No hay plazas libres" in _texto(cliente.get(lista))
    assert _inscripcion(app, c).estado == "en_espera"

    # Aprobar sin lugar: pasa a la lista de espera (al final).
    r = enviar(cliente, f"{base}/{ids[p]}/promover", follow_redirects=True)
    assert "pasó a la lista de espera" in _texto(r)
    assert _inscripcion(app, p).estado == "en_espera"

    # Cancelar a Alicia: Carla (la primera en espera) pasa a confirmada y recibe su correo (.eml).
    antes = _correos_en(app)
    r = enviar(cliente, f"{base}/{ids[a]}/cancelar", buffered=True)
    assert r.status_code == 303 and r.headers["Location"].endswith(f"{base}/{ids[a]}")
    assert [_inscripcion(app, x).estado for x in (a, c, d, p)] == ["cancelada", "confirmada", "en_espera", "en_espera"]
    assert [m["Subject"] for m in _nuevos_para(app, antes, c)] == [
        f"Tiene plaza: inscripción confirmada en {evento_con_equipo_titulo(app, slug)}"]
    assert len(_nuevos_para(app, antes, a)) == 1  # y Alicia, el aviso de su baja
    assert "Pasaron de la lista de espera a confirmadas" in _texto(cliente.get(base))
    r = enviar(cliente, f"{base}/{ids[a]}/cancelar", follow_redirects=True)
    assert "ya estaba cancelada" in _texto(r)

    # Con más cupo, confirmar desde la espera funciona.
    _ajustar(app, slug, cupo=3, requiere_aprobacion=True)
    r = enviar(cliente, f"{base}/{ids[d]}/promover", follow_redirects=True)
    assert "confirmada; se le avisó" in _texto(r) and _inscripcion(app, d).estado == "confirmada"
    r = enviar(cliente, f"{base}/{ids[d]}/promover", follow_redirects=True)
    assert "Solo se confirma a quien está en espera" in _texto(r)

    # Reenviar: un correo más en la bandeja; a una cancelada, no.
    with app.app_context():
        def cuantos(i):
            return len(db.session.execute(select(CorreoSaliente).where(CorreoSaliente.inscripcion_id == i)).all())
        antes_b = cuantos(ids[b])
    antes = _correos_en(app)
    r = enviar(cliente, f"{base}/{ids[b]}/reenviar", buffered=True)
    assert r.status_code == 303
    with app.app_context():
        assert cuantos(ids[b]) == antes_b + 1
    assert [m["Subject"] for m in _nuevos_para(app, antes, b)] == [
        f"Inscripción confirmada: {evento_con_equipo_titulo(app, slug)}"]
    r = enviar(cliente, f"{base}/{ids[a]}/reenviar", follow_redirects=True)
    assert "no hay confirmación que reenviar" in _texto(r)

    # La ficha muestra datos, historia y correos; un «volver» a otro sitio se ignora.
    ficha = _texto(cliente.get(f"{base}/{ids[a]}"))
    assert "Cancelada" in ficha and "Inscripción cancelada:" in ficha and "Correos enviados a esta persona" in ficha
    r = enviar(cliente, f"{base}/{ids[b]}/reenviar?volver=https://malo.example/", follow_redirects=False)
    assert r.headers["Location"].endswith(f"{base}/{ids[b]}")
    r = enviar(cliente, f"{base}/{ids[b]}/reenviar?volver=//malo.example{base}", follow_redirects=False)
    assert "malo.example" not in r.headers["Location"]
    # Sin token CSRF, nada.
    assert cliente.post(f"{base}/{ids[b]}/cancelar").status_code == 400
    assert _inscripcion(app, b).estado == "confirmada"


# --- Exportar ---------------------------------------------------------------------------------------

def test_exportar_csv_y_xlsx_con_respuestas_y_sin_formulas(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    m1, m2 = _mesas(app, slug)[:2]
    cliente = organizacion
    _ajustar(app, slug, cupo=None)
    preguntas = f"/organizacion/eventos/{slug}/preguntas-inscripcion"
    assert enviar(cliente, preguntas, {"texto": "¿Alguna alergia?", "tipo": "texto_corto"}).status_code == 302
    assert enviar(cliente, preguntas, {"texto": "Temas de interés", "tipo": "opcion_multiple",
                                       "opciones": "Empleo\nProtección social\nGénero"}).status_code == 302
    with app.app_context():
        p1, p2 = (p.id for p in _evento(slug).preguntas_inscripcion)
    correos = [
        _alta(cliente, slug, m1, nombre="José", apellidos="Núñez", institucion=FORMULA, pais="ES",
              **{f"pregunta_{p1}": "Ninguna", f"pregunta_{p2}": ["Empleo", "Género"]}),
        _alta(cliente, slug, m2, nombre="Maria", institucion="+1", pais="BR", cargo="-2",
              **{f"pregunta_{p1}": "@SUM(A1)"}),
        _alta(cliente, slug, m1, nombre="Lía", institucion="Normal", pais="MX"),
    ]
    base = f"/organizacion/eventos/{slug}/inscripciones"
    enviar(cliente, f"{base}/{_inscripcion(app, correos[2]).id}/cancelar")

    r = cliente.get(f"{base}.csv")
    assert r.status_code == 200 and r.content_type.startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"] and "no-store" in r.headers["Cache-Control"]
    assert r.data.startswith(b"\xef\xbb\xbf")  # UTF-8 con BOM
    filas = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    cabecera, datos = filas[0], filas[1:]
    assert cabecera[:3] == ["Nombre", "Apellidos", "Correo"] and cabecera[-2:] == ["¿Alguna alergia?", "Temas de interés"]
    assert "País (código)" in cabecera and "Mesa" in cabecera
    assert sorted(f[2] for f in datos) == sorted(correos)  # cada inscripción exactamente una vez
    por_correo = {f[2]: dict(zip(cabecera, f)) for f in datos}
    jose = por_correo[correos[0]]
    assert jose["Institución"] == "'" + FORMULA and jose["País"] == "España" and jose["País (código)"] == "ES"
    assert jose["Temas de interés"] == "Empleo, Género" and jose["¿Alguna alergia?"] == "Ninguna"
    assert jose["Apellidos"] == "Núñez" and jose["Estado"] == "Confirmada"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", jose[cabecera[11]])
    maria = por_correo[correos[1]]
    assert (maria["Institución"], maria["Cargo"], maria["¿Alguna alergia?"]) == ("'+1", "'-2", "'@SUM(A1)")
    assert por_correo[correos[2]]["Estado"] == "Cancelada"

    # Mismos filtros que la lista.
    solo = list(csv.reader(io.StringIO(cliente.get(f"{base}.csv?estado=confirmada&pais=ES").data.decode("utf-8-sig"))))
    assert [f[2] for f in solo[1:]] == [correos[0]]
    assert cliente.get(f"{base}.csv?estado=nada").status_code == 400

    r = cliente.get(f"{base}.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.content_type
    hoja = load_workbook(io.BytesIO(r.data)).active
    filas = [[celda for celda in fila] for fila in hoja.iter_rows()]
    cabecera = [c.value for c in filas[0]]
    assert cabecera[-2:] == ["¿Alguna alergia?", "Temas de interés"]
    columna = {nombre: n for n, nombre in enumerate(cabecera)}
    por_correo = {fila[columna["Correo"]].value: fila for fila in filas[1:]}
    assert sorted(por_correo) == sorted(correos) and len(filas) == 1 + len(correos)
    institucion = por_correo[correos[0]][columna["Institución"]]
    assert institucion.value == FORMULA and institucion.data_type == "s" and institucion.quotePrefix
    for nombre, esperado in (("Institución", "+1"), ("Cargo", "-2"), ("¿Alguna alergia?", "@SUM(A1)")):
        celda = por_correo[correos[1]][columna[nombre]]
        assert celda.value == esperado and celda.data_type == "s" and celda.quotePrefix, nombre
    assert por_correo[correos[0]][columna["Temas de interés"]].value == "Empleo, Género"
    assert not any(c.data_type == "f" for fila in filas for c in fila)


def test_xlsx_de_inscripciones_con_la_fecha_en_la_zona_del_evento(app, organizacion, evento_con_equipo,
                                                                   zona_del_proceso):
    """La fecha de inscripción es una celda de fecha y hora (se ordena y se filtra) con la hora de reloj de
    Ciudad de México, la zona del evento, sea cual sea la del servidor; el CSV la escribe igual."""
    slug = evento_con_equipo["slug"]
    _ajustar(app, slug, cupo=None)
    correo = _alta(organizacion, slug, _mesas(app, slug)[0], nombre="Hora", institucion="Normal", pais="MX")
    with app.app_context():
        db.session.execute(select(Inscripcion).where(Inscripcion.correo == correo)).scalar_one().creado_en = \
            datetime(2027, 1, 15, 2, 5, tzinfo=timezone.utc)  # en México, aún el 14 de enero
        db.session.commit()
    base = f"/organizacion/eventos/{slug}/inscripciones"
    hoja = load_workbook(io.BytesIO(organizacion.get(f"{base}.xlsx?q={correo}").data)).active
    cabecera, fila = list(hoja.iter_rows(max_row=2))
    columna = [c.value for c in cabecera].index("Fecha de inscripción (hora de Ciudad de México)")
    assert fila[columna].value == datetime(2027, 1, 14, 20, 5)
    assert fila[columna].is_date and fila[columna].number_format == "yyyy-mm-dd hh:mm"
    tabla = list(csv.reader(io.StringIO(organizacion.get(f"{base}.csv?q={correo}").data.decode("utf-8-sig"))))
    assert tabla[1][columna] == "2027-01-14 20:05"


# --- Preguntas propias del formulario -------------------------------------------------------------

def test_preguntas_del_formulario_y_obligatoria_en_el_formulario_publico(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    mesa = _mesas(app, slug)[0]
    cliente = organizacion
    base = f"/organizacion/eventos/{slug}/preguntas-inscripcion"
    pagina = cliente.get(base)
    assert pagina.status_code == 200 and "Añadir una pregunta" in _texto(pagina) and 'name="opciones"' in _texto(pagina)

    # Opciones: al menos dos para los tipos con opciones; texto obligatorio; tipo de la lista.
    r = enviar(cliente, base, {"texto": "¿Dieta?", "tipo": "opcion_unica", "opciones": "Vegetariana\n  \n"})
    assert r.status_code == 400 and "al menos dos opciones" in _texto(r)
    # Sin opciones (antes, el campo vacío se saltaba la comprobación y la pregunta quedaba sin opciones).
    r = enviar(cliente, base, {"texto": "¿Dieta?", "tipo": "opcion_multiple", "opciones": ""})
    assert r.status_code == 400 and "al menos dos opciones" in _texto(r)
    r = enviar(cliente, base, {"texto": "¿Dieta?", "tipo": "opcion_unica", "opciones": "Sí\nsí"})
    assert r.status_code == 400 and "repetidas" in _texto(r)
    assert enviar(cliente, base, {"texto": "", "tipo": "texto_corto"}).status_code == 400
    assert enviar(cliente, base, {"texto": "x", "tipo": "inventado"}).status_code == 400

    assert enviar(cliente, base, {"texto": "¿Dieta?", "tipo": "opcion_unica", "opciones": "Vegetariana\nSin gluten\n",
                                  "obligatoria": "y"}).status_code == 302
    assert enviar(cliente, base, {"texto": "Comentarios", "tipo": "texto_largo", "opciones": "se ignora"}).status_code == 302
    with app.app_context():
        dieta, comentarios = _evento(slug).preguntas_inscripcion
        assert (dieta.opciones, dieta.obligatoria, comentarios.opciones) == (["Vegetariana", "Sin gluten"], True, [])
        dieta_id, comentarios_id = dieta.id, comentarios.id

    # Editar, mover, y de nuevo: cambios visibles en el formulario público.
    editar = f"{base}/{comentarios_id}"
    assert "Comentarios" in _texto(cliente.get(editar))
    assert enviar(cliente, editar, {"texto": "¿Requiere intérprete?", "tipo": "si_no"}).status_code == 302
    assert enviar(cliente, editar, {"texto": "x", "tipo": "opcion_multiple", "opciones": "una"}).status_code == 400
    assert enviar(cliente, f"{base}/{comentarios_id}/mover/arriba").status_code == 302
    assert enviar(cliente, f"{base}/{comentarios_id}/mover/lateral").status_code == 400
    with app.app_context():
        assert [p.id for p in _evento(slug).preguntas_inscripcion] == [comentarios_id, dieta_id]
        assert db.session.get(PreguntaInscripcion, comentarios_id).tipo == "si_no"

    publico = app.test_client()
    formulario = _texto(publico.get(f"/eventos/{slug}/inscripcion"))
    assert formulario.index("¿Requiere intérprete?") < formulario.index("¿Dieta?") and "Sin gluten" in formulario

    # La obligatoria falta: 400 con el mensaje; con ella, la inscripción guarda la respuesta.
    datos = {**_datos_persona(mesa), "consentimiento": "y"}
    r = enviar(publico, f"/eventos/{slug}/inscripcion", datos)
    assert r.status_code == 400 and "Este campo es obligatorio." in _texto(r)
    assert _inscripcion(app, datos["correo"]) is None
    r = enviar(publico, f"/eventos/{slug}/inscripcion", {**datos, f"pregunta_{dieta_id}": "Sin gluten",
                                                         f"pregunta_{comentarios_id}": "si"})
    assert r.status_code == 302
    inscripcion = _inscripcion(app, datos["correo"])
    assert inscripcion.respuestas == {str(dieta_id): "Sin gluten", str(comentarios_id): "si"}
    ficha = _texto(cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{inscripcion.id}"))
    assert "¿Dieta?</dt><dd>Sin gluten" in ficha and "¿Requiere intérprete?</dt><dd>Sí" in ficha

    # Borrar: sale del formulario; la respuesta recibida se conserva en la ficha.
    assert enviar(cliente, f"{base}/{dieta_id}/borrar").status_code == 302
    with app.app_context():
        assert [p.id for p in _evento(slug).preguntas_inscripcion] == [comentarios_id]
        assert _evento(slug).preguntas_inscripcion[0].orden == 0
    assert "¿Dieta?" not in _texto(publico.get(f"/eventos/{slug}/inscripcion"))
    ficha = _texto(cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{inscripcion.id}"))
    assert "Pregunta eliminada del formulario</dt><dd>Sin gluten" in ficha


# --- Correo saliente ---------------------------------------------------------------------------------

def _puerto_cerrado() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_correo_fallido_visible_y_reintento(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    mesa = _mesas(app, slug)[0]
    cliente = organizacion
    servidor, puerto = app.config.get("MAIL_SERVER"), app.config.get("MAIL_PORT")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_puerto_cerrado())
    try:
        correo = _alta(cliente, slug, mesa, nombre="Fallida")
    finally:
        app.config.update(MAIL_SERVER=servidor, MAIL_PORT=puerto)
    with app.app_context():
        saliente = db.session.execute(select(CorreoSaliente).join(Inscripcion).where(Inscripcion.correo == correo)).scalar_one()
        assert (saliente.estado, saliente.intentos) == ("fallido", 1) and saliente.ultimo_error
        error = saliente.ultimo_error

    pagina = _texto(cliente.get(f"/organizacion/eventos/{slug}/correos"))
    assert correo in pagina and "Falló" in pagina and error[:30] in pagina
    assert "Reintentar ahora los correos fallidos" in pagina
    assert "Correos sin entregar: 1 fallido, 0 pendientes." in _texto(cliente.get(f"/organizacion/eventos/{slug}/inscripciones"))

    antes = _correos_en(app)
    r = enviar(cliente, f"/organizacion/eventos/{slug}/correos/reintentar", follow_redirects=True)
    assert r.status_code == 200 and "1 correo enviado" in _texto(r)
    with app.app_context():
        saliente = db.session.execute(select(CorreoSaliente).join(Inscripcion).where(Inscripcion.correo == correo)).scalar_one()
        assert (saliente.estado, saliente.intentos, saliente.ultimo_error) == ("enviado", 2, "")
    assert len(_nuevos_para(app, antes, correo)) == 1
    assert "No hay correos pendientes ni fallidos" in _texto(cliente.get(f"/organizacion/eventos/{slug}/correos"))
    r = enviar(cliente, f"/organizacion/eventos/{slug}/correos/reintentar", follow_redirects=True)
    assert "No hay correos fallidos" in _texto(r)


# --- Permisos y escapado ------------------------------------------------------------------------------

def test_organizacion_de_otro_evento_recibe_403_en_todo(app, cliente, evento_con_equipo, limpio):
    slug = evento_con_equipo["slug"]
    _ajustar(app, slug)
    mesa = _mesas(app, slug)[0]
    with app.app_context():
        evento = _evento(slug)
        inscripcion = Inscripcion(evento=evento, mesa_id=mesa, nombre="Privada", apellidos="Secreta",
                                  correo=_correo_unico("privada"), institucion="Instituto Reservado", pais="MX",
                                  estado="en_espera", consentimiento_en=ahora())
        pregunta = PreguntaInscripcion(evento=evento, texto="Pregunta reservada", tipo="texto_corto")
        db.session.add_all([inscripcion, pregunta])
        db.session.commit()
        i, p = inscripcion.id, pregunta.id
    base = f"/organizacion/eventos/{slug}"
    rutas_get = [f"{base}/inscripciones", f"{base}/inscripciones/{i}", f"{base}/inscripciones/nueva",
                 f"{base}/inscripciones.csv", f"{base}/inscripciones.xlsx", f"{base}/preguntas-inscripcion",
                 f"{base}/preguntas-inscripcion/{p}", f"{base}/correos"]
    rutas_post = [f"{base}/inscripciones/{i}/cancelar", f"{base}/inscripciones/{i}/promover",
                  f"{base}/inscripciones/{i}/reenviar", f"{base}/inscripciones/nueva", f"{base}/inscripciones/ajustes",
                  f"{base}/preguntas-inscripcion", f"{base}/preguntas-inscripcion/{p}",
                  f"{base}/preguntas-inscripcion/{p}/borrar", f"{base}/preguntas-inscripcion/{p}/mover/abajo",
                  f"{base}/correos/reintentar"]
    entrar(cliente, evento_con_equipo["correos"]["organizador_otro"])
    for ruta in rutas_get:
        r = cliente.get(ruta)
        assert r.status_code == 403, ruta
        assert "Privada" not in _texto(r) and "reservad" not in _texto(r).lower(), ruta
    for ruta in rutas_post:
        assert enviar(cliente, ruta, {"texto": "x", "tipo": "texto_corto", "requiere_aprobacion": "y",
                                      **_datos_persona(mesa)}).status_code == 403, ruta
    with app.app_context():
        assert db.session.get(Inscripcion, i).estado == "en_espera"
        assert db.session.get(PreguntaInscripcion, p).texto == "Pregunta reservada"
        assert not _evento(slug).requiere_aprobacion

    # Objetos de otro evento por la URL de este: 404 (también para su organización).
    otro = app.test_client()
    entrar(otro, evento_con_equipo["correos"]["organizador"])
    otro_slug = evento_con_equipo["otro_slug"]
    assert otro.get(f"/organizacion/eventos/{otro_slug}/inscripciones/{i}").status_code == 403
    with app.app_context():
        ajena = Inscripcion(evento=_evento(otro_slug), nombre="Ajena", correo=_correo_unico("ajena"), estado="confirmada",
                            consentimiento_en=ahora())
        db.session.add(ajena)
        db.session.commit()
        ajena_id = ajena.id
    assert otro.get(f"{base}/inscripciones/{ajena_id}").status_code == 404
    assert enviar(otro, f"{base}/inscripciones/{ajena_id}/cancelar").status_code == 404
    assert otro.get(f"{base}/inscripciones/{i}").status_code == 200


def test_el_marcado_escrito_en_una_inscripcion_se_muestra_escapado(app, organizacion, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    marcado = '<script>alert("x")</script>'
    with app.app_context():
        evento = _evento(slug)
        inscripcion = Inscripcion(evento=evento, nombre=marcado, apellidos="<b>negrita</b>", correo=_correo_unico("marcado"),
                                  institucion='<img src=x onerror="alert(1)">', pais="MX", estado="confirmada",
                                  consentimiento_en=ahora())
        db.session.add(inscripcion)
        db.session.commit()
        inscripcion_id = inscripcion.id
    for ruta in (f"/organizacion/eventos/{slug}/inscripciones", f"/organizacion/eventos/{slug}/inscripciones/{inscripcion_id}"):
        html = _texto(organizacion.get(ruta))
        assert "&lt;script&gt;alert(" in html and "&lt;b&gt;negrita&lt;/b&gt;" in html and "&lt;img src=x" in html, ruta
        assert marcado not in html and "<b>negrita" not in html and "<img src=x" not in html, ruta
    # En el alta a mano se rechaza el marcado con un mensaje claro.
    r = enviar(organizacion, f"/organizacion/eventos/{slug}/inscripciones/nueva",
               _datos_persona(_mesas(app, slug)[0], nombre="<b>Ana</b>"))
    assert r.status_code == 400 and "No use etiquetas HTML" in _texto(r)
