"""«Hoy» se cuenta en la zona de la que se trata, a cualquier hora y con cualquier TZ del proceso.

Cada prueba corre en las horas UTC en que el día UTC y el del evento no coinciden (o en el borde) y
con la zona del proceso lejos de la de los eventos (fixture `zona_del_proceso`).
"""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from click.testing import CliRunner
from flask_migrate import upgrade
from sqlalchemy import select

from apoyo import HORAS_DIFICILES, INSTANTE_DEL_RELOJ, configuracion, instante_utc
from app import create_app
from eventos import zonas
from eventos.extensiones import db
from eventos.modelos import Evento

pytestmark = pytest.mark.reloj


@pytest.mark.parametrize("hora", HORAS_DIFICILES)
def test_la_demo_abre_ya_la_inscripcion_de_las_proximas_ediciones(tmp_path, zona_del_proceso, hora):
    """La primera orden del README, a cualquier hora: las próximas ediciones admiten inscripciones ya."""
    aplicacion = create_app(configuracion(tmp_path, f"sqlite:///{tmp_path / 'demo.sqlite3'}"))
    with time_machine.travel(instante_utc(hora), tick=False), aplicacion.app_context():
        upgrade()
        resultado = CliRunner().invoke(aplicacion.cli, ["demo"], catch_exceptions=False)
        assert resultado.exit_code == 0, resultado.output
        siguientes = db.session.execute(select(Evento).where(Evento.edicion_anterior_id.isnot(None))).scalars().all()
        assert len(siguientes) == 3
        cliente = aplicacion.test_client()
        for evento in siguientes:
            assert evento.estado_inscripcion() == "abierta", (evento.slug, evento.inscripcion_apertura)
            pagina = cliente.get(f"/eventos/{evento.slug}/inscripcion").get_data(as_text=True)
            assert 'name="correo"' in pagina, evento.slug
        db.session.remove()
        db.engine.dispose()


def _seccion(html: str, titulo: str) -> str:
    return re.search(rf'<section aria-labelledby="{titulo}">(.*?)</section>', html, re.S).group(1)


@pytest.mark.parametrize("minutos_locales, seccion", [
    (23 * 60 + 30, "proximos"),  # su última tarde: en UTC ya es el día siguiente
    (24 * 60 + 30, "pasados"),   # 00:30 del día siguiente, hora del evento
])
def test_inicio_cuenta_el_ultimo_dia_en_la_zona_del_evento(app, cliente, eventos_prueba, zona_del_proceso,
                                                           minutos_locales, seccion):
    prueba = eventos_prueba(titulo="Foro que termina hoy en Ciudad de México")
    medianoche = zonas.inicio_del_dia(prueba.dia, "America/Mexico_City")
    with time_machine.travel(medianoche + timedelta(minutes=minutos_locales), tick=False):
        html = cliente.get("/").get_data(as_text=True)
    assert prueba.titulo in _seccion(html, seccion)


def test_cada_prueba_empieza_en_el_instante_del_reloj():
    """Con RELOJ_PRUEBAS, cada prueba empieza en el instante difícil (de otro día), no minutos después del
    comienzo de la sesión (así ninguna cruza a mitad de camino la medianoche que el instante pone a prueba)."""
    if INSTANTE_DEL_RELOJ is None:
        pytest.skip("solo con RELOJ_PRUEBAS=HH:MM (las corridas de .ci/run con el reloj movido)")
    transcurrido = datetime.now(timezone.utc) - INSTANTE_DEL_RELOJ
    assert transcurrido.days >= 1 and transcurrido.seconds < 5, transcurrido
