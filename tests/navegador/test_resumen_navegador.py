"""El resumen del evento y el inicio de la oficina en Chromium, a 1280 px y en un teléfono de 360 px: la página
no se desplaza de lado, axe no encuentra infracciones graves y las capturas quedan en tests/artefactos/."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from apoyo import crear_usuario
from apoyo_inscripciones import crear_evento
from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db
from eventos.modelos import Asistencia, CorreoSaliente, Inscripcion, Mesa, RolEvento, Usuario
from eventos.zonas import ahora

pytestmark = pytest.mark.navegador

ANCHOS = (1280, 360)
TITULO = "Jornadas de intercambio interinstitucional para la cohesión social y la descentralización"


@pytest.fixture()
def evento_con_cifras(app, eventos_prueba):
    """Un evento de mañana con cupo, mesas de nombre largo, inscripciones en cada estado, una acreditación,
    un correo fallido y una cuenta que lo organiza."""
    evento = eventos_prueba(titulo=TITULO, cupo=40, en_dias=1,
                            mesas=(("ejes-transversales", 12), ("gobernanza", None), ("financiamiento", 8)))
    correo = f"org-resumen-nav-{uuid.uuid4().hex[:8]}@prueba.org"
    with app.app_context():
        mesa = db.session.get(Mesa, evento.mesas["ejes-transversales"])
        mesa.nombre = "Ejes transversales: igualdad de género, juventudes y pueblos originarios"
        estados = ["confirmada"] * 14 + ["en_espera"] * 3 + ["pendiente"] * 2 + ["cancelada"]
        mesas = [evento.mesas["ejes-transversales"], evento.mesas["gobernanza"], None]
        inscripciones = [Inscripcion(evento_id=evento.id, nombre="Persona", apellidos=str(n), estado=estado,
                                     correo=f"p{n}-{uuid.uuid4().hex[:6]}@prueba.org", mesa_id=mesas[n % 3])
                         for n, estado in enumerate(estados)]
        db.session.add_all(inscripciones)
        db.session.flush()
        db.session.add(Asistencia(evento_id=evento.id, inscripcion_id=inscripciones[0].id, origen="qr",
                                  registrada_en=ahora() - timedelta(minutes=5)))
        db.session.add(CorreoSaliente(evento_id=evento.id, tipo="anuncio", destinatario="x@prueba.org", estado="fallido",
                                      ultimo_error="550 buzón inexistente"))
        usuario = crear_usuario(correo, nombre="Organización del resumen")
        db.session.add(RolEvento(evento_id=evento.id, usuario=usuario, rol="organizador"))
        db.session.commit()
    yield evento, correo
    with app.app_context():
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == correo)).scalar_one()
        db.session.delete(usuario)
        db.session.commit()


def _cabe_a_lo_ancho(pagina, ancho: int, donde: str) -> None:
    medida = pagina.evaluate("document.documentElement.scrollWidth")
    if medida > ancho:
        sobresalen = pagina.evaluate(f"""[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > {ancho} + 0.5).slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' → '
                      + Math.round(e.getBoundingClientRect().right) + 'px')""")
        pytest.fail(f"{donde} mide {medida} px de ancho en una ventana de {ancho} px; sobresalen: {sobresalen}")


@pytest.mark.parametrize("ancho", ANCHOS)
def test_resumen_e_inicio_caben_y_son_accesibles(app, nuevo_contexto, artefactos, ruta_axe, evento_con_cifras, ancho):
    evento, correo = evento_con_cifras
    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", viewport={"width": ancho, "height": 900},
                              **({"is_mobile": True, "has_touch": True} if ancho < 400 else {}))
    pagina, errores = entrar(contexto, correo)

    pagina.goto(f"/organizacion/eventos/{evento.slug}/")
    expect(pagina.get_by_role("heading", level=1)).to_have_text(TITULO)
    for titulo in ("Inscripciones", "Hoy", "Próximas sesiones", "Tareas habituales"):
        expect(pagina.get_by_role("heading", level=2, name=titulo, exact=True)).to_be_visible()
    inscripciones = pagina.get_by_role("region", name="Inscripciones", exact=True)
    expect(inscripciones).to_contain_text("14 de 40 plazas")
    expect(inscripciones).to_contain_text("26 plazas libres")
    expect(pagina.get_by_role("table", name="Inscripciones confirmadas por mesa")).to_be_visible()
    expect(pagina.get_by_role("region", name="Hoy", exact=True)).to_contain_text("Ver el error y reintentar")
    expect(pagina.get_by_role("link", name="Ver las inscripciones")).to_be_visible()
    pagina.screenshot(path=str(artefactos / f"resumen-evento-{ancho}.png"), full_page=True)
    _cabe_a_lo_ancho(pagina, ancho, "El resumen del evento")
    comprobar_axe(pagina, ruta_axe, f"el resumen del evento a {ancho} px")

    pagina.goto("/organizacion/")
    tarjeta = pagina.get_by_role("listitem").filter(has=pagina.get_by_role("heading", name=TITULO))
    expect(tarjeta).to_contain_text("14 de 40 plazas")
    pagina.screenshot(path=str(artefactos / f"oficina-inicio-{ancho}.png"), full_page=True)
    _cabe_a_lo_ancho(pagina, ancho, "El inicio de la oficina")
    comprobar_axe(pagina, ruta_axe, f"el inicio de la oficina a {ancho} px")
    assert not errores, errores
