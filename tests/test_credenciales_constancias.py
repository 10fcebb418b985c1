"""Credenciales en PDF (una, todas en hojas A4, la propia) y constancias de asistencia con su verificación.

Los PDF se leen como los leería una persona: el texto que muestran (pypdfium2) y los códigos QR de la
página dibujada a 200 ppp (zxing-cpp), independientes de ReportLab, que los escribe.
"""
from __future__ import annotations

import ctypes
import re
import secrets
import uuid

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from apoyo import campos_del_formulario, entrar, token_csrf
from eventos import qr
from eventos.constancias import servicios as constancias
from eventos.extensiones import db
from eventos.modelos import Asistencia, Constancia, Evento, Inscripcion, Mesa, Sesion
from eventos.zonas import ahora

pytestmark = pytest.mark.reloj  # depende de la hora: .ci/run la repite en instantes difíciles

pdfium = pytest.importorskip("pypdfium2", reason="pip install pypdfium2 (extra «pruebas»)")
zxingcpp = pytest.importorskip("zxingcpp", reason="pip install zxing-cpp (extra «pruebas»)")

NOMBRE, APELLIDOS = "Ñandú", "Conceição Müller"
INSTITUCION = "Universidade de São Paulo — Façade & Cía."


# --- Ayudas ------------------------------------------------------------------------------------------

def paginas(pdf: bytes) -> list[str]:
    """El texto de cada página, con los espacios normalizados."""
    assert pdf.startswith(b"%PDF-")
    documento = pdfium.PdfDocument(pdf)
    try:
        return [re.sub(r"\s+", " ", pagina.get_textpage().get_text_range()) for pagina in documento]
    finally:
        documento.close()


def metadatos(pdf: bytes) -> dict[str, str]:
    """Título, autoría, asunto… del diccionario /Info y el idioma del catálogo (/Lang), leídos con PDFium."""
    documento = pdfium.PdfDocument(pdf)
    try:
        datos = documento.get_metadata_dict()
        largo = pdfium.raw.FPDFCatalog_GetLanguage(documento, None, 0)  # en bytes UTF-16, con el cero final
        memoria = ctypes.create_string_buffer(largo)
        pdfium.raw.FPDFCatalog_GetLanguage(documento, ctypes.cast(memoria, ctypes.POINTER(pdfium.raw.FPDF_WCHAR)), largo)
        datos["Lang"] = memoria.raw[:max(largo - 2, 0)].decode("utf-16-le")
        return datos
    finally:
        documento.close()


def codigos_qr(pdf: bytes) -> list[str]:
    """Los QR legibles de todas las páginas, dibujadas como las imprimiría una impresora corriente."""
    documento = pdfium.PdfDocument(pdf)
    try:
        leidos = []
        for pagina in documento:
            imagen = pagina.render(scale=200 / 72).to_pil().convert("L")
            leidos += [r.text for r in zxingcpp.read_barcodes(imagen)]
        return leidos
    finally:
        documento.close()


def nueva_inscripcion(app, slug, nombre="Persona", apellidos="De Prueba", estado="confirmada", mesa_id=None,
                      pais="BR", institucion="Institución de prueba") -> dict:
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        inscripcion = Inscripcion(evento_id=evento.id, nombre=nombre, apellidos=apellidos, estado=estado,
                                  correo=f"{uuid.uuid4().hex[:10]}@prueba.org", institucion=institucion, pais=pais,
                                  mesa_id=mesa_id, consentimiento_en=ahora())
        db.session.add(inscripcion)
        db.session.commit()
        return {"id": inscripcion.id, "qr": qr.contenido_qr(inscripcion), "token": qr.firmar_gestion(inscripcion)}


def organizador(app, datos, rol="organizador"):
    cliente = app.test_client()
    entrar(cliente, datos["correos"][rol])
    return cliente


def habilitar_constancias(app, slug, valor=True, enlace_virtual=None):
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        evento.constancias_habilitadas = valor
        if enlace_virtual is not None:  # un seminario en línea
            evento.enlace_virtual, evento.modalidad = enlace_virtual, "virtual"
        db.session.commit()


