"""Instantánea de solo lectura del programa de un evento, una por versión.

Las páginas públicas, los calendarios, las exportaciones y la API leen el programa de aquí: objetos
simples (sin estado del ORM) que se construyen con una función de consultas fijas (`construir`) cada vez
que cambia la versión del programa, y se recuerdan en la memoria del proceso (`cache.memoria`).
Las reglas que leen los datos (estado de la inscripción, día local, duración…) son las mismas del
modelo: las clases de aquí heredan sus mixins.
"""
from __future__ import annotations

import sys
from itertools import groupby

from sqlalchemy import select

from .cache import memoria
from .extensiones import db
from .modelos import (Bloque, Evento, Guia, Material, Mesa, Participacion, Persona, Pregunta, Sesion,
                      SesionRetirada)
from .modelos.evento import ReglasEvento
from .modelos.mesas import mesa_sesion
from .modelos.programa import Participante, ReglasMaterial, ReglasSesion


class _Vista:
    """Objeto de la instantánea: atributos fijados al construirlo; después no cambia."""

    def __init__(self, **campos):
        self.__dict__.update(campos)

    def __setattr__(self, nombre, valor):
        raise AttributeError(f"La instantánea del programa es de solo lectura ({nombre})")


class EventoVista(ReglasEvento, _Vista):
    pass


class SesionVista(ReglasSesion, _Vista):
    pass


class MaterialVista(ReglasMaterial, _Vista):
    pass


class MesaVista(_Vista):
    pass


class GuiaVista(_Vista):
    pass


class BloqueVista(_Vista):
    pass


class PreguntaVista(_Vista):
    pass


class RetiradaVista(_Vista):
    pass


_VERSION = select(Evento.id, Evento.version_programa, Evento.actualizado_en)


def programa_por_id(evento_id: int) -> EventoVista:
    """La instantánea vigente de un evento, publicado o no (inscripciones, correos). Las páginas públicas
    ya tienen la versión (`Evento.version_publicada`) y llaman a `de_version`."""
    return de_version(tuple(db.session.execute(_VERSION.where(Evento.id == evento_id)).one()))


def programa_de(evento: Evento) -> EventoVista:
    """La instantánea vigente de un evento ya cargado (los correos, que lo leen con la inscripción): sin otra
    consulta para saber su versión."""
    return de_version((evento.id, evento.version_programa, evento.actualizado_en))


def de_version(version: tuple) -> EventoVista:
    """La instantánea de (id, version_programa, actualizado_en), construida si el proceso no la tiene."""
    return memoria().recordar(("programa", *version), lambda: construir(version[0]),
                              medir=lambda evento: evento.tamano)


def construir(evento_id: int) -> EventoVista:
    """Todo el programa del evento en ocho consultas, sea cual sea su tamaño."""
    medida = _Medida()
    e = _fila(select(Evento.__table__).where(Evento.id == evento_id))
    sesiones = [medida(SesionVista, fila) for fila in _filas(
        select(Sesion.__table__).where(Sesion.evento_id == evento_id).order_by(Sesion.inicio, Sesion.orden, Sesion.id))]
    por_id = {s.id: s for s in sesiones}
    participantes = _participantes(evento_id, medida)
    materiales = [medida(MaterialVista, fila) for fila in _filas(
        select(Material.__table__).where(Material.evento_id == evento_id).order_by(Material.orden, Material.id))]
    mesas = [medida(MesaVista, fila) for fila in _filas(
        select(Mesa.__table__).where(Mesa.evento_id == evento_id).order_by(Mesa.orden, Mesa.id))]
    pares = db.session.execute(select(mesa_sesion.c.mesa_id, mesa_sesion.c.sesion_id).join(Mesa)
                               .where(Mesa.evento_id == evento_id)).all()
    guias = _guias(evento_id, medida)
    retiradas = [medida(RetiradaVista, fila) for fila in _filas(
        select(SesionRetirada.__table__).where(SesionRetirada.evento_id == evento_id).order_by(SesionRetirada.id))]

    evento = medida(EventoVista, e)
    sesiones_de_mesa = {m.id: [] for m in mesas}
    mesas_de_sesion = {s.id: [] for s in sesiones}
    for mesa_id, sesion_id in pares:
        sesiones_de_mesa[mesa_id].append(por_id[sesion_id])
    for mesa in mesas:
        lista = sorted(sesiones_de_mesa[mesa.id], key=lambda s: s.inicio)
        mesa.__dict__["sesiones"] = tuple(lista)
        for s in lista:
            mesas_de_sesion[s.id].append(mesa)
    materiales_de, hijas = {}, {}
    for m in materiales:
        materiales_de.setdefault(m.sesion_id, []).append(m)
    for s in sesiones:
        hijas.setdefault(s.padre_id, []).append(s)
    for s in sesiones:
        s.__dict__.update(evento=evento, padre=por_id.get(s.padre_id), hijas=tuple(hijas.get(s.id, ())),
                          participantes=participantes.get(s.id, ()), materiales=tuple(materiales_de.get(s.id, ())),
                          mesas=tuple(mesas_de_sesion[s.id]))
    evento.__dict__.update(sesiones=tuple(sesiones), mesas=tuple(mesas), guias=tuple(guias),
                           materiales=tuple(materiales_de.get(None, ())), retiradas=tuple(retiradas),
                           tamano=medida.total)
    return evento


