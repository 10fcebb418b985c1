"""La inscripción en un navegador real: una persona en Madrid se inscribe en la próxima edición del
seminario virtual de Mercociudades, recibe el correo con su enlace personal, ve su confirmación (sin QR:
es en línea) con su enlace de conexión, corrige su institución y cancela.

El formulario responde lo mismo a todo el mundo («Revise su correo», para no revelar si una dirección
ya estaba inscrita); la confirmación está tras el enlace personal del correo, que aquí se
lee de la carpeta MAIL_CARPETA. Campos por su etiqueta y botones y enlaces por su nombre accesible.
"""
from __future__ import annotations

import email
import email.policy
import re
import time
import uuid
from pathlib import Path

import pytest
from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import delete, select

from apoyo_navegador import comprobar_axe
from eventos import zonas
from eventos.extensiones import db

pytestmark = pytest.mark.navegador

ORIGINAL = "gobiernos-locales-en-accion"  # el seminario de Mercociudades de 2021
ZONA_EVENTO = "America/Mexico_City"
ZONA_VISITANTE = "Europe/Madrid"
DATOS = {"Nombre": "Lucía", "Apellidos": "Fernández Prueba", "Institución": "Intendencia de Prueba",
         "Cargo": "Directora de Relaciones Internacionales", "Ciudad": "Montevideo"}
NUEVA_INSTITUCION = "Intendencia de Montevideo (prueba)"


def exacto(texto: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(texto)}\s*$")


# --- Datos de la base -------------------------------------------------------------------------------
@pytest.fixture()
def proxima_edicion(app) -> dict:
    """La próxima edición de demostración (inscripción abierta): slug, plazo y horario de la inauguración."""
    from eventos.modelos import Evento
    with app.app_context():
        original = db.session.execute(select(Evento).where(Evento.slug == ORIGINAL)).scalar_one()
        evento = Evento.con_programa(db.session.execute(
            select(Evento.slug).where(Evento.edicion_anterior_id == original.id)).scalar_one(), solo_publicados=False)
        assert evento.estado_inscripcion() == "abierta" and evento.zona_horaria == ZONA_EVENTO
        inauguracion = next(s for s in evento.sesiones if s.clave == "inauguracion")
        return {"slug": evento.slug, "id": evento.id, "cierre": evento.inscripcion_cierre,
                "inauguracion": (inauguracion.titulo, inauguracion.inicio, inauguracion.fin)}


@pytest.fixture()
def correos_a_borrar(app):
    """Direcciones inscritas en la prueba; al final se borran sus inscripciones (y sus correos salientes)."""
    correos: list[str] = []
    yield correos
    from eventos.modelos import Asistencia, CorreoSaliente, Inscripcion
    with app.app_context():
        for inscripcion in db.session.execute(
                select(Inscripcion).where(Inscripcion.correo.in_(correos))).scalars().all():
            for modelo in (Asistencia, CorreoSaliente):
                db.session.execute(delete(modelo).where(modelo.inscripcion_id == inscripcion.id))
            db.session.delete(inscripcion)
        db.session.commit()


def inscripcion_de(app, evento_id: int, correo: str):
    from eventos.modelos import Inscripcion
    with app.app_context():
        inscripcion = db.session.execute(select(Inscripcion).where(
            Inscripcion.evento_id == evento_id, Inscripcion.correo == correo)).scalar_one_or_none()
        if inscripcion is not None:
            db.session.expunge(inscripcion)
        return inscripcion


def mensajes_para(app, direccion: str) -> list[email.message.EmailMessage]:
    carpeta = Path(app.config["MAIL_CARPETA"])
    archivos = sorted(carpeta.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name)) if carpeta.exists() else []
    mensajes = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in archivos]
    return [m for m in mensajes if m["To"] == direccion]


def bandeja(app, direccion: str) -> list[tuple]:
    """Estado de los correos a `direccion` en la bandeja de salida (para explicar un fallo)."""
    from eventos.modelos import CorreoSaliente
    with app.app_context():
        return [tuple(fila) for fila in db.session.execute(
            select(CorreoSaliente.tipo, CorreoSaliente.estado, CorreoSaliente.intentos, CorreoSaliente.proximo_intento,
                   CorreoSaliente.ultimo_error).where(CorreoSaliente.destinatario == direccion))]


