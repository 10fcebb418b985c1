"""Comandos de `flask --app app …`."""
import json
import os
import shutil
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from .extensiones import db


def registrar_comandos(app):
    @app.cli.command("demo")
    def demo():
        """Carga los tres eventos de demostración y su próxima edición (idempotente)."""
        from .demo import cargar
        informe = cargar()
        db.session.commit()
        for linea in informe:
            click.echo(linea)

    app.cli.add_command(usuarios)
    app.cli.add_command(programa)
    app.cli.add_command(correo)
    app.cli.add_command(materiales)
    app.cli.add_command(datos)


usuarios = AppGroup("usuarios", help="Cuentas de la oficina de organización.")


@usuarios.command("crear")
@click.option("--correo", required=True, help="Correo con el que entra.")
@click.option("--nombre", required=True, help="Nombre que se muestra.")
@click.option("--admin", is_flag=True, help="Administración del sitio: crea eventos y reparte roles.")
def crear_usuario(correo, nombre, admin):
    """Crea una cuenta. La contraseña se pregunta, o se lee de EVENTOS_PASSWORD."""
    from .cuentas.servicios import DatosInvalidos, crear_usuario as crear

    clave = os.environ.get("EVENTOS_PASSWORD") or click.prompt("Contraseña", hide_input=True, confirmation_prompt=True)
    try:
        usuario = crear(correo, nombre, clave, es_admin=admin)
        db.session.commit()
    except DatosInvalidos as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Cuenta creada: {usuario.correo}{' (administración)' if usuario.es_admin else ''}")


programa = AppGroup("programa", help="Importar y exportar el programa completo de un evento.")


@programa.command("exportar")
@click.argument("slug")
@click.option("--formato", type=click.Choice(["yaml", "json"]), default="yaml")
@click.option("--carpeta", type=click.Path(file_okay=False), help="Escribe programa.<formato> y los archivos de materiales en esta carpeta.")
def exportar(slug, formato, carpeta):
    """Escribe el programa de SLUG (a la salida estándar, o en --carpeta con sus materiales)."""
    import yaml

    from .modelos import Evento
    from .servicios import materiales as almacen
    from .servicios.programa import exportar as exportar_programa

    evento = Evento.con_programa(slug, solo_publicados=False)
    if evento is None:
        raise click.ClickException(f"No hay ningún evento «{slug}».")
    datos = exportar_programa(evento)
    if carpeta:
        destino = Path(carpeta)
        (destino / "materiales").mkdir(parents=True, exist_ok=True)
        for material in _materiales(datos):
            if "archivo" in material:
                nombre = f"{material['archivo'][:12]}-{Path(material.get('nombre_archivo') or material['archivo']).name}"
                try:
                    origen = almacen.abrir(material["archivo"])
                except FileNotFoundError:
                    raise click.ClickException(f"Falta el archivo del material «{material['titulo']}».") from None
                with origen, open(destino / "materiales" / nombre, "wb") as copia:
                    shutil.copyfileobj(origen, copia, almacen.TROZO)
                material["archivo"] = f"materiales/{nombre}"
    texto = (json.dumps(datos, ensure_ascii=False, indent=2, default=str) if formato == "json"
             else yaml.safe_dump(datos, allow_unicode=True, sort_keys=False, width=100))
    if carpeta:
        (Path(carpeta) / f"programa.{formato}").write_text(texto, encoding="utf-8")
        click.echo(f"Escrito {Path(carpeta) / f'programa.{formato}'}", err=True)
    else:
        sys.stdout.write(texto)


def _materiales(datos):
    yield from datos["evento"].get("materiales", [])
    pendientes = list(datos["sesiones"])
    while pendientes:
        sesion = pendientes.pop()
        yield from sesion.get("materiales", [])
        pendientes.extend(sesion.get("sesiones", []))


