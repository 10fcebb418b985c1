"""Los eventos de demostración reproducen fielmente sus documentos semilla (tests/semillas/)."""
import pytest
import re
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from eventos import zonas
from eventos.demo import SLUGS, cargar, fecha_proxima_edicion
from eventos.extensiones import db
from eventos.modelos import Evento, Participacion, Sesion

pytestmark = pytest.mark.reloj  # depende de la hora: .ci/run la repite en instantes difíciles

SEMILLAS = Path(__file__).parent / "semillas"


def normalizar(texto: str) -> str:
    """Junta líneas cortadas y guiones de partición del PDF, como hizo la transcripción."""
    texto = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", texto)
    return re.sub(r"\s+", " ", texto).strip()


def semilla(slug: str) -> str:
    return normalizar((SEMILLAS / f"{slug}.txt").read_text(encoding="utf-8"))


def hora_local(evento, instante) -> str:
    return zonas.hora_local_texto(instante, evento.zona_horaria)


def test_demo_es_idempotente(contexto):
    contar = lambda modelo: db.session.scalar(select(func.count()).select_from(modelo))
    antes = (contar(Evento), contar(Sesion), contar(Participacion))
    versiones = dict(db.session.execute(select(Evento.slug, Evento.version_programa)).all())
    informe = cargar()
    assert all(linea.startswith("ya existía") for linea in informe)
    assert (contar(Evento), contar(Sesion), contar(Participacion)) == antes
    assert dict(db.session.execute(select(Evento.slug, Evento.version_programa)).all()) == versiones


def test_mercociudades_agenda_personas_y_horas(contexto):
    evento = Evento.con_programa("gobiernos-locales-en-accion")
    assert evento.modalidad == "virtual"
    assert evento.zona_horaria == "America/Mexico_City" and evento.zonas_adicionales == ["America/Montevideo"]
    raices = [(s.tipo, hora_local(evento, s.inicio)[-5:], s.duracion_minutos) for s in evento.sesiones_raiz]
    # Inauguración 15 min, Panel 1 35 min, Panel 2 30 min, Cierre 10 min: 1:30 h en total.
    assert raices == [("inauguracion", "11:00", 15), ("panel", "11:15", 35), ("panel", "11:50", 30), ("cierre", "12:20", 10)]
    assert zonas.a_local(evento.sesiones_raiz[0].inicio, "America/Montevideo").strftime("%H:%M") == "13:00"
    assert zonas.a_local(evento.sesiones_raiz[-1].fin, "America/Montevideo").strftime("%H:%M") == "14:30"
    panel1, panel2 = evento.sesiones_raiz[1:3]
    assert [h.tipo for h in panel1.hijas] == ["preguntas_y_respuestas"] and [h.tipo for h in panel2.hijas] == ["preguntas_y_respuestas"]
    assert [(p.persona.nombre, p.rol) for p in panel1.participaciones][:2] == [
        ("Manuel Martínez Justo", "facilitador"), ("María Dolores Hernández Montoya", "panelista")]
    assert len([p for p in panel1.participaciones if p.rol == "panelista"]) == 6
    assert len([p for p in panel2.participaciones if p.rol == "panelista"]) == 4
    sondermann = next(p for p in panel1.participaciones if p.persona.nombre == "Ricardo Sondermann")
    assert (sondermann.cargo, sondermann.institucion, sondermann.ciudad, sondermann.pais) == (
        "Secretario de Relaciones Internacionales", "Prefeitura de Porto Alegre", "Porto Alegre", "Brasil")
    texto = semilla("gobiernos-locales-en-accion")
    for sesion in evento.sesiones:
        for p in sesion.participaciones:
            assert p.persona.nombre in texto
            for campo in (p.cargo, p.institucion, p.ciudad):
                for parte in campo.split("; "):
                    assert parte in texto, parte
    assert zonas.hora_local_texto(evento.inscripcion_cierre, evento.zona_horaria) == "2021-06-09 00:00"
    assert len(evento.personas) == 16


