"""Quien llama es dueño de la transacción: la vista, la API, un comando de la CLI o el proceso de correo
confirma una vez al final (o deshace si algo falla); los servicios solo escriben con `flush`. Así dos
servicios forman una unidad de trabajo y la autenticación con una clave de API no confirma nada a medias.
"""
from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask_login import current_user
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select

from apoyo import configuracion
from apoyo_inscripciones import unico
from app import create_app
from eventos.config import normalizar_url_bd
from eventos.extensiones import db
from eventos.inscripciones import servicios as inscripciones
from eventos.mesas import servicios as mesas
from eventos.modelos import (Auditoria, CorreoSaliente, Evento, Inscripcion, Mesa, Respuesta, TokenApi, Usuario,
                             VersionRespuesta)

PAQUETE = Path(__file__).resolve().parent.parent / "eventos"

# Los únicos módulos que confirman o deshacen la transacción: las vistas (HTML y API), los comandos de la
# CLI y la entrega de correo (correo.py: el proceso de correo y el cartero de cada proceso web, un hilo con
# su propia sesión). Un servicio nuevo que confirme hace fallar la guarda de abajo.
DUENOS_DE_LA_TRANSACCION = {
    "cli.py",
    "correo.py",
    "errores.py",  # el 503 cuando la base de datos no responde deshace la transacción rota de la petición
    "acreditacion/rutas.py",
    "api/acreditacion.py",
    "api/respuestas.py",
    "api/rutas.py",
    "calendario/exportaciones.py",
    "calendario/rutas.py",
    "constancias/rutas.py",
    "cuentas/claves.py",
    "cuentas/rutas.py",
    "encuestas/rutas.py",
    "inscripciones/rutas.py",
    "mesas/rutas.py",
    "mesas/tablero.py",
    "organizacion/asistencia.py",
    "organizacion/comunicaciones.py",
    "organizacion/credenciales.py",
    "organizacion/inscripciones_en_bloque.py",
    "organizacion/encuesta.py",
    "organizacion/equipo.py",
    "organizacion/eventos.py",
    "organizacion/guias.py",
    "organizacion/inscripciones.py",
    "organizacion/materiales.py",
    "organizacion/mesas.py",
    "organizacion/ordenables.py",
    "organizacion/sesiones.py",
    "organizacion/sintesis.py",
    "publico/rutas.py",
}
NO_SON_VISTAS = {"cli.py", "correo.py", "errores.py"}


def _nombre(nodo) -> str:
    """`db.session.commit` → "db.session.commit" (lo que no sea una cadena de nombres queda como «?»)."""
    if isinstance(nodo, ast.Attribute):
        return f"{_nombre(nodo.value)}.{nodo.attr}"
    return nodo.id if isinstance(nodo, ast.Name) else "?"


def _cierres_de_transaccion(ruta: Path) -> list[int]:
    """Líneas con `<algo>.session.commit()` o `<algo>.session.rollback()`."""
    arbol = ast.parse(ruta.read_text(encoding="utf-8"), filename=str(ruta))
    return [nodo.lineno for nodo in ast.walk(arbol)
            if isinstance(nodo, ast.Call) and isinstance(nodo.func, ast.Attribute)
            and nodo.func.attr in ("commit", "rollback") and _nombre(nodo.func.value).split(".")[-1] == "session"]


def test_solo_vistas_cli_y_correo_confirman_o_deshacen():
    infractores = []
    for ruta in sorted(PAQUETE.rglob("*.py")):
        relativa = ruta.relative_to(PAQUETE).as_posix()
        if relativa not in DUENOS_DE_LA_TRANSACCION:
            infractores += [f"eventos/{relativa}:{linea}" for linea in _cierres_de_transaccion(ruta)]
    assert not infractores, ("Un servicio (o modelo) confirma o deshace la transacción de quien lo llama; "
                             f"debe limitarse a flush: {infractores}")


