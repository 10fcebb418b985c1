"""Utilidades compartidas por las pruebas (bases de datos de prueba y configuración)."""
from __future__ import annotations

import os
from datetime import datetime, time, timezone

from sqlalchemy import create_engine, text

from eventos.config import normalizar_url_bd

URL_PRUEBAS = os.environ.get("TEST_DATABASE_URL")

# Horas UTC en las que el día UTC y el del evento (América) no coinciden, o justo en el borde.
HORAS_DIFICILES = ("00:30", "02:30", "05:59", "06:00", "23:30")
# Zonas del proceso lejos de las de los eventos: nada debe depender de la zona del servidor.
ZONAS_DEL_PROCESO = ("Asia/Tokyo", "America/Los_Angeles")
# Con RELOJ_PRUEBAS=HH:MM (las corridas de .ci/run con el reloj movido): esa hora UTC de hoy.
_HORA_DEL_RELOJ = os.environ.get("RELOJ_PRUEBAS")
INSTANTE_DEL_RELOJ = (datetime.combine(datetime.now(timezone.utc).date(), time.fromisoformat(_HORA_DEL_RELOJ),
                                       tzinfo=timezone.utc) if _HORA_DEL_RELOJ else None)


def redis_de_pruebas(base: int) -> str:
    """La base de Redis (0–15) de las pruebas que la usan. .ci/run corre dos baterías a la vez (SQLite y
    PostgreSQL): la segunda suma REDIS_PRUEBAS_DESPLAZAMIENTO para que ninguna vacíe ni lea lo de la otra."""
    return f"redis://127.0.0.1:6379/{base + int(os.environ.get('REDIS_PRUEBAS_DESPLAZAMIENTO', '0'))}"


def es_postgresql(url: str) -> bool:
    return url.startswith("postgres")


def vaciar_bd(url: str) -> None:
    """Deja la base de datos de pruebas vacía (en SQLite basta con un archivo nuevo)."""
    if es_postgresql(url):
        motor = create_engine(normalizar_url_bd(url))
        with motor.begin() as conexion:
            conexion.execute(text("DROP SCHEMA public CASCADE"))
            conexion.execute(text("CREATE SCHEMA public"))
        motor.dispose()


def configuracion(tmp, url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "clave-de-pruebas",
        "URL_PUBLICA": "http://localhost",  # el host del cliente de pruebas de Flask
        "SQLALCHEMY_DATABASE_URI": normalizar_url_bd(url),
        "MATERIALES_CARPETA": str(tmp / "materiales"),
        "MAIL_CARPETA": str(tmp / "correo"),
        "REDIS_URL": None,  # caché en la memoria de cada aplicación de prueba
        "LIMITE_INGRESO": "10000 per minute",  # las pruebas entran muchas veces desde 127.0.0.1
        "ARGON2_PERFIL": "pruebas",
        "LIMITE_INSCRIPCION": "10000 per minute",
    }


CLAVE = "clave-de-prueba-123"


def estatico(nombre: str) -> str:
    """La dirección con la que las páginas enlazan un estático: con la huella de su contenido (eventos/estaticos.py)."""
    from eventos import RAIZ
    from eventos.estaticos import con_huella
    return "/estaticos/" + con_huella(str(RAIZ / "estaticos"), nombre)


def crear_usuario(correo: str, nombre: str | None = None, admin: bool = False):
    """Crea (o devuelve) una cuenta de prueba; hay que estar dentro de un contexto de la aplicación."""
    from eventos.cuentas.servicios import buscar_por_correo, crear_usuario as crear
    return buscar_por_correo(correo) or crear(correo, nombre or correo.split("@")[0], CLAVE, es_admin=admin)


def token_csrf(cliente) -> str:
    """El token CSRF de la sesión del cliente, leído de una página no guardada en caché."""
    import re
    for ruta in ("/organizacion/", "/cuentas/entrar"):
        respuesta = cliente.get(ruta)
        encontrado = re.search(r'<meta name="csrf-token" content="([^"]+)"', respuesta.get_data(as_text=True))
        if respuesta.status_code == 200 and encontrado:
            return encontrado.group(1)
    raise AssertionError("no se encontró el token CSRF")


def enviar(cliente, ruta: str, datos: dict | None = None, **opciones):
    """POST con el token CSRF de la sesión, como lo haría el formulario."""
    return cliente.post(ruta, data={**(datos or {}), "csrf_token": token_csrf(cliente)}, **opciones)


def entrar(cliente, correo: str, clave: str = CLAVE):
    respuesta = enviar(cliente, "/cuentas/entrar", {"correo": correo, "clave": clave})
    assert respuesta.status_code == 302, respuesta.get_data(as_text=True)[-500:]
    return respuesta


def cliente_con_sesion(app, correo: str):
    """Un cliente de pruebas con la sesión de esa cuenta iniciada."""
    cliente = app.test_client()
    entrar(cliente, correo)
    return cliente


def borrar_usuarios(app, correos) -> None:
    """Borra las cuentas de prueba con esos correos (al final de un fixture)."""
    from sqlalchemy import delete
    from eventos.extensiones import db
    from eventos.modelos import Usuario
    with app.app_context():
        db.session.execute(delete(Usuario).where(Usuario.correo.in_(list(correos))))
        db.session.commit()


def instante_utc(hora: str, dia=None):
    """Hoy (o `dia`) a esa hora UTC, como datetime con zona."""
    from datetime import datetime, time, timezone
    return datetime.combine(dia or datetime.now(timezone.utc).date(), time.fromisoformat(hora), tzinfo=timezone.utc)



def campos_del_formulario(html: str, accion: str | None = None) -> list[tuple[str, str]]:
    """Los valores que el navegador enviaría con el formulario (el de `accion`, o el primero con campos
    además del token), tal como la página los muestra."""
    import lxml.html
    for formulario in lxml.html.fromstring(html).forms:
        valores = formulario.form_values()
        if (accion is None or formulario.action == accion) and any(n != "csrf_token" for n, _ in valores):
            return valores
    raise AssertionError(f"no hay formulario con campos{' para ' + accion if accion else ''}")


def insertar_evento_antiguo(conexion) -> int:
    """Un evento publicado escrito con SQL (solo las columnas de las primeras migraciones); devuelve su id."""
    from sqlalchemy import text
    conexion.execute(text(
        "INSERT INTO evento (slug, titulo, lema, resumen, nota_conceptual, objetivos, resultados_esperados, "
        "formato_y_metodologia, organizadores, modalidad, sede, enlace_virtual, zona_horaria, zonas_adicionales, "
        "fecha_inicio, fecha_fin, fechas_ilustrativas, nota_fechas, estado, version_programa, creado_en, actualizado_en) "
        "VALUES ('antiguo', 'Evento antiguo', '', '', '', '', '', '', '[]', 'presencial', '', '', 'America/Mexico_City', "
        "'[]', '2021-06-11', '2021-06-11', false, '', 'publicado', 1, '2021-01-01 00:00:00', '2021-01-01 00:00:00')"))
    return conexion.execute(text("SELECT id FROM evento WHERE slug = 'antiguo'")).scalar_one()