@programa.command("importar")
@click.argument("archivo", type=click.Path(exists=True, dir_okay=False))
@click.option("--slug", help="Identificador nuevo (para importar una copia).")
def importar(archivo, slug):
    """Crea un evento desde un archivo YAML o JSON. Si tiene errores, los lista todos y no cambia nada."""
    import yaml

    from .servicios.programa import ProgramaInvalido, importar as importar_programa

    ruta = Path(archivo)
    texto = ruta.read_text(encoding="utf-8")
    try:
        datos = json.loads(texto) if ruta.suffix.lower() == ".json" else yaml.safe_load(texto)
    except (ValueError, yaml.YAMLError) as error:
        raise click.ClickException(f"No se pudo leer {archivo}: {error}") from None
    try:
        evento = importar_programa(datos, base=ruta.parent, slug=slug)
        db.session.commit()
    except ProgramaInvalido as error:
        db.session.rollback()
        for problema in error.problemas:
            click.echo(f"  {problema}", err=True)
        raise click.ClickException(f"{len(error.problemas)} problemas; no se importó nada.") from None
    click.echo(f"Importado «{evento.slug}»: {len(evento.sesiones)} sesiones, {len(evento.mesas)} mesas.")


correo = AppGroup("correo", help="Bandeja de salida de correo.")


@correo.command("enviar")
@click.option("--continuo", is_flag=True, help="No termina: revisa la bandeja cada --cada segundos (proceso de correo aparte).")
@click.option("--cada", default=2.0, show_default=True, help="Segundos entre revisiones con --continuo.")
def enviar_correo(continuo, cada):
    """Anota los recordatorios que ya tocan y compone y entrega los correos pendientes o fallidos cuyo
    reintento ya toca."""
    import time

    from sqlalchemy.exc import DBAPIError

    from .correo import programar_y_entregar
    while True:
        try:
            enviados, fallidos = programar_y_entregar(limite=500)
        except DBAPIError as error:
            if not continuo:
                raise
            # El proceso de correo sigue vivo mientras la base de datos se reinicia o la red falla.
            db.session.rollback()
            click.echo(f"La base de datos no responde ({type(error.orig).__name__}); se reintenta en {cada} s",
                       err=True)
            time.sleep(cada)
            continue
        if enviados or fallidos or not continuo:
            click.echo(f"Enviados: {enviados}; fallidos: {fallidos}")
        if not continuo:
            sys.exit(1 if fallidos else 0)
        if not (enviados or fallidos):  # nada que hacer (o todo lo tomó otro proceso): se espera a la próxima revisión
            time.sleep(cada)


materiales = AppGroup("materiales", help="Archivos de los materiales (ALMACEN_MATERIALES).")


@materiales.command("mover")
@click.option("--desde", type=click.Choice(["carpeta", "bd", "s3"]), default="carpeta", show_default=True,
              help="Almacén del que se copian los archivos.")
def mover_materiales(desde):
    """Copia al almacén configurado los archivos del almacén --desde que aún no tenga (se puede repetir). El
    origen queda igual: la carpeta de un nodo se puede borrar cuando ningún proceso la usa ya."""
    from flask import current_app

    from .servicios import materiales as almacen

    destino = current_app.config["ALMACEN_MATERIALES"]
    if desde == destino:
        raise click.ClickException(f"Los materiales ya se guardan en «{destino}» (ALMACEN_MATERIALES): "
                                   "elija otro origen con --desde.")
    try:
        origen = almacen.crear(desde)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    copiados = ya_estaban = 0
    for _nombre, copiado in almacen.mover(origen, almacen.actual()):
        db.session.commit()  # archivo a archivo: lo ya copiado no se pierde si algo falla después
        copiados += copiado
        ya_estaban += not copiado
    click.echo(f"Copiados a «{destino}»: {copiados}; ya estaban: {ya_estaban}.")


datos = AppGroup("datos", help="Datos personales de las inscripciones.")


@datos.command("borrar-vencidos")
def borrar_vencidos():
    """Anonimiza las inscripciones de los eventos cuya retención venció (lo hace también el proceso de correo, una
    vez por hora). Se puede repetir: lo ya anonimizado no se toca."""
    from .datos_personales.servicios import anonimizar_vencidas

    total = 0
    while True:
        hechas = anonimizar_vencidas()
        db.session.commit()  # por tandas: lo hecho queda aunque algo falle después
        total += hechas
        if not hechas:
            break
    click.echo(f"Inscripciones anonimizadas: {total}.")