def test_gsef_subtema_5_con_pregunta_rectora_y_dos_rondas(contexto):
    evento = Evento.con_programa("gsef2021")
    assert (evento.fecha_inicio, evento.fecha_fin) == (date(2021, 10, 4), date(2021, 10, 8))
    sesion = next(s for s in evento.sesiones if s.clave == "subtema-5")
    assert sesion.titulo == "Subtema 5. Desarrollar alianzas locales e internacionales"
    # 09:00 hora central de México, todavía con horario de verano (UTC−5) en octubre de 2021.
    assert sesion.inicio == zonas.a_utc(__import__("datetime").datetime(2021, 10, 8, 9), "America/Mexico_City")
    assert sesion.inicio.hour == 14
    guia, = evento.guias
    assert guia.sesion_id == sesion.id
    texto = semilla("gsef2021")
    assert normalizar(guia.pregunta_rectora) in texto
    assert [b.titulo for b in guia.bloques] == ["Ronda 1", "Ronda 2"]
    assert [[p.numero for p in b.preguntas] for b in guia.bloques] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    for pregunta in guia.preguntas:
        assert f"{pregunta.numero}. {normalizar(pregunta.texto)}" in texto


def test_jornadas_cinco_mesas_y_guia_comun(contexto):
    evento = Evento.con_programa("jornadas-mexico-ue")
    assert evento.fechas_ilustrativas and "ilustrativ" in evento.nota_fechas
    assert [m.nombre for m in evento.mesas] == [
        "Territorios y coordinación multinivel", "Brechas de género", "Juventud",
        "Buen gobierno y Participación ciudadana", "Enfoque basado en derechos humanos"]
    plenarias = [s for s in evento.sesiones if s.tipo == "plenaria"]
    grupos = [s for s in evento.sesiones if s.tipo == "mesas_de_trabajo"]
    assert len(plenarias) == 3 and all(s.dia_local == evento.fecha_inicio for s in plenarias)
    # Día y medio: los grupos se reúnen por la tarde y a la mañana siguiente.
    assert [(s.dia_local - evento.fecha_inicio).days for s in grupos] == [0, 1]
    assert all(m.sesiones == grupos for m in evento.mesas)
    guia, = evento.guias
    assert guia.sesion_id is None and not guia.pregunta_rectora
    assert [b.titulo for b in guia.bloques] == ["Modernización de los mecanismos de cooperación",
                                                 "Políticas públicas/cohesión social"]
    assert [len(b.preguntas) for b in guia.bloques] == [8, 3]
    texto = semilla("jornadas-mexico-ue")
    for pregunta in guia.preguntas:
        assert normalizar(pregunta.texto) in texto, pregunta.texto
    assert all(evento.guias_de_mesa(m) == [guia] for m in evento.mesas)


def test_materiales_de_las_otras_semillas(contexto):
    jornadas = Evento.con_programa("jornadas-mexico-ue")
    seminario = Evento.con_programa("gobiernos-locales-en-accion")
    plenaria3 = next(s for s in jornadas.sesiones if s.clave == "plenaria-3")
    panel2 = next(s for s in seminario.sesiones if s.clave == "panel-2")
    assert [m.titulo for m in plenaria3.materiales] == ["Cooperación laboral en las Américas"]
    assert [m.titulo for m in panel2.materiales] == ["Evaluación de efecto de la Cooperación Sur-Sur en el PNUD-México"]
    assert panel2.materiales[0].tamano > 100_000


def test_proxima_edicion_mismas_horas_locales_en_fechas_futuras(contexto):
    for slug in SLUGS:
        original = Evento.con_programa(slug)
        siguiente = db.session.execute(select(Evento).where(Evento.edicion_anterior_id == original.id)).scalar_one()
        siguiente = Evento.con_programa(siguiente.slug)
        assert siguiente.fecha_inicio > zonas.hoy_en(siguiente.zona_horaria)
        assert siguiente.fecha_inicio.weekday() == original.fecha_inicio.weekday()
        assert [hora_local(siguiente, s.inicio)[-5:] for s in siguiente.sesiones] == \
               [hora_local(original, s.inicio)[-5:] for s in original.sesiones]
        assert siguiente.inscripcion_apertura <= zonas.ahora() < siguiente.inscripcion_cierre
        assert len(siguiente.guias) == len(original.guias) and len(siguiente.mesas) == len(original.mesas)


def test_fecha_proxima_edicion():
    assert fecha_proxima_edicion(date(2021, 6, 11), date(2026, 11, 21)) == date(2027, 6, 4)
    assert fecha_proxima_edicion(date(2021, 6, 11), date(2026, 11, 21)).weekday() == date(2021, 6, 11).weekday()
