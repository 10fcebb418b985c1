"""Formularios de la oficina que ayudan: el identificador del evento se forma con el título, las zonas
adicionales se eligen de una lista agrupada por región, y tras un envío fallido un resumen arriba enlaza
con cada campo que falló. Y las cuentas con su plural («1 cambio», «2 cambios»).

Lo que hace el navegador (proponer mientras se escribe, el buscador de zonas, el foco en el resumen) está
en tests/navegador/test_formularios_navegador.py."""
import re

import lxml.html
import pytest
from sqlalchemy import select

from apoyo import campos_del_formulario, enviar
from eventos.extensiones import db
from eventos.modelos import Evento
from eventos.organizacion.servicios import clave_base
from test_organizacion_eventos import admin, borrar_evento, cargar, datos_evento, texto  # noqa: F401

NUEVO = "/organizacion/eventos/nuevo"
TITULO = "Jornadas de Intercambio México–UE: Cohesión Social"
BASE = "jornadas-de-intercambio-mexico-ue-cohesion-social"


@pytest.fixture()
def limpiar(app):
    """Borra al final los eventos que crea la prueba (los de BASE y los que se anotan en la lista)."""
    otros = []
    yield otros
    with app.app_context():
        slugs = db.session.execute(select(Evento.slug).where(Evento.slug.startswith(BASE))).scalars().all()
    for slug in [*slugs, *otros]:
        borrar_evento(app, slug)


def crear(cliente, **cambios):
    return enviar(cliente, NUEVO, datos_evento(**cambios))


def slug_creado(respuesta) -> str:
    assert respuesta.status_code == 302, respuesta.get_data(as_text=True)[-3000:]
    return re.search(r"/organizacion/eventos/([^/]+)/$", respuesta.headers["Location"]).group(1)


def seleccionadas(html: str, nombre: str = "zonas_adicionales") -> list[str]:
    return [o.get("value") for o in lxml.html.fromstring(html).xpath(f'//select[@name="{nombre}"]//option[@selected]')]


# --- Identificador en la dirección ----------------------------------------------------------------
@pytest.mark.parametrize("titulo, esperado", [
    (TITULO, BASE),
    ("Straße Ærø: Łódź 2027", "strasse-aero-lodz-2027"),  # translitera, no solo quita los acentos
    ("  ¿Qué? ¡Sí!  ", "que-si"),
    ("¿?", "evento"),
])
def test_clave_base_translitera(app, titulo, esperado):
    assert clave_base(titulo, "evento", 120) == esperado


def test_sin_identificador_se_forma_con_el_titulo_y_no_repite(app, admin, limpiar):
    assert slug_creado(crear(admin, titulo=TITULO, slug="")) == BASE
    assert slug_creado(crear(admin, titulo=TITULO, slug="")) == f"{BASE}-2"
    assert slug_creado(crear(admin, titulo=TITULO, slug="")) == f"{BASE}-3"
    assert cargar(app, f"{BASE}-3").titulo == TITULO


def test_el_identificador_propuesto_ya_usado_recibe_un_sufijo_y_se_avisa(app, admin, limpiar):
    """Lo que propone el navegador (el título sin acentos) no sabe qué direcciones están ocupadas."""
    assert slug_creado(crear(admin, titulo=TITULO, slug=BASE)) == BASE
    r = crear(admin, titulo=TITULO, slug=BASE)
    assert slug_creado(r) == f"{BASE}-2"
    pagina = texto(admin.get(r.headers["Location"]))
    assert f"La dirección «{BASE}» ya era de otro evento: este usa «{BASE}-2»." in pagina


def test_un_identificador_escrito_a_mano_se_respeta_o_se_rechaza(app, admin, limpiar):
    limpiar.append("foro-propio-2027")
    assert slug_creado(crear(admin, titulo=TITULO, slug="foro-propio-2027")) == "foro-propio-2027"
    r = crear(admin, titulo="Otro foro", slug="foro-propio-2027")
    assert r.status_code == 400 and "Ya existe un evento con ese identificador." in texto(r)