def esperar_correo(app, direccion: str, asunto: str, segundos: float = 5) -> email.message.EmailMessage:
    """El correo se entrega justo después de la respuesta: se espera (poco) a que aparezca en la carpeta."""
    limite = time.monotonic() + segundos
    while True:
        encontrados = [m for m in mensajes_para(app, direccion) if m["Subject"].startswith(asunto)]
        if encontrados:
            assert len(encontrados) == 1, f"se esperaba un solo correo «{asunto}…»"
            return encontrados[0]
        if time.monotonic() > limite:
            recibidos = [m["Subject"] for m in mensajes_para(app, direccion)]
            pytest.fail(f"no llegó el correo «{asunto}…» a {direccion} en {segundos} s; llegaron: {recibidos}; "
                        f"en la bandeja de salida: {bandeja(app, direccion)}")
        time.sleep(0.1)


def asistencias_de(app, evento_id: int, correo: str) -> list:
    from eventos.modelos import Asistencia, Inscripcion
    with app.app_context():
        return db.session.execute(select(Asistencia.id).join(Inscripcion).where(
            Inscripcion.evento_id == evento_id, Inscripcion.correo == correo)).all()


def fecha_hora(instante, zona: str) -> str:
    """Como la muestra la página en español: 'jueves, 3 de junio de 2027, 23:59'."""
    local = zonas.a_local(instante, zona)
    return f"{format_date(local.date(), 'full', locale='es')}, {local:%H:%M}"


def franja(inicio, fin, zona: str) -> str:
    return f"{zonas.a_local(inicio, zona):%H:%M}–{zonas.a_local(fin, zona):%H:%M}"


def esperar_deteccion_de_zona(pagina):
    """zona.js guarda la zona del navegador en una cookie y recarga la página del evento una vez."""
    expect(pagina.locator("body")).to_have_attribute("data-zona-sin-elegir", "0")
    pagina.wait_for_load_state("load")


def estado(pagina, texto: str):
    """El estado de la inscripción (role=status; la página puede tener además un aviso de una sola vez)."""
    return pagina.get_by_role("status").filter(has=pagina.get_by_text(texto, exact=True))


