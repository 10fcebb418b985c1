"""Comandos de `flask --app app …`."""
import click


def registrar_comandos(app):
    @app.cli.command("demo")
    def demo():
        """Carga los tres eventos de demostración y su próxima edición (idempotente)."""
        from .demo import cargar
        for linea in cargar():
            click.echo(linea)
