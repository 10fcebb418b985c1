"""Oficina: guías de preguntas (bloques o rondas, preguntas numeradas seguidas) y materiales."""
from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from apoyo import entrar, enviar
from eventos.extensiones import db
from eventos.modelos import Bloque, Evento, Guia, Material, Pregunta, Sesion

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- Ayudas ----------------------------------------------------------------------------------------

def _oficina(slug: str) -> str:
    return f"/organizacion/eventos/{slug}"


def _id_en(respuesta, patron: str) -> int:
    """El id que aparece en la dirección a la que redirige la respuesta (p. ej. r'/guias/(\\d+)')."""
    assert respuesta.status_code == 302, respuesta.get_data(as_text=True)[-800:]
    encontrado = re.search(patron, respuesta.headers["Location"])
    assert encontrado, respuesta.headers["Location"]
    return int(encontrado.group(1))


def _sesion_id(app, slug: str, clave: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(Sesion.id).join(Evento).where(Evento.slug == slug, Sesion.clave == clave)).scalar_one()


def _numeracion(app, guia_id: int) -> list[tuple[str, int, str]]:
    """[(bloque, número, texto)] de la guía en el orden de la guía."""
    with app.app_context():
        guia = db.session.get(Guia, guia_id)
        return [(b.titulo, p.numero, p.texto) for b in guia.bloques for p in b.preguntas]


def _id_pregunta(app, guia_id: int, texto: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(Pregunta.id).join(Bloque).where(Bloque.guia_id == guia_id, Pregunta.texto == texto)).scalar_one()


def _materiales(app, slug: str) -> list[Material]:
    with app.app_context():
        filas = db.session.execute(
            select(Material).join(Evento).where(Evento.slug == slug).order_by(Material.sesion_id, Material.orden))
        materiales = filas.scalars().all()
        db.session.expunge_all()
        return materiales


def _archivos_guardados(app) -> set[str]:
    """Los archivos del almacén configurado (la carpeta, la base de datos o el bucket)."""
    from eventos.servicios import materiales
    with app.app_context():
        return set(materiales.actual().nombres())


def _crear_guia(cliente, slug, sesion_id=0, titulo="", rectora="") -> int:
    respuesta = enviar(cliente, f"{_oficina(slug)}/guias",
                       {"titulo": titulo, "pregunta_rectora": rectora, "sesion": str(sesion_id)})
    return _id_en(respuesta, r"/guias/(\d+)")


def _crear_bloque(cliente, slug, guia_id, titulo) -> int:
    respuesta = enviar(cliente, f"{_oficina(slug)}/guias/{guia_id}/bloques", {"titulo": titulo})
    return _id_en(respuesta, r"#bloque-(\d+)")


def _crear_pregunta(cliente, slug, bloque_id, texto):
    respuesta = enviar(cliente, f"{_oficina(slug)}/bloques/{bloque_id}/preguntas", {"texto": texto})
    assert respuesta.status_code == 302, respuesta.get_data(as_text=True)[-800:]
    return respuesta


def _subir(cliente, slug, titulo, sesion_id=0, archivo=None, url="", tipo="documento"):
    datos = {"titulo": titulo, "tipo": tipo, "descripcion": "", "sesion": str(sesion_id), "url": url}
    if archivo is not None:
        datos["archivo"] = archivo
    return enviar(cliente, f"{_oficina(slug)}/materiales", datos, content_type="multipart/form-data")


# --- Guías -----------------------------------------------------------------------------------------

RECTORA = "¿Cuáles deberán ser las acciones o estrategias para lograr un mundo mejor y más inclusivo?"
P1 = "¿Cómo han funcionado hasta hoy las alianzas que existen en la ESS?"
P2 = "¿Cuál es el beneficio tangible y real de las redes de investigación?"
P3 = "¿Quiénes son las organizaciones clave que deberían impulsar las alianzas?"


