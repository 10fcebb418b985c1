"""La síntesis entre mesas en la oficina: matriz preguntas × mesas en el orden de la guía, filtros,
publicación, informe para imprimir y exportaciones (Markdown, Word, CSV, Excel) — cada respuesta
exactamente una vez y nada de lo que escriben los moderadores convertido en HTML o fórmula."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select

from apoyo import crear_usuario, entrar, enviar, token_csrf
from eventos.extensiones import db
from eventos.mesas import servicios
from eventos.modelos import Auditoria, Evento, Mesa, Usuario

PELIGROSA = ('<script>alert(1)</script> =HYPERLINK("http://malo.example/","clic") '
             '<img src=x onerror=alert(2)> [enlace](javascript:alert(3))')
PUNTO_FORMULA = '=HYPERLINK("http://malo.example/","clic")'
PUNTO_IMAGEN = "<img src=x onerror=alert(4)>"


def _estructura(evento_id):
    evento = db.session.get(Evento, evento_id)
    m = servicios.matriz(evento)
    return m.mesas, m.preguntas


@pytest.fixture()
def llenas(app, evento_con_equipo):
    """Las Jornadas copiadas con una respuesta de cada una de las 5 mesas a cada pregunta (y puntos clave).
    La mesa 3 responde la pregunta 2 con marcado, guiones y fórmulas."""
    marca = uuid.uuid4().hex[:6]
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        autora = db.session.execute(select(Usuario).where(
            Usuario.correo == evento_con_equipo["correos"]["organizador"])).scalar_one()
        mesas, preguntas = _estructura(evento.id)
        textos = {}
        for i, mesa in enumerate(mesas):
            for pregunta in preguntas:
                if i == 2 and pregunta.numero == 2:
                    contenido = servicios.validar(PELIGROSA, [PUNTO_FORMULA, PUNTO_IMAGEN], 3)
                else:
                    texto = f"Respuesta {marca} mesa {i + 1} pregunta {pregunta.numero}: **acuerdo** amplio."
                    contenido = servicios.validar(texto, [f"Punto {marca}-{i + 1}-{pregunta.numero}-a",
                                                          f"Punto {marca}-{i + 1}-{pregunta.numero}-b"], i + 4)
                    textos[(mesa.id, pregunta.id)] = f"Respuesta {marca} mesa {i + 1} pregunta {pregunta.numero}:"
                servicios.guardar(mesa.id, pregunta.id, contenido, 0, autora)
        db.session.commit()  # el servicio no confirma: lo hace quien llama
        datos = {**evento_con_equipo, "evento_id": evento.id, "marca": marca, "textos": textos,
                 "mesas": [(m.id, m.nombre, m.clave) for m in mesas],
                 "preguntas": [(p.id, p.numero, p.bloque_id) for p in preguntas],
                 "bloques": list(dict.fromkeys(p.bloque_id for p in preguntas))}
    return datos


class Tabla(HTMLParser):
    """Lee de la matriz el orden de las columnas (mesas) y de las filas (preguntas)."""

    def __init__(self):
        super().__init__()
        self.columnas, self.filas, self.en_cabecera = [], [], False

    def handle_starttag(self, etiqueta, atributos):
        atributos = dict(atributos)
        if etiqueta == "thead":
            self.en_cabecera = True
        elif etiqueta == "th" and self.en_cabecera and "data-mesa" in atributos:
            self.columnas.append(int(atributos["data-mesa"]))
        elif etiqueta == "tr" and "data-pregunta" in atributos:
            self.filas.append(int(atributos["data-pregunta"]))

    def handle_endtag(self, etiqueta):
        if etiqueta == "thead":
            self.en_cabecera = False


def _organizadora(cliente, datos):
    entrar(cliente, datos["correos"]["organizador"])
    return cliente


def _ruta(datos, sufijo=""):
    return f"/organizacion/eventos/{datos['slug']}/sintesis{sufijo}"


def test_una_fila_por_pregunta_y_una_columna_por_mesa_en_orden(cliente, llenas):
    _organizadora(cliente, llenas)
    r = cliente.get(_ruta(llenas))
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    tabla = Tabla()
    tabla.feed(html)
    assert tabla.columnas == [m[0] for m in llenas["mesas"]]
    assert tabla.filas == [p[0] for p in llenas["preguntas"]]
    assert [p[1] for p in llenas["preguntas"]] == list(range(1, len(llenas["preguntas"]) + 1))
    for texto in llenas["textos"].values():
        assert html.count(texto) == 1, texto
    assert "Modernización de los mecanismos de cooperación" in html and "Políticas públicas/cohesión social" in html
    assert "<strong>acuerdo</strong>" in html  # el formato sencillo sí se muestra
    assert "Punto " + llenas["marca"] + "-1-1-a" in html
    assert "5 intervenciones" in html  # la mesa 2 anotó 5 intervenciones en cada pregunta
    assert r.headers["Cache-Control"] == "private, no-store"


def test_lo_que_escriben_los_moderadores_no_es_html_en_la_pagina_ni_en_el_informe(cliente, llenas):
    _organizadora(cliente, llenas)
    for ruta in (_ruta(llenas), _ruta(llenas, "/informe")):
        html = cliente.get(ruta).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "javascript:alert" not in html.replace(
            "[enlace](javascript:alert(3))", "")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(4)&gt;" in html  # el punto clave, como texto


def test_filtros_por_bloque_y_por_mesa(cliente, llenas):
    _organizadora(cliente, llenas)
    segundo = llenas["bloques"][1]
    mesa_id = llenas["mesas"][3][0]
    r = cliente.get(_ruta(llenas), query_string={"bloque": segundo, "mesa": mesa_id})
    assert r.status_code == 200
    tabla = Tabla()
    tabla.feed(r.get_data(as_text=True))
    assert tabla.columnas == [mesa_id]
    assert tabla.filas == [p[0] for p in llenas["preguntas"] if p[2] == segundo]
    # Los enlaces de descarga repiten el filtro.
    assert f"sintesis.csv?bloque={segundo}&amp;mesa={mesa_id}" in r.get_data(as_text=True)


@pytest.mark.parametrize("argumentos, mensaje", [
    ({"bloque": "abc"}, "Ese bloque o ronda no es de este evento"),
    ({"bloque": "999999"}, "Ese bloque o ronda no es de este evento"),
    ({"mesa": "-1"}, "Esa mesa no es de este evento"),
    ({"mesa": "999999"}, "Esa mesa no es de este evento"),
])
def test_un_filtro_que_no_es_del_evento_es_un_400_claro(cliente, llenas, argumentos, mensaje):
    _organizadora(cliente, llenas)
    for sufijo in ("", "/informe", ".md", ".docx", ".csv", ".xlsx"):
        r = cliente.get(_ruta(llenas, sufijo), query_string=argumentos)
        assert r.status_code == 400, sufijo
        assert mensaje in r.get_data(as_text=True)


def test_la_mesa_de_otro_evento_no_sirve_de_filtro(app, cliente, llenas):
    with app.app_context():
        otra = db.session.execute(select(Mesa.id).join(Evento).where(Evento.slug == llenas["otro_slug"])).scalars().first()
    _organizadora(cliente, llenas)
    assert cliente.get(_ruta(llenas), query_string={"mesa": otra}).status_code == 400


# --- Exportaciones -------------------------------------------------------------------------------

def _descargar(cliente, datos, extension, **argumentos):
    r = cliente.get(_ruta(datos, "." + extension), query_string=argumentos)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.headers["Content-Disposition"].startswith("attachment; filename=\"sintesis-" + datos["slug"])
    assert r.headers["Content-Disposition"].endswith(f'.{extension}"')
    return r


def _texto_docx(contenido: bytes) -> tuple[str, list]:
    from docx import Document
    documento = Document(io.BytesIO(contenido))
    return "\n".join(p.text for p in documento.paragraphs), documento.paragraphs


def _filas_xlsx(contenido: bytes):
    from openpyxl import load_workbook
    hoja = load_workbook(io.BytesIO(contenido)).active
    return [[c.value for c in fila] for fila in hoja.iter_rows()], hoja


def test_cada_exportacion_tiene_cada_respuesta_una_vez(cliente, llenas):
    _organizadora(cliente, llenas)
    total = len(llenas["mesas"]) * len(llenas["preguntas"])
    markdown = _descargar(cliente, llenas, "md").get_data(as_text=True)
    word, parrafos = _texto_docx(_descargar(cliente, llenas, "docx").data)
    informe = cliente.get(_ruta(llenas, "/informe")).get_data(as_text=True)
    tabla_csv = list(csv.reader(io.StringIO(_descargar(cliente, llenas, "csv").data.decode("utf-8-sig"))))
    tabla_xlsx, _hoja = _filas_xlsx(_descargar(cliente, llenas, "xlsx").data)
    for nombre, texto in (("md", markdown), ("docx", word), ("informe", informe)):
        for respuesta in llenas["textos"].values():
            assert texto.count(respuesta) == 1, (nombre, respuesta)
    for nombre, filas in (("csv", tabla_csv), ("xlsx", tabla_xlsx)):
        assert filas[0][:7] == ["Bloque", "Número", "Pregunta", "Mesa", "Respuesta", "Puntos clave", "Intervenciones"]
        assert filas[0][7].startswith("Actualizada (") and filas[0][8] == "Por"
        assert len(filas) == 1 + total, nombre
        celdas = [celda for fila in filas[1:] for celda in fila]
        for respuesta in llenas["textos"].values():
            assert sum(str(c).count(respuesta) for c in celdas) == 1, (nombre, respuesta)
        # Una fila por mesa × pregunta, en el orden de la guía y de las mesas.
        esperado = [(str(p[1]), m[1]) for p in llenas["preguntas"] for m in llenas["mesas"]]
        assert [(str(f[1]), f[3]) for f in filas[1:]] == esperado, nombre
        primera = filas[1]
        assert primera[5] == f"Punto {llenas['marca']}-1-1-a\nPunto {llenas['marca']}-1-1-b"
        assert str(primera[6]) == "4" and primera[8] == "organizador-" + llenas["slug"].split("-")[-1]
        if nombre == "csv":
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", primera[7])
        else:  # número, intervenciones y hora con su tipo: se ordenan y se suman
            assert (type(primera[1]), type(primera[6]), type(primera[7])) == (int, int, datetime)
    # El informe y los documentos abren con los objetivos y los resultados esperados del evento.
    for texto in (markdown, word, informe):
        assert texto.index("Objetivos") < texto.index("Resultados esperados") < texto.index(
            "Modernización de los mecanismos de cooperación")
        assert "Proveer de un marco común en torno a la cohesión social" in texto
    estilos = {p.style.name for p in parrafos}
    assert {"Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet"} <= estilos
    assert any(p.style.name == "List Bullet" and p.text == f"Punto {llenas['marca']}-2-3-a" for p in parrafos)
    # El formato sencillo de la respuesta: «**acuerdo**» en negrita, sin los asteriscos.
    parrafo = next(p for p in parrafos if p.text.startswith(llenas["textos"][(llenas["mesas"][0][0], llenas["preguntas"][0][0])]))
    assert parrafo.text.endswith("acuerdo amplio.") and [r.text for r in parrafo.runs if r.bold] == ["acuerdo"]


def test_las_exportaciones_respetan_los_filtros(cliente, llenas):
    _organizadora(cliente, llenas)
    mesa_id, mesa_nombre, mesa_clave = llenas["mesas"][1]
    primero = llenas["bloques"][0]
    r = _descargar(cliente, llenas, "csv", mesa=mesa_id, bloque=primero)
    assert f"-bloque-1-mesa-{mesa_clave}.csv" in r.headers["Content-Disposition"]
    filas = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))[1:]
    assert {f[3] for f in filas} == {mesa_nombre}
    assert len(filas) == sum(1 for p in llenas["preguntas"] if p[2] == primero)
    markdown = _descargar(cliente, llenas, "md", mesa=mesa_id).get_data(as_text=True)
    otras = [t for (m, _p), t in llenas["textos"].items() if m != mesa_id]
    propias = [t for (m, _p), t in llenas["textos"].items() if m == mesa_id]
    assert all(t in markdown for t in propias) and not any(t in markdown for t in otras)
    assert "Filtrado por" in markdown and mesa_nombre in markdown


def test_las_exportaciones_no_ejecutan_nada(cliente, llenas):
    _organizadora(cliente, llenas)
    # Markdown: ni con un visor que deja pasar HTML aparece una etiqueta, un enlace o una imagen.
    markdown = _descargar(cliente, llenas, "md").get_data(as_text=True)
    assert "<script" not in markdown and "<img" not in markdown
    html = MarkdownIt("commonmark", {"html": True}).render(markdown)
    assert "<script" not in html and "<img" not in html and "javascript:" not in html.replace(
        "(javascript:alert(3))", "")
    assert "<a " not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # se lee, como texto
    # La respuesta queda dentro de su cita: su marcado no abre encabezados ni rompe el documento.
    assert "> &lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    # CSV: la celda que empieza como fórmula lleva el apóstrofo delante.
    filas = list(csv.reader(io.StringIO(_descargar(cliente, llenas, "csv").data.decode("utf-8-sig"))))
    peligrosa = next(f for f in filas if f[4].startswith("<script>"))
    assert peligrosa[5] == "'" + PUNTO_FORMULA + "\n" + PUNTO_IMAGEN
    # XLSX: texto literal, nunca fórmula.
    filas_xlsx, hoja = _filas_xlsx(_descargar(cliente, llenas, "xlsx").data)
    fila = next(i for i, f in enumerate(filas_xlsx, start=1) if str(f[4]).startswith("<script>"))
    celda = hoja.cell(row=fila, column=6)
    assert celda.data_type == "s" and celda.value.startswith("=HYPERLINK") and celda.quotePrefix
    # Word: el texto tal cual, como texto.
    word, _parrafos = _texto_docx(_descargar(cliente, llenas, "docx").data)
    assert "<script>alert(1)</script>" in word and PUNTO_FORMULA in word


def test_caracteres_de_control_no_rompen_el_word(app, cliente, llenas):
    with app.app_context():
        autora = db.session.execute(select(Usuario).where(Usuario.correo == llenas["correos"]["organizador"])).scalar_one()
        mesa_id, pregunta_id = llenas["mesas"][0][0], llenas["preguntas"][0][0]
        version = servicios.actual(mesa_id, pregunta_id).version
        servicios.guardar(mesa_id, pregunta_id, servicios.validar("Texto\x01con\x08control", ["punto\x0b"], None),
                          version, autora)
        db.session.commit()
    _organizadora(cliente, llenas)
    word, _p = _texto_docx(_descargar(cliente, llenas, "docx").data)
    assert "Textoconcontrol" in word
    assert _descargar(cliente, llenas, "xlsx").status_code == 200


def test_xlsx_con_la_hora_del_evento_y_word_con_sus_propiedades(app, cliente, llenas, zona_del_proceso):
    """La hora de la última edición, en el XLSX una fecha y hora de reloj de la zona del evento (Ciudad de
    México, UTC−6), sea cual sea la zona del servidor; el Word dice su título, autoría e idioma."""
    mesa_id, pregunta_id = llenas["mesas"][0][0], llenas["preguntas"][0][0]
    with app.app_context():
        servicios.actual(mesa_id, pregunta_id).actualizada_en = datetime(2027, 11, 2, 3, 30, tzinfo=timezone.utc)
        db.session.commit()
        titulo = db.session.get(Evento, llenas["evento_id"]).titulo
    _organizadora(cliente, llenas)
    filas, hoja = _filas_xlsx(_descargar(cliente, llenas, "xlsx").data)
    assert filas[0][7] == "Actualizada (hora de Ciudad de México)"
    assert filas[1][7] == datetime(2027, 11, 1, 21, 30)  # la víspera, a las 21:30 en México
    assert hoja.cell(row=2, column=8).number_format == "yyyy-mm-dd hh:mm"
    csv_ = list(csv.reader(io.StringIO(_descargar(cliente, llenas, "csv").data.decode("utf-8-sig"))))
    assert csv_[1][7] == "2027-11-01 21:30"

    from docx import Document
    for idioma in ("es", "en", "pt"):
        documento = Document(io.BytesIO(_descargar(cliente, llenas, "docx", lang=idioma).data))
        propiedades = documento.core_properties
        assert propiedades.title == titulo and propiedades.language == idioma
        assert propiedades.author == ("Delegación de la Unión Europea en México · Agencia Mexicana de Cooperación "
                                      "Internacional para el Desarrollo (AMEXCID)")
    # Sin organizadores, firma el propio evento.
    with app.app_context():
        db.session.get(Evento, llenas["evento_id"]).organizadores = []
        db.session.commit()
    documento = Document(io.BytesIO(_descargar(cliente, llenas, "docx").data))
    assert documento.core_properties.author == titulo


# --- Publicación ----------------------------------------------------------------------------------

def test_publicar_y_retirar_las_respuestas_queda_auditado(app, cliente, llenas):
    _organizadora(cliente, llenas)
    r = enviar(cliente, _ruta(llenas, "/publicacion"), {"publicar": "si"})
    assert r.status_code == 303
    pagina = cliente.get(r.headers["Location"]).get_data(as_text=True)
    assert "Las respuestas de las mesas están publicadas" in pagina and "Retirar la publicación" in pagina
    with app.app_context():
        assert db.session.get(Evento, llenas["evento_id"]).respuestas_publicadas is True
    enviar(cliente, _ruta(llenas, "/publicacion"), {"publicar": "no"})
    with app.app_context():
        assert db.session.get(Evento, llenas["evento_id"]).respuestas_publicadas is False
        acciones = db.session.execute(select(Auditoria.accion).where(Auditoria.evento_id == llenas["evento_id"])).scalars().all()
    assert "Publicación de las respuestas de las mesas" in acciones
    assert "Retirada de la publicación de las respuestas de las mesas" in acciones


def test_publicar_exige_csrf_y_un_valor_valido(app, cliente, llenas):
    _organizadora(cliente, llenas)
    assert cliente.post(_ruta(llenas, "/publicacion"), data={"publicar": "si"}).status_code == 400
    r = enviar(cliente, _ruta(llenas, "/publicacion"), {"publicar": "quizá"})
    assert r.status_code == 400 and "Elija publicar o retirar" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Evento, llenas["evento_id"]).respuestas_publicadas is False


# --- Permisos -------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["moderador", "moderador_otro", "participante", "organizador_otro", "acreditador"])
def test_solo_la_organizacion_ve_la_sintesis(app, llenas, persona):
    cliente = app.test_client()
    entrar(cliente, llenas["correos"][persona])
    for sufijo in ("", "/informe", ".md", ".docx", ".csv", ".xlsx"):
        r = cliente.get(_ruta(llenas, sufijo))
        assert r.status_code == 403, (persona, sufijo)
        assert llenas["marca"] not in r.get_data(as_text=True)
    r = cliente.post(_ruta(llenas, "/publicacion"), data={"publicar": "si", "csrf_token": token_csrf(cliente)})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.get(Evento, llenas["evento_id"]).respuestas_publicadas is False


def test_sin_sesion_se_pide_entrar(cliente, llenas):
    r = cliente.get(_ruta(llenas))
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]


def test_la_administracion_tambien_ve_la_sintesis(cliente, llenas):
    entrar(cliente, llenas["correos"]["admin"])
    assert cliente.get(_ruta(llenas)).status_code == 200


# --- Consultas ------------------------------------------------------------------------------------

def test_las_consultas_de_la_sintesis_no_crecen_con_mesas_ni_respuestas(app, cliente, evento_con_equipo):
    from test_consultas import contar_consultas

    _organizadora(cliente, evento_con_equipo)
    ruta = _ruta(evento_con_equipo)

    def contar():
        cliente.get(ruta)  # la sesión y el usuario ya en uso, como en cualquier página siguiente
        with app.app_context(), contar_consultas() as consultas:
            assert cliente.get(ruta).status_code == 200
        return len(consultas)

    vacia = contar()
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        autora = crear_usuario(f"relatora-{uuid.uuid4().hex[:6]}@prueba.org")
        for n in range(4):
            db.session.add(Mesa(evento=evento, clave=f"extra-{n}", nombre=f"Mesa extra {n}", orden=10 + n))
        db.session.commit()
        mesas, preguntas = _estructura(evento.id)
        for mesa in mesas:
            for pregunta in preguntas:
                servicios.guardar(mesa.id, pregunta.id, servicios.validar("Texto", ["a", "b"], 2), 0, autora)
        db.session.commit()
        autora_id = autora.id
    llena = contar()
    with app.app_context():
        db.session.delete(db.session.get(Usuario, autora_id))
        db.session.commit()
    assert llena == vacia, f"{vacia} consultas sin respuestas, {llena} con 9 mesas × 11 preguntas"
    assert llena <= 15
