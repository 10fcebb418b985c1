"""Cada página de la demostración en un teléfono (360 × 740): la página no se desplaza de lado (el ancho de
su documento no pasa del de la ventana) y axe-core no encuentra infracciones graves; y la oficina tampoco
se desplaza de lado a 1280 px.

Las direcciones salen del mapa de rutas de la aplicación: se empieza por cada ruta GET que solo pide el
evento (con cada evento de la demostración) o nada, más las personales (con una inscripción de prueba), y se
siguen los enlaces de cada página (y las direcciones data-* que usan sus scripts) a otras rutas del mapa (así se llega a una sesión, una mesa, una
inscripción… con sus ids reales). Cada ruta se visita una vez por evento. Regla de lo que no es una página:
- rutas sin GET (solo POST) y los estáticos;
- rutas cuyo último tramo es un nombre de archivo (.ics, .csv, .json, .pdf, .xlsx, .docx, .md, .js…, o un
  `<path:nombre>`): descargas y datos;
- y lo que, pedido, no responde un documento HTML completo (JSON de la API, fragmentos, archivos).
Al final, toda ruta candidata tiene que haberse alcanzado: una ruta nueva sin semilla ni enlace hace fallar
la prueba en lugar de quedar sin revisar.
"""
from __future__ import annotations

import uuid
from collections import deque
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from apoyo import crear_usuario
from apoyo_navegador import comprobar_axe, entrar
from eventos.extensiones import db

pytestmark = pytest.mark.navegador

TELEFONO = {"width": 360, "height": 740}
ESCRITORIO = {"width": 1280, "height": 800}

# Lo que responde la página de entrada cuando hace falta una sesión iniciada.
ENTRAR = "/cuentas/entrar"

DESBORDE = """() => {
  const ancho = window.innerWidth;
  const fuera = [];
  for (const el of document.querySelectorAll('body *')) {
    const caja = el.getBoundingClientRect();
    if (caja.right > ancho + 1 && caja.width > 0) {
      // Dentro de una región que se desplaza por sí misma no cuenta (salvo lo posicionado, que puede escaparse).
      let dentro = false;
      const posicionado = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
      for (let p = el.parentElement; !posicionado && p && p !== document.body; p = p.parentElement) {
        const estilo = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(estilo.overflowX) && p.getBoundingClientRect().right <= ancho + 1) {
          dentro = true; break;
        }
      }
      if (!dentro) fuera.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                              (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                              ' (' + Math.round(caja.right) + ' px)');
    }
  }
  return {ancho: document.documentElement.scrollWidth, ventana: ancho, fuera: fuera.slice(0, 5)};
}"""


ENLACES = """() => {
  const direcciones = [...document.querySelectorAll('a[href]')].map(a => a.href);
  for (const el of document.querySelectorAll('*')) {
    for (const atributo of el.attributes) {
      if (atributo.name.startsWith('data-') && atributo.value.startsWith('/')) {
        direcciones.push(new URL(atributo.value, location.href).href);
      }
    }
  }
  return direcciones;
}"""


def reglas_candidatas(app):
    """Las rutas que pueden ser páginas (la regla del docstring del módulo)."""
    for regla in app.url_map.iter_rules():
        if "GET" not in regla.methods or regla.endpoint == "static":
            continue
        ultimo = regla.rule.rsplit("/", 1)[-1]
        if "." in ultimo or ultimo.startswith("<path:"):  # …/calendario.ics, …/exportar.<formato>, …/<path:nombre>
            continue
        yield regla


