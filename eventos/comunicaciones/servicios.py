"""Segmentos, anuncios, recordatorios y avisos de cambios. Todo se anota en la bandeja de salida dentro de la
transacción de quien llama (vista, orden o proceso de correo), que es quien confirma."""
from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Select, String, cast, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import correo
from ..extensiones import db, es_entero_bd
from ..modelos import (Anuncio, Asistencia, CorreoSaliente, Evento, Inscripcion, Mesa, Recordatorio, Sesion,
                       SesionRetirada, Usuario)
from ..modelos.mesas import mesa_sesion
from ..modelos.usuarios import moderador_mesa
from ..modelos.programa import datos_de_aviso
from ..zonas import FechaHoraUTC, ahora

SEGMENTOS = {
    "confirmadas": _l("Todas las personas confirmadas"),
    "mesas": _l("Personas confirmadas de una o varias mesas"),
    "en_espera": _l("Lista de espera"),
    "pendientes": _l("Pendientes de aprobación"),
    "asistieron": _l("Asistieron (en persona o en línea)"),
    "asistieron_presencial": _l("Asistieron en persona"),
    "asistieron_en_linea": _l("Asistieron en línea"),
    "no_asistieron": _l("Confirmadas que no asistieron"),
    "equipo": _l("Moderación y relatoría de las mesas"),
    "seleccion": _l("Una selección de la lista de inscripciones"),
}
_ESTADO_DEL_SEGMENTO = {"en_espera": "en_espera", "pendientes": "pendiente"}
_ORIGENES = {"asistieron": None, "asistieron_presencial": ("qr", "manual"), "asistieron_en_linea": ("en_linea",)}
MAXIMO_SELECCION = 20_000

MARCADORES = ("nombre", "apellidos", "evento", "enlace")
MARCADORES_RECORDATORIO = (*MARCADORES, "sesion", "fecha", "hora_evento", "hora_persona", "enlace_conexion")
LARGO_ASUNTO = 200
LARGO_TEXTO = 20_000
MINUTOS_MAXIMOS = 60 * 24 * 14  # un recordatorio, como mucho dos semanas antes


class DatosInvalidos(ValueError):
    pass


# --- Textos con marcadores -------------------------------------------------------------------------------
def marcadores_de(plantilla: str) -> list[str]:
    """Los nombres entre llaves de un texto; DatosInvalidos si las llaves no cierran o llevan algo más que un
    nombre ({nombre.__class__}, {0}, {nombre!r}, {nombre:>10} no se admiten)."""
    try:
        partes = list(string.Formatter().parse(plantilla))
    except ValueError:
        raise DatosInvalidos(_("Las llaves del texto no están cerradas. Para escribir una llave, dóblela: {{ o }}.")) \
            from None
    nombres = []
    for _literal, nombre, formato, conversion in partes:
        if nombre is None:
            continue
        if formato or conversion or not nombre.isidentifier():
            raise DatosInvalidos(_("«{%(marcador)s}» no es un marcador válido.", marcador=nombre))
        nombres.append(nombre)
    return nombres


def comprobar_marcadores(texto: str, permitidos: tuple[str, ...]) -> None:
    """DatosInvalidos si el texto usa un marcador que no es de `permitidos` (o uno mal escrito)."""
    for nombre in marcadores_de(texto):
        if nombre not in permitidos:
            raise DatosInvalidos(_("El marcador «{%(marcador)s}» no existe. Puede usar: %(lista)s.",
                                   marcador=nombre, lista=", ".join("{" + m + "}" for m in permitidos)))


def validar_textos(textos: dict, permitidos: tuple[str, ...]) -> None:
    """Cada versión con asunto y texto, de los largos admitidos y solo con marcadores conocidos."""
    if not textos:
        raise DatosInvalidos(_("Escriba el asunto y el texto del mensaje."))
    for version in textos.values():
        if not version.get("asunto", "").strip() or not version.get("texto", "").strip():
            raise DatosInvalidos(_("Cada versión del mensaje necesita asunto y texto."))
        if len(version["asunto"]) > LARGO_ASUNTO or len(version["texto"]) > LARGO_TEXTO:
            raise DatosInvalidos(" ".join((
                ngettext("El asunto admite como máximo %(num)d carácter.",
                         "El asunto admite como máximo %(num)d caracteres.", LARGO_ASUNTO),
                ngettext("El texto admite como máximo %(num)d carácter.",
                         "El texto admite como máximo %(num)d caracteres.", LARGO_TEXTO))))
        comprobar_marcadores(version["asunto"], permitidos)
        comprobar_marcadores(version["texto"], permitidos)