# --- Camino completo ----------------------------------------------------------------------------------
def test_inscripcion_confirmacion_conexion_cambio_de_datos_y_baja(app, nuevo_contexto, servidor, artefactos,
                                                               proxima_edicion, correos_a_borrar):
    pytest.importorskip("zxingcpp", reason="para leer el QR: pip install zxing-cpp (extra «pruebas»)")
    slug = proxima_edicion["slug"]
    assert re.fullmatch(rf"{ORIGINAL}-\d{{4}}", slug), slug  # hoy, gobiernos-locales-en-accion-2027
    correo = f"lucia-{uuid.uuid4().hex[:8]}@prueba.org"
    correos_a_borrar.append(correo)

    contexto = nuevo_contexto(locale="es-ES", timezone_id=ZONA_VISITANTE)
    pagina = contexto.new_page()

    # --- Del evento al formulario ------------------------------------------------------------------
    pagina.goto(f"/eventos/{slug}/")
    esperar_deteccion_de_zona(pagina)
    with pagina.expect_navigation():
        pagina.get_by_role("link", name=exacto("Inscribirse")).click()
    expect(pagina).to_have_url(re.compile(rf"/eventos/{slug}/inscripcion$"))
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Inscripción")

    # El plazo, en la zona del evento y en la del navegador.
    plazo = pagina.get_by_role("paragraph").filter(has_text="Inscripción abierta hasta el")
    expect(plazo).to_have_count(1)
    cierre = proxima_edicion["cierre"]
    expect(plazo).to_contain_text(f"{fecha_hora(cierre, ZONA_EVENTO)} (Ciudad de México, hora del evento)")
    expect(plazo).to_contain_text(f"{fecha_hora(cierre, ZONA_VISITANTE)} (Madrid, su zona)")

    # --- Rellenar y enviar -------------------------------------------------------------------------
    for etiqueta, valor in DATOS.items():
        pagina.get_by_label(etiqueta, exact=True).fill(valor)
    pagina.get_by_label("Correo electrónico", exact=True).fill(correo)
    pagina.get_by_label("País", exact=True).select_option(label="Uruguay")
    consentimiento = pagina.get_by_role("checkbox", name=re.compile(r"^He leído el aviso de privacidad"))
    consentimiento.check()
    expect(consentimiento).to_be_checked()
    with pagina.expect_navigation():
        pagina.get_by_role("button", name=exacto("Inscribirme")).click()

    expect(pagina).to_have_url(re.compile(rf"/eventos/{slug}/inscripcion/recibida$"))
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Revise su correo")
    expect(pagina.get_by_role("status")).to_contain_text(correo)
    pagina.screenshot(path=str(artefactos / "inscripcion-recibida.png"), full_page=True)

    inscripcion = inscripcion_de(app, proxima_edicion["id"], correo)
    assert inscripcion is not None and inscripcion.estado == "confirmada"
    assert inscripcion.zona_horaria == ZONA_VISITANTE and inscripcion.pais == "UY"

    # --- El correo con el enlace personal ----------------------------------------------------------
    confirmacion = esperar_correo(app, correo, "Inscripción confirmada:")
    texto = confirmacion.get_body(("plain",)).get_content()
    enlace = re.search(rf"^({re.escape(servidor)}/inscripcion/[A-Za-z0-9_.\-]+)\s*$", texto, re.MULTILINE)
    assert enlace, f"el correo no trae el enlace personal a {servidor}:\n{texto}"
    pagina.goto(enlace.group(1))

    # --- La confirmación: en línea, sin QR de la puerta ---------------------------------------------
    expect(pagina.get_by_role("heading", level=1)).to_have_text("Su inscripción")
    expect(estado(pagina, "Confirmada")).to_have_count(1)
    expect(pagina.get_by_role("region", name="Su código QR")).to_have_count(0)
    expect(pagina.get_by_text("Presente el código QR en la entrada.")).to_have_count(0)

    # Sus sesiones: en Madrid y en Ciudad de México (México ya no cambia de hora en verano).
    titulo, inicio, fin = proxima_edicion["inauguracion"]
    hora_mexico, hora_madrid = franja(inicio, fin, ZONA_EVENTO), franja(inicio, fin, ZONA_VISITANTE)
    assert (hora_mexico, hora_madrid) == ("11:00–11:15", "19:00–19:15")  # junio: UTC−6 y UTC+2
    sesiones = pagina.get_by_role("region", name="Sus sesiones", exact=True)
    fila = sesiones.get_by_role("listitem").filter(has=pagina.get_by_role("heading", name=titulo, exact=True))
    expect(fila).to_have_count(1)
    expect(fila).to_contain_text(f"{hora_mexico} Ciudad de México (hora del evento)")
    expect(fila).to_contain_text(f"{hora_madrid} Madrid (su hora)")
    pagina.screenshot(path=str(artefactos / "inscripcion-confirmada.png"), full_page=True)

    # El seminario aún no tiene enlace de reunión: la página lo dice, y «Conectarse» abre la página de
    # conexión, que dice cuándo es la sesión y dónde estará el enlace, sin registrar nada.
    expect(sesiones.get_by_text(re.compile("todavía no ha publicado el enlace de la reunión"))).to_have_count(1)
    with pagina.expect_navigation():
        fila.get_by_role("link", name=re.compile(r"^Conectarse")).click()
    expect(pagina.get_by_role("heading", level=1)).to_have_text(titulo)
    expect(pagina.get_by_role("status")).to_contain_text("todavía no ha publicado el enlace de la reunión")
    expect(pagina.get_by_role("button", name="Entrar a la reunión")).to_have_count(0)
    assert not asistencias_de(app, proxima_edicion["id"], correo)
    pagina.go_back()

    # --- Corregir la institución -------------------------------------------------------------------
    datos = pagina.get_by_role("region", name="Corregir sus datos")
    expect(datos.get_by_label("Institución", exact=True)).to_have_value(DATOS["Institución"])
    datos.get_by_label("Institución", exact=True).fill(NUEVA_INSTITUCION)
    with pagina.expect_navigation():
        datos.get_by_role("button", name=exacto("Guardar los cambios")).click()
    expect(estado(pagina, "Datos guardados.")).to_have_count(1)
    expect(pagina.get_by_role("definition").filter(has_text=NUEVA_INSTITUCION)).to_have_count(1)
    expect(pagina.get_by_role("region", name="Corregir sus datos")
           .get_by_label("Institución", exact=True)).to_have_value(NUEVA_INSTITUCION)
    assert inscripcion_de(app, proxima_edicion["id"], correo).institucion == NUEVA_INSTITUCION

    # --- Cancelar ----------------------------------------------------------------------------------
    baja = pagina.get_by_role("region", name="Cancelar la inscripción")
    confirmar = baja.get_by_role("button", name=exacto("Sí, cancelar mi inscripción"))
    expect(confirmar).to_be_hidden()  # dentro del desplegable, aún cerrado
    baja.get_by_text("Cancelar mi inscripción…", exact=True).click()
    expect(confirmar).to_be_visible()
    with pagina.expect_navigation():
        confirmar.click()
    expect(estado(pagina, "Cancelada")).to_have_count(1)
    expect(pagina.get_by_role("link", name=exacto("Volver a inscribirse"))).to_have_attribute(
        "href", f"/eventos/{slug}/inscripcion")
    pagina.screenshot(path=str(artefactos / "inscripcion-cancelada.png"), full_page=True)

    cancelada = inscripcion_de(app, proxima_edicion["id"], correo)
    assert cancelada.estado == "cancelada" and cancelada.cancelada_en is not None
    esperar_correo(app, correo, "Inscripción cancelada:")

    for nombre in ("inscripcion-recibida.png", "inscripcion-confirmada.png", "inscripcion-cancelada.png"):
        assert (artefactos / nombre).stat().st_size > 0