@pytest.fixture()
def demostracion(app):
    """Los slugs de la demostración y, en una copia de las Jornadas de hoy (híbrida, con constancias), lo que la
    demostración no trae: una inscripción confirmada en línea que asistió (con su constancia), una pregunta de
    inscripción, la encuesta por omisión (abierta) y un recordatorio. Una cuenta de administración. Todo se borra al final.
    Las ediciones siguientes de la demostración repiten el programa de las originales: no se recorren."""
    from eventos import qr, zonas
    from eventos.constancias import servicios as constancias
    from eventos.cuentas.servicios import token_restablecer
    from eventos.demo import SLUGS
    from eventos.encuestas import servicios as encuestas
    from eventos.modelos import (Asistencia, Evento, Inscripcion, Mesa, PreguntaInscripcion, Recordatorio,
                                 Usuario)
    from eventos.servicios import programa

    sufijo = uuid.uuid4().hex[:8]
    with app.app_context():
        original = Evento.con_programa("jornadas-mexico-ue")
        evento = programa.duplicar(original, f"recorrido-{sufijo}", zonas.hoy_en(original.zona_horaria),
                                   estado="publicado")
        evento.modalidad, evento.enlace_virtual = "hibrida", "https://reunion.example.org/sala"
        evento.constancias_habilitadas = True
        db.session.flush()
        mesa = db.session.execute(select(Mesa).where(Mesa.evento_id == evento.id).order_by(Mesa.orden)).scalars().first()
        inscripcion = Inscripcion(evento_id=evento.id, nombre="Ana María", apellidos="Conceição Pérez",
                                  estado="confirmada", modalidad="en_linea", correo=f"recorrido-{sufijo}@prueba.org",
                                  institucion="Universidad de prueba", pais="MX", mesa_id=mesa.id,
                                  consentimiento_en=zonas.ahora())
        db.session.add(inscripcion)
        db.session.flush()
        db.session.add(Asistencia(evento_id=evento.id, inscripcion_id=inscripcion.id, alcance=0, origen="manual"))
        db.session.add(PreguntaInscripcion(evento=evento, texto="¿Qué espera del encuentro?", tipo="texto_corto"))
        db.session.add(Recordatorio(evento=evento, minutos_antes=60, idioma="es",
                                    textos={"es": {"asunto": "Empieza pronto", "texto": "Le esperamos."}}))
        encuesta = encuestas.crear_por_omision(evento)
        encuesta.abre_en, encuesta.cierra_en = zonas.ahora() - timedelta(hours=1), zonas.ahora() + timedelta(days=7)
        db.session.flush()
        codigo = constancias.emitir(inscripcion).codigo
        admin = crear_usuario(f"recorrido-{sufijo}@prueba.org", nombre="Administración del recorrido", admin=True)
        db.session.commit()
        datos = {
            "slugs": [*SLUGS, evento.slug], "copia": evento.slug, "admin": admin.correo,
            # Las direcciones personales llegan por correo: ningún enlace de la aplicación lleva a ellas.
            "personales": [f"/inscripcion/{qr.firmar_gestion(inscripcion)}",
                           f"/anuncios/baja/{qr.firmar_baja(inscripcion)}",
                           f"/verificar/{codigo}"],
            "restablecer": f"/cuentas/restablecer/{token_restablecer(admin)}",
        }
    yield datos
    with app.app_context():
        copia = db.session.execute(select(Evento).where(Evento.slug == datos["copia"])).scalar_one_or_none()
        if copia:
            db.session.delete(copia)
        usuario = db.session.execute(select(Usuario).where(Usuario.correo == datos["admin"])).scalar_one_or_none()
        if usuario:
            db.session.delete(usuario)
        db.session.commit()


