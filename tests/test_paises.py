"""La lista de países del formulario: solo países, en el orden en que se leen en cada idioma."""
from __future__ import annotations

import re

import pytest

from apoyo_inscripciones import enviar_con_token, inscribir, inscripcion_de, mensajes_para, token_personal, unico
from eventos.extensiones import db
from eventos.modelos import Inscripcion
from eventos.paises import nombres, ordenar, paises

# Diez países por idioma, en el orden en que los buscaría una persona que lee ese idioma: los acentos no
# mandan a un nombre al final de su letra («México» tras «Marruecos»; «Áustria» tras «Austrália»).
ORDEN_ESPERADO = {
    "es": ["BD", "BE", "BZ", "ES", "IQ", "IR", "MA", "MX", "FM", "OM"],
    # Bangladés, Bélgica, Belice, España, Irak, Irán, Marruecos, México, Micronesia, Omán
    "en": ["AF", "AX", "AL", "CR", "CI", "HR", "CU", "CW", "RE", "RO"],
    # Afghanistan, Åland Islands, Albania, Costa Rica, Côte d’Ivoire, Croatia, Cuba, Curaçao, Réunion, Romania
    "pt": ["AF", "ZA", "AL", "DE", "AU", "AT", "IN", "ID", "IR", "IQ"],
    # Afeganistão, África do Sul, Albânia, Alemanha, Austrália, Áustria, Índia, Indonésia, Irã, Iraque
}
# Las reservas excepcionales de ISO que CLDR nombra (Canarias, Ceuta y Melilla, Diego García, Clipperton,
# Sark, Ascensión, Tristán de Acuña), las agrupaciones y los códigos de prueba o desconocidos.
NO_SON_PAISES = ("IC", "EA", "DG", "CP", "CQ", "AC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ")


@pytest.mark.parametrize("idioma", ORDEN_ESPERADO)
def test_paises_en_el_orden_de_cada_idioma(idioma):
    esperado = ORDEN_ESPERADO[idioma]
    assert [codigo for codigo, _ in paises(idioma) if codigo in esperado] == esperado


@pytest.mark.parametrize("idioma, anterior, pais, siguiente", [
    ("es", "Mayotte", "México", "Micronesia"), ("es", "Baréin", "Bélgica", "Belice"),
    ("pt", "Afeganistão", "África do Sul", "Albânia"), ("en", "Afghanistan", "Åland Islands", "Albania")])
def test_un_nombre_con_acento_va_con_su_letra(idioma, anterior, pais, siguiente):
    nombres_en_orden = [nombre for _, nombre in paises(idioma)]
    i = nombres_en_orden.index(pais)
    assert nombres_en_orden[i - 1:i + 2] == [anterior, pais, siguiente]


def test_en_espanol_la_ene_va_entre_la_n_y_la_o():
    palabras = ["Omán", "ñu", "Nuevo", "Oman", "Ñandú", "nube", "Nz", "O"]
    assert ordenar(palabras, "es") == ["nube", "Nuevo", "Nz", "Ñandú", "ñu", "O", "Oman", "Omán"]
    # En inglés y en portugués la ñ es una n con tilde.
    assert ordenar(["Ñandú", "Nz", "Nuevo"], "en") == ["Ñandú", "Nuevo", "Nz"]


@pytest.mark.parametrize("idioma", ORDEN_ESPERADO)
def test_la_lista_tiene_paises_y_no_territorios(idioma):
    codigos = dict(paises(idioma))
    assert not set(NO_SON_PAISES) & set(codigos)
    assert "XK" in codigos  # Kosovo: sin código ISO, pero en uso (UE, CLDR)
    assert {"MX", "PR", "GL", "HK", "PS", "TW", "AQ"} <= set(codigos)  # los asignados en ISO 3166-1 siguen
    assert len(codigos) == 250  # los 249 de ISO 3166-1 y Kosovo
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codigos)
    # Los nombres de los excluidos siguen a mano para las inscripciones que ya los tenían.
    assert {"IC", "EA"} <= set(nombres(idioma))


def test_el_formulario_no_ofrece_canarias_ni_acepta_su_codigo(app, eventos_prueba):
    evento = eventos_prueba()
    cliente = app.test_client()
    html = cliente.get(f"/eventos/{evento.slug}/inscripcion").get_data(as_text=True)
    opciones = re.findall(r'<option value="([A-Z]{2})"', html)
    assert opciones[:3] == ["AF", "AL", "DE"]  # Afganistán, Albania, Alemania
    assert opciones[opciones.index("MX") - 1:opciones.index("MX") + 2] == ["YT", "MX", "FM"]  # Mayotte, México, Micronesia
    for codigo in NO_SON_PAISES:
        assert codigo not in opciones
    correo = unico("canarias")
    respuesta = inscribir(cliente, evento.slug, correo, pais="IC")
    assert respuesta.status_code == 400 and "Opción inválida." in respuesta.get_data(as_text=True)
    assert inscripcion_de(app, evento, correo) is None


def test_una_inscripcion_antigua_con_un_codigo_excluido_conserva_su_pais(app, eventos_prueba):
    evento = eventos_prueba()
    cliente = app.test_client()
    correo = unico("ceuta")
    assert inscribir(cliente, evento.slug, correo).status_code == 302
    with app.app_context():
        db.session.get(Inscripcion, inscripcion_de(app, evento, correo).id).pais = "EA"
        db.session.commit()
    token = token_personal(mensajes_para(app, correo)[0])
    html = cliente.get(f"/inscripcion/{token}").get_data(as_text=True)
    assert re.search(r'<option selected value="EA">Ceuta y Melilla</option>|'
                     r'<option value="EA" selected>Ceuta y Melilla</option>', html)
    # Puede guardar sus otros datos sin tener que cambiar de país.
    r = enviar_con_token(cliente, f"/inscripcion/{token}", f"/inscripcion/{token}", {
        "nombre": "Ana", "apellidos": "Pruebas", "institucion": "Ciudad Autónoma", "cargo": "", "pais": "EA",
        "ciudad": "Ceuta"})
    assert r.status_code == 302
    guardada = inscripcion_de(app, evento, correo)
    assert guardada.pais == "EA" and guardada.institucion == "Ciudad Autónoma"


def test_el_archivo_de_paises_es_el_que_generan_las_bibliotecas():
    """paises.json se genera con `python -m eventos.paises`; si cambian CLDR (Babel) o ISO (pycountry), esta
    prueba pide generarlo de nuevo."""
    import json

    from eventos import paises as modulo
    assert json.loads(modulo.ARCHIVO.read_text(encoding="utf-8")) == modulo.generar(), \
        "eventos/paises.json no está al día: .venv/bin/python -m eventos.paises"
