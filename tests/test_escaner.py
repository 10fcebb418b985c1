"""La página del escáner de acreditación (sin navegador): quién puede abrirla, la sesión preseleccionada,
lo que la página necesita para trabajar (token CSRF, direcciones de la API, textos) y la biblioteca QR
copiada con su licencia. El escáner en sí se prueba en tests/navegador/test_escaner_navegador.py."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from apoyo import entrar, estatico
from eventos import zonas
from eventos.extensiones import db
from eventos.modelos import Evento

RAIZ = Path(__file__).resolve().parents[1]
VENDOR = RAIZ / "estaticos" / "vendor" / "jsqr"


def _escaner(slug: str, **parametros) -> str:
    consulta = "&".join(f"{k}={v}" for k, v in parametros.items())
    return f"/acreditacion/{slug}/" + (f"?{consulta}" if consulta else "")


def _sesiones(app, slug: str) -> list[tuple[int, str, object]]:
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one()
        return [(s.id, s.titulo, zonas.a_local(s.inicio, evento.zona_horaria)) for s in evento.sesiones]


def _opcion_elegida(texto: str) -> str | None:
    elegida = re.search(r'<option value="(\d*)" selected>', texto)
    return elegida.group(1) if elegida else None


def test_sin_sesion_lleva_a_la_pagina_de_entrada(cliente, evento_con_equipo):
    for ruta in (_escaner(evento_con_equipo["slug"]), "/acreditacion/"):
        respuesta = cliente.get(ruta)
        assert respuesta.status_code == 302
        assert "/cuentas/entrar" in respuesta.headers["Location"]


@pytest.mark.parametrize("rol", ["participante", "organizador_otro", "moderador"])
def test_sin_permiso_de_acreditar_403_sin_datos_del_evento(app, cliente, evento_con_equipo, rol):
    entrar(cliente, evento_con_equipo["correos"][rol])
    respuesta = cliente.get(_escaner(evento_con_equipo["slug"]))
    texto = respuesta.get_data(as_text=True)
    assert respuesta.status_code == 403
    assert "Solo el equipo de acreditación y la organización de este evento pueden hacer esto." in html.unescape(texto)
    with app.app_context():
        titulo = db.session.execute(select(Evento.titulo).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
    assert titulo not in html.unescape(texto)
    assert "data-url-acreditar" not in texto


@pytest.mark.parametrize("rol", ["acreditador", "organizador", "admin"])
def test_el_equipo_del_evento_abre_el_escaner(app, cliente, evento_con_equipo, rol):
    slug = evento_con_equipo["slug"]
    entrar(cliente, evento_con_equipo["correos"][rol])
    respuesta = cliente.get(_escaner(slug))
    texto = html.unescape(respuesta.get_data(as_text=True))
    assert respuesta.status_code == 200
    assert respuesta.headers["Cache-Control"] == "private, no-store"
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', texto)
    assert f'data-url-acreditar="/api/v1/eventos/{slug}/acreditacion"' in texto
    assert f'data-url-sin-conexion="/api/v1/eventos/{slug}/acreditacion/sin-conexion"' in texto
    assert f'data-url-buscar="/api/v1/eventos/{slug}/acreditacion/buscar"' in texto
    assert 'data-url-service-worker="/acreditacion/sw.js"' in texto
    assert estatico("vendor/jsqr/jsQR.js") in texto and estatico("js/escaner.js") in texto
    assert _opcion_elegida(texto) is None  # sin ?sesion: todo el evento
    for etiqueta in ("Código de la credencial", "Nombre, correo o institución", "Registrar la asistencia a"):
        assert etiqueta in texto


def test_la_sesion_de_la_direccion_queda_elegida_con_horas_del_evento(app, cliente, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    sesiones = _sesiones(app, slug)
    entrar(cliente, evento_con_equipo["correos"]["acreditador"])
    ident, titulo, local = sesiones[-1]
    texto = html.unescape(cliente.get(_escaner(slug, sesion=ident)).get_data(as_text=True))
    assert _opcion_elegida(texto) == str(ident)
    opcion = re.search(rf'<option value="{ident}" selected>([^<]+)</option>', texto).group(1)
    assert f"{local:%H:%M} · " in opcion and titulo in opcion  # hora de reloj del evento, no UTC
    # Todas las sesiones del evento, y solo ellas, se pueden elegir.
    assert re.findall(r'<option value="(\d+)"', texto) == [str(s[0]) for s in sesiones]


def test_una_sesion_ajena_o_mal_escrita_da_404_con_mensaje(app, cliente, evento_con_equipo):
    ajena = _sesiones(app, evento_con_equipo["otro_slug"])[0][0]
    entrar(cliente, evento_con_equipo["correos"]["acreditador"])
    for valor in (ajena, "abc", ""):
        respuesta = cliente.get(_escaner(evento_con_equipo["slug"], sesion=valor))
        assert respuesta.status_code == 404
        assert "Esa sesión no existe en este evento" in html.unescape(respuesta.get_data(as_text=True))


def test_evento_inexistente_404(cliente, evento_con_equipo):
    entrar(cliente, evento_con_equipo["correos"]["acreditador"])
    assert cliente.get(_escaner("no-existe-este-evento")).status_code == 404


def test_la_lista_de_escaneres_muestra_solo_los_eventos_propios(app, cliente, evento_con_equipo):
    with app.app_context():
        titulos = dict(db.session.execute(select(Evento.slug, Evento.titulo).where(
            Evento.slug.in_((evento_con_equipo["slug"], evento_con_equipo["otro_slug"])))).all())
    entrar(cliente, evento_con_equipo["correos"]["acreditador"])
    texto = cliente.get("/acreditacion/").get_data(as_text=True)
    assert f'href="/acreditacion/{evento_con_equipo["slug"]}/"' in texto
    assert f'href="/acreditacion/{evento_con_equipo["otro_slug"]}/"' not in texto
    assert html.escape(titulos[evento_con_equipo["slug"]]) in texto

    otro = app.test_client()
    entrar(otro, evento_con_equipo["correos"]["participante"])
    assert "No tiene eventos en los que acreditar" in otro.get("/acreditacion/").get_data(as_text=True)


def test_el_service_worker_se_sirve_bajo_acreditacion(cliente):
    respuesta = cliente.get("/acreditacion/sw.js")
    assert respuesta.status_code == 200
    assert respuesta.mimetype == "text/javascript"
    assert respuesta.headers["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in respuesta.data
    # Sin datos de nadie: se sirve igual sin sesión (el navegador lo revisa a solas para actualizarlo).
    assert b"EV1-" not in respuesta.data


def test_la_biblioteca_qr_esta_copiada_con_su_licencia(cliente):
    licencia = VENDOR / "LICENSE"
    assert licencia.is_file() and "Apache License" in licencia.read_text()
    assert cliente.get("/estaticos/vendor/jsqr/jsQR.js").status_code == 200
    instalada = RAIZ / "node_modules" / "jsqr" / "dist" / "jsQR.js"
    if not instalada.is_file():
        pytest.skip("node_modules/jsqr no está instalado (npm ci): no se puede comparar la copia")
    assert (VENDOR / "jsQR.js").read_bytes() == instalada.read_bytes(), \
        "la copia de estaticos/vendor/jsqr no es la del paquete instalado: npm run vendor"
