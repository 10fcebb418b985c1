"""Resultados de la encuesta para la organización: solo la organización los ve; la página muestra los números
de `servicios.resultados` (y los de la cuenta a mano); los filtros los cambian; una encuesta anónima no deja ver
qué inscripción dio qué respuesta; el marcado escrito es texto y las fórmulas no se ejecutan en CSV/XLSX; los
gráficos son SVG accesibles con sus números también en una tabla; y las consultas no crecen con los datos."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import lxml.html
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from apoyo import entrar
from test_consultas import contar_consultas
from eventos.encuestas import servicios
from eventos.extensiones import db
from eventos.modelos import (Asistencia, Encuesta, Evento, Inscripcion, Mesa, PreguntaEncuesta, RespuestaEncuesta,
                             SeccionEncuesta, Sesion)
from eventos.zonas import ahora

FORMULA = '=HYPERLINK("http://malo.example","clic")'
MARCADO = "<script>alert(1)</script><b>negrita</b>"
PREGUNTAS = (("valoracion", "Utilidad"), ("matriz_mesas", "Cada mesa"), ("matriz_sesiones", "Cada sesión"),
             ("opcion_unica", "Volvería"), ("opcion_multiple", "Temas"), ("texto_corto", "En una palabra"),
             ("texto_largo", "Comentarios"))
# Quién responde qué (mesa «a» o «b»; qr: presencial; en_linea; ambas). «a5» asistió y no responde.
RESPUESTAS = {
    "a1": ("a", ("qr",), {"Utilidad": "5", "Cada mesa": {"a": "5"}, "Cada sesión": {0: "4", 1: "5"}, "Volvería": "Sí",
                          "Temas": ["A", "B"], "En una palabra": "Útil", "Comentarios": "Muy bien organizado"}),
    "a2": ("a", ("qr",), {"Utilidad": "4", "Cada mesa": {"a": "4"}, "Cada sesión": {0: "3"}, "Volvería": "Sí",
                          "Temas": ["A"], "Comentarios": MARCADO}),
    "a3": ("a", ("qr",), {"Utilidad": "4", "Cada mesa": {"a": "3"}, "Volvería": "No", "Temas": ["B", "C"],
                          "En una palabra": FORMULA}),
    "a4": ("a", ("en_linea",), {"Utilidad": "2", "Cada mesa": {"a": "2"}, "Cada sesión": {0: "1", 1: "2"},
                                "Volvería": "No", "En una palabra": "Lejos", "Comentarios": "Se cortaba el audio"}),
    "a5": ("a", ("qr",), None),
    "b1": ("b", ("qr",), {"Utilidad": "3", "Cada mesa": {"b": "4"}, "Cada sesión": {0: "5"}, "Volvería": "Sí",
                          "Temas": ["C"], "Comentarios": "Amable"}),
    "b2": ("b", ("qr", "en_linea"), {"Utilidad": "5", "Cada mesa": {"b": "5", "a": "1"}, "Cada sesión": {1: "4"},
                                     "Volvería": "Sí", "Temas": ["A", "C"], "En una palabra": "Bien"}),
}


def _crear_encuesta(evento_id: int, anonima: bool) -> Encuesta:
    encuesta = Encuesta(evento_id=evento_id, titulo="Evaluación de prueba", anonima=anonima,
                        abre_en=ahora() - timedelta(hours=1), cierra_en=ahora() + timedelta(days=7))
    encuesta.secciones.append(SeccionEncuesta(titulo="Todo", orden=0, preguntas=[
        PreguntaEncuesta(tipo=tipo, texto=texto, orden=n, etiquetas=["Nada", "Mucho"] if tipo == "valoracion" else [],
                         opciones={"Volvería": ["Sí", "No"], "Temas": ["A", "B", "C"]}.get(texto, []))
        for n, (tipo, texto) in enumerate(PREGUNTAS)]))
    db.session.add(encuesta)
    db.session.flush()
    return encuesta


def _persona(evento_id: int, mesa_id: int, clave: str, origenes) -> Inscripcion:
    sufijo = uuid.uuid4().hex[:8]
    persona = Inscripcion(evento_id=evento_id, nombre=f"Nombre{clave}", apellidos=f"Secreto{sufijo}",
                          correo=f"{clave}-{sufijo}@secreto.example", estado="confirmada", mesa_id=mesa_id,
                          consentimiento_en=ahora(), confirmada_en=ahora())
    db.session.add(persona)
    db.session.flush()
    sesion_id = None
    for origen in origenes:  # la primera, al evento; las demás, a una sesión (una por inscripción y alcance)
        db.session.add(Asistencia(evento_id=evento_id, inscripcion_id=persona.id, origen=origen,
                                  sesion_id=sesion_id, alcance=sesion_id or 0))
        sesion_id = sesion_id or db.session.scalar(select(Sesion.id).where(Sesion.evento_id == evento_id).limit(1))
    db.session.flush()
    return persona


def _envio(encuesta: Encuesta, respuestas: dict, mesas: dict, sesiones: list) -> MultiDict:
    por_texto = {p.texto: p.id for p in encuesta.preguntas}
    envio = MultiDict()
    for texto, valor in respuestas.items():
        campo = f"p{por_texto[texto]}"
        if texto == "Cada mesa":
            for mesa, nota in valor.items():
                envio.add(f"{campo}-{mesas[mesa]}", nota)
        elif texto == "Cada sesión":
            for n, nota in valor.items():
                envio.add(f"{campo}-{sesiones[n]}", nota)
        elif isinstance(valor, list):
            for opcion in valor:
                envio.add(campo, opcion)
        else:
            envio.add(campo, valor)
    return envio


def _poblar(evento_id: int, mesas: dict, anonima: bool) -> dict:
    """La encuesta y las siete personas de RESPUESTAS (seis responden); devuelve ids, nombres y correos."""
    encuesta = _crear_encuesta(evento_id, anonima)
    sesiones = [fila for fila, _nombre in servicios.filas(encuesta.preguntas[2], evento_id)]
    personas = {}
    for clave, (mesa, origenes, respuestas) in RESPUESTAS.items():
        persona = _persona(evento_id, mesas[mesa], clave, origenes)
        personas[clave] = (persona.nombre_completo, persona.correo)
        if respuestas is not None:
            servicios.guardar(encuesta, persona, servicios.leer(encuesta, _envio(encuesta, respuestas, mesas,
                                                                                 sesiones)), None)
    return {"encuesta_id": encuesta.id, "personas": personas, "sesiones": sesiones,
            "preguntas": {p.texto: p.id for p in encuesta.preguntas}}


@pytest.fixture(params=[True, False], ids=["anonima", "identificada"])
def encuestado(request, app, evento_con_equipo):
    """El evento de prueba con la encuesta (anónima o identificada) y sus respuestas; un cliente de la organización."""
    datos = dict(evento_con_equipo)
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == datos["slug"])).scalar_one()
        mesas = {"a": datos["mesa_id"], "b": datos["mesa_otra_id"]}
        datos.update(_poblar(evento.id, mesas, anonima=request.param), anonima=request.param, mesas=mesas,
                     nombres_mesa={k: db.session.get(Mesa, v).nombre for k, v in mesas.items()})
        db.session.commit()
    cliente = app.test_client()
    entrar(cliente, datos["correos"]["organizador"])
    datos.update(cliente=cliente, base=f"/organizacion/eventos/{datos['slug']}/encuesta")
    return datos


def _html(cliente, ruta: str):
    r = cliente.get(ruta)
    assert r.status_code == 200, r.get_data(as_text=True)[-400:]
    assert r.headers["Cache-Control"] == "private, no-store"
    return lxml.html.fromstring(r.get_data(as_text=True)), r.get_data(as_text=True)


def _pregunta(pagina, pregunta_id: int):
    seccion, = pagina.xpath(f"//section[@aria-labelledby='t-p{pregunta_id}']")
    return seccion


def _filas_tabla(tabla) -> list[list[str]]:
    return [[_texto(celda) for celda in fila.xpath("./th|./td")] for fila in tabla.xpath(".//tbody/tr")]


def _texto(nodo) -> str:
    return " ".join(nodo.text_content().split())


def _csv(cliente, ruta: str) -> list[list[str]]:
    r = cliente.get(ruta)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Cache-Control"] == "private, no-store"
    return list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


def _xlsx(cliente, ruta: str):
    r = cliente.get(ruta)
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert r.headers["Cache-Control"] == "private, no-store"
    return load_workbook(io.BytesIO(r.data)).active


# --- Quién los ve ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["participante", "moderador", "acreditador", "organizador_otro"])
def test_solo_la_organizacion_del_evento_ve_los_resultados(app, encuestado, persona):
    otro = app.test_client()
    entrar(otro, encuestado["correos"][persona])
    anonimo = app.test_client()
    for sufijo in ("/resultados", "/resultados/informe", "/respuestas.csv", "/respuestas.xlsx"):
        r = otro.get(encuestado["base"] + sufijo)
        assert r.status_code == 403 and "Utilidad" not in r.get_data(as_text=True)
        r = anonimo.get(encuestado["base"] + sufijo)
        assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]
        assert encuestado["cliente"].get(encuestado["base"] + sufijo).status_code == 200


# --- Los números ---------------------------------------------------------------------------------------

def test_la_pagina_muestra_los_numeros_de_resultados_y_de_la_cuenta_a_mano(app, encuestado):
    pagina, _ = _html(encuestado["cliente"], encuestado["base"] + "/resultados")
    ids = encuestado["preguntas"]
    with app.app_context():
        calculo = servicios.resultados(db.session.get(Encuesta, encuestado["encuesta_id"]))
        sesiones = dict(servicios.filas(db.session.get(PreguntaEncuesta, ids["Cada sesión"]),
                                        db.session.get(Encuesta, encuestado["encuesta_id"]).evento_id))
    assert (calculo.respuestas, calculo.elegibles) == (6, 7)
    tasa = _texto(pagina.xpath("//section[@class='tasa-respuesta']")[0])
    assert "86" in tasa and "respondieron 6 de 7 personas" in tasa

    utilidad = _pregunta(pagina, ids["Utilidad"])
    filas = _filas_tabla(utilidad.xpath(".//table")[0])
    assert [(f[0], int(f[1])) for f in filas] == [("1 — Nada", 0), ("2", 1), ("3", 1), ("4", 2), ("5 — Mucho", 2)]
    assert [int(f[1]) for f in filas] == list(calculo.preguntas[0].distribucion.cuentas.values())
    assert "Media: 3,83 de 5" in _texto(utilidad) and round(calculo.preguntas[0].distribucion.media, 2) == 3.83

    def matriz(texto):
        return {f[0]: (f[1].split()[0], int(f[2]), [int(c) for c in f[3:]])
                for f in _filas_tabla(_pregunta(pagina, ids[texto]).xpath(".//table")[0])}
    mesas = matriz("Cada mesa")
    nombres = encuestado["nombres_mesa"]
    assert mesas[nombres["a"]] == ("3,00", 5, [1, 1, 1, 1, 1]) and mesas[nombres["b"]] == ("4,50", 2, [0, 0, 0, 1, 1])
    assert [k for k, v in mesas.items() if v[1]] == [nombres["a"], nombres["b"]] or \
        [k for k, v in mesas.items() if v[1]] == [nombres["b"], nombres["a"]]
    cada_sesion = matriz("Cada sesión")
    primera, segunda = (sesiones[i] for i in encuestado["sesiones"][:2])
    assert cada_sesion[primera] == ("3,25", 4, [1, 0, 1, 1, 1]) and cada_sesion[segunda] == ("3,67", 3, [0, 1, 0, 1, 1])
    for fila_id, nombre, distribucion in calculo.preguntas[2].filas:
        assert cada_sesion[nombre][1:] == (distribucion.total, list(distribucion.cuentas.values()))

    def opciones(texto):
        return [(f[0], int(f[1]), f[2].replace("\xa0", " ")) for f in
                _filas_tabla(_pregunta(pagina, ids[texto]).xpath(".//table")[0])]
    assert opciones("Volvería") == [("Sí", 4, "67 %"), ("No", 2, "33 %")] == \
        [(o, n, f"{round(100 * n / 6)} %") for o, n in calculo.preguntas[3].opciones]
    assert opciones("Temas") == [("A", 3, "60 %"), ("B", 2, "40 %"), ("C", 3, "60 %")]  # de las 5 que respondieron
    comentarios = [_texto(li.xpath("./p")[0]) for li in _pregunta(pagina, ids["Comentarios"]).xpath(".//li")]
    assert sorted(comentarios) == sorted(calculo.preguntas[6].textos) and len(comentarios) == 4


def test_los_filtros_por_mesa_y_modalidad_cambian_los_numeros(encuestado):
    cliente, base, ids = encuestado["cliente"], encuestado["base"], encuestado["preguntas"]

    def cifras(consulta):
        pagina, _ = _html(cliente, f"{base}/resultados?{consulta}")
        utilidad = _pregunta(pagina, ids["Utilidad"])
        return (_texto(pagina.xpath("//section[@class='tasa-respuesta']")[0]),
                [int(f[1]) for f in _filas_tabla(utilidad.xpath(".//table")[0])], _texto(utilidad))
    tasa, cuentas, texto = cifras(f"mesa={encuestado['mesas']['a']}")
    assert "respondieron 4 de 5" in tasa and cuentas == [0, 1, 0, 2, 1] and "Media: 3,75 de 5" in texto
    tasa, cuentas, texto = cifras("modalidad=en_linea")
    assert "respondió 1 de 1" in tasa and cuentas == [0, 1, 0, 0, 0] and "Media: 2,00 de 5" in texto
    tasa, cuentas, _t = cifras(f"mesa={encuestado['mesas']['b']}&modalidad=ambas")
    assert "respondió 1 de 1" in tasa and cuentas == [0, 0, 0, 0, 1]
    # Las descargas y el informe llevan el mismo filtro.
    assert len(_csv(cliente, f"{base}/respuestas.csv?modalidad=presencial")) == 1 + 4
    informe, _ = _html(cliente, f"{base}/resultados/informe?mesa={encuestado['mesas']['a']}")
    assert "respondieron 4 de 5" in _texto(informe.xpath("//section[@class='tasa-respuesta']")[0])
    for malo in ("mesa=999999999", "mesa=abc", "mesa=%C2%B2", "mesa=-1", "modalidad=virtual", "modalidad=%00"):
        for sufijo in ("/resultados", "/resultados/informe", "/respuestas.csv", "/respuestas.xlsx"):
            assert cliente.get(f"{base}{sufijo}?{malo}").status_code == 400, (sufijo, malo)


def test_una_mesa_de_otro_evento_no_vale_como_filtro(app, encuestado):
    with app.app_context():
        otro = db.session.execute(select(Evento).where(Evento.slug == encuestado["otro_slug"])).scalar_one()
        mesa_ajena = db.session.execute(select(Mesa.id).where(Mesa.evento_id == otro.id)).scalars().first()
    assert encuestado["cliente"].get(f"{encuestado['base']}/resultados?mesa={mesa_ajena}").status_code == 400


# --- Anonimato y autoría --------------------------------------------------------------------------------

def test_la_encuesta_anonima_no_dice_quien_respondio_ni_en_la_pagina_ni_en_las_descargas(app, encuestado):
    cliente, base = encuestado["cliente"], encuestado["base"]
    with app.app_context():
        ids_respuesta = db.session.execute(select(RespuestaEncuesta.id).where(
            RespuestaEncuesta.encuesta_id == encuestado["encuesta_id"])).scalars().all()
    _p, pagina = _html(cliente, f"{base}/resultados")
    _i, informe = _html(cliente, f"{base}/resultados/informe")
    tabla_csv = _csv(cliente, f"{base}/respuestas.csv")
    hoja = _xlsx(cliente, f"{base}/respuestas.xlsx")
    celdas_xlsx = " ".join(str(c.value) for fila in hoja.iter_rows() for c in fila if c.value is not None)
    todo = {"página": pagina, "informe": informe, "csv": repr(tabla_csv), "xlsx": celdas_xlsx}
    nombres_y_correos = [dato for persona in encuestado["personas"].values() for dato in persona]
    if encuestado["anonima"]:
        for donde, contenido in todo.items():
            for dato in nombres_y_correos + [apellido.split()[-1] for apellido, _c in encuestado["personas"].values()]:
                assert dato not in contenido, f"{dato} aparece en {donde}"
            for id_respuesta in ids_respuesta:
                assert id_respuesta not in contenido, f"el id de una respuesta aparece en {donde}"
        assert tabla_csv[0][:3] == ["N.º", "Mesa", "Modalidad"]
        assert [fila[0] for fila in tabla_csv[1:]] == ["1", "2", "3", "4", "5", "6"]
        assert "autor-texto" not in pagina
        # Los comentarios no salen en el orden de llegada, que podría casarse con quién respondió antes.
        comentarios = [_texto(li.xpath("./p")[0]) for li in _pregunta(
            _p, encuestado["preguntas"]["Comentarios"]).xpath(".//li")]
        assert comentarios == sorted(comentarios, key=str.casefold)
    else:
        assert tabla_csv[0][:5] == ["N.º", "Nombre", "Correo", "Mesa", "Modalidad"]
        por_correo = {fila[2]: fila for fila in tabla_csv[1:]}
        nombre_a1, correo_a1 = encuestado["personas"]["a1"]
        comentarios = tabla_csv[0].index("Comentarios")
        assert por_correo[correo_a1][1] == nombre_a1 and por_correo[correo_a1][comentarios] == "Muy bien organizado"
        assert encuestado["personas"]["a5"][1] not in por_correo  # no respondió
        item, = [li for li in _pregunta(_p, encuestado["preguntas"]["Comentarios"]).xpath(".//li")
                 if "Muy bien organizado" in _texto(li)]
        assert _texto(item.xpath("./p[@class='autor-texto']")[0]) == f"— {nombre_a1}"


def test_el_marcado_escrito_es_texto_y_las_formulas_no_se_ejecutan(encuestado):
    cliente, base = encuestado["cliente"], encuestado["base"]
    pagina, html = _html(cliente, f"{base}/resultados")
    assert "<script>alert(1)" not in html and "<b>negrita" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;negrita&lt;/b&gt;" in html
    assert not pagina.xpath("//script[contains(., 'alert')]") and not pagina.xpath("//main//b")
    textos = [_texto(p) for p in pagina.xpath("//p[@class='texto-respuesta']")]
    assert MARCADO in textos and FORMULA in textos  # en la página se lee tal cual lo escribieron
    tabla_csv = _csv(cliente, f"{base}/respuestas.csv")
    columna = tabla_csv[0].index("En una palabra")
    assert "'" + FORMULA in [fila[columna] for fila in tabla_csv[1:]]
    assert not any(celda.startswith(("=", "+", "-", "@")) for fila in tabla_csv for celda in fila)
    hoja = _xlsx(cliente, f"{base}/respuestas.xlsx")
    celda, = [c for fila in hoja.iter_rows(min_row=2) for c in fila if c.value and "HYPERLINK" in str(c.value)]
    assert celda.data_type == "s" and celda.quotePrefix and celda.value == FORMULA


# --- Gráficos ------------------------------------------------------------------------------------------

def test_cada_grafico_es_un_svg_con_titulo_descripcion_y_sus_numeros_en_una_tabla(encuestado):
    for sufijo in ("/resultados", "/resultados/informe"):
        pagina, html = _html(encuestado["cliente"], encuestado["base"] + sufijo)
        graficos = pagina.xpath("//svg")
        assert len(pagina.xpath("//svg[contains(@class, 'grafico-barras')]")) == 3  # valoración y dos de opciones
        filas_matrices = sum(len(_filas_tabla(_pregunta(pagina, encuestado["preguntas"][texto]).xpath(".//table")[0]))
                             for texto in ("Cada mesa", "Cada sesión"))
        assert len(pagina.xpath("//svg[contains(@class, 'barra-media')]")) == filas_matrices >= 5 + 2
        for svg in graficos:
            assert svg.get("role") == "img"
            titulo, descripcion = svg.xpath("./title"), svg.xpath("./desc")
            assert titulo and _texto(titulo[0]) and descripcion and _texto(descripcion[0])
            assert set(svg.get("aria-labelledby").split()) == {titulo[0].get("id"), descripcion[0].get("id")}
        for svg in pagina.xpath("//svg[contains(@class, 'grafico-barras')]"):
            tabla = svg.getnext()
            assert tabla is not None and tabla.tag == "table" and tabla.xpath(".//tbody/tr")
        utilidad = _pregunta(pagina, encuestado["preguntas"]["Utilidad"]).xpath(".//svg/desc")[0]
        assert _texto(utilidad).startswith("1 (Nada): 0") and "Media: 3,83 de 5, con 6 respuestas." in _texto(utilidad)
        assert "<script src=\"http" not in html and "cdn" not in html.lower()
        assert 'stylesheet" href="/estaticos/css/encuesta_resultados.' in html


def test_el_informe_para_imprimir_va_sin_menu_ni_filtros(encuestado):
    pagina, _ = _html(encuestado["cliente"], encuestado["base"] + "/resultados/informe")
    assert not pagina.xpath("//nav[contains(@class, 'menu-evento')]") and not pagina.xpath("//form[@method='get']")
    assert pagina.xpath("//header[@class='cabecera-impresa']//h1")
    oficina, _ = _html(encuestado["cliente"], encuestado["base"] + "/resultados")
    enlace, = oficina.xpath("//a[normalize-space()='Informe para imprimir']")
    assert enlace.get("href").endswith("/encuesta/resultados/informe")


# --- Descargas -----------------------------------------------------------------------------------------

def test_csv_y_xlsx_una_fila_por_respuesta_y_una_columna_por_pregunta(app, encuestado):
    cliente, base = encuestado["cliente"], encuestado["base"]
    tabla_csv = _csv(cliente, f"{base}/respuestas.csv")
    hoja = _xlsx(cliente, f"{base}/respuestas.xlsx")
    tabla_xlsx = [[c.value for c in fila] for fila in hoja.iter_rows()]
    with app.app_context():
        evento_id = db.session.get(Encuesta, encuestado["encuesta_id"]).evento_id
        mesas = [n for _i, n in servicios.filas(db.session.get(PreguntaEncuesta, encuestado["preguntas"]["Cada mesa"]),
                                               evento_id)]
        sesiones = [n for _i, n in servicios.filas(
            db.session.get(PreguntaEncuesta, encuestado["preguntas"]["Cada sesión"]), evento_id)]
    identidad = [] if encuestado["anonima"] else ["Nombre", "Correo"]
    esperados = (["N.º"] + identidad + ["Mesa", "Modalidad", "Utilidad"] + [f"Cada mesa — {m}" for m in mesas]
                 + [f"Cada sesión — {s}" for s in sesiones] + ["Volvería", "Temas", "En una palabra", "Comentarios"])
    assert tabla_csv[0] == esperados and tabla_xlsx[0] == esperados
    assert len(tabla_csv) == len(tabla_xlsx) == 1 + 6
    columna = {nombre: n for n, nombre in enumerate(esperados)}
    nombres = encuestado["nombres_mesa"]

    def fila_de(tabla, utilidad, temas):
        fila, = [f for f in tabla[1:] if f[columna["Utilidad"]] == utilidad and f[columna["Temas"]] == temas]
        return fila
    b2 = fila_de(tabla_csv, "5", "A; C")
    assert (b2[columna["Mesa"]], b2[columna["Modalidad"]]) == (nombres["b"], "Presencial y en línea")
    assert (b2[columna[f"Cada mesa — {nombres['a']}"]], b2[columna[f"Cada mesa — {nombres['b']}"]]) == ("1", "5")
    assert b2[columna["Volvería"]] == "Sí" and b2[columna["En una palabra"]] == "Bien"
    a4 = fila_de(tabla_xlsx, 2, None)  # las valoraciones, números de verdad en el XLSX; sin temas, celda vacía
    assert a4[columna["Modalidad"]] == "En línea" and a4[columna[f"Cada mesa — {nombres['a']}"]] == 2
    assert a4[columna[f"Cada mesa — {nombres['b']}"]] in (None, "")
    celdas = {c.column - 1: c for c in next(f for f in hoja.iter_rows(min_row=2) if f[columna["Utilidad"]].value == 2)}
    assert celdas[columna["Utilidad"]].data_type == "n" and celdas[0].data_type == "n"
    assert sorted(f[columna["Utilidad"]] for f in tabla_xlsx[1:]) == [2, 3, 4, 4, 5, 5]


def test_sin_encuesta_la_pagina_lo_dice_y_las_descargas_salen_vacias(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    base = f"/organizacion/eventos/{evento_con_equipo['slug']}/encuesta"
    pagina, _ = _html(cliente, f"{base}/resultados")
    assert "todavía no tiene encuesta" in _texto(pagina)
    assert _csv(cliente, f"{base}/respuestas.csv") == [["N.º", "Mesa", "Modalidad"]]
    assert _html(cliente, f"{base}/resultados/informe")[0] is not None


# --- Consultas -----------------------------------------------------------------------------------------

def test_las_consultas_no_crecen_con_las_respuestas_ni_con_las_preguntas(app, encuestado):
    cliente, base = encuestado["cliente"], encuestado["base"]
    rutas = ("/resultados", "/resultados/informe", "/respuestas.csv", "/respuestas.xlsx",
             f"/resultados?mesa={encuestado['mesas']['a']}&modalidad=presencial")

    def contar():
        cuentas = {}
        with app.app_context():
            for ruta in rutas:
                with contar_consultas() as consultas:
                    assert cliente.get(base + ruta).status_code == 200
                cuentas[ruta] = len(consultas)
        return cuentas
    antes = contar()
    with app.app_context():  # tres secciones más con una pregunta de cada tipo y 30 respuestas más
        encuesta = db.session.get(Encuesta, encuestado["encuesta_id"])
        for n in range(3):
            encuesta.secciones.append(SeccionEncuesta(titulo=f"Más {n}", orden=n + 1, preguntas=[
                PreguntaEncuesta(tipo=tipo, texto=f"{texto} {n}", orden=k,
                                 opciones=["X", "Y"] if tipo in ("opcion_unica", "opcion_multiple") else [])
                for k, (tipo, texto) in enumerate(PREGUNTAS)]))
        db.session.flush()
        mesas = encuestado["mesas"]
        for k in range(30):
            mesa = "a" if k % 2 else "b"
            persona = _persona(encuesta.evento_id, mesas[mesa], f"extra{k}", ("qr",))
            respuestas = {texto: "Otro comentario" if "Comentarios" in texto or "palabra" in texto else "3"
                          for _t, texto in PREGUNTAS if _t in ("valoracion", "texto_corto", "texto_largo")}
            respuestas.update({f"{t} {n}": "4" for n in range(3) for t in ("Utilidad",)})
            servicios.guardar(encuesta, persona, servicios.leer(
                encuesta, _envio(encuesta, respuestas, mesas, encuestado["sesiones"])), None)
        db.session.commit()
    despues = contar()
    assert despues == antes, f"consultas con 6 respuestas: {antes}; con 36 y más preguntas: {despues}"
    assert max(despues.values()) <= 15, despues
