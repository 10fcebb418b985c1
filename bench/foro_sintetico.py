"""Foro sintético grande para medir la agenda: programa en el formato de importación (programa-eventos/1).

Por omisión: 5 días (2027-03-01 a 2027-03-05), 4 salas, 300 sesiones de 30 minutos seguidas
(15 por sala y día, de 08:00 a 15:30 hora de Ciudad de México), 600 personas con 2 o 3
participaciones cada una, 10 mesas de trabajo y una guía de todo el evento con 2 bloques de 10
preguntas. `programa_sintetico(sesiones=30)` da la versión pequeña con la misma forma.

    from bench.foro_sintetico import crear_foro
    with app.app_context():
        crear_foro()            # borra el evento «foro-sintetico» si existía, lo importa y confirma
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

SLUG = "foro-sintetico"
ZONA = "America/Mexico_City"
ZONAS_ADICIONALES = ["America/Montevideo", "Europe/Madrid"]
FECHA_INICIO = date(2027, 3, 1)
DIAS = 5
SALAS = 4
MINUTOS = 30
HORA_INICIO = 8  # 08:00 local
MESAS = 10

# Tipo de sesión según su franja del día: una de cada cinco es de mesas de trabajo.
TIPOS = ("panel", "conversatorio", "plenaria", "mesas_de_trabajo", "panel")
NOMBRES = ("Ana", "Bruno", "Carla", "Diego", "Elena", "Fernando", "Gabriela", "Hugo", "Inés", "Jorge",
           "Karina", "Luis", "María", "Nicolás", "Olga", "Pablo", "Quetzalli", "Rosa", "Sergio", "Teresa")
APELLIDOS = ("Álvarez", "Benítez", "Castro", "Domínguez", "Espinoza", "Flores", "García", "Hernández",
             "Ibarra", "Juárez", "López", "Martínez", "Núñez", "Ortega", "Pérez", "Quiroga", "Ramírez",
             "Sánchez", "Torres", "Vázquez")
TRATAMIENTOS = ("", "Dra.", "Dr.", "Mtra.", "Mtro.", "Lic.")
CARGOS = ("Directora general", "Coordinador de proyectos", "Investigadora titular", "Secretario técnico",
          "Jefa de unidad", "Consultor independiente", "Presidenta municipal", "Oficial de programas")
INSTITUCIONES = ("Universidad Nacional", "Secretaría de Economía", "Red de Gobiernos Locales",
                 "Fundación para el Desarrollo", "Banco Regional", "Agencia de Cooperación",
                 "Instituto de Estudios Sociales", "Cámara de Comercio")
LUGARES = (("Ciudad de México", "México"), ("Montevideo", "Uruguay"), ("Madrid", "España"),
           ("Bogotá", "Colombia"), ("Lima", "Perú"), ("Santiago", "Chile"), ("Quito", "Ecuador"),
           ("Buenos Aires", "Argentina"))


def _hora(dia: date, minutos_desde_inicio: int) -> str:
    instante = datetime(dia.year, dia.month, dia.day, HORA_INICIO) + timedelta(minutes=minutos_desde_inicio)
    return instante.strftime("%Y-%m-%d %H:%M")


def programa_sintetico(slug: str = SLUG, sesiones: int = 300, personas: int | None = None) -> dict:
    """El programa como dict listo para `eventos.servicios.programa.importar`.

    Las sesiones se reparten por igual entre los días; dentro de cada día, la sesión j va a la sala
    j % 4 en la franja j // 4 (30 minutos cada una, seguidas desde las 08:00). Con 300 sesiones:
    60 por día, 15 por sala, la última de 15:00 a 15:30. Por omisión hay dos personas por sesión.
    """
    personas = 2 * sesiones if personas is None else personas
    por_dia = -(-sesiones // DIAS)
    lista = []
    for i in range(sesiones):
        dia_n, j = divmod(i, por_dia)
        dia = FECHA_INICIO + timedelta(days=dia_n)
        sala, franja = j % SALAS, j // SALAS
        tipo = TIPOS[franja % len(TIPOS)]
        lista.append({
            "clave": f"d{dia_n + 1}-s{sala + 1}-f{franja + 1:02d}",
            "titulo": f"{tipo.replace('_', ' ').capitalize()} {i + 1}: políticas públicas y desarrollo local, eje {franja % 7 + 1}",
            "tipo": tipo,
            "inicio": _hora(dia, franja * MINUTOS),
            "fin": _hora(dia, (franja + 1) * MINUTOS),
            "sala": f"Sala {sala + 1}",
            "objetivo": f"Analizar experiencias del eje {franja % 7 + 1} y **acordar** recomendaciones.",
            "descripcion": "Intercambio entre gobiernos locales, academia y sociedad civil.\n\n"
                           "- Presentaciones breves\n- Diálogo abierto\n- Conclusiones",
            "participantes": [],
        })

    # Persona k participa en 2 o 3 sesiones (alternando); las participaciones se reparten con un paso
    # primo con el número de sesiones, así una misma persona nunca cae dos veces en la misma sesión.
    paso = next(p for p in (7, 11, 13, 17, 19, 23) if sesiones % p)
    t = 0
    for k in range(personas):
        nombre = f"{NOMBRES[k % len(NOMBRES)]} {APELLIDOS[(k // len(NOMBRES)) % len(APELLIDOS)]} {k + 1:03d}"
        for _ in range(2 + k % 2):
            sesion = lista[(t * paso) % sesiones]
            ciudad, pais = LUGARES[(k + t) % len(LUGARES)]
            sesion["participantes"].append({
                "nombre": nombre,
                "tratamiento": TRATAMIENTOS[k % len(TRATAMIENTOS)],
                "rol": "",  # se decide abajo, según el tipo de sesión y la posición
                "cargo": CARGOS[(k + t) % len(CARGOS)],
                "institucion": INSTITUCIONES[(k * 3 + t) % len(INSTITUCIONES)],
                "ciudad": ciudad,
                "pais": pais,
            })
            t += 1
    for sesion in lista:
        for n, p in enumerate(sesion["participantes"]):
            if sesion["tipo"] == "mesas_de_trabajo" or n == 0:
                p["rol"] = "facilitador"
            elif sesion["tipo"] in ("panel", "conversatorio"):
                p["rol"] = "panelista"
            else:
                p["rol"] = "ponente"

    de_mesas = [s["clave"] for s in lista if s["tipo"] == "mesas_de_trabajo"]
    mesas = [{
        "clave": f"mesa-{m + 1}",
        "nombre": f"Mesa {m + 1}: desarrollo económico local, eje {m + 1}",
        "descripcion": f"Grupo de trabajo sobre el eje {m + 1}.",
        "cupo": 30,
        "sala": f"Sala {m % SALAS + 1}",
        "sesiones": [c for n, c in enumerate(de_mesas) if n % MESAS == m],
    } for m in range(MESAS)]

    guia = {
        "titulo": "Guía de preguntas para todas las mesas",
        "pregunta_rectora": "¿Cómo fortalecer el desarrollo económico local desde los territorios?",
        "bloques": [{
            "titulo": f"Ronda {b + 1}",
            "preguntas": [{"numero": b * 10 + q + 1,
                           "texto": f"Pregunta {b * 10 + q + 1}: ¿qué experiencias concretas puede compartir sobre el tema {q + 1}?"}
                          for q in range(10)],
        } for b in range(2)],
    }

    return {
        "formato": "programa-eventos/1",
        "evento": {
            "slug": slug,
            "titulo": f"Foro sintético de desarrollo local ({sesiones} sesiones)",
            "lema": "Programa grande generado para medir el rendimiento de la agenda",
            "resumen": "Foro **sintético** con muchas sesiones en paralelo.\n\nSirve para medir la página de agenda.",
            "nota_conceptual": "Texto de la nota conceptual con *Markdown*.",
            "objetivos": "1. Medir consultas\n2. Medir tiempos de generación\n3. Medir peticiones por segundo",
            "organizadores": ["Institución A", "Institución B", "Institución C"],
            "modalidad": "hibrida",
            "sede": "Centro de Convenciones",
            "enlace_virtual": "https://example.org/foro-sintetico",
            "zona_horaria": ZONA,
            "zonas_adicionales": list(ZONAS_ADICIONALES),
            "fecha_inicio": FECHA_INICIO,
            "fecha_fin": FECHA_INICIO + timedelta(days=DIAS - 1),
            "estado": "publicado",
        },
        "sesiones": lista,
        "mesas": mesas,
        "guias": [guia],
    }


def crear_foro(slug: str = SLUG, sesiones: int = 300, personas: int | None = None) -> int:
    """Borra el evento `slug` si existía, importa el foro sintético y confirma. Devuelve el id.

    Debe llamarse dentro de un contexto de aplicación (`with app.app_context(): …`).
    """
    from eventos.extensiones import db
    from eventos.modelos import Evento
    from eventos.servicios.programa import importar

    anterior = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
    if anterior is not None:
        db.session.delete(anterior)
        db.session.commit()
    evento = importar(programa_sintetico(slug, sesiones, personas))
    db.session.commit()
    return evento.id


def evento_de_hoy(slug: str, titulo: str):
    """Un evento publicado de una sesión, hoy en su zona (la puerta solo acredita en las fechas del evento),
    en la sesión de base de datos sin confirmar."""
    from eventos.servicios import programa
    from eventos.zonas import hoy_en

    hoy = hoy_en("America/Mexico_City")
    return programa.importar({
        "formato": programa.FORMATO,
        "evento": {"slug": slug, "titulo": titulo, "estado": "publicado", "zona_horaria": "America/Mexico_City",
                   "fecha_inicio": str(hoy), "fecha_fin": str(hoy)},
        "sesiones": [{"clave": "s1", "titulo": "Plenaria", "tipo": "plenaria",
                      "inicio": f"{hoy} 09:00", "fin": f"{hoy} 10:00"}],
    })


def inscribir_confirmadas(evento_id: int, personas: int, dominio: str) -> list[str]:
    """`personas` inscripciones confirmadas del evento, de un golpe (sin el ORM ni correos), en la sesión de base
    de datos sin confirmar. Devuelve el contenido del QR de cada una, como lo lee la puerta."""
    from eventos.extensiones import db
    from eventos.modelos import Inscripcion
    from eventos.modelos.inscripciones import secreto
    from eventos.qr import PREFIJO_CODIGO
    from eventos.zonas import ahora

    momento = ahora()
    codigos = [secreto() for _ in range(personas)]
    db.session.execute(Inscripcion.__table__.insert(), [
        {"evento_id": evento_id, "nombre": f"Persona {n}", "apellidos": "Bench", "correo": f"p{n}@{dominio}",
         "institucion": "Municipio", "cargo": "", "pais": "MX", "ciudad": "", "modalidad": "", "respuestas": {},
         "estado": "confirmada", "clave_gestion": secreto(), "clave_calendario": secreto(),
         "version_calendario": 0, "codigo": codigo, "zona_horaria": "", "idioma": "es",
         "consentimiento_en": momento, "creado_en": momento, "actualizado_en": momento, "confirmada_en": momento}
        for n, codigo in enumerate(codigos)])
    return [PREFIJO_CODIGO + codigo for codigo in codigos]