def rellenar(plantilla: str, valores: dict[str, str]) -> str:
    """El texto con cada marcador sustituido por su valor (ya validado con `validar_textos`)."""
    piezas = []
    for literal_, nombre, _formato, _conversion in string.Formatter().parse(plantilla):
        piezas.append(literal_)
        if nombre is not None:
            piezas.append(valores.get(nombre, ""))
    return "".join(piezas)


# --- Segmentos -----------------------------------------------------------------------------------------
def segmento_de(evento, tipo: str, mesas=(), ids=()) -> dict:
    """El segmento validado: mesas de este evento, ids enteros. DatosInvalidos si no tiene sentido."""
    if tipo not in SEGMENTOS:
        raise DatosInvalidos(_("Elija a quién va el mensaje."))
    segmento = {"tipo": tipo}
    if tipo == "mesas":
        validas = set(db.session.execute(select(Mesa.id).where(Mesa.evento_id == evento.id,
                                                               Mesa.id.in_([int(m) for m in mesas]))).scalars())
        if not validas:
            raise DatosInvalidos(_("Elija al menos una mesa."))
        segmento["mesas"] = sorted(validas)
    if tipo == "seleccion":
        elegidas = sorted({int(i) for i in ids if es_entero_bd(int(i))})
        if not elegidas:
            raise DatosInvalidos(_("La selección está vacía: marque personas en la lista de inscripciones."))
        if len(elegidas) > MAXIMO_SELECCION:
            raise DatosInvalidos(ngettext("Una selección admite hasta %(num)d persona.",
                                           "Una selección admite hasta %(num)d personas.", MAXIMO_SELECCION))
        segmento["ids"] = elegidas
    return segmento


def _condiciones(evento_id: int, segmento: dict, respetar_bajas: bool) -> list:
    tipo = segmento["tipo"]
    condiciones = [Inscripcion.evento_id == evento_id]
    if tipo in _ESTADO_DEL_SEGMENTO:
        condiciones.append(Inscripcion.estado == _ESTADO_DEL_SEGMENTO[tipo])
    elif tipo == "seleccion":
        condiciones += [Inscripcion.id.in_(segmento["ids"]), Inscripcion.estado != "cancelada"]
    else:
        condiciones.append(Inscripcion.estado == "confirmada")
    if tipo == "mesas":
        condiciones.append(Inscripcion.mesa_id.in_(segmento["mesas"]))
    if tipo in _ORIGENES or tipo == "no_asistieron":
        asistio = select(Asistencia.id).where(Asistencia.inscripcion_id == Inscripcion.id,
                                              Asistencia.evento_id == evento_id)
        if _ORIGENES.get(tipo):
            asistio = asistio.where(Asistencia.origen.in_(_ORIGENES[tipo]))
        condiciones.append(exists(asistio) if tipo in _ORIGENES else ~exists(asistio))
    if respetar_bajas:
        condiciones.append(Inscripcion.sin_anuncios_en.is_(None))
    return condiciones


def equipo(evento) -> list[Usuario]:
    """Quienes moderan o relatan alguna mesa del evento (cuentas de la oficina)."""
    return db.session.execute(
        select(Usuario).join(moderador_mesa, moderador_mesa.c.usuario_id == Usuario.id)
        .join(Mesa, Mesa.id == moderador_mesa.c.mesa_id)
        .where(Mesa.evento_id == evento.id, Usuario.activo.is_(True)).distinct().order_by(Usuario.id)).scalars().all()


def contar(evento, segmento: dict) -> int:
    """Cuántas personas recibirían hoy un anuncio a ese segmento (sin quienes pidieron no recibirlos)."""
    if segmento["tipo"] == "equipo":
        return len(equipo(evento))
    return db.session.execute(select(func.count()).select_from(Inscripcion)
                              .where(*_condiciones(evento.id, segmento, True))).scalar_one()


