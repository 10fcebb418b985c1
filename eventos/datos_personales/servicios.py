"""Lo que se guarda de cada persona inscrita, su descarga y su borrado.

Borrar es anonimizar: la fila de la inscripción queda (los recuentos, la asistencia y las estadísticas la
necesitan), sin nada que identifique a nadie: nombre, correo, institución, respuestas y enlaces fuera; su QR, su
enlace personal y su calendario dejan de existir; su constancia queda retirada; sus correos en la bandeja, sin
destinatario ni contenido; y la auditoría deja de guardar los valores que tenía. Si el evento aún no terminó, la
inscripción se cancela (su plaza pasa a la lista de espera, como en cualquier baja).

Quien llama (vista, orden o proceso de correo) confirma la transacción."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from .. import zonas
from ..extensiones import db
from ..modelos import (Asistencia, Auditoria, AvisoPrivacidad, Constancia, CorreoSaliente, Evento, Inscripcion,
                       PreguntaInscripcion, Sesion)
from ..modelos.inscripciones import secreto, textos_de_busqueda

ANONIMIZADO = "(anonimizado)"
_CAMPOS_PERSONALES = ("nombre", "apellidos", "correo", "institucion", "cargo", "ciudad")
_LARGO_MINIMO_A_BORRAR = 3  # en la auditoría, textos más cortos («MX», «a») no identifican a nadie


# --- Aviso de privacidad -----------------------------------------------------------------------------
def aviso_generico(evento) -> str:
    """El aviso que se muestra si la organización no escribió el suyo (Markdown), en el idioma de la página."""
    texto = _("Sus datos los usan solo las personas que organizan «%(evento)s» para gestionar su inscripción, su "
              "acreditación, las comunicaciones del evento y las constancias de asistencia. No se ceden a terceros. "
              "Desde su enlace personal puede consultarlos, corregirlos, descargarlos, borrarlos o cancelar su "
              "inscripción en cualquier momento. Se borran %(meses)d meses después del evento.",
              evento=evento.titulo, meses=evento.retencion_meses)
    if evento.organizadores:
        texto += "\n\n" + _("Responsables:") + " " + ", ".join(evento.organizadores) + "."
    return texto


def texto_del_aviso(evento) -> str:
    return evento.aviso_privacidad or aviso_generico(evento)


def version_del_aviso(evento_id: int, texto: str) -> int:
    """El id de la versión de ese texto del aviso del evento; si es un texto nuevo, la crea con el número
    siguiente. Cada inscripción la pide: la versión que ya existe se busca por su huella, sin cargar el texto."""
    huella = hashlib.sha256(texto.encode()).hexdigest()
    parametros = {"evento_id": evento_id, "huella": huella}
    version_id = db.session.scalar(_VERSION_DEL_AVISO, parametros)
    if version_id is not None:
        return version_id
    numero = (db.session.scalar(select(db.func.max(AvisoPrivacidad.version))
                                .where(AvisoPrivacidad.evento_id == evento_id)) or 0) + 1
    try:
        with db.session.begin_nested():  # otra inscripción simultánea pudo crear la misma versión
            version = AvisoPrivacidad(evento_id=evento_id, version=numero, texto=texto, huella=huella)
            db.session.add(version)
    except IntegrityError:
        return db.session.execute(_VERSION_DEL_AVISO, parametros).scalar_one()
    return version.id


_VERSION_DEL_AVISO = select(AvisoPrivacidad.id).where(AvisoPrivacidad.evento_id == bindparam("evento_id"),
                                                      AvisoPrivacidad.huella == bindparam("huella"))


# --- Retención ---------------------------------------------------------------------------------------
def fecha_de_borrado(evento):
    """Cuándo se anonimizan las inscripciones del evento: `retencion_meses` tras la medianoche en que termina su
    último día, en la zona del evento."""
    fin = zonas.inicio_del_dia(evento.fecha_fin + timedelta(days=1), evento.zona_horaria)
    local = zonas.a_local(fin, evento.zona_horaria) + relativedelta(months=evento.retencion_meses)
    return zonas.inicio_del_dia(local.date(), evento.zona_horaria)


def anonimizar_vencidas(limite: int = 1000) -> int:
    """Anonimiza las inscripciones de los eventos cuya retención venció (como mucho `limite` por llamada);
    devuelve cuántas. Idempotente, y dos procesos a la vez no se estorban: cada fila se toma con una
    actualización condicional."""
    momento = zonas.ahora()
    hechas = 0
    candidatos = db.session.execute(select(Evento).where(
        select(Inscripcion.id).where(Inscripcion.evento_id == Evento.id, Inscripcion.anonimizada_en.is_(None))
        .exists())).scalars().all()
    for evento in candidatos:
        if fecha_de_borrado(evento) > momento:  # en la zona del evento: nunca con la fecha del instante UTC
            continue
        ids = db.session.execute(select(Inscripcion.id).where(Inscripcion.evento_id == evento.id,
                                                              Inscripcion.anonimizada_en.is_(None))
                                 .order_by(Inscripcion.id).limit(limite - hechas)).scalars().all()
        hechas += anonimizar(evento, ids, usuario_id=None, motivo="retencion")
        if hechas >= limite:
            break
    return hechas


# --- Descarga ----------------------------------------------------------------------------------------
def datos_de(inscripcion: Inscripcion) -> dict:
    """Todo lo que se guarda de esta inscripción, para dárselo a su dueña (JSON o página)."""
    evento = inscripcion.evento
    zona = evento.zona_horaria

    def momento(valor):
        return zonas.iso(valor, zona)

    preguntas = dict(db.session.execute(select(PreguntaInscripcion.id, PreguntaInscripcion.texto)
                                        .where(PreguntaInscripcion.evento_id == evento.id)).all())
    sesiones = dict(db.session.execute(select(Sesion.id, Sesion.titulo).where(Sesion.evento_id == evento.id)).all())
    correos = db.session.execute(select(CorreoSaliente).where(CorreoSaliente.inscripcion_id == inscripcion.id)
                                 .order_by(CorreoSaliente.id)).scalars().all()
    asistencias = db.session.execute(select(Asistencia).where(Asistencia.inscripcion_id == inscripcion.id)
                                     .order_by(Asistencia.registrada_en)).scalars().all()
    aviso = inscripcion.aviso_privacidad
    historial = [("inscrita", inscripcion.creado_en), ("confirmada", inscripcion.confirmada_en),
                 ("cancelada", inscripcion.cancelada_en)]
    return {
        "evento": {"titulo": evento.titulo, "identificador": evento.slug, "zona_horaria": zona,
                   "organizadores": list(evento.organizadores or []),
                   "borrado_de_datos_previsto": momento(fecha_de_borrado(evento))},
        "inscripcion": {
            "numero": inscripcion.id, "estado": inscripcion.estado, "nombre": inscripcion.nombre,
            "apellidos": inscripcion.apellidos, "correo": inscripcion.correo, "institucion": inscripcion.institucion,
            "cargo": inscripcion.cargo, "pais": inscripcion.pais, "ciudad": inscripcion.ciudad,
            "modalidad": inscripcion.modalidad, "mesa": inscripcion.mesa.nombre if inscripcion.mesa else None,
            "zona_horaria": inscripcion.zona_horaria, "idioma": inscripcion.idioma,
            "actualizada_en": momento(inscripcion.actualizado_en),
            "sin_anuncios_desde": momento(inscripcion.sin_anuncios_en),
        },
        "respuestas": [{"pregunta": preguntas.get(int(clave), clave) if str(clave).isdigit() else clave,
                        "respuesta": valor} for clave, valor in (inscripcion.respuestas or {}).items()],
        "consentimiento": {"aceptado_en": momento(inscripcion.consentimiento_en),
                           "version_del_aviso": aviso.version if aviso else None,
                           "texto_del_aviso": aviso.texto if aviso else None} if inscripcion.consentimiento_en else None,
        "historial": [{"estado": estado, "en": momento(cuando)} for estado, cuando in historial if cuando],
        "correos": [{"asunto": c.asunto, "tipo": c.tipo, "estado": c.estado, "anotado_en": momento(c.creado_en),
                     "enviado_en": momento(c.enviado_en)} for c in correos],
        "asistencia": [{"sesion": sesiones.get(a.sesion_id) if a.sesion_id else None, "origen": a.origen,
                        "registrada_en": momento(a.registrada_en)} for a in asistencias],
        "constancia": {"codigo": inscripcion.constancia.codigo, "emitida_en": momento(inscripcion.constancia.emitida_en)}
        if inscripcion.constancia else None,
    }


# --- Borrado -----------------------------------------------------------------------------------------
def borrar(inscripcion_id: int, usuario_id: int | None) -> None:
    """Borra los datos personales de una inscripción (a petición de su dueña, o de la organización en su
    nombre). Si el evento aún no terminó, antes se cancela: su plaza pasa a la lista de espera."""
    from ..inscripciones import servicios as inscripciones

    inscripcion = db.session.get(Inscripcion, inscripcion_id)
    if inscripcion is None or inscripcion.anonimizada_en is not None:
        return
    evento = inscripcion.evento
    if not evento.termino() and inscripcion.estado != "cancelada":
        inscripciones.cancelar(inscripcion_id, avisar=False)  # no hay a quién avisar: su correo se borra
    anonimizar(evento, [inscripcion_id], usuario_id=usuario_id, motivo="peticion")


def anonimizar(evento, ids: list[int], usuario_id: int | None, motivo: str) -> int:
    """Anonimiza esas inscripciones del evento (las que aún no lo estaban); devuelve cuántas."""
    filas = db.session.execute(select(Inscripcion).where(Inscripcion.id.in_(ids), Inscripcion.evento_id == evento.id,
                                                         Inscripcion.anonimizada_en.is_(None))).scalars().all()
    personales = set()
    momento = zonas.ahora()
    lista = []
    for inscripcion in filas:
        personales.update(_textos_personales(inscripcion))
        anonima = f"anonimizada-{inscripcion.id}@invalid"
        busqueda, plegada = textos_de_busqueda(ANONIMIZADO, "", anonima, "")
        # Sin pasar por el ORM: la auditoría automática guardaría los valores de antes, que es lo que se borra.
        # La condición hace que, si dos procesos la toman a la vez, solo uno la anonimice.
        if db.session.execute(
                update(Inscripcion).where(Inscripcion.id == inscripcion.id, Inscripcion.anonimizada_en.is_(None))
                .values(nombre=ANONIMIZADO, apellidos="", correo=anonima, institucion="", cargo="", ciudad="",
                        respuestas={}, zona_horaria="", clave_gestion=secreto(), clave_calendario=secreto(),
                        codigo=secreto(), version_calendario=Inscripcion.version_calendario + 1,
                        busqueda=busqueda, institucion_plegada=plegada, anonimizada_en=momento,
                        actualizado_en=momento)).rowcount:
            lista.append(inscripcion.id)
        db.session.expire(inscripcion)
    if not lista:
        return 0
    db.session.execute(update(CorreoSaliente).where(CorreoSaliente.inscripcion_id.in_(lista))
                       .values(destinatario=ANONIMIZADO, asunto="", mensaje=None, ultimo_error=""))
    db.session.execute(update(CorreoSaliente).where(CorreoSaliente.inscripcion_id.in_(lista),
                                                    CorreoSaliente.estado.in_(("pendiente", "fallido")))
                       .values(estado="anulado"))
    db.session.execute(update(Constancia).where(Constancia.inscripcion_id.in_(lista), Constancia.retirada_en.is_(None))
                       .values(retirada_en=momento))
    _limpiar_auditoria(evento.id, personales)
    db.session.add(Auditoria(evento_id=evento.id, usuario_id=usuario_id,
                             accion="Borrado de datos personales" if motivo == "peticion"
                             else "Borrado de datos personales al vencer la retención",
                             cambios=[{"accion": "anonimizó", "objeto": f"Inscripción n.º {n}"} for n in lista[:100]]))
    return len(lista)


def _textos_personales(inscripcion: Inscripcion) -> set[str]:
    textos = {getattr(inscripcion, campo) for campo in _CAMPOS_PERSONALES} | {inscripcion.nombre_completo}
    for valor in (inscripcion.respuestas or {}).values():
        textos.update(valor if isinstance(valor, list) else [valor])
    return {t for t in textos if isinstance(t, str) and len(t.strip()) >= _LARGO_MINIMO_A_BORRAR}


def _limpiar_auditoria(evento_id: int, personales: set[str]) -> None:
    """La auditoría del evento sin esos textos (los valores de antes y de después de cada cambio, y el nombre
    del objeto, «Inscripción de ana@…»)."""
    if not personales:
        return
    ordenados = sorted(personales, key=len, reverse=True)  # primero el nombre completo, luego sus partes

    def limpiar(valor):
        if isinstance(valor, str):
            for texto in ordenados:
                valor = valor.replace(texto, ANONIMIZADO)
            return valor
        if isinstance(valor, list):
            return [limpiar(v) for v in valor]
        if isinstance(valor, dict):
            return {k: limpiar(v) for k, v in valor.items()}
        return valor

    for registro_id, cambios in db.session.execute(select(Auditoria.id, Auditoria.cambios)
                                                   .where(Auditoria.evento_id == evento_id)).all():
        limpios = limpiar(cambios)
        if limpios != cambios:
            db.session.execute(update(Auditoria).where(Auditoria.id == registro_id).values(cambios=limpios))
