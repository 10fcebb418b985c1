"""Ayudas para las pruebas de inscripción: eventos pequeños de usar y tirar, envíos con CSRF y lectura
de los correos escritos en la carpeta de correo."""
from __future__ import annotations

import email
import email.policy
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventos.extensiones import db
from eventos.modelos import Asistencia, CorreoSaliente, Evento, Inscripcion
from eventos.servicios import programa

ZONA_EVENTO = "America/Mexico_City"
ZONA_VISITANTE = "Europe/Madrid"
SEDE = "Sala Prueba de Inscripciones"
URL_REUNION = "https://reunion.example.org/sala-secreta-123"
URL_REUNION_SESION = "https://reunion.example.org/otra-sala-456"


# --- Eventos de prueba ---------------------------------------------------------------------------
@dataclass
class EventoPrueba:
    slug: str
    id: int
    titulo: str
    dia: date
    sesiones: dict = field(default_factory=dict)  # clave -> id
    mesas: dict = field(default_factory=dict)  # clave -> id


def texto_local(momento: datetime) -> str:
    return momento.strftime("%Y-%m-%d %H:%M")


def crear_evento(app, *, cupo=None, mesas=(), modalidad="presencial", enlace_virtual="", estado="publicado",
                 apertura=timedelta(days=-1), cierre=timedelta(days=5), requiere_aprobacion=False,
                 titulo=None, enlace_sesion="", en_dias=20) -> EventoPrueba:
    """Evento publicado de un día (dentro de `en_dias` días; 0: hoy) con dos sesiones: «apertura» (10:00–11:00 en la
    zona del evento) y «trabajo» (mesas, 11:30–13:00). `apertura` y `cierre` son desfases desde ahora
    o una hora local ("AAAA-MM-DD HH:MM"); `mesas` son pares (clave, cupo)."""
    ahora_evento = datetime.now(ZoneInfo(ZONA_EVENTO)).replace(second=0, microsecond=0)
    dia = ahora_evento.date() + timedelta(days=en_dias)
    slug = f"insc-prueba-{uuid.uuid4().hex[:10]}"
    titulo = titulo or f"Seminario de inscripciones {slug[-4:]}"

    def cuando(valor):
        return texto_local(ahora_evento + valor) if isinstance(valor, timedelta) else valor

    datos = {
        "formato": "programa-eventos/1",
        "evento": {
            "slug": slug, "titulo": titulo, "modalidad": modalidad, "zona_horaria": ZONA_EVENTO,
            "fecha_inicio": dia.isoformat(), "fecha_fin": dia.isoformat(), "estado": estado, "sede": SEDE,
            "enlace_virtual": enlace_virtual, "organizadores": ["Organización de prueba"],
            "inscripcion": {"apertura": cuando(apertura), "cierre": cuando(cierre),
                            **({"cupo": cupo} if cupo is not None else {})},
        },
        "sesiones": [
            {"clave": "apertura", "titulo": "Sesión de apertura", "tipo": "plenaria",
             "inicio": f"{dia} 10:00", "fin": f"{dia} 11:00"},
            {"clave": "trabajo", "titulo": "Trabajo en mesas", "tipo": "mesas_de_trabajo",
             "inicio": f"{dia} 11:30", "fin": f"{dia} 13:00", "enlace": enlace_sesion},
        ],
        "mesas": [{"clave": clave, "nombre": f"Mesa {clave}", "sesiones": ["trabajo"],
                   **({"cupo": cupo_mesa} if cupo_mesa else {})} for clave, cupo_mesa in mesas],
    }
    with app.app_context():
        evento = programa.importar(datos)
        evento.requiere_aprobacion = requiere_aprobacion
        db.session.commit()
        return EventoPrueba(slug, evento.id, titulo, dia, {s.clave: s.id for s in evento.sesiones},
                            {m.clave: m.id for m in evento.mesas})


def borrar_evento(app, slug):
    """Borra el evento y, explícitamente, lo que cuelga de él (la cascada se prueba aparte en
    test_borrar_evento_borra_sus_inscripciones; aquí un fallo de la cascada no contamina otras pruebas)."""
    from sqlalchemy import delete
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
        if evento is not None:
            for modelo in (Asistencia, CorreoSaliente, Inscripcion):
                db.session.execute(delete(modelo).where(modelo.evento_id == evento.id))
            db.session.delete(evento)
            db.session.commit()


# --- Ayudas HTTP ---------------------------------------------------------------------------------
RE_TOKEN_FORMULARIO = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                                 r'name="csrf_token" value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