def muestra(evento, segmento: dict):
    """La primera persona del segmento (para la vista previa con datos reales), o None."""
    if segmento["tipo"] == "equipo":
        return next(iter(equipo(evento)), None)
    return db.session.execute(select(Inscripcion).where(*_condiciones(evento.id, segmento, True))
                              .order_by(Inscripcion.id).limit(1)).scalar_one_or_none()


# --- Anuncios ------------------------------------------------------------------------------------------
def enviar(anuncio: Anuncio) -> int:
    """Anota un correo por destinatario del segmento, con una sola sentencia; devuelve cuántos. Los mensajes
    se componen al entregarlos, cada uno con los datos y el idioma de su persona."""
    from . import mensajes

    momento = ahora()
    anuncio.enviado_en = momento
    db.session.flush()
    if anuncio.segmento["tipo"] == "equipo":
        cuantos = 0
        for usuario in equipo(anuncio.evento):
            asunto, texto = mensajes.para_el_equipo(anuncio, usuario)
            correo.encolar(usuario.correo, asunto, texto, "anuncio", anuncio.evento_id).anuncio = anuncio
            cuantos += 1
    else:
        columnas, filas = _un_correo_por_inscripcion(anuncio.evento_id, anuncio.tipo, momento,
                                                     anuncio_id=literal(anuncio.id))
        filas = filas.where(*_condiciones(anuncio.evento_id, anuncio.segmento, anuncio.tipo != "cambios"))
        if anuncio.tipo == "cambios":
            filas = filas.where(*_de_las_mesas(anuncio.datos["mesas"]))
        cuantos = _insertar(CorreoSaliente.__table__.insert().from_select(columnas, filas))
    anuncio.destinatarios = cuantos
    correo.programar_entrega(anuncio)
    return cuantos


def _un_correo_por_inscripcion(evento_id: int, tipo: str, momento, **otras) -> tuple[list[str], Select]:
    """Columnas y SELECT de las filas de la bandeja de salida (pendientes, sin componer) de las inscripciones
    que filtre quien llama: para anotarlas todas con un INSERT … SELECT. `otras`: columna → expresión."""
    columnas = ["evento_id", "inscripcion_id", "tipo", "destinatario", "asunto", "estado", "intentos", "ultimo_error",
                "proximo_intento", "creado_en", *otras]
    return columnas, select(literal(evento_id), Inscripcion.id, literal(tipo), Inscripcion.correo, literal(""),
                            literal("pendiente"), literal(0), literal(""), literal(momento, FechaHoraUTC),
                            literal(momento, FechaHoraUTC), *otras.values())


def _insertar(sentencia) -> int:
    """Las filas que insertó un INSERT … SELECT (con RETURNING: psycopg no da `rowcount` de estos)."""
    return len(db.session.execute(sentencia.returning(CorreoSaliente.id)).all())


def resultados(evento) -> dict[int, dict[str, int]]:
    """Por anuncio del evento: {estado: correos} (enviado, pendiente, fallido, anulado)."""
    cifras: dict[int, dict[str, int]] = {}
    for anuncio_id, estado, cuantos in db.session.execute(
            select(CorreoSaliente.anuncio_id, CorreoSaliente.estado, func.count())
            .join(Anuncio, Anuncio.id == CorreoSaliente.anuncio_id).where(Anuncio.evento_id == evento.id)
            .group_by(CorreoSaliente.anuncio_id, CorreoSaliente.estado)):
        cifras.setdefault(anuncio_id, {})[estado] = cuantos
    return cifras


def dar_de_baja(inscripcion) -> bool:
    """La persona deja de recibir anuncios de este evento (los recordatorios y avisos le siguen llegando).
    False si ya estaba de baja."""
    if inscripcion.sin_anuncios_en is not None:
        return False
    inscripcion.sin_anuncios_en = ahora()
    return True


# --- Recordatorios -------------------------------------------------------------------------------------
MARGEN_DE_REVISION = timedelta(minutes=5)  # más que cualquier transacción: lo confirmado durante una ronda se ve en la
                                           # siguiente (repetir es inocuo: la clave única descarta lo ya anotado)


