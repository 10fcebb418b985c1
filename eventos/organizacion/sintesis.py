"""Síntesis entre mesas en la oficina: la matriz preguntas × mesas (con filtros por bloque/ronda y por
mesa), su publicación, el informe de sistematización para imprimir y sus exportaciones (Markdown, Word,
CSV, Excel); y el reparto de las personas inscritas entre las mesas.

Las reglas están en mesas/servicios.py (matriz, cruces, reparto) e inscripciones/servicios.py (cambiar
de mesa con lugar en la nueva); los documentos, en mesas/exportar.py. Aquí solo se presentan.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from ..exportar import TIPO_CSV, TIPO_XLSX
from ..extensiones import db
from ..inscripciones import servicios as inscripciones
from ..mesas import exportar, servicios
from ..modelos import Inscripcion
from ..zonas import rango_de_fechas
from . import bp
from .formularios import FormularioVacio
from .guias import nombre_guia
from .inscripciones import descarga, privado
from ..permisos import auditar, vista_de_evento

TIPO_MARKDOWN = "text/markdown; charset=utf-8"
TIPO_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_SIN_MESA = 500  # personas sin mesa que se listan para asignar a mano


# --- Filtros --------------------------------------------------------------------------------------

@dataclass
class Filtro:
    bloque: object = None
    mesa: object = None

    def argumentos(self) -> dict:
        """Los filtros activos, para repetirlos en los enlaces (informe, exportaciones)."""
        argumentos = {}
        if self.bloque is not None:
            argumentos["bloque"] = self.bloque.id
        if self.mesa is not None:
            argumentos["mesa"] = self.mesa.id
        return argumentos

    def descripcion(self) -> str:
        partes = []
        if self.bloque is not None:
            partes.append(_("Bloque: %(titulo)s", titulo=self.bloque.titulo))
        if self.mesa is not None:
            partes.append(_("Mesa: %(nombre)s", nombre=self.mesa.nombre))
        return (_("Filtrado por") + " — " + " · ".join(partes)) if partes else ""

    def sufijo(self, completa) -> str:
        """Para el nombre del archivo: «-bloque-2», «-mesa-juventud»."""
        sufijo = ""
        if self.bloque is not None:
            bloques = [b.id for _g, bs in completa.guias for b, _p in bs]
            sufijo += f"-bloque-{bloques.index(self.bloque.id) + 1}"
        if self.mesa is not None:
            sufijo += f"-mesa-{self.mesa.clave}"
        return sufijo


def _entero(nombre: str, validos: dict, mensaje: str):
    texto = request.args.get(nombre, "").strip()
    if not texto:
        return None
    if not texto.isdigit() or int(texto) not in validos:
        abort(400, description=mensaje)
    return validos[int(texto)]


def _sintesis(evento):
    """(matriz completa, filtro de la URL, matriz filtrada). Un valor de filtro que no es de este evento
    es un error claro (400), no una síntesis vacía."""
    completa = servicios.matriz(evento)
    bloques = {b.id: b for _g, bs in completa.guias for b, _p in bs}
    filtro = Filtro(
        bloque=_entero("bloque", bloques, _("Ese bloque o ronda no es de este evento: elija uno de la lista.")),
        mesa=_entero("mesa", {m.id: m for m in completa.mesas},
                     _("Esa mesa no es de este evento: elija una de la lista.")))
    filtrada = servicios.filtrar(completa, filtro.bloque.id if filtro.bloque else None,
                                 filtro.mesa.id if filtro.mesa else None)
    return completa, filtro, filtrada


# --- Páginas --------------------------------------------------------------------------------------

@bp.get("/eventos/<slug>/sintesis")
@vista_de_evento()
def sintesis(evento):
    completa, filtro, m = _sintesis(evento)
    guias_de = servicios.guias_por_mesa(m)
    aplicables = sum(1 for guia, bloques in m.guias for _b, preguntas in bloques for _p in preguntas
                     for mesa in m.mesas if guia.id in guias_de[mesa.id])
    return privado(render_template(
        "organizacion/sintesis.html", evento=evento, completa=completa, m=m, filtro=filtro, guias_de=guias_de,
        nombre_guia=nombre_guia, respondidas=len(m.respuestas), aplicables=aplicables,
        html_respuesta=exportar.html, intervenciones=_textos_intervenciones(m), acciones=FormularioVacio()))


def _textos_intervenciones(m) -> dict[int, str]:
    """«7 intervenciones» para cada número que aparece (unos pocos), no una traducción por celda."""
    return {n: exportar.texto_intervenciones(n) for n in {r.intervenciones for r in m.respuestas.values()} if n is not None}


@bp.post("/eventos/<slug>/sintesis/publicacion")
@vista_de_evento(boton=True)
def publicar_respuestas(evento):
    publicar = request.form.get("publicar")
    if publicar not in ("si", "no"):
        abort(400, description=_("Elija publicar o retirar la publicación de las respuestas."))
    publicar = publicar == "si"
    if evento.respuestas_publicadas != publicar:
        auditar(_l("Publicación de las respuestas de las mesas") if publicar
                else _l("Retirada de la publicación de las respuestas de las mesas"))
        evento.respuestas_publicadas = publicar
        db.session.commit()
    flash(_("Las respuestas de las mesas están publicadas: las ven las personas inscritas y el tablero público.")
          if publicar else _("Las respuestas de las mesas ya no están publicadas: solo las ve el equipo del evento."),
          "info")
    return redirect(url_for("organizacion.sintesis", slug=evento.slug), 303)


@bp.get("/eventos/<slug>/sintesis/informe")
@vista_de_evento()
def informe_sintesis(evento):
    completa, filtro, m = _sintesis(evento)
    return privado(render_template(
        "organizacion/sintesis_informe.html", evento=evento, filtro=filtro,
        guias=exportar.informe(servicios.cruces(m), nombre_guia), html_respuesta=exportar.html,
        rango_fechas=rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.idioma)))


# --- Exportaciones --------------------------------------------------------------------------------

def _documento(evento, extension: str, tipo: str, construir):
    completa, filtro, m = _sintesis(evento)
    contenido = construir(evento, servicios.cruces(m), filtro)
    return descarga(contenido, tipo, f"sintesis-{evento.slug}{filtro.sufijo(completa)}.{extension}")


def _rango(evento) -> str:
    return rango_de_fechas(evento.fecha_inicio, evento.fecha_fin, g.idioma)


@bp.get("/eventos/<slug>/sintesis.md")
@vista_de_evento()
def sintesis_md(evento):
    return _documento(evento, "md", TIPO_MARKDOWN, lambda evento, cruces, filtro: exportar.markdown(
        evento, cruces, nombre_guia, _rango(evento), filtro.descripcion()).encode("utf-8"))


@bp.get("/eventos/<slug>/sintesis.docx")
@vista_de_evento()
def sintesis_docx(evento):
    return _documento(evento, "docx", TIPO_DOCX, lambda evento, cruces, filtro: exportar.docx(
        evento, cruces, nombre_guia, _rango(evento), g.idioma, filtro.descripcion()))


@bp.get("/eventos/<slug>/sintesis.csv")
@vista_de_evento()
def sintesis_csv(evento):
    return _documento(evento, "csv", TIPO_CSV, lambda evento, cruces, _filtro: exportar.csv(evento, cruces, g.idioma))


@bp.get("/eventos/<slug>/sintesis.xlsx")
@vista_de_evento()
def sintesis_xlsx(evento):
    return _documento(evento, "xlsx", TIPO_XLSX, lambda evento, cruces, _filtro: exportar.xlsx(evento, cruces, g.idioma))


# --- Reparto de personas entre las mesas ------------------------------------------------------------

def _pagina_asignar(evento, codigo=200):
    mesas = list(evento.mesas)
    por_mesa = inscripciones.disponibilidad(evento).por_mesa
    consulta = select(Inscripcion).where(Inscripcion.evento_id == evento.id, Inscripcion.estado == "confirmada",
                                         Inscripcion.mesa_id.is_(None))
    sin_mesa = db.session.execute(consulta.order_by(Inscripcion.creado_en, Inscripcion.id)
                                  .limit(MAX_SIN_MESA + 1)).scalars().all()
    return privado(render_template(
        "organizacion/asignar_mesas.html", evento=evento, mesas=mesas, por_mesa=por_mesa,
        sin_mesa=sin_mesa[:MAX_SIN_MESA], hay_mas=len(sin_mesa) > MAX_SIN_MESA,
        con_lugar={m.id for m in mesas if m.cupo is None or por_mesa.get(m.id, 0) < m.cupo},
        acciones=FormularioVacio()), codigo)


@bp.route("/eventos/<slug>/mesas/asignar", methods=["GET", "POST"])
@vista_de_evento(boton=True)
def asignar_mesas(evento):
    if request.method == "GET":
        return _pagina_asignar(evento)
    accion = request.form.get("accion")
    if accion == "repartir":
        return _repartir(evento)
    if accion == "asignar":
        return _asignar(evento)
    abort(400, description=_("Acción desconocida: use «Asignar» o «Repartir automáticamente»."))


def _repartir(evento):
    if not evento.mesas:
        flash(_("Este evento no tiene mesas: créelas antes de repartir a las personas."), "error")
        return redirect(url_for("organizacion.asignar_mesas", slug=evento.slug), 303)
    auditar(_l("Reparto automático de las personas entre las mesas"))
    reparto = servicios.repartir(evento.id)
    db.session.commit()
    if reparto.asignadas or not reparto.sin_lugar:
        flash(ngettext("Se asignó una mesa a %(num)d persona.", "Se asignó una mesa a %(num)d personas.",
                       reparto.asignadas), "info")
    if reparto.sin_lugar:
        flash(ngettext("%(num)d persona no cupo: todas las mesas están completas. Aumente el cupo de alguna mesa o cree otra.",
                       "%(num)d personas no cupieron: todas las mesas están completas. Aumente el cupo de alguna mesa o cree otra.",
                       reparto.sin_lugar), "aviso")
    return redirect(url_for("organizacion.asignar_mesas", slug=evento.slug), 303)


def _asignar(evento):
    """Una mesa elegida a mano para cada persona (las que quedan en blanco siguen sin mesa). El cambio
    pasa por `inscripciones.cambiar_datos`: la misma regla (lugar en la mesa nueva) que cuando la propia
    persona cambia de mesa."""
    mesas = {m.id: m for m in evento.mesas}
    elegidas = {}
    for campo, valor in request.form.items():
        if not campo.startswith("mesa-") or not valor.strip():
            continue
        inscripcion_id, mesa_id = campo[len("mesa-"):], valor.strip()
        if not inscripcion_id.isdigit():
            abort(400, description=_("Formulario no válido: vuelva a cargar la página."))
        if not mesa_id.isdigit() or int(mesa_id) not in mesas:
            abort(400, description=_("Esa mesa no es de este evento: elija una de la lista."))
        elegidas[int(inscripcion_id)] = int(mesa_id)
    if not elegidas:
        flash(_("No eligió ninguna mesa: nada cambió."), "aviso")
        return redirect(url_for("organizacion.asignar_mesas", slug=evento.slug), 303)
    personas = {i.id: i for i in db.session.execute(select(Inscripcion).where(
        Inscripcion.evento_id == evento.id, Inscripcion.id.in_(list(elegidas)))).scalars()}
    if len(personas) != len(elegidas):
        abort(400, description=_("Alguna de esas inscripciones no es de este evento: vuelva a cargar la página."))
    auditar(_l("Asignación de mesas a mano"))
    asignadas, problemas = 0, []
    for inscripcion_id, mesa_id in elegidas.items():
        persona, mesa = personas[inscripcion_id], mesas[mesa_id]
        nombre = persona.nombre_completo
        if persona.estado != "confirmada" or persona.mesa_id is not None:
            problemas.append(_("%(nombre)s: ya no está confirmada sin mesa (otra persona la cambió).", nombre=nombre))
            continue
        try:
            inscripciones.cambiar_datos(inscripcion_id, {"mesa_id": mesa_id})
        except inscripciones.InscripcionNoPosible:  # no cambió nada: las demás asignaciones siguen
            problemas.append(_("%(nombre)s: la mesa «%(mesa)s» ya está completa.", nombre=nombre, mesa=mesa.nombre))
        else:
            asignadas += 1
    db.session.commit()
    if asignadas:
        flash(ngettext("Se asignó la mesa a %(num)d persona.", "Se asignó la mesa a %(num)d personas.", asignadas), "info")
    for problema in problemas:
        flash(problema, "error")
    return redirect(url_for("organizacion.asignar_mesas", slug=evento.slug), 303)