class Recorrido:
    """Visita páginas de la aplicación a partir de semillas y de los enlaces que encuentra."""

    def __init__(self, app, servidor: str, slugs: list[str], ruta_axe=None):
        self.servidor = servidor
        self.adaptador = app.url_map.bind(urlsplit(servidor).netloc)
        self.candidatas = {regla.endpoint for regla in reglas_candidatas(app)}
        self.slugs = set(slugs)
        self.ruta_axe = ruta_axe
        self.alcanzadas: set[str] = set()  # rutas (endpoints) visitadas o comprobadas como «no es página»
        self.vistas: set[tuple] = set()
        self.paginas: list[str] = []  # direcciones de las páginas revisadas, en orden
        self.de_la_oficina: list[str] = []  # las que pidieron iniciar sesión

    def clave(self, direccion: str):
        """(ruta, slug) de una dirección de la aplicación que puede ser página, o None."""
        partes = urlsplit(direccion)
        if partes.scheme not in ("http", "https") or f"{partes.scheme}://{partes.netloc}" != self.servidor:
            return None
        try:
            ruta, argumentos = self.adaptador.match(partes.path, method="GET")
        except (HTTPException, RequestRedirect):
            return None
        if ruta not in self.candidatas or ("slug" in argumentos and argumentos["slug"] not in self.slugs):
            return None
        return ruta, argumentos.get("slug")

    def recorrer(self, pagina, semillas, ancho: int, revisar_desborde=lambda ruta: True):
        cola = deque(semillas)
        while cola:
            direccion = cola.popleft()
            clave = self.clave(self.servidor + direccion if direccion.startswith("/") else direccion)
            if clave is None or clave in self.vistas:
                continue
            self.vistas.add(clave)
            ruta = clave[0]
            url = self.servidor + urlsplit(direccion).path if direccion.startswith("/") else direccion
            previa = pagina.context.request.get(url, max_redirects=0)
            tipo = previa.headers.get("content-type", "")
            if previa.status in (401, 403) or (
                    previa.status in (301, 302, 303) and urlsplit(previa.headers.get("location", "")).path == ENTRAR):
                self.de_la_oficina.append(url)  # hace falta una sesión (o un permiso): la recorre quien la tiene
                self.vistas.discard(clave)
                continue
            if not (tipo.startswith("text/html") and previa.text().lstrip()[:15].lower() == "<!doctype html>"):
                self.alcanzadas.add(ruta)  # JSON, fragmento o archivo: no es una página
                continue
            self.alcanzadas.add(ruta)
            if not revisar_desborde(ruta) and self.ruta_axe is None:
                continue  # nada que revisar en ella (a 1280 px, lo público): basta con saber que es una página
            respuesta = pagina.goto(url)
            assert respuesta.status < 400, f"{url} respondió {respuesta.status}"
            self.paginas.append(url)
            if revisar_desborde(ruta):
                medida = pagina.evaluate(DESBORDE)
                assert medida["ancho"] <= medida["ventana"], (
                    f"a {ancho} px la página se desplaza de lado: {url} mide {medida['ancho']} px de ancho; "
                    f"se salen: {', '.join(medida['fuera']) or '?'}")
            if self.ruta_axe is not None:
                comprobar_axe(pagina, self.ruta_axe, url)
            cola.extend(pagina.evaluate(ENLACES))


def semillas(app, slugs):
    """Cada ruta candidata que no pide más que el evento (con cada slug) o nada."""
    direcciones = []
    for regla in reglas_candidatas(app):
        if not regla.arguments:
            direcciones.append(regla.rule)
        elif regla.arguments == {"slug"}:
            direcciones += [regla.rule.replace("<slug>", slug) for slug in slugs]
    return sorted(direcciones)


def test_cada_pagina_de_la_demostracion_cabe_en_un_telefono(app, servidor, nuevo_contexto, ruta_axe, demostracion):
    recorrido = Recorrido(app, servidor, demostracion["slugs"], ruta_axe)

    # Sin sesión: las páginas públicas, las personales y las de la cuenta.
    anonima = nuevo_contexto(viewport=TELEFONO, locale="es-ES", bypass_csp=True).new_page()
    iniciales = semillas(app, demostracion["slugs"]) + demostracion["personales"] + [demostracion["restablecer"]]
    recorrido.recorrer(anonima, iniciales, 360)
    oficina = recorrido.de_la_oficina

    # Con la sesión de una persona administradora: lo que la pedía y lo que se enlaza desde ahí.
    pagina, _errores = entrar(nuevo_contexto(viewport=TELEFONO, locale="es-ES", bypass_csp=True), demostracion["admin"])
    recorrido.recorrer(pagina, oficina, 360)

    sin_alcanzar = recorrido.candidatas - recorrido.alcanzadas
    assert not sin_alcanzar, ("rutas a las que el recorrido no llegó (ninguna semilla ni enlace las alcanza; "
                              f"añada su semilla): {sorted(sin_alcanzar)}")
    print(f"{len(recorrido.paginas)} páginas revisadas a 360 px")


def test_la_oficina_cabe_en_1280_px(app, servidor, nuevo_contexto, demostracion):
    recorrido = Recorrido(app, servidor, demostracion["slugs"])
    anonima = nuevo_contexto(viewport=ESCRITORIO).new_page()
    recorrido.recorrer(anonima, semillas(app, demostracion["slugs"]), 1280,
                       lambda ruta: False)  # aquí solo se buscan las direcciones de la oficina
    pagina, _errores = entrar(nuevo_contexto(viewport=ESCRITORIO, locale="es-ES"), demostracion["admin"])
    recorrido.recorrer(pagina, recorrido.de_la_oficina, 1280)
    assert len(recorrido.paginas) > 50