def programar_recordatorios() -> int:
    """Anota los recordatorios cuyo momento ya llegó, una vez por persona, sesión y recordatorio (la columna
    única `clave` hace que dos procesos a la vez no anoten dos). Solo sesiones que aún no empezaron, de eventos
    publicados, para personas confirmadas; un momento anterior a `vigente_desde` (su creación, o cuando se
    reactivó o se alargó su antelación) no se envía.

    Cada ronda mira a todas las personas solo en las sesiones cuyo momento llegó (o que cambiaron) desde la
    ronda anterior; en las demás, solo a quien se confirmó o cambió de datos desde entonces: así el trabajo de
    una ronda no crece con las sesiones ya anotadas. Devuelve cuántos correos anotó."""
    momento = ahora()
    activos = db.session.execute(
        select(Recordatorio).join(Evento, Evento.id == Recordatorio.evento_id)
        .where(Recordatorio.activo.is_(True), Evento.estado == "publicado")).scalars().all()
    anotados = 0
    for recordatorio in activos:
        anotados += _programar(recordatorio, momento)
    if activos:  # sin pasar por el ORM: no es un cambio de la organización (ni va a la auditoría)
        db.session.execute(update(Recordatorio).where(Recordatorio.id.in_([r.id for r in activos]))
                           .values(revisado_en=momento - MARGEN_DE_REVISION))
    return anotados


