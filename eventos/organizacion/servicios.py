"""Reglas de la oficina que no son de un solo modelo: pasar formularios por los lectores del programa,
aplicar cambios conservando horas locales, avisos de salas ocupadas, claves únicas."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import select

from .. import zonas
from ..extensiones import db
from ..modelos import Evento, Sesion
from ..servicios import programa

CAMPOS_EVENTO_TEXTO = ("titulo", "lema", "resumen", "nota_conceptual", "objetivos", "resultados_esperados",
                       "formato_y_metodologia", "sede", "enlace_virtual", "nota_fechas", "modalidad")
# Lo que muestra el formulario de datos generales, y por tanto lo único que puede cambiar al guardarlo
# (el estado cambia solo con las acciones de publicar, cerrar o retirar).
CAMPOS_DATOS_GENERALES = CAMPOS_EVENTO_TEXTO + (
    "slug", "organizadores", "zona_horaria", "zonas_adicionales", "fecha_inicio", "fecha_fin", "fechas_ilustrativas",
    "inscripcion_apertura", "inscripcion_cierre", "cupo", "acreditacion_dias_antes", "conexion_minutos_antes")


LARGO_SLUG = 120  # la columna Evento.slug


def clave_base(texto: str, por_omision: str = "sesion", largo: int = 60) -> str:
    """'Jornadas México–UE: Straße' → 'jornadas-mexico-ue-strasse' (translitera, no solo quita acentos)."""
    return slugify(texto or "", max_length=largo) or por_omision


def clave_desde(texto: str, usadas: set[str], por_omision: str = "sesion", largo: int = 60) -> str:
    """'Panel 1: Alianzas…' → 'panel-1-alianzas', única entre `usadas` (si no, 'panel-1-alianzas-2', -3…)."""
    base = clave_base(texto, por_omision, largo)
    clave, n = base, 2
    while clave in usadas:
        sufijo = f"-{n}"
        clave, n = f"{base[:largo - len(sufijo)].rstrip('-')}{sufijo}", n + 1
    return clave


def slug_para_evento(titulo: str) -> str:
    """La dirección de un evento nuevo formada con su título, única entre los eventos existentes."""
    base = clave_base(titulo, "evento", LARGO_SLUG)
    raiz = base[:LARGO_SLUG - 6]  # lo que conservan también las variantes con sufijo (hasta «-99999»)
    usadas = set(db.session.execute(select(Evento.slug).where(Evento.slug.startswith(raiz.rstrip("-"))))
                 .scalars())
    return clave_desde(titulo, usadas, "evento", LARGO_SLUG)


def lineas(texto: str | None) -> list[str]:
    return [linea.strip() for linea in (texto or "").splitlines() if linea.strip()]


def anotar_problemas(formulario, problemas, campos: dict[str, str]) -> None:
    """Pone cada problema de los lectores del programa en el campo del formulario que corresponde."""
    for problema in problemas:
        nombre = problema.ubicacion.rsplit(".", 1)[-1]
        campo = getattr(formulario, campos.get(nombre, nombre), None)
        if campo is not None and hasattr(campo, "errors"):
            campo.errors = list(campo.errors) + [problema.mensaje]
        else:
            formulario.form_errors.append(problema.mensaje)


def datos_evento(formulario) -> dict:
    """El formulario del evento en el formato de importación (horas locales como texto)."""
    datos = {campo: getattr(formulario, campo).data or "" for campo in CAMPOS_EVENTO_TEXTO}
    datos.update({
        "slug": formulario.slug.data,
        "organizadores": lineas(formulario.organizadores.data),
        "zona_horaria": formulario.zona_horaria.data,
        "zonas_adicionales": list(formulario.zonas_adicionales.data or []),
        "fecha_inicio": formulario.fecha_inicio.data,
        "fecha_fin": formulario.fecha_fin.data,
        "fechas_ilustrativas": bool(formulario.fechas_ilustrativas.data),
        "inscripcion": {k: v for k, v in {
            "apertura": _texto_local(formulario.inscripcion_apertura.data),
            "cierre": _texto_local(formulario.inscripcion_cierre.data),
            "cupo": formulario.cupo.data,
        }.items() if v is not None},
        "asistencia": {"acreditacion_dias_antes": formulario.acreditacion_dias_antes.data,
                       "conexion_minutos_antes": formulario.conexion_minutos_antes.data},
    })
    return datos


def _texto_local(valor: datetime | None) -> str | None:
    return valor.strftime(zonas.FORMATO_HORA_LOCAL) if valor else None


def rellenar_formulario_evento(formulario, evento: Evento) -> None:
    for campo in CAMPOS_EVENTO_TEXTO + ("slug", "zona_horaria", "fecha_inicio", "fecha_fin", "fechas_ilustrativas", "cupo",
                                        "acreditacion_dias_antes", "conexion_minutos_antes"):
        getattr(formulario, campo).data = getattr(evento, campo)
    formulario.organizadores.data = "\n".join(evento.organizadores or [])
    formulario.zonas_adicionales.data = list(evento.zonas_adicionales or [])
    for campo in ("inscripcion_apertura", "inscripcion_cierre"):
        instante = getattr(evento, campo)
        getattr(formulario, campo).data = zonas.a_local(instante, evento.zona_horaria).replace(tzinfo=None) if instante else None


def aplicar_evento(evento: Evento, plan: dict, conservar_horas_locales: bool = True) -> list[str]:
    """Guarda los datos generales validados. Devuelve problemas que impiden guardarlos (o [])."""
    zona_anterior = evento.zona_horaria
    if evento.id and (plan["fecha_inicio"] != evento.fecha_inicio or plan["fecha_fin"] != evento.fecha_fin
                      or plan["zona_horaria"] != zona_anterior):
        fuera = _sesiones_fuera(evento, plan, conservar_horas_locales)
        if fuera:
            return [_("Hay sesiones fuera de las nuevas fechas: %(lista)s. Muévalas antes, o use «Duplicar» para "
                      "copiar el evento a otras fechas.", lista=", ".join(f"«{s.titulo}»" for s in fuera[:5]))]
    horarios = {}
    if evento.id and conservar_horas_locales and plan["zona_horaria"] != zona_anterior:
        horarios, errores = _horarios_en(evento.sesiones, zona_anterior, plan["zona_horaria"])
        if errores:
            return errores
    for campo in CAMPOS_DATOS_GENERALES:
        setattr(evento, campo, plan[campo])
    for sesion in evento.sesiones:
        sesion.inicio, sesion.fin = horarios.get(sesion.id, (sesion.inicio, sesion.fin))
    return []


def avisar_enlace_publicado(evento: Evento, habia_enlace: bool) -> None:
    """Tras guardar el evento o una sesión: si el enlace de conexión acaba de publicarse, se avisa por correo
    a quien asiste en línea (y la organización lo ve en el mensaje)."""
    from flask import flash
    from flask_babel import ngettext

    from ..inscripciones import avisos
    avisadas = avisos.enlace_publicado(evento, habia_enlace)
    if avisadas:
        flash(ngettext("Se avisará por correo a %(num)d persona que asiste en línea de que el enlace ya está publicado.",
                       "Se avisará por correo a %(num)d personas que asisten en línea de que el enlace ya está publicado.",
                       avisadas), "info")


def _horarios_en(sesiones, zona_anterior: str, zona_nueva: str) -> tuple[dict, list[str]]:
    """Las mismas horas de reloj de cada sesión en la zona nueva, comprobadas antes de cambiar nada:
    una hora que allí no existe o se repite, o un árbol que dejaría de cumplir las reglas, lo impiden."""
    horarios, errores = {}, []
    for sesion in sesiones:
        try:
            horarios[sesion.id] = tuple(zonas.a_utc(zonas.a_local(i, zona_anterior).replace(tzinfo=None), zona_nueva)
                                        for i in (sesion.inicio, sesion.fin))
        except zonas.ErrorDeZona as error:
            errores.append(f"«{sesion.titulo}»: {error.mensaje}")
    if not errores:
        antes = [programa.NodoSesion.de(s) for s in sesiones]
        despues = [replace(n, inicio=horarios[n.ref][0], fin=horarios[n.ref][1]) for n in antes]
        errores = [p.mensaje for p in programa.validar_arbol(despues, antes)]
    return horarios, errores


def _sesiones_fuera(evento: Evento, plan: dict, conservar: bool) -> list[Sesion]:
    # Conservando horas locales, el día local no cambia; si no, cuenta el día en la zona nueva.
    zona_del_dia = evento.zona_horaria if conservar else plan["zona_horaria"]
    fuera = []
    for sesion in evento.sesiones:
        dia = zonas.a_local(sesion.inicio, zona_del_dia).date()
        if not plan["fecha_inicio"] <= dia <= plan["fecha_fin"]:
            fuera.append(sesion)
    return fuera


def datos_sesion(formulario, evento: Evento) -> dict:
    dia = formulario.dia.data
    return {
        "clave": formulario.clave.data, "titulo": formulario.titulo.data, "tipo": formulario.tipo.data,
        "inicio": f"{dia} {formulario.hora_inicio.data:%H:%M}" if formulario.hora_inicio.data else None,
        "fin": f"{dia} {formulario.hora_fin.data:%H:%M}" if formulario.hora_fin.data else None,
        "horario_ilustrativo": bool(formulario.horario_ilustrativo.data), "sala": formulario.sala.data or "",
        "enlace": formulario.enlace.data or "", "grabacion": formulario.grabacion.data or "",
        "objetivo": formulario.objetivo.data or "",
        "descripcion": formulario.descripcion.data or "",
    }


def salas_ocupadas(sesion: Sesion) -> list[Sesion]:
    """Otras sesiones del evento en la misma sala que se solapan con esta (es un aviso, no un error)."""
    if not sesion.sala:
        return []
    return db.session.execute(
        select(Sesion).where(Sesion.evento_id == sesion.evento_id, Sesion.id != sesion.id,
                             Sesion.sala == sesion.sala, Sesion.inicio < sesion.fin, Sesion.fin > sesion.inicio)
        .order_by(Sesion.inicio)
    ).scalars().all()


def aplicar_sesion(sesion: Sesion, plan: dict) -> None:
    for campo in ("clave", "titulo", "tipo", "inicio", "fin", "horario_ilustrativo", "sala", "enlace", "grabacion",
                  "objetivo", "descripcion"):
        setattr(sesion, campo, plan[campo])


def importar_archivo(contenido: bytes, nombre: str, slug: str | None) -> Evento:
    """Un archivo YAML o JSON subido desde la oficina (materiales: enlaces o archivos de esta instalación)."""
    import json

    import yaml

    try:
        texto = contenido.decode("utf-8")
        datos = json.loads(texto) if nombre.lower().endswith(".json") else yaml.safe_load(texto)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise programa.ProgramaInvalido([programa.Problema("(archivo)", _("no se pudo leer como YAML o JSON: %(error)s", error=str(error)[:300]))]) from None
    return programa.importar(datos, slug=slug or None)