def token_de(html: str) -> str:
    encontrado = RE_TOKEN_FORMULARIO.search(html)
    assert encontrado, "la página no trae token CSRF"
    return next(g for g in encontrado.groups() if g)


def unico(nombre="persona") -> str:
    return f"{nombre}-{uuid.uuid4().hex[:8]}@prueba.org"


def datos_inscripcion(correo: str, **cambios) -> dict:
    datos = {"nombre": "Ana", "apellidos": "Pruebas", "correo": correo, "institucion": "Ayuntamiento de Prueba",
             "cargo": "Coordinadora", "pais": "MX", "ciudad": "Puebla", "consentimiento": "y"}
    datos.update(cambios)
    return {k: v for k, v in datos.items() if v is not None}


def inscribir(cliente, slug: str, correo: str, con_csrf: bool = True, **cambios):
    """Como una persona: abre el formulario, lo rellena y lo envía (y lee y cierra la respuesta). En las
    pruebas, la petición responde cuando el cartero ya entregó su correo (CORREO_ESPERAR_ENTREGA)."""
    datos = datos_inscripcion(correo, **cambios)
    if con_csrf:
        pagina = cliente.get(f"/eventos/{slug}/inscripcion")
        datos["csrf_token"] = token_de(pagina.get_data(as_text=True))
    respuesta = cliente.post(f"/eventos/{slug}/inscripcion", data=datos)
    respuesta.get_data()
    respuesta.close()
    return respuesta


def enviar_con_token(cliente, pagina: str, ruta: str, datos: dict | None = None):
    """POST con el token CSRF leído de `pagina` (GET), y la respuesta cerrada."""
    token = token_de(cliente.get(pagina).get_data(as_text=True))
    respuesta = cliente.post(ruta, data={**(datos or {}), "csrf_token": token})
    respuesta.get_data()
    respuesta.close()
    return respuesta


def mensajes_para(app, direccion: str) -> list[email.message.EmailMessage]:
    carpeta = Path(app.config["MAIL_CARPETA"])
    if not carpeta.exists():
        return []
    archivos = sorted(carpeta.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    mensajes = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in archivos]
    return [m for m in mensajes if m["To"] == direccion]


def texto_de(mensaje) -> str:
    return mensaje.get_body(("plain",)).get_content()


def html_de(mensaje) -> str:
    return mensaje.get_body(("html",)).get_content()


RE_ENLACE_PERSONAL = re.compile(r"http://localhost/inscripcion/([A-Za-z0-9_.\-]+)(?=\s|$)", re.MULTILINE)


def token_personal(mensaje) -> str:
    return RE_ENLACE_PERSONAL.search(texto_de(mensaje)).group(1)


def inscripcion_de(app, evento: EventoPrueba, correo: str) -> Inscripcion | None:
    with app.app_context():
        inscripcion = db.session.execute(select(Inscripcion).where(
            Inscripcion.evento_id == evento.id, Inscripcion.correo == correo.lower())).scalar_one_or_none()
        if inscripcion is not None:
            db.session.expunge(inscripcion)
        return inscripcion


def estados(app, evento: EventoPrueba) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(Inscripcion.correo, Inscripcion.estado)
                                       .where(Inscripcion.evento_id == evento.id)).all())


def cuantas(app, evento: EventoPrueba) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Inscripcion)
                                 .where(Inscripcion.evento_id == evento.id))


def leer_qr(png: bytes) -> str:
    zxingcpp = pytest.importorskip("zxingcpp", reason="pip install zxing-cpp (extra «pruebas»)")
    from PIL import Image
    resultados = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(resultados) == 1, "se esperaba exactamente un código QR legible"
    return resultados[0].text


def sin_espacios(respuesta_o_texto) -> str:
    texto = respuesta_o_texto if isinstance(respuesta_o_texto, str) else respuesta_o_texto.get_data(as_text=True)
    return re.sub(r"\s+", " ", texto)


def horas(dia: date, inicio: str, fin: str, zona: str) -> str:
    """'HH:MM–HH:MM' en `zona` de una franja dada en hora local del evento."""
    def convertir(hora):
        h, m = map(int, hora.split(":"))
        return datetime(dia.year, dia.month, dia.day, h, m, tzinfo=ZoneInfo(ZONA_EVENTO)).astimezone(ZoneInfo(zona))
    return f"{convertir(inicio):%H:%M}–{convertir(fin):%H:%M}"
