"""Acciones en bloque de la lista de inscripciones: las marcadas en la página, o todas las que cumplen el filtro
(la consulta del filtro se repite en el servidor al aplicar, no se fía de una lista de la página).

Dos pasos, los dos POST con CSRF: «revisar» muestra a cuántas se aplicará y a cuáles no (y por qué); «aplicar»
lo hace en una transacción, con una sola entrada en la auditoría. Si entre un paso y otro el filtro ya no da
las mismas inscripciones, no se aplica nada y se vuelve a revisar. Las reglas están en inscripciones/masivas.py.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from ..extensiones import db, es_entero_bd
from ..inscripciones import masivas, servicios
from ..modelos import Inscripcion
from ..modelos.cambios import una_sola_entrada
from ..permisos import auditar, vista_de_evento
from . import bp
from .inscripciones import consulta_filtrada, leer_filtro, mesas_por_id, privado

MAX_ELEGIDAS = 1000  # marcadas a mano (la página muestra 100); para más, «todas las que cumplen el filtro»
MAX_NOMBRES = 20  # omitidas que se nombran en el aviso del resultado
AUDITORIA = {
    "cancelar": _l("Cancelación de inscripciones en bloque"),
    "confirmar": _l("Confirmación en bloque desde la lista de espera"),
    "mover": _l("Cambio de mesa en bloque"),
    "reenviar": _l("Reenvío en bloque del correo de inscripción"),
    "credenciales": _l("Descarga de credenciales en bloque"),
}


class Peticion:
    """Lo que pide el formulario, ya validado: un valor que no es de este evento es un 400 claro."""

    def __init__(self, evento):
        self.mesas = mesas_por_id(evento)
        self.filtro = leer_filtro(self.mesas)
        formulario = request.form
        self.operacion = formulario.get("operacion", "")
        if self.operacion not in masivas.OPERACIONES:
            abort(400, description=_("Acción desconocida: elija una de la lista."))
        self.alcance = formulario.get("alcance", "seleccion")
        if self.alcance not in ("seleccion", "filtro"):
            abort(400, description=_("Elija si la acción es para las marcadas o para todas las que cumplen el filtro."))
        textos = formulario.getlist("ids") if self.alcance == "seleccion" else []
        if len(textos) > MAX_ELEGIDAS or not all(
                len(t) <= 10 and t.isascii() and t.isdigit() and es_entero_bd(int(t)) for t in textos):
            abort(400, description=_("La selección de inscripciones no es válida."))
        self.ids = sorted({int(t) for t in textos})
        self.mesa = None
        if self.operacion == "mover":
            texto = formulario.get("mesa_destino", "").strip()
            if texto and not (len(texto) <= 10 and texto.isascii() and texto.isdigit() and int(texto) in self.mesas):
                abort(400, description=_("Esa mesa no es de este evento: elija una de la lista."))
            self.mesa = self.mesas.get(int(texto)) if texto else None
        cuantas = formulario.get("cuantas", "")
        self.cuantas = int(cuantas) if cuantas.isascii() and cuantas.isdigit() and len(cuantas) <= 10 else None
        self.volver = url_for("organizacion.inscripciones", slug=evento.slug, **self.filtro.argumentos())

    def falta_algo(self) -> str:
        if self.alcance == "seleccion" and not self.ids:
            return _("Marque en la lista las inscripciones a las que quiere aplicar la acción.")
        if self.operacion == "mover" and self.mesa is None:
            return _("Elija la mesa de destino.")
        return ""

    def inscripciones(self, evento) -> list[Inscripcion]:
        """Las elegidas, leídas ahora: las marcadas (todas de este evento, o 400) o las que cumplen el filtro."""
        if self.alcance == "filtro":
            consulta = consulta_filtrada(evento, self.filtro)
        else:
            consulta = select(Inscripcion).where(Inscripcion.evento_id == evento.id, Inscripcion.id.in_(self.ids))
        filas = db.session.execute(consulta.order_by(Inscripcion.creado_en, Inscripcion.id)).scalars().all()
        if self.alcance == "seleccion" and len(filas) != len(self.ids):
            abort(400, description=_("Alguna de esas inscripciones no es de este evento: vuelva a cargar la lista."))
        return filas


@bp.post("/eventos/<slug>/inscripciones/en-bloque")
@vista_de_evento(boton=True)
def inscripciones_en_bloque(evento):
    peticion = Peticion(evento)
    falta = peticion.falta_algo()
    if falta:
        flash(falta, "error")
        return redirect(peticion.volver, 303)
    if request.form.get("paso") != "aplicar":
        return _revisar(evento, peticion)
    auditar(AUDITORIA[peticion.operacion])
    if peticion.operacion == "credenciales":
        return _credenciales(evento, peticion)
    servicios.bloquear_evento(evento.id)  # lo elegido se lee y se cambia sin que otra alta o baja se cuele
    elegidas = peticion.inscripciones(evento)
    if len(elegidas) != peticion.cuantas:
        db.session.rollback()
        return _revisar(evento, peticion, cambio=True)
    with una_sola_entrada(db.session, evento) as resumen:
        resultado = masivas.aplicar(peticion.operacion, elegidas, peticion.mesa.id if peticion.mesa else None)
        if resultado.aplicadas:
            resumen.append(_resumen(peticion, resultado.aplicadas, resultado.omitidas))
    db.session.commit()
    _avisar(peticion, resultado)
    return redirect(peticion.volver, 303)


def _revisar(evento, peticion: Peticion, cambio: bool = False):
    """El paso de confirmación: cuántas, a cuáles se aplica y a cuáles no (con el motivo). No cambia nada."""
    elegidas = peticion.inscripciones(evento)
    mesa_id = peticion.mesa.id if peticion.mesa else None
    filas = [(i, masivas.motivo_para_omitir(peticion.operacion, i, mesa_id)) for i in elegidas]
    aplicables = [i for i, motivo in filas if not motivo]
    omitidas = [(i, motivo) for i, motivo in filas if motivo]
    aviso = ""
    if cambio:
        aviso = _("Ahora son %(ahora)d inscripciones, no %(antes)d como se mostró: revise la acción y vuelva a "
                  "confirmarla. No se cambió nada.", ahora=len(elegidas), antes=peticion.cuantas or 0)
    return privado(render_template(
        "organizacion/inscripciones_en_bloque.html", evento=evento, peticion=peticion, elegidas=elegidas,
        aplicables=aplicables, omitidas=omitidas, disponibilidad=servicios.disponibilidad(evento), aviso=aviso,
        nombre_operacion=masivas.OPERACIONES[peticion.operacion]), 409 if cambio else 200)


def _credenciales(evento, peticion: Peticion):
    from .. import documentos  # reportlab se carga solo si se pide un PDF (como en credenciales.py)
    elegidas = peticion.inscripciones(evento)
    if len(elegidas) != peticion.cuantas:
        return _revisar(evento, peticion, cambio=True)
    aplicables = [i for i in elegidas if not masivas.motivo_para_omitir("credenciales", i)]
    if not aplicables:
        flash(_("Ninguna de las elegidas está confirmada: no hay credenciales que imprimir."), "error")
        return redirect(peticion.volver, 303)
    omitidas = [masivas.Fila(i.id, i.nombre_completo, masivas.motivo_para_omitir("credenciales", i))
                for i in elegidas if i not in aplicables]
    aplicadas = [masivas.Fila(i.id, i.nombre_completo) for i in aplicables]
    lista = documentos.credenciales_confirmadas(evento, g.idioma, ids=[f.id for f in aplicadas])
    contenido = documentos.credenciales_pdf(documentos.datos_evento(evento, g.idioma), lista)
    with una_sola_entrada(db.session, evento) as resumen:
        resumen.append(_resumen(peticion, aplicadas, omitidas))
    db.session.commit()
    return documentos.respuesta_pdf(contenido, f"credenciales-{evento.slug}-{len(lista)}.pdf")


def _numeros(filas) -> str:
    numeros = ", ".join(str(f.id) for f in filas[:50])
    return numeros + (", …" if len(filas) > 50 else "")


def _resumen(peticion: Peticion, aplicadas, omitidas) -> dict:
    """La primera línea de la entrada de auditoría (en el idioma del sitio, como el resto del registro): la
    acción, a cuántas y a cuáles se aplicó, y cuáles se omitieron; con los números completos aparte."""
    def cuantas(n):
        return f"{n} inscripción" if n == 1 else f"{n} inscripciones"
    alcance = "todas las que cumplen el filtro" if peticion.alcance == "filtro" else "marcadas en la lista"
    texto = f"{cuantas(len(aplicadas))} ({alcance}): n.º {_numeros(aplicadas)}"
    if peticion.mesa is not None:
        texto += f"; mesa de destino «{peticion.mesa.nombre}»"
    if omitidas:
        texto += f"; {len(omitidas)} {'omitida' if len(omitidas) == 1 else 'omitidas'}: n.º {_numeros(omitidas)}"
    resumen = {"accion": "aplicada a", "objeto": texto, "operacion": peticion.operacion,
               "ids": [f.id for f in aplicadas], "omitidas": [f.id for f in omitidas]}
    if peticion.alcance == "filtro":
        resumen["filtro"] = peticion.filtro.argumentos()
    return resumen


def _avisar(peticion: Peticion, resultado: masivas.Resultado) -> None:
    aplicadas, omitidas = len(resultado.aplicadas), len(resultado.omitidas)
    if peticion.operacion == "cancelar":
        texto = ngettext("%(num)d inscripción cancelada; se avisó por correo a la persona.",
                         "%(num)d inscripciones canceladas; se avisó por correo a cada persona.", aplicadas)
    elif peticion.operacion == "confirmar":
        texto = ngettext("%(num)d inscripción confirmada desde la lista de espera; se avisó por correo a la persona.",
                         "%(num)d inscripciones confirmadas desde la lista de espera; se avisó por correo a cada "
                         "persona.", aplicadas)
    elif peticion.operacion == "mover":
        texto = ngettext("%(num)d inscripción movida a la mesa «%(mesa)s».",
                         "%(num)d inscripciones movidas a la mesa «%(mesa)s».", aplicadas, mesa=peticion.mesa.nombre)
    else:
        texto = ngettext("Se volvió a enviar el correo de %(num)d inscripción.",
                         "Se volvió a enviar el correo de %(num)d inscripciones.", aplicadas)
    flash(texto, "info" if aplicadas else "aviso")
    if omitidas:
        nombres = "; ".join(_("%(nombre)s (%(motivo)s)", nombre=f.nombre, motivo=f.motivo)
                            for f in resultado.omitidas[:MAX_NOMBRES])
        if omitidas > MAX_NOMBRES:
            nombres += ngettext(" y %(num)d más", " y %(num)d más", omitidas - MAX_NOMBRES)
        flash(ngettext("%(num)d omitida: %(nombres)s.", "%(num)d omitidas: %(nombres)s.", omitidas, nombres=nombres),
              "aviso")
    if resultado.promovidas:
        flash(_("Pasaron de la lista de espera a confirmadas (y se les avisó): %(nombres)s.",
                nombres=", ".join(resultado.promovidas)), "info")
