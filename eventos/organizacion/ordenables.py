"""Borrar y reordenar con un botón: las mismas dos vistas para todo lo que la oficina ordena
(mesas, bloques y preguntas de las guías, materiales, personas de una sesión, preguntas del formulario
de inscripción) o solo borra (sesiones, guías)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect

from ..extensiones import db
from ..modelos.mesas import en_orden
from ..permisos import vista_de_evento
from . import bp


@dataclass(frozen=True)
class Ordenable:
    modelo: type
    nombre: str  # «mesa»: endpoints borrar_mesa y mover_mesa
    ruta: str  # «mesas/<int:mesa_id>»
    volver: Callable  # objeto → dirección de la página de la lista (antes de borrarlo)
    auditoria_borrar: object
    auditoria_mover: object = None  # sin él, solo se borra
    coleccion: Callable | None = None  # objeto → la relación (delete-orphan) que lo contiene: borrar es quitarlo de ella
    hermanos: Callable | None = None  # objeto → la lista en orden en la que se mueve (por omisión, la colección)
    despues: Callable | None = None  # objeto → lo que se rehace tras cambiar el orden (p. ej. la numeración)
    aviso_borrado: Callable | None = None  # objeto → mensaje tras borrarlo
    ancla: str = ""  # «mesa»: tras mover, vuelve a #mesa-<id>

    @property
    def parametro(self) -> str:
        return self.ruta.rsplit(":", 1)[-1].rstrip(">")

    def en_orden(self, objeto) -> list:
        return list(self.hermanos(objeto)) if self.hermanos else en_orden(self.coleccion(objeto))


def registrar(o: Ordenable) -> None:
    objeto = (o.modelo, o.parametro)

    @vista_de_evento(objeto, auditoria=o.auditoria_borrar, boton=True)
    def borrar(evento, elemento):
        destino, aviso = o.volver(elemento), o.aviso_borrado(elemento) if o.aviso_borrado else None
        despues = o.despues(elemento) if o.despues else None
        restantes = [h for h in o.en_orden(elemento) if h is not elemento] if o.auditoria_mover else []
        if o.coleccion:
            o.coleccion(elemento).remove(elemento)  # delete-orphan: se borra (con lo que contenga)
        else:
            db.session.delete(elemento)
        for n, hermano in enumerate(restantes):
            hermano.orden = n
        if despues:
            despues()
        db.session.commit()
        if aviso:
            flash(aviso, "info")
        return redirect(destino)

    bp.add_url_rule(f"/eventos/<slug>/{o.ruta}/borrar", f"borrar_{o.nombre}", borrar, methods=["POST"])
    if o.auditoria_mover is None:
        return

    @vista_de_evento(objeto, auditoria=o.auditoria_mover, boton=True)
    def mover(evento, elemento, direccion):
        lista = o.en_orden(elemento)
        i = lista.index(elemento)
        j = i - 1 if direccion == "arriba" else i + 1
        if 0 <= j < len(lista):
            lista[i], lista[j] = lista[j], lista[i]
        for n, hermano in enumerate(lista):
            hermano.orden = n
        if o.despues:
            o.despues(elemento)()
        db.session.commit()
        return redirect(o.volver(elemento) + (f"#{o.ancla}-{elemento.id}" if o.ancla else ""))

    bp.add_url_rule(f"/eventos/<slug>/{o.ruta}/mover/<direccion>", f"mover_{o.nombre}", mover, methods=["POST"])