def nombre_mesa(app, mesa_id) -> str:
    with app.app_context():
        return db.session.get(Mesa, mesa_id).nombre


def texto_html(respuesta) -> str:
    return re.sub(r"\s+", " ", respuesta.get_data(as_text=True))


# --- Credenciales --------------------------------------------------------------------------------------

def test_credencial_de_una_persona_con_acentos_pais_mesa_y_qr(app, evento_con_equipo):
    slug, mesa_id = evento_con_equipo["slug"], evento_con_equipo["mesa_id"]
    persona = nueva_inscripcion(app, slug, NOMBRE, APELLIDOS, mesa_id=mesa_id, institucion=INSTITUCION)
    cliente = organizador(app, evento_con_equipo)

    r = cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{persona['id']}/credencial.pdf")
    assert r.status_code == 200 and r.content_type == "application/pdf"
    assert "no-store" in r.headers["Cache-Control"]
    [texto] = paginas(r.data)
    assert f"{NOMBRE} {APELLIDOS}" in texto
    assert INSTITUCION in texto
    assert "Brasil" in texto  # el país con su nombre, en el idioma de la página
    assert nombre_mesa(app, mesa_id) in texto
    assert "Jornadas de intercambio" in texto
    assert codigos_qr(r.data) == [persona["qr"]]

    # Sus metadatos: título, autoría (los organizadores del evento), asunto (el evento) e idioma.
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        titulo, organizadores = evento.titulo, evento.organizadores
    datos = metadatos(r.data)
    assert datos["Title"] == f"Credenciales · {titulo}" and datos["Subject"] == titulo
    assert datos["Author"] == " · ".join(organizadores) and datos["Lang"] == "es"

    # En inglés, el país también; y el documento dice que está en inglés.
    r = cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{persona['id']}/credencial.pdf?lang=en")
    assert "Brazil" in paginas(r.data)[0]
    assert metadatos(r.data)["Lang"] == "en"

    # La ficha de la inscripción enlaza la credencial.
    ficha = cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{persona['id']}", headers={"Accept-Language": "es"})
    assert f"/inscripciones/{persona['id']}/credencial.pdf" in ficha.get_data(as_text=True)