class _Medida:
    """Crea los objetos de la instantánea y suma su tamaño en memoria (objeto, diccionario y textos)."""

    def __init__(self):
        self.total = 0

    def __call__(self, clase, fila):
        campos = dict(fila._mapping)
        objeto = clase(**campos)
        self.total += sys.getsizeof(objeto) + sys.getsizeof(objeto.__dict__) + sum(
            sys.getsizeof(v) for v in campos.values() if isinstance(v, str))
        return objeto

    def sumar(self, *valores):
        self.total += sum(sys.getsizeof(v) for v in valores)


def _fila(consulta):
    return db.session.execute(consulta).one()


def _filas(consulta):
    return db.session.execute(consulta).all()


def _participantes(evento_id: int, medida: _Medida) -> dict[int, tuple]:
    filas = db.session.execute(
        select(Participacion.sesion_id, Persona.nombre, Persona.tratamiento, Participacion.rol,
               Participacion.cargo, Participacion.institucion, Participacion.ciudad, Participacion.pais)
        .join(Persona).join(Sesion).where(Sesion.evento_id == evento_id)
        .order_by(Participacion.sesion_id, Participacion.orden, Participacion.id))
    por_sesion = {}
    for sesion_id, grupo in groupby(filas, key=lambda fila: fila[0]):
        por_sesion[sesion_id] = tuple(Participante._make(fila[1:]) for fila in grupo)
        medida.sumar(por_sesion[sesion_id], *por_sesion[sesion_id],
                     *(texto for p in por_sesion[sesion_id] for texto in p))
    return por_sesion


def _guias(evento_id: int, medida: _Medida) -> list[GuiaVista]:
    """Las guías con sus bloques y preguntas, en una consulta."""
    filas = _filas(
        select(Guia.__table__, Bloque.id.label("bloque_id"), Bloque.titulo.label("bloque_titulo"),
               Pregunta.id.label("pregunta_id"), Pregunta.numero, Pregunta.texto)
        .outerjoin(Bloque, Bloque.guia_id == Guia.id).outerjoin(Pregunta, Pregunta.bloque_id == Bloque.id)
        .where(Guia.evento_id == evento_id)
        .order_by(Guia.orden, Guia.id, Bloque.orden, Bloque.id, Pregunta.orden, Pregunta.id))
    guias = []
    for _guia_id, de_la_guia in groupby(filas, key=lambda fila: fila.id):
        de_la_guia = list(de_la_guia)
        primera = de_la_guia[0]
        bloques = []
        for bloque_id, del_bloque in groupby(de_la_guia, key=lambda fila: fila.bloque_id):
            if bloque_id is None:
                continue
            del_bloque = list(del_bloque)
            preguntas = tuple(PreguntaVista(id=f.pregunta_id, numero=f.numero, texto=f.texto)
                              for f in del_bloque if f.pregunta_id is not None)
            medida.sumar(*preguntas, *(p.texto for p in preguntas))
            bloques.append(BloqueVista(id=bloque_id, titulo=del_bloque[0].bloque_titulo, preguntas=preguntas))
        guias.append(GuiaVista(id=primera.id, sesion_id=primera.sesion_id, titulo=primera.titulo,
                               pregunta_rectora=primera.pregunta_rectora, orden=primera.orden, bloques=tuple(bloques)))
        medida.sumar(guias[-1], *bloques, primera.titulo, primera.pregunta_rectora)
    return guias