def test_editar_el_evento_nunca_cambia_su_identificador(app, admin, limpiar):
    slug = slug_creado(crear(admin, titulo=TITULO, slug=""))
    r = enviar(admin, f"/organizacion/eventos/{slug}/datos",
               datos_evento(titulo="Jornadas 2028: otro título", slug="otro-identificador"))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/organizacion/eventos/{slug}/")
    evento = cargar(app, slug)
    assert evento.titulo == "Jornadas 2028: otro título" and evento.slug == slug
    with app.app_context():
        assert not db.session.execute(select(Evento).where(Evento.slug == "otro-identificador")).first()


def test_el_campo_del_identificador_lleva_la_propuesta_del_titulo(app, admin):
    html = admin.get(NUEVO).get_data(as_text=True)
    campo = lxml.html.fromstring(html).get_element_by_id("slug")
    assert campo.get("data-slug-desde") == "titulo" and campo.get("maxlength") == "120"
    assert "Se propone a partir del título y puede cambiarlo" in texto(admin.get(NUEVO))


# --- Zonas horarias adicionales --------------------------------------------------------------------
def test_zonas_adicionales_agrupadas_por_region_con_nombres_legibles(app, admin):
    pagina = lxml.html.fromstring(admin.get(NUEVO).get_data(as_text=True))
    lista = pagina.xpath('//select[@name="zonas_adicionales"]')[0]
    assert lista.get("multiple") is not None and lista.get("id") == "zonas_adicionales"
    grupos = {g.get("label"): g for g in lista.xpath("optgroup")}
    assert {"América", "Europa", "Asia", "África", "Océano Pacífico"} <= set(grupos)
    america = {o.get("value"): o.text_content() for o in grupos["América"].xpath("option")}
    assert america["America/Mexico_City"] == "Ciudad de México — America/Mexico_City"
    assert america["America/Montevideo"] == "Montevideo — America/Montevideo"
    assert "Europe/Madrid" in {o.get("value") for o in grupos["Europa"].xpath("option")}


def test_zonas_elegidas_se_guardan_exactamente_y_vuelven_marcadas(app, admin, limpiar):
    elegidas = ["America/Montevideo", "Europe/Madrid"]
    slug = slug_creado(crear(admin, titulo=TITULO, slug="", zonas_adicionales=elegidas))
    assert cargar(app, slug).zonas_adicionales == elegidas
    datos = f"/organizacion/eventos/{slug}/datos"
    html = admin.get(datos).get_data(as_text=True)
    assert seleccionadas(html) == elegidas
    # Enviado tal como se muestra, no cambia; quitando una, queda la otra.
    assert enviar(admin, datos, dict_de(campos_del_formulario(html))).status_code == 302
    assert cargar(app, slug).zonas_adicionales == elegidas
    assert enviar(admin, datos, datos_evento(zonas_adicionales=["Europe/Madrid"])).status_code == 302
    assert cargar(app, slug).zonas_adicionales == ["Europe/Madrid"]
    assert enviar(admin, datos, datos_evento(zonas_adicionales=[])).status_code == 302
    assert cargar(app, slug).zonas_adicionales == []


def dict_de(campos) -> dict[str, list[str]]:
    """Los pares del formulario como los envía el navegador (un nombre puede repetirse: las zonas)."""
    datos: dict[str, list[str]] = {}
    for nombre, valor in campos:
        datos.setdefault(nombre, []).append(valor)
    return datos


@pytest.mark.parametrize("zonas", [["Europe/Madrid", "Marte/Base"], [""], ["America/Mexico_City\n"], ["x" * 5000]])
def test_una_zona_que_no_esta_en_la_lista_se_rechaza_con_un_mensaje(app, admin, limpiar, zonas):
    r = crear(admin, titulo=TITULO, slug="", zonas_adicionales=zonas)
    assert r.status_code == 400 and "no está en la lista" in texto(r)
    with app.app_context():
        assert not db.session.execute(select(Evento).where(Evento.slug.startswith(BASE))).first()


def test_una_zona_desconocida_al_editar_no_cambia_nada(app, admin, limpiar):
    slug = slug_creado(crear(admin, titulo=TITULO, slug="", zonas_adicionales=["Europe/Madrid"]))
    r = enviar(admin, f"/organizacion/eventos/{slug}/datos",
               datos_evento(titulo="Cambiado", zonas_adicionales=["Asia/Tokyo", "Marte/Base"]))
    assert r.status_code == 400 and "no está en la lista" in texto(r)
    evento = cargar(app, slug)
    assert evento.zonas_adicionales == ["Europe/Madrid"] and evento.titulo == TITULO