def test_credencial_solo_de_inscripciones_confirmadas(app, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    cliente = organizador(app, evento_con_equipo)
    for estado in ("en_espera", "pendiente", "cancelada"):
        persona = nueva_inscripcion(app, slug, estado=estado)
        r = cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{persona['id']}/credencial.pdf")
        assert r.status_code == 409 and "Solo las inscripciones confirmadas tienen credencial" in texto_html(r)
        assert app.test_client().get(f"/inscripcion/{persona['token']}/credencial.pdf").status_code == 404
    # Una inscripción de otro evento no se alcanza desde la dirección de este.
    ajena = nueva_inscripcion(app, evento_con_equipo["otro_slug"])
    assert cliente.get(f"/organizacion/eventos/{slug}/inscripciones/{ajena['id']}/credencial.pdf").status_code == 404


def test_la_persona_descarga_su_credencial_desde_su_pagina(app, evento_con_equipo):
    persona = nueva_inscripcion(app, evento_con_equipo["slug"], NOMBRE, APELLIDOS)
    cliente = app.test_client()
    pagina = cliente.get(f"/inscripcion/{persona['token']}")
    assert f"/inscripcion/{persona['token']}/credencial.pdf" in pagina.get_data(as_text=True)
    r = cliente.get(f"/inscripcion/{persona['token']}/credencial.pdf")
    assert r.status_code == 200 and r.content_type == "application/pdf"
    assert f"{NOMBRE} {APELLIDOS}" in paginas(r.data)[0]
    assert codigos_qr(r.data) == [persona["qr"]]
    assert cliente.get("/inscripcion/token-inventado/credencial.pdf").status_code == 404


def test_credenciales_de_todas_las_confirmadas_en_hojas_a4(app, evento_con_equipo):
    slug, mesa_id, otra_mesa = evento_con_equipo["slug"], evento_con_equipo["mesa_id"], evento_con_equipo["mesa_otra_id"]
    apellidos = ["Zúñiga", "Álvarez", "Bello", "Écija", "Ortiz", "Núñez", "Ibáñez", "Cárdenas", "Ñuflo"]
    confirmadas = {a: nueva_inscripcion(app, slug, "Ana", a, mesa_id=mesa_id if i % 2 else otra_mesa)
                   for i, a in enumerate(apellidos)}
    sin_plaza = [nueva_inscripcion(app, slug, "Eva", "Espera", estado="en_espera"),
                 nueva_inscripcion(app, slug, "Carla", "Cancelada", estado="cancelada"),
                 nueva_inscripcion(app, slug, "Pedro", "Pendiente", estado="pendiente")]
    cliente = organizador(app, evento_con_equipo)

    r = cliente.get(f"/organizacion/eventos/{slug}/credenciales.pdf")
    assert r.status_code == 200 and r.content_type == "application/pdf"
    hojas = paginas(r.data)
    assert len(hojas) == 2  # 9 credenciales: 8 en la primera hoja y 1 en la segunda
    texto = " ".join(hojas)
    for persona in ("Eva Espera", "Carla Cancelada", "Pedro Pendiente"):
        assert persona not in texto
    # Por apellidos, sin que los acentos manden a nadie al final.
    orden = sorted(apellidos, key=lambda a: texto.index(f"Ana {a}"))
    assert orden == ["Álvarez", "Bello", "Cárdenas", "Écija", "Ibáñez", "Núñez", "Ñuflo", "Ortiz", "Zúñiga"]
    assert "Ana Zúñiga" in hojas[1]
    leidos = codigos_qr(r.data)
    assert sorted(leidos) == sorted(p["qr"] for p in confirmadas.values())
    assert not {p["qr"] for p in sin_plaza} & set(leidos)

    # Solo las de una mesa.
    r = cliente.get(f"/organizacion/eventos/{slug}/credenciales.pdf?mesa={mesa_id}")
    esperadas = {p["qr"] for i, p in enumerate(confirmadas.values()) if i % 2}
    assert len(paginas(r.data)) == 1 and set(codigos_qr(r.data)) == esperadas
    for mala in ("abc", "999999999", str(otra_mesa + 100000), "99999999999999999999"):
        r = cliente.get(f"/organizacion/eventos/{slug}/credenciales.pdf?mesa={mala}")
        assert r.status_code == 400 and "Esa mesa no es de este evento" in texto_html(r)

    # La lista de inscripciones enlaza las credenciales (con la mesa del filtro).
    lista = cliente.get(f"/organizacion/eventos/{slug}/inscripciones?mesa={mesa_id}").get_data(as_text=True)
    assert f"/organizacion/eventos/{slug}/credenciales.pdf?mesa={mesa_id}" in lista
    assert "Credenciales (PDF)" in lista


def test_credenciales_sin_confirmadas_lo_explica(app, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    nueva_inscripcion(app, slug, estado="en_espera")
    r = organizador(app, evento_con_equipo).get(f"/organizacion/eventos/{slug}/credenciales.pdf")
    assert r.status_code == 404 and "no hay credenciales que imprimir" in texto_html(r)


@pytest.mark.parametrize("rol, esperado", [("organizador", 200), ("admin", 200), ("acreditador", 403),
                                            ("participante", 403), ("organizador_otro", 403), ("moderador", 403)])
def test_credenciales_solo_para_quien_organiza(app, evento_con_equipo, rol, esperado):
    slug = evento_con_equipo["slug"]
    persona = nueva_inscripcion(app, slug, NOMBRE, APELLIDOS)
    cliente = organizador(app, evento_con_equipo, rol)
    for ruta in (f"/organizacion/eventos/{slug}/credenciales.pdf",
                 f"/organizacion/eventos/{slug}/inscripciones/{persona['id']}/credencial.pdf"):
        r = cliente.get(ruta)
        assert r.status_code == esperado, (rol, ruta)
        if esperado == 403:
            assert NOMBRE not in r.get_data(as_text=True)


def test_credenciales_sin_sesion_llevan_a_entrar(app, evento_con_equipo):
    r = app.test_client().get(f"/organizacion/eventos/{evento_con_equipo['slug']}/credenciales.pdf")
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]


def test_quinientas_credenciales_en_pocos_segundos(app, evento_con_equipo):
    import time

    from eventos import documentos
    evento = documentos.DatosEvento("Foro de prueba", "1 de enero de 2030", "Sede", "Presencial", "presencial", ())
    lista = [documentos.Credencial(f"Persona {i} Ñandú", "Institución", "México", "Mesa 1",
                                   "EV1-" + secrets.token_urlsafe(16)) for i in range(500)]
    with app.test_request_context():
        inicio = time.perf_counter()
        pdf = documentos.credenciales_pdf(evento, lista)
        segundos = time.perf_counter() - inicio
    assert len(paginas(pdf)) == 63  # 500 / 8, redondeado hacia arriba
    assert segundos < 5, f"500 credenciales tardaron {segundos:.1f} s"


def test_sin_organizadores_el_pdf_lo_firma_el_evento(app):
    from eventos import documentos
    evento = documentos.DatosEvento("Foro de prueba", "1 de enero de 2030", "Sede", "Presencial", "presencial", (),
                                    idioma="pt")
    credencial = documentos.Credencial("Ñandú", "Institución", "México", "", "EV1-x")
    with app.test_request_context():
        datos = metadatos(documentos.credenciales_pdf(evento, [credencial]))
    assert (datos["Author"], datos["Subject"], datos["Lang"]) == ("Foro de prueba", "Foro de prueba", "pt")


# --- Constancias ---------------------------------------------------------------------------------------

def registrar_en_la_entrada(app, datos, persona):
    """El acreditador lee el QR en la puerta (la API de acreditación, como el escáner)."""
    cliente = organizador(app, datos, "acreditador")
    r = cliente.post(f"/api/v1/eventos/{datos['slug']}/acreditacion", json={"codigo": persona["qr"]},
                     headers={"X-CSRFToken": token_csrf(cliente)})
    assert r.status_code == 200 and r.get_json()["resultado"] == "aceptado", r.get_data(as_text=True)


def constancia_de(app, inscripcion_id):
    with app.app_context():
        return db.session.execute(select(Constancia.codigo).where(Constancia.inscripcion_id == inscripcion_id)).scalar()


def test_constancia_solo_si_el_evento_las_emite_y_hubo_asistencia(app, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    persona = nueva_inscripcion(app, slug, NOMBRE, APELLIDOS)
    cliente = app.test_client()
    ruta = f"/inscripcion/{persona['token']}/constancia.pdf"

    # El evento no emite constancias.
    r = cliente.get(ruta)
    assert r.status_code == 404 and "no emite constancias de asistencia" in texto_html(r)
    assert "no emite constancias de asistencia" in texto_html(cliente.get(f"/inscripcion/{persona['token']}"))

    # Las emite, pero aún no consta la asistencia.
    habilitar_constancias(app, slug)
    r = cliente.get(ruta)
    assert r.status_code == 403 and "Todavía no consta su asistencia" in texto_html(r)
    pagina = texto_html(cliente.get(f"/inscripcion/{persona['token']}"))
    assert "Todavía no consta su asistencia" in pagina and ruta not in pagina
    assert constancia_de(app, persona["id"]) is None

    # Tras leer su QR en la entrada, la descarga.
    registrar_en_la_entrada(app, evento_con_equipo, persona)
    pagina = texto_html(cliente.get(f"/inscripcion/{persona['token']}"))
    assert ruta in pagina and "Todavía no consta" not in pagina
    r = cliente.get(ruta)
    assert r.status_code == 200 and r.content_type == "application/pdf"
    codigo = constancia_de(app, persona["id"])
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{12}", codigo)
    con_guiones = f"{codigo[:4]}-{codigo[4:8]}-{codigo[8:]}"
    [texto] = paginas(r.data)
    assert f"{NOMBRE} {APELLIDOS}" in texto
    assert "Constancia de asistencia" in texto and "Jornadas de intercambio" in texto
    assert "de forma presencial" in texto
    assert con_guiones in texto and f"/verificar/{con_guiones}" in texto
    with app.app_context():
        organizadores = db.session.execute(select(Evento.organizadores).where(Evento.slug == slug)).scalar()
    assert organizadores and all(o in texto for o in organizadores)
    assert codigos_qr(r.data) == [f"http://localhost/verificar/{con_guiones}"]
    datos = metadatos(r.data)
    assert datos["Title"] == f"Constancia de asistencia · {NOMBRE} {APELLIDOS}"
    assert datos["Author"] == " · ".join(organizadores) and datos["Lang"] == "es"
    assert "Jornadas de intercambio" in datos["Subject"]
    assert metadatos(cliente.get(ruta + "?lang=pt").data)["Lang"] == "pt"

    # La segunda descarga repite el mismo código; la página personal lo muestra.
    r = cliente.get(ruta)
    assert con_guiones in paginas(r.data)[0] and constancia_de(app, persona["id"]) == codigo
    assert con_guiones in texto_html(cliente.get(f"/inscripcion/{persona['token']}"))

    # Si la organización deja de emitirlas, no se descarga (la emitida sigue verificándose).
    habilitar_constancias(app, slug, False)
    assert cliente.get(ruta).status_code == 404
    assert cliente.get(f"/verificar/{codigo}").status_code == 200


def test_constancia_por_conexion_en_linea_lista_las_sesiones(app, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    habilitar_constancias(app, slug, enlace_virtual="https://reunion.example.org/sala")
    persona = nueva_inscripcion(app, slug, NOMBRE, APELLIDOS)
    with app.app_context():
        evento = Evento.con_programa(slug, solo_publicados=False)
        sesiones = [(s.id, s.titulo) for s in evento.sesiones_raiz[:2]]
    cliente = app.test_client()
    for sesion_id, _titulo in sesiones:
        ruta = f"/inscripcion/{persona['token']}/entrar/{sesion_id}"
        with app.app_context():
            en_curso = db.session.get(Sesion, sesion_id).inicio + timedelta(minutes=1)
        with time_machine.travel(en_curso, tick=False):
            r = cliente.post(ruta, data={"csrf_token": token_csrf(cliente)})
        assert r.status_code == 303
    r = cliente.get(f"/inscripcion/{persona['token']}/constancia.pdf")
    assert r.status_code == 200
    texto = paginas(r.data)[0]
    assert "asistió en línea" in texto
    for _id, titulo in sesiones:
        assert titulo[:40] in texto


@pytest.mark.parametrize("estado", ["cancelada", "en_espera"])
def test_sin_constancia_si_la_inscripcion_no_esta_confirmada(app, evento_con_equipo, estado):
    slug = evento_con_equipo["slug"]
    habilitar_constancias(app, slug)
    persona = nueva_inscripcion(app, slug, NOMBRE, APELLIDOS)
    registrar_en_la_entrada(app, evento_con_equipo, persona)
    with app.app_context():
        db.session.get(Inscripcion, persona["id"]).estado = estado
        db.session.commit()
    cliente = app.test_client()
    r = cliente.get(f"/inscripcion/{persona['token']}/constancia.pdf")
    assert r.status_code == 403
    mensaje = "está cancelada" if estado == "cancelada" else "no está confirmada"
    assert mensaje in texto_html(r) and mensaje in texto_html(cliente.get(f"/inscripcion/{persona['token']}"))
    assert constancia_de(app, persona["id"]) is None


def test_verificar_una_constancia_por_su_codigo(app, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    habilitar_constancias(app, slug)
    persona = nueva_inscripcion(app, slug, NOMBRE, APELLIDOS)
    with app.app_context():
        db.session.add(Asistencia(evento_id=db.session.get(Inscripcion, persona["id"]).evento_id,
                                  inscripcion_id=persona["id"], alcance=0, origen="manual"))
        db.session.commit()
    cliente = app.test_client()
    assert cliente.get(f"/inscripcion/{persona['token']}/constancia.pdf").status_code == 200
    codigo = constancia_de(app, persona["id"])
    con_guiones = f"{codigo[:4]}-{codigo[4:8]}-{codigo[8:]}"

    for escrito in (codigo, codigo.lower(), con_guiones, con_guiones.lower()):
        r = cliente.get(f"/verificar/{escrito}")
        pagina = texto_html(r)
        assert r.status_code == 200, escrito
        assert "Constancia auténtica" in pagina and f"{NOMBRE} {APELLIDOS}" in pagina
        assert "Jornadas de intercambio" in pagina and con_guiones in pagina

    # El formulario de /verificar/ lleva a la página del código.
    r = cliente.get("/verificar/")
    assert r.status_code == 200 and 'name="codigo"' in r.get_data(as_text=True)
    r = cliente.get("/verificar/", query_string={"codigo": f" {con_guiones.lower()} "})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/verificar/{con_guiones}")
    r = cliente.get("/verificar/", query_string={"codigo": "no es un código"})
    assert r.status_code == 400 and "12 letras y números" in texto_html(r)

    # Un código inventado (o mal escrito) no corresponde a ninguna constancia.
    while (inventado := constancias.nuevo_codigo()) == codigo:
        pass
    for escrito in (inventado, "ABC", "<script>"):
        r = cliente.get(f"/verificar/{escrito}")
        assert r.status_code == 404 and "no corresponde a ninguna constancia" in texto_html(r)
        assert NOMBRE not in r.get_data(as_text=True)


def test_verificar_limita_los_intentos(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIMITE_VERIFICACION", "3 per minute")
    cliente = app.test_client()
    respuestas = [cliente.get(f"/verificar/{constancias.nuevo_codigo()}", environ_base={"REMOTE_ADDR": "10.9.8.7"})
                  for _ in range(4)]
    assert [r.status_code for r in respuestas] == [404, 404, 404, 429]
    # Comparte el límite con el formulario.
    r = cliente.get("/verificar/?codigo=K7QM-2XPA-9TRD", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert r.status_code == 429
    # Otra dirección no se ve afectada.
    r = cliente.get(f"/verificar/{constancias.nuevo_codigo()}", environ_base={"REMOTE_ADDR": "10.9.8.6"})
    assert r.status_code == 404


def test_codigos_sin_confusiones():
    codigo = constancias.nuevo_codigo()
    assert len(codigo) == 12 and not set(codigo) & set("ILOU")
    assert constancias.normalizar("k7qm-2xpa-9trd") == "K7QM2XPA9TRD"
    assert constancias.normalizar("K7QM 2XPA 9TRD") == "K7QM2XPA9TRD"
    assert constancias.normalizar("O1IL-0000-0000") == "0111" + "0" * 8  # O→0, I y L→1
    assert constancias.normalizar("K7QM-2XPA-9TR") is None
    assert constancias.normalizar("K7QM-2XPA-9TRU") is None


def test_la_organizacion_activa_las_constancias_en_los_datos_del_evento(app, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    cliente = organizador(app, evento_con_equipo)
    # Lo que muestra el formulario, sin la casilla (desmarcada no se envía) ni el token.
    datos = {nombre: valor for nombre, valor in campos_del_formulario(
        cliente.get(f"/organizacion/eventos/{slug}/datos").get_data(as_text=True))
        if nombre not in ("constancias_habilitadas", "csrf_token")}
    def casilla_marcada() -> bool:
        pagina = cliente.get(f"/organizacion/eventos/{slug}/datos").get_data(as_text=True)
        [casilla] = re.findall(r'<input[^>]*name="constancias_habilitadas"[^>]*>', pagina)
        return " checked" in casilla

    assert not casilla_marcada()

    def guardar(**extra):
        r = cliente.post(f"/organizacion/eventos/{slug}/datos", data={**datos, **extra, "csrf_token": token_csrf(cliente)})
        assert r.status_code == 302, texto_html(r)[-800:]
        with app.app_context():
            return db.session.execute(select(Evento.constancias_habilitadas).where(Evento.slug == slug)).scalar()

    assert guardar(constancias_habilitadas="y") is True
    assert casilla_marcada()
    assert guardar() is False
    assert not casilla_marcada()