def _programar(recordatorio: Recordatorio, momento) -> int:
    antes = timedelta(minutes=recordatorio.minutos_antes)
    desde = max(momento, recordatorio.vigente_desde + antes)  # inicio > desde: aún no empezó, y el momento
    hasta = momento + antes                                 # de enviar no es anterior a su creación
    revisado = recordatorio.revisado_en
    insertar = (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(CorreoSaliente.__table__)
    anotados = 0
    for sesion in db.session.execute(
            select(Sesion.id, Sesion.tipo, Sesion.inicio, Sesion.actualizado_en)
            .where(Sesion.evento_id == recordatorio.evento_id, Sesion.padre_id.is_(None),
                   Sesion.inicio > desde, Sesion.inicio <= hasta)):
        personas = [Inscripcion.evento_id == recordatorio.evento_id, Inscripcion.estado == "confirmada"]
        if revisado is not None and sesion.inicio - antes <= revisado and sesion.actualizado_en <= revisado:
            personas.append(Inscripcion.actualizado_en > revisado)  # sesión ya anotada: solo quien cambió
        if sesion.tipo == "mesas_de_trabajo":  # solo quien es de una de sus mesas (o no tiene mesa), como en su agenda
            de_la_sesion = select(mesa_sesion.c.mesa_id).where(mesa_sesion.c.sesion_id == sesion.id)
            personas.append(or_(Inscripcion.mesa_id.is_(None), Inscripcion.mesa_id.in_(de_la_sesion),
                                ~exists(de_la_sesion)))
        columnas, filas = _un_correo_por_inscripcion(
            recordatorio.evento_id, "recordatorio", momento, recordatorio_id=literal(recordatorio.id),
            sesion_id=literal(sesion.id), clave=literal(f"rec-{recordatorio.id}-{sesion.id}-") + cast(Inscripcion.id, String))
        anotados += _insertar(insertar.from_select(columnas, filas.where(*personas))
                              .on_conflict_do_nothing(index_elements=["clave"]))
    return anotados


def proximos_envios(recordatorio: Recordatorio, limite: int = 5) -> list[tuple]:
    """(momento de envío, sesión) de los próximos envíos del recordatorio, para la oficina."""
    momento = ahora()
    antes = timedelta(minutes=recordatorio.minutos_antes)
    sesiones = db.session.execute(
        select(Sesion).where(Sesion.evento_id == recordatorio.evento_id, Sesion.padre_id.is_(None),
                             Sesion.inicio > max(momento, recordatorio.vigente_desde + antes))
        .order_by(Sesion.inicio, Sesion.orden).limit(limite)).scalars().all()
    return [(sesion.inicio - antes, sesion) for sesion in sesiones]


# --- Cambios del programa ------------------------------------------------------------------------------
@dataclass
class Cambio:
    """Una sesión cuyo horario, sala o enlace difiere de lo último que se comunicó, o que se retiró."""
    titulo: str
    antes: dict
    despues: dict | None  # None: ya no se celebra
    sesion_id: int | None = None
    retirada_id: int | None = None

    @property
    def campos(self) -> list[str]:
        if self.despues is None:
            return []
        return [campo for campo in self.antes if self.antes.get(campo) != self.despues.get(campo)]


def cambios_pendientes(evento) -> list[Cambio]:
    """Las sesiones del evento que cambiaron desde el último aviso (y las retiradas sin avisar), de las que aún
    no terminaron."""
    momento = ahora().isoformat()
    cambios = []
    for sesion in db.session.execute(select(Sesion).where(Sesion.evento_id == evento.id, Sesion.padre_id.is_(None))
                                     .order_by(Sesion.inicio, Sesion.orden)).scalars():
        actual = datos_de_aviso(sesion)
        anterior = sesion.aviso or actual
        if anterior != actual and max(anterior["fin"], actual["fin"]) > momento:
            cambios.append(Cambio(sesion.titulo, anterior, actual, sesion_id=sesion.id))
    for retirada in db.session.execute(select(SesionRetirada).where(SesionRetirada.evento_id == evento.id,
                                                                    SesionRetirada.avisada_en.is_(None),
                                                                    SesionRetirada.fin > ahora())).scalars():
        cambios.append(Cambio(retirada.titulo, datos_de_aviso({"inicio": retirada.inicio, "fin": retirada.fin}), None,
                              retirada_id=retirada.id))
    return cambios


def mesas_afectadas(cambios: list[Cambio]) -> list[int] | None:
    """Las mesas cuyas personas tienen alguna de esas sesiones en su programa personal, o None si son todas
    (una sesión que no es de mesas, o una retirada: ya no dice de qué mesa era). Quien no tiene mesa ve
    todas las sesiones: a esa persona se le avisa siempre."""
    if any(c.retirada_id for c in cambios):
        return None
    mesas_de: dict[int, set] = {}
    for sesion_id, tipo, mesa_id in db.session.execute(
            select(Sesion.id, Sesion.tipo, mesa_sesion.c.mesa_id)
            .outerjoin(mesa_sesion, mesa_sesion.c.sesion_id == Sesion.id)
            .where(Sesion.id.in_([c.sesion_id for c in cambios]))):
        mesas_de.setdefault(sesion_id, set())
        if tipo == "mesas_de_trabajo" and mesa_id is not None:
            mesas_de[sesion_id].add(mesa_id)
    if any(not mesas for mesas in mesas_de.values()):
        return None
    return sorted(set().union(*mesas_de.values()))


def _de_las_mesas(mesas: list[int] | None) -> list:
    return [] if mesas is None else [or_(Inscripcion.mesa_id.is_(None), Inscripcion.mesa_id.in_(mesas))]


def contar_afectadas(evento, cambios: list[Cambio]) -> int:
    return db.session.execute(select(func.count()).select_from(Inscripcion).where(
        Inscripcion.evento_id == evento.id, Inscripcion.estado == "confirmada",
        *_de_las_mesas(mesas_afectadas(cambios)))).scalar_one()


def avisar_cambios(evento, nota: str, idioma: str, usuario) -> Anuncio | None:
    """Un aviso a cada persona afectada por los cambios pendientes (con su programa al día), y los cambios
    quedan como comunicados. None si no había ninguno; DatosInvalidos si la nota usa marcadores desconocidos."""
    comprobar_marcadores(nota, MARCADORES)
    cambios = cambios_pendientes(evento)
    if not cambios:
        return None
    anuncio = Anuncio(evento=evento, tipo="cambios", segmento={"tipo": "confirmadas"}, idioma=idioma,
                      textos={idioma: {"asunto": "", "texto": nota}} if nota.strip() else {},
                      datos={"cambios": [{"titulo": c.titulo, "antes": c.antes, "despues": c.despues,
                                          "sesion_id": c.sesion_id} for c in cambios],
                             "mesas": mesas_afectadas(cambios)},
                      creado_por_id=usuario.id if usuario else None)
    db.session.add(anuncio)
    enviar(anuncio)
    for cambio in cambios:
        if cambio.sesion_id:
            db.session.execute(update(Sesion).where(Sesion.id == cambio.sesion_id).values(aviso=cambio.despues))
        else:
            db.session.execute(update(SesionRetirada).where(SesionRetirada.id == cambio.retirada_id)
                               .values(avisada_en=ahora()))
    return anuncio