def test_la_lista_de_duenos_solo_tiene_vistas_existentes():
    """La lista no se pudre: cada módulo existe y, salvo la CLI y el correo, declara rutas."""
    for relativa in DUENOS_DE_LA_TRANSACCION:
        ruta = PAQUETE / relativa
        assert ruta.is_file(), relativa
        if relativa not in NO_SON_VISTAS:
            texto = ruta.read_text(encoding="utf-8")
            assert "@bp." in texto or "bp.add_url_rule(" in texto, f"{relativa} no es un módulo de vistas"


def test_la_guarda_encuentra_un_commit(tmp_path):
    servicio = tmp_path / "servicio.py"
    servicio.write_text("def hacer():\n    db.session.add(x)\n    db.session.commit()\n    sesion.flush()\n")
    assert _cierres_de_transaccion(servicio) == [3]


# --- Unidad de trabajo -----------------------------------------------------------------------------

def _contar(modelo, *condiciones) -> int:
    return db.session.scalar(select(func.count()).select_from(modelo).where(*condiciones))


def test_dos_servicios_y_un_fallo_no_dejan_nada(app, eventos_prueba):
    """Inscribir y después promover (que falla: ya está confirmada): quien llama deshace y no queda ni la
    inscripción ni su correo ni el registro de auditoría que añadió antes."""
    evento = eventos_prueba(cupo=5)
    correo = unico("unidad")
    with app.test_request_context():
        db.session.add(Auditoria(evento_id=evento.id, accion=f"prueba {correo}", cambios=[]))
        inscripcion, nueva = inscripciones.inscribir(evento.id, {"correo": correo, "nombre": "Una", "apellidos": "Vez"},
                                                     por_organizacion=True)
        assert nueva and inscripcion.estado == "confirmada"
        with pytest.raises(inscripciones.InscripcionNoPosible):
            inscripciones.promover(inscripcion.id)
        db.session.rollback()
    with app.app_context():
        assert _contar(Inscripcion, Inscripcion.correo == correo) == 0
        assert _contar(CorreoSaliente, CorreoSaliente.destinatario == correo) == 0
        assert _contar(Auditoria, Auditoria.accion == f"prueba {correo}") == 0


def test_dos_servicios_confirmados_juntos(app, eventos_prueba):
    """La misma pareja sin fallo: un solo commit de quien llama guarda la inscripción y la baja."""
    evento = eventos_prueba(cupo=5)
    correo = unico("unidad")
    with app.test_request_context():
        inscripcion, _ = inscripciones.inscribir(evento.id, {"correo": correo, "nombre": "Una", "apellidos": "Vez"},
                                                 por_organizacion=True)
        inscripciones.cancelar(inscripcion.id)
        db.session.commit()
    with app.app_context():
        assert db.session.execute(select(Inscripcion.estado).where(Inscripcion.correo == correo)).scalar_one() \
            == "cancelada"


def test_un_savepoint_no_confirma_lo_de_quien_llama(app, evento_con_equipo):
    """`guardar` usa un SAVEPOINT para su INSERT; en SQLite, liberarlo no debe confirmar la transacción (que
    pysqlite aún no había abierto): quien llama deshace y no queda ni la respuesta ni lo que escribió antes."""
    marca = uuid.uuid4().hex[:8]
    with app.app_context():
        mesa = db.session.get(Mesa, evento_con_equipo["mesa_id"])
        pregunta = next(p for guia in mesa.evento.guias_de_mesa(mesa) for b in guia.bloques for p in b.preguntas)
        autora = db.session.execute(select(Usuario).where(
            Usuario.correo == evento_con_equipo["correos"]["moderador"])).scalar_one()
        guardada = mesas.guardar(mesa.id, pregunta.id, mesas.validar(f"Borrador {marca}", [], None), 0, autora)
        assert guardada.version == 1
        db.session.add(Auditoria(evento_id=mesa.evento_id, accion=f"prueba {marca}", cambios=[]))
        db.session.flush()
        db.session.rollback()
        assert _contar(Respuesta, Respuesta.mesa_id == mesa.id, Respuesta.pregunta_id == pregunta.id) == 0
        assert _contar(VersionRespuesta, VersionRespuesta.texto == f"Borrador {marca}") == 0
        assert _contar(Auditoria, Auditoria.accion == f"prueba {marca}") == 0