def test_construir_una_guia_como_la_del_gsef_y_renumerar(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    sesion_id = _sesion_id(app, slug, "plenaria-2")

    pagina = cliente.get(f"{_oficina(slug)}/guias")
    assert pagina.status_code == 200
    assert "Todo el evento (todas las mesas)" in pagina.get_data(as_text=True)

    guia_id = _crear_guia(cliente, slug, sesion_id, "Subtema 5", RECTORA)
    ronda1 = _crear_bloque(cliente, slug, guia_id, "Ronda 1")
    _crear_pregunta(cliente, slug, ronda1, P1)
    _crear_pregunta(cliente, slug, ronda1, P2)
    ronda2 = _crear_bloque(cliente, slug, guia_id, "Ronda 2")
    respuesta = _crear_pregunta(cliente, slug, ronda2, P3)
    assert respuesta.headers["Location"].endswith(f"#bloque-{ronda2}-nueva-texto")  # seguir escribiendo
    assert _numeracion(app, guia_id) == [("Ronda 1", 1, P1), ("Ronda 1", 2, P2), ("Ronda 2", 3, P3)]

    pagina = cliente.get(f"{_oficina(slug)}/guias/{guia_id}").get_data(as_text=True)
    for texto in ("Ronda 1", "Ronda 2", html.escape(P1, quote=False), f'id="bloque-{ronda1}-nueva-texto"',
                  "Nueva pregunta para «Ronda 2»"):
        assert texto in pagina
    lista = cliente.get(f"{_oficina(slug)}/guias").get_data(as_text=True)
    assert "Subtema 5" in lista and "Sesión «Sesión plenaria 2»" in lista

    # Mover una pregunta dentro de su bloque: la numeración sigue el nuevo orden.
    id_p2 = _id_pregunta(app, guia_id, P2)
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{id_p2}/mover/arriba").status_code == 302
    assert _numeracion(app, guia_id) == [("Ronda 1", 1, P2), ("Ronda 1", 2, P1), ("Ronda 2", 3, P3)]
    # Subir la primera no hace nada; una dirección desconocida es un error.
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{id_p2}/mover/arriba").status_code == 302
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{id_p2}/mover/sideways").status_code == 400
    assert _numeracion(app, guia_id)[0] == ("Ronda 1", 1, P2)

    # Borrar una: las siguientes se renumeran.
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{id_p2}/borrar").status_code == 302
    assert _numeracion(app, guia_id) == [("Ronda 1", 1, P1), ("Ronda 2", 2, P3)]

    # Mover un bloque también renumera.
    assert enviar(cliente, f"{_oficina(slug)}/bloques/{ronda2}/mover/arriba").status_code == 302
    assert _numeracion(app, guia_id) == [("Ronda 2", 1, P3), ("Ronda 1", 2, P1)]
    assert enviar(cliente, f"{_oficina(slug)}/bloques/{ronda2}/mover/abajo").status_code == 302
    assert _numeracion(app, guia_id) == [("Ronda 1", 1, P1), ("Ronda 2", 2, P3)]

    # La página pública de la sesión (el evento está publicado) y la API la muestran.
    publico = app.test_client()
    pagina = publico.get(f"/eventos/{slug}/sesiones/plenaria-2")
    assert pagina.status_code == 200
    texto = pagina.get_data(as_text=True)
    assert "Subtema 5" in texto and html.escape(RECTORA, quote=False) in texto
    assert f'<li value="1">{html.escape(P1, quote=False)}</li>' in texto
    assert f'<li value="2">{html.escape(P3, quote=False)}</li>' in texto
    assert "Modernización de los mecanismos de cooperación" not in texto  # la guía común es de las mesas

    datos = publico.get(f"/api/v1/eventos/{slug}").get_json()
    guia = next(g for g in datos["guias"] if g["id"] == guia_id)
    assert guia["sesion_id"] == sesion_id and guia["titulo"] == "Subtema 5"
    assert guia["pregunta_rectora"] == RECTORA
    assert [(b["titulo"], [(p["numero"], p["texto"]) for p in b["preguntas"]]) for b in guia["bloques"]] == \
        [("Ronda 1", [(1, P1)]), ("Ronda 2", [(2, P3)])]


def test_la_guia_comun_numera_seguido_entre_bloques_y_sale_en_la_pagina_del_evento(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    with app.app_context():
        guia = db.session.execute(select(Guia).join(Evento).where(Evento.slug == slug)).scalar_one()
        guia_id, primer_bloque = guia.id, guia.bloques[0].id
        assert [len(b.preguntas) for b in guia.bloques] == [8, 3]

    _crear_pregunta(cliente, slug, primer_bloque, "¿Qué aprendimos del intercambio entre pares?")
    numeracion = _numeracion(app, guia_id)
    assert [n for _, n, _ in numeracion] == list(range(1, 13))
    assert numeracion[8] == ("Modernización de los mecanismos de cooperación", 9, "¿Qué aprendimos del intercambio entre pares?")
    assert [n for b, n, _ in numeracion if b == "Políticas públicas/cohesión social"] == [10, 11, 12]

    # Una guía nueva de todo el evento aparece en la página pública del evento.
    nueva = _crear_guia(cliente, slug, 0, "", "¿Qué cambiaría de la cooperación birregional?")
    _crear_pregunta(cliente, slug, _crear_bloque(cliente, slug, nueva, "Cierre"), "¿Una idea para la próxima edición?")
    texto = app.test_client().get(f"/eventos/{slug}/").get_data(as_text=True)
    assert "¿Qué cambiaría de la cooperación birregional?" in texto
    assert '<li value="1">¿Una idea para la próxima edición?</li>' in texto
    assert '<li value="12">' in texto  # la guía original, ya con la pregunta nueva

    lista = cliente.get(f"{_oficina(slug)}/guias").get_data(as_text=True)
    assert "Guía de todo el evento" in lista


def test_editar_y_borrar_guia_bloque_y_pregunta(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    guia_id = _crear_guia(cliente, slug, _sesion_id(app, slug, "plenaria-1"), "Borrador de guía")
    bloque_a = _crear_bloque(cliente, slug, guia_id, "Bloque A")
    bloque_b = _crear_bloque(cliente, slug, guia_id, "Bloque B")
    for texto in ("a1", "a2"):
        _crear_pregunta(cliente, slug, bloque_a, texto)
    _crear_pregunta(cliente, slug, bloque_b, "b1")

    # Datos de la guía: pasa a ser de todo el evento.
    respuesta = enviar(cliente, f"{_oficina(slug)}/guias/{guia_id}",
                       {"titulo": "Guía revisada", "pregunta_rectora": "¿Rectora?", "sesion": "0"})
    assert respuesta.status_code == 302
    with app.app_context():
        guia = db.session.get(Guia, guia_id)
        assert (guia.titulo, guia.pregunta_rectora, guia.sesion_id) == ("Guía revisada", "¿Rectora?", None)
    # Una sesión de otro evento no es una opción válida.
    otra = _sesion_id(app, evento_con_equipo["otro_slug"], "subtema-5")
    respuesta = enviar(cliente, f"{_oficina(slug)}/guias/{guia_id}", {"titulo": "x", "sesion": str(otra)})
    assert respuesta.status_code == 400

    # Renombrar un bloque; vacío es un error 400 con el mensaje junto al campo.
    assert enviar(cliente, f"{_oficina(slug)}/bloques/{bloque_a}", {"titulo": "Ronda inicial"}).status_code == 302
    respuesta = enviar(cliente, f"{_oficina(slug)}/bloques/{bloque_a}", {"titulo": "  "})
    assert respuesta.status_code == 400 and "Este campo es obligatorio." in respuesta.get_data(as_text=True)
    respuesta = enviar(cliente, f"{_oficina(slug)}/bloques/{bloque_b}/preguntas", {"texto": ""})
    assert respuesta.status_code == 400 and "Este campo es obligatorio." in respuesta.get_data(as_text=True)
    respuesta = enviar(cliente, f"{_oficina(slug)}/guias/{guia_id}/bloques", {"titulo": ""})
    assert respuesta.status_code == 400

    # Editar el texto de una pregunta (su número no cambia).
    id_a2 = _id_pregunta(app, guia_id, "a2")
    pagina = cliente.get(f"{_oficina(slug)}/preguntas/{id_a2}")
    assert pagina.status_code == 200 and "Pregunta 2" in pagina.get_data(as_text=True)
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{id_a2}", {"texto": "a2 revisada"}).status_code == 302
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{id_a2}", {"texto": ""}).status_code == 400
    assert _numeracion(app, guia_id) == [("Ronda inicial", 1, "a1"), ("Ronda inicial", 2, "a2 revisada"), ("Bloque B", 3, "b1")]

    # Borrar un bloque se lleva sus preguntas y renumera las demás.
    assert enviar(cliente, f"{_oficina(slug)}/bloques/{bloque_a}/borrar").status_code == 302
    assert _numeracion(app, guia_id) == [("Bloque B", 1, "b1")]
    with app.app_context():
        assert db.session.get(Pregunta, id_a2) is None

    # Los botones sin token CSRF no hacen nada.
    assert cliente.post(f"{_oficina(slug)}/guias/{guia_id}/borrar").status_code == 400
    # Borrar la guía.
    respuesta = enviar(cliente, f"{_oficina(slug)}/guias/{guia_id}/borrar")
    assert respuesta.status_code == 302 and respuesta.headers["Location"].endswith(f"{_oficina(slug)}/guias")
    with app.app_context():
        assert db.session.get(Guia, guia_id) is None
        assert db.session.execute(select(Bloque).where(Bloque.id == bloque_b)).first() is None
    assert cliente.get(f"{_oficina(slug)}/guias/{guia_id}").status_code == 404


def test_una_pregunta_con_etiquetas_se_muestra_escapada(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    guia_id = _crear_guia(cliente, slug, 0, "<b>Guía</b>", "<img src=x onerror=alert(1)>")
    bloque = _crear_bloque(cliente, slug, guia_id, "<i>Ronda</i>")
    _crear_pregunta(cliente, slug, bloque, "<script>alert(1)</script>")
    for pagina in (app.test_client().get(f"/eventos/{slug}/"), cliente.get(f"{_oficina(slug)}/guias/{guia_id}")):
        texto = pagina.get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in texto
        assert "<script>alert(1)" not in texto
        assert "<img src=x" not in texto and "&lt;img src=x onerror=alert(1)&gt;" in texto
        assert "<i>Ronda</i>" not in texto and "<b>Guía</b>" not in texto


def test_objetos_de_otro_evento_no_se_alcanzan_por_la_direccion_del_propio(app, cliente, evento_con_equipo):
    slug, otro = evento_con_equipo["slug"], evento_con_equipo["otro_slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    with app.app_context():
        guia = db.session.execute(select(Guia).join(Evento).where(Evento.slug == otro)).scalars().first()
        guia_id, bloque_id, pregunta_id = guia.id, guia.bloques[0].id, guia.bloques[0].preguntas[0].id
    assert cliente.get(f"{_oficina(slug)}/guias/{guia_id}").status_code == 404
    assert cliente.get(f"{_oficina(slug)}/preguntas/{pregunta_id}").status_code == 404
    assert enviar(cliente, f"{_oficina(slug)}/bloques/{bloque_id}/borrar").status_code == 404
    assert enviar(cliente, f"{_oficina(slug)}/preguntas/{pregunta_id}/borrar").status_code == 404
    assert len(_numeracion(app, guia_id)) == 10


# --- Materiales ------------------------------------------------------------------------------------

def test_subir_un_pdf_a_una_sesion_y_descargarlo(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    sesion_id = _sesion_id(app, slug, "plenaria-1")
    respuesta = _subir(cliente, slug, "Nota conceptual de la plenaria", sesion_id,
                       (io.BytesIO(PDF), "Nota conceptual (versión final).pdf"))
    material_id = _id_en(respuesta, r"#material-(\d+)")
    with app.app_context():
        material = db.session.get(Material, material_id)
        assert material.sesion_id == sesion_id and material.evento.slug == slug
        assert material.nombre_archivo == "Nota_conceptual_versión_final.pdf"
        assert material.tamano == len(PDF) and material.tipo_mime == "application/pdf"

    pagina = cliente.get(f"{_oficina(slug)}/materiales").get_data(as_text=True)
    assert "Nota conceptual de la plenaria" in pagina and "Nota_conceptual_versión_final.pdf" in pagina

    # Desde la oficina.
    descarga = cliente.get(f"{_oficina(slug)}/materiales/{material_id}/descargar")
    assert descarga.status_code == 200 and descarga.data == PDF
    assert descarga.headers["Content-Disposition"].startswith("attachment")
    assert descarga.headers["X-Content-Type-Options"] == "nosniff"
    assert descarga.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

    # Desde el enlace de la página pública de la sesión.
    publico = app.test_client()
    texto = publico.get(f"/eventos/{slug}/sesiones/plenaria-1").get_data(as_text=True)
    enlace = re.search(rf'href="(/materiales/{material_id}/[^"]+)"', texto)
    assert enlace, "la sesión pública no enlaza el material"
    descarga = publico.get(html.unescape(enlace.group(1)))
    assert descarga.status_code == 200 and descarga.data == PDF
    assert descarga.headers["Content-Disposition"].startswith("attachment")
    assert descarga.headers["X-Content-Type-Options"] == "nosniff"
    assert descarga.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_enlaces_orden_y_borrado_de_materiales(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    ids = [_id_en(_subir(cliente, slug, titulo, 0, url=f"https://ejemplo.org/{n}", tipo="enlace"), r"#material-(\d+)")
           for n, titulo in enumerate(("Programa en línea", "Relatoría"))]
    # Un material de una sesión no cuenta en la lista del evento.
    _id_en(_subir(cliente, slug, "Lámina", _sesion_id(app, slug, "plenaria-2"), (io.BytesIO(b"\x89PNG\r\n"), "lamina.png")),
           r"#material-(\d+)")

    def del_evento():
        return [m.titulo for m in _materiales(app, slug) if m.sesion_id is None]

    assert del_evento() == ["Programa en línea", "Relatoría"]
    texto = app.test_client().get(f"/eventos/{slug}/").get_data(as_text=True)
    assert 'href="https://ejemplo.org/0" rel="noopener noreferrer">Programa en línea</a>' in texto

    assert enviar(cliente, f"{_oficina(slug)}/materiales/{ids[1]}/mover/arriba").status_code == 302
    assert del_evento() == ["Relatoría", "Programa en línea"]
    assert enviar(cliente, f"{_oficina(slug)}/materiales/{ids[1]}/mover/arriba").status_code == 302
    assert del_evento() == ["Relatoría", "Programa en línea"]
    assert enviar(cliente, f"{_oficina(slug)}/materiales/{ids[1]}/mover/lejos").status_code == 400

    # Un enlace no se descarga desde la oficina: se abre directamente.
    assert cliente.get(f"{_oficina(slug)}/materiales/{ids[0]}/descargar").status_code == 404
    assert enviar(cliente, f"{_oficina(slug)}/materiales/{ids[0]}/borrar").status_code == 302
    assert del_evento() == ["Relatoría"]
    assert "Programa en línea" not in app.test_client().get(f"/eventos/{slug}/").get_data(as_text=True)


def test_en_borrador_solo_la_oficina_descarga(app, cliente, evento_con_equipo):
    otro = evento_con_equipo["otro_slug"]  # borrador, organizado por «organizador_otro»
    entrar(cliente, evento_con_equipo["correos"]["organizador_otro"])
    material_id = _id_en(_subir(cliente, otro, "Borrador", 0, (io.BytesIO(b"texto de prueba\n"), "notas.txt")),
                         r"#material-(\d+)")
    descarga = cliente.get(f"{_oficina(otro)}/materiales/{material_id}/descargar")
    assert descarga.status_code == 200 and descarga.data == b"texto de prueba\n"
    assert descarga.headers["Content-Type"].startswith("text/plain")
    assert descarga.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert app.test_client().get(f"/materiales/{material_id}/notas.txt").status_code == 404


@pytest.mark.parametrize("caso", ["exe", "grande", "los_dos", "ninguno", "javascript", "ftp"])
def test_materiales_rechazados_con_un_mensaje_claro(app, cliente, evento_con_equipo, caso):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    antes, archivos_antes = len(_materiales(app, slug)), _archivos_guardados(app)
    maximo = app.config["MATERIALES_TAMANO_MAXIMO"]
    try:
        if caso == "exe":
            respuesta = _subir(cliente, slug, "Programa", 0, (io.BytesIO(b"MZ\x90\x00"), "instalador.exe"))
            esperado = ["Tipo de archivo no permitido", "pdf, doc, docx, odt", "webp"]
        elif caso == "grande":
            app.config["MATERIALES_TAMANO_MAXIMO"] = 1024 * 1024
            respuesta = _subir(cliente, slug, "Enorme", 0, (io.BytesIO(b"x" * (1024 * 1024 + 1)), "enorme.pdf"))
            esperado = ["supera el tamaño máximo de 1 MB"]
        elif caso == "los_dos":
            respuesta = _subir(cliente, slug, "Doble", 0, (io.BytesIO(PDF), "doble.pdf"), url="https://ejemplo.org/doble")
            esperado = ["no los dos"]
        elif caso == "ninguno":
            respuesta = _subir(cliente, slug, "Vacío", 0)
            esperado = ["suba un archivo o escriba un enlace"]
        elif caso == "javascript":
            respuesta = _subir(cliente, slug, "Truco", 0, url="javascript:alert(document.cookie)")
            esperado = ["http:// o https://"]
        else:
            respuesta = _subir(cliente, slug, "FTP", 0, url="ftp://ejemplo.org/archivo.pdf")
            esperado = ["http:// o https://"]
    finally:
        app.config["MATERIALES_TAMANO_MAXIMO"] = maximo
    texto = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 400, texto[-800:]
    for fragmento in esperado:
        assert fragmento in texto
    assert 'role="alert"' in texto
    assert len(_materiales(app, slug)) == antes
    assert _archivos_guardados(app) == archivos_antes


def test_nombres_de_archivo_para_mostrar():
    from eventos.organizacion.materiales import nombre_para_mostrar
    assert nombre_para_mostrar("Informe anual 2021.PDF", "pdf") == "Informe_anual_2021.pdf"
    assert nombre_para_mostrar("../../etc/passwd.txt", "txt") == "passwd.txt"
    assert nombre_para_mostrar("C:\\Users\\ana\\Presentación.pptx", "pptx") == "Presentación.pptx"
    assert nombre_para_mostrar("会议.pdf", "pdf") == "会议.pdf"
    assert nombre_para_mostrar("gpj\u202e.pdf", "pdf") == "gpj.pdf"
    assert nombre_para_mostrar("....pdf", "pdf") == "archivo.pdf"
    assert nombre_para_mostrar("¿?.pdf", "pdf") == "archivo.pdf"


# --- Permisos --------------------------------------------------------------------------------------

def test_quien_organiza_otro_evento_recibe_403_en_todas_las_rutas(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    with app.app_context():
        guia = db.session.execute(select(Guia).join(Evento).where(Evento.slug == slug)).scalar_one()
        guia_id, bloque_id, pregunta_id = guia.id, guia.bloques[0].id, guia.bloques[0].preguntas[0].id
        material_id = db.session.execute(
            select(Material.id).join(Evento).where(Evento.slug == slug, Material.archivo != "")).scalars().first()
    base = _oficina(slug)
    lecturas = [f"{base}/guias", f"{base}/guias/{guia_id}", f"{base}/preguntas/{pregunta_id}",
                f"{base}/materiales", f"{base}/materiales/{material_id}/descargar"]
    envios = [
        (f"{base}/guias", {"titulo": "Intrusa", "sesion": "0"}),
        (f"{base}/guias/{guia_id}", {"titulo": "Intrusa", "sesion": "0"}),
        (f"{base}/guias/{guia_id}/borrar", {}),
        (f"{base}/guias/{guia_id}/bloques", {"titulo": "Intruso"}),
        (f"{base}/bloques/{bloque_id}", {"titulo": "Intruso"}),
        (f"{base}/bloques/{bloque_id}/borrar", {}),
        (f"{base}/bloques/{bloque_id}/mover/abajo", {}),
        (f"{base}/bloques/{bloque_id}/preguntas", {"texto": "¿Intrusa?"}),
        (f"{base}/preguntas/{pregunta_id}", {"texto": "¿Intrusa?"}),
        (f"{base}/preguntas/{pregunta_id}/borrar", {}),
        (f"{base}/preguntas/{pregunta_id}/mover/abajo", {}),
        (f"{base}/materiales/{material_id}/borrar", {}),
        (f"{base}/materiales/{material_id}/mover/arriba", {}),
    ]
    entrar(cliente, evento_con_equipo["correos"]["organizador_otro"])
    for ruta in lecturas:
        assert cliente.get(ruta).status_code == 403, ruta
    for ruta, datos in envios:
        assert enviar(cliente, ruta, datos).status_code == 403, ruta
    respuesta = _subir(cliente, slug, "Intruso", 0, (io.BytesIO(PDF), "intruso.pdf"))
    assert respuesta.status_code == 403
    # Nada cambió.
    assert [n for _, n, _ in _numeracion(app, guia_id)] == list(range(1, 12))
    assert "Intrus" not in " ".join(m.titulo for m in _materiales(app, slug))
    # Sin sesión iniciada, a la página de entrada.
    anonimo = app.test_client()
    assert anonimo.get(f"{base}/guias").status_code in (302, 401)