def test_una_zona_guardada_que_no_esta_entre_las_comunes_se_conserva(app, admin, limpiar):
    """America/Buenos_Aires (un alias IANA que trae una importación) no está en la lista común: se muestra
    aparte, marcada, y guardar el formulario sin tocarlo no la pierde."""
    slug = slug_creado(crear(admin, titulo=TITULO, slug=""))
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        evento.zonas_adicionales = ["America/Buenos_Aires"]
        db.session.commit()
    datos = f"/organizacion/eventos/{slug}/datos"
    html = admin.get(datos).get_data(as_text=True)
    assert seleccionadas(html) == ["America/Buenos_Aires"]
    assert lxml.html.fromstring(html).xpath('//optgroup[@label="Otras zonas"]/option/@value') == ["America/Buenos_Aires"]
    assert enviar(admin, datos, dict_de(campos_del_formulario(html))).status_code == 302
    assert cargar(app, slug).zonas_adicionales == ["America/Buenos_Aires"]


# --- Resumen de errores ----------------------------------------------------------------------------
def test_tras_un_envio_fallido_un_resumen_enlaza_con_cada_campo(app, admin, limpiar):
    r = crear(admin, titulo="", slug="Con Espacios", fecha_inicio="no-es-fecha")
    assert r.status_code == 400
    pagina = lxml.html.fromstring(r.get_data(as_text=True))
    resumen = pagina.xpath('//*[@data-resumen-errores]')
    assert len(resumen) == 1
    resumen = resumen[0]
    assert resumen.get("role") == "alert" and resumen.get("tabindex") == "-1"
    assert resumen.xpath("h2")[0].text_content() == "Hay un problema"
    # Arriba del formulario, antes del primer campo.
    assert resumen.getnext().tag == "form"
    enlaces = [(a.get("href"), " ".join(a.text_content().split())) for a in resumen.xpath(".//a")]
    assert enlaces == [
        ("#titulo", "Título: Este campo es obligatorio."),
        ("#slug", "Identificador en la dirección: Solo minúsculas sin acentos, números y guiones (p. ej. foro-2027)."),
        ("#fecha_inicio", "Primer día: Escriba una fecha válida."),
    ]
    for destino, _ in enlaces:  # cada enlace lleva a un campo que existe
        assert pagina.get_element_by_id(destino[1:]) is not None


def test_el_resumen_enlaza_con_la_primera_opcion_de_un_grupo_de_radios(app, evento_con_equipo):
    """Una pregunta de opción única (RadioField) no tiene un elemento con su id: el enlace va a su primera opción."""
    from apoyo import entrar
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    slug = evento_con_equipo["slug"]
    r = enviar(cliente, f"/organizacion/eventos/{slug}/comunicaciones/anuncio", {"segmento": "nadie", "idioma": "es", "asunto_es": "Hola", "texto_es": "Texto", "accion": "vista_previa"})
    assert r.status_code == 400
    pagina = lxml.html.fromstring(r.get_data(as_text=True))
    hrefs = pagina.xpath('//*[@data-resumen-errores]//a/@href')
    assert "#segmento-0" in hrefs
    assert all(pagina.get_element_by_id(h[1:]) is not None for h in hrefs)


# --- Plurales ---------------------------------------------------------------------------------------
def test_la_auditoria_dice_1_cambio_y_2_cambios(app, admin, limpiar):
    slug = slug_creado(crear(admin, titulo=TITULO, slug=""))
    datos = f"/organizacion/eventos/{slug}/datos"
    assert enviar(admin, datos, datos_evento(titulo="Solo el título")).status_code == 302  # un campo del evento
    pagina = texto(admin.get(f"/organizacion/eventos/{slug}/auditoria"))
    assert "<summary>1 cambio</summary>" in pagina
    assert "1 cambios" not in pagina
    enviar(admin, f"/organizacion/eventos/{slug}/sesiones/nueva",
           {"titulo": "Panel", "tipo": "panel", "padre": "0", "dia": "2027-04-06", "hora_inicio": "10:00",
            "hora_fin": "11:00"})
    resumenes = re.findall(r"<summary>(\d+ cambios?)</summary>", texto(admin.get(f"/organizacion/eventos/{slug}/auditoria")))
    assert "1 cambio" in resumenes and any(re.fullmatch(r"([2-9]|\d\d+) cambios", r) for r in resumenes)