# --- Accesibilidad (axe-core) --------------------------------------------------------------------------
@pytest.mark.parametrize("pagina_inscripcion", ["formulario", "personal"])
def test_inscripcion_sin_infracciones_graves_de_accesibilidad(app, nuevo_contexto, servidor, ruta_axe,
                                                              proxima_edicion, correos_a_borrar,
                                                              pagina_inscripcion):
    slug = proxima_edicion["slug"]
    if pagina_inscripcion == "formulario":
        ruta = f"/eventos/{slug}/inscripcion"
    else:  # una inscripción confirmada, creada directamente (sesiones con su conexión, datos y baja)
        from eventos import qr
        from eventos.inscripciones import servicios
        correo = f"axe-{uuid.uuid4().hex[:8]}@prueba.org"
        correos_a_borrar.append(correo)
        with app.app_context():
            inscripcion, _ = servicios.inscribir(proxima_edicion["id"], {
                "nombre": "Lucía", "apellidos": "Fernández Prueba", "correo": correo,
                "institucion": DATOS["Institución"], "cargo": DATOS["Cargo"], "pais": "UY", "ciudad": "Montevideo",
                "zona_horaria": ZONA_VISITANTE, "idioma": "es"})
            assert inscripcion.estado == "confirmada"
            db.session.commit()  # el servicio no confirma: lo hace quien llama
            ruta = f"/inscripcion/{qr.firmar_gestion(inscripcion)}"

    contexto = nuevo_contexto(bypass_csp=True, locale="es-ES", timezone_id=ZONA_VISITANTE)
    contexto.add_cookies([{"name": "tz", "value": ZONA_VISITANTE, "url": servidor},
                          {"name": "tz_detectada", "value": "1", "url": servidor}])
    pagina = contexto.new_page()
    pagina.goto(ruta)
    comprobar_axe(pagina, ruta_axe, f"la página {pagina_inscripcion}")