# --- Clave de API --------------------------------------------------------------------------------

@pytest.fixture()
def clave_acreditador(app, evento_con_equipo):
    with app.app_context():
        acreditador = db.session.execute(select(Usuario).where(
            Usuario.correo == evento_con_equipo["correos"]["acreditador"])).scalar_one()
        registro, clave = TokenApi.crear(acreditador, "Teléfono de la puerta")
        db.session.commit()
        return registro.id, clave


def test_autenticarse_con_clave_a_mitad_de_peticion_no_confirma_nada(app, evento_con_equipo, clave_acreditador):
    """La clave nunca usada (toca anotar su uso) se lee cuando la petición ya tiene un cambio sin confirmar:
    autenticarse no lo confirma ni lo pierde, y si la petición deshace, no queda nada."""
    clave_id, clave = clave_acreditador
    ruta = f"/api/v1/eventos/{evento_con_equipo['slug']}/acreditacion/sin-conexion"
    with app.test_request_context(ruta, headers={"Authorization": f"Bearer {clave}"}):
        evento = db.session.execute(select(Evento).where(Evento.slug == evento_con_equipo["slug"])).scalar_one()
        titulo = evento.titulo
        evento.titulo = "Cambio a medias de la petición"
        assert current_user.is_authenticated  # aquí se autentica, con el cambio pendiente
        assert current_user.id == db.session.execute(select(Usuario.id).where(
            Usuario.correo == evento_con_equipo["correos"]["acreditador"])).scalar_one()
        assert evento.titulo == "Cambio a medias de la petición"
        db.session.flush()
        assert db.session.get(TokenApi, clave_id).usado_en is None  # se anota al cerrar la respuesta
        db.session.rollback()
    with app.app_context():
        assert db.session.execute(select(Evento.titulo).where(Evento.slug == evento_con_equipo["slug"])).scalar_one() \
            == titulo


def test_el_uso_de_la_clave_se_anota_al_terminar_la_peticion(app, evento_con_equipo, clave_acreditador):
    clave_id, clave = clave_acreditador
    ruta = f"/api/v1/eventos/{evento_con_equipo['slug']}/acreditacion/sin-conexion"
    respuesta = app.test_client().get(ruta, headers={"Authorization": f"Bearer {clave}"})
    assert respuesta.status_code == 200
    respuesta.close()  # el servidor cierra la respuesta al enviarla; aquí, a mano
    with app.app_context():
        usado_en = db.session.get(TokenApi, clave_id).usado_en
        assert usado_en is not None
    # Otra petición en el mismo minuto no vuelve a escribir.
    segunda = app.test_client().get(ruta, headers={"Authorization": f"Bearer {clave}"})
    segunda.close()
    with app.app_context():
        assert db.session.get(TokenApi, clave_id).usado_en == usado_en


# --- Demostración: la carga la confirma el comando ------------------------------------------------

def test_cargar_la_demo_deja_el_commit_al_comando(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    aplicacion = create_app(configuracion(tmp_path, url))
    with aplicacion.app_context():
        upgrade()
        from eventos.demo import cargar
        assert cargar()
        db.session.rollback()
        assert _contar(Evento) == 0
        resultado = CliRunner().invoke(aplicacion.cli, ["demo"], catch_exceptions=False)
        assert resultado.exit_code == 0, resultado.output
        db.session.remove()
        db.engine.dispose()
    motor = create_engine(normalizar_url_bd(url))
    try:
        with motor.connect() as conexion:
            assert conexion.execute(select(func.count()).select_from(Evento)).scalar_one() == 6
    finally:
        motor.dispose()
