"""Materiales en la oficina: documentos subidos o enlaces, del evento o de una sesión, en orden.

Los archivos van al almacén direccionado por contenido (servicios/materiales.py) y se descargan
siempre como adjunto, con las mismas cabeceras que la ruta pública."""
import re
import unicodedata
from pathlib import Path

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal, gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ..extensiones import db
from ..modelos import Material, Sesion
from ..servicios import materiales as almacen
from . import bp
from .formularios import FormularioMaterial, FormularioVacio
from ..permisos import de_evento, vista_de_evento
from .ordenables import Ordenable, registrar
from ..texto import etiqueta_sesion

EXTENSIONES_PERMITIDAS = ("pdf", "doc", "docx", "odt", "ppt", "pptx", "odp", "xls", "xlsx", "ods", "csv", "txt",
                          "md", "png", "jpg", "jpeg", "gif", "webp")
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def nombre_para_mostrar(original: str, extension: str) -> str:
    """Nombre de descarga seguro: `secure_filename` (sin carpetas, espacios ni signos), salvo que con
    letras acentuadas u otros alfabetos se conservan («Presentación_final.pdf»); «archivo.<ext>» si no
    queda nada. El archivo se guarda con el resumen de su contenido: este nombre solo se muestra."""
    nombre = unicodedata.normalize("NFC", original or "").replace("\\", "/").rsplit("/", 1)[-1]
    tallo = nombre[: -len(extension) - 1] if nombre.lower().endswith("." + extension) else nombre
    if tallo.isascii():
        tallo = secure_filename(tallo)
    else:  # \w: letras y cifras de cualquier alfabeto; fuera signos, espacios y caracteres invisibles
        tallo = re.sub(r"[^\w\-]+", "_", tallo)
    tallo = tallo.strip("._-")[:150].strip("._-")
    return f"{tallo}.{extension}" if tallo else f"archivo.{extension}"


def _megas(octetos: int) -> str:
    megas = octetos / (1024 * 1024)
    return format_decimal(round(megas, 1) if megas >= 1 else round(megas, 3))


def _formulario(evento, **kwargs) -> FormularioMaterial:
    formulario = FormularioMaterial(**kwargs)
    formulario.sesion.choices = [(0, _("El evento en general"))] + [
        (s.id, etiqueta_sesion(s)) for s in evento.sesiones]
    return formulario


def _pagina(evento, formulario, codigo=200):
    grupos = [(None, evento.materiales)] + [(s, s.materiales) for s in evento.sesiones if s.materiales]
    return render_template("organizacion/materiales.html", evento=evento, grupos=grupos, formulario=formulario,
                           acciones=FormularioVacio(), extensiones=EXTENSIONES_PERMITIDAS,
                           aceptar=",".join("." + e for e in EXTENSIONES_PERMITIDAS),
                           maximo=_megas(current_app.config["MATERIALES_TAMANO_MAXIMO"])), codigo


def _leer_envio(formulario) -> dict | None:
    """Comprueba que haya exactamente un archivo permitido o un enlace http(s); devuelve los campos del
    archivo o del enlace para el `Material`, o None tras anotar el problema en el formulario."""
    archivo = formulario.archivo.data
    hay_archivo = isinstance(archivo, FileStorage) and bool(archivo.filename)
    url = (formulario.url.data or "").strip()
    if hay_archivo and url:
        formulario.form_errors.append(_("Suba un archivo o escriba un enlace, pero no los dos a la vez."))
        return None
    if not hay_archivo and not url:
        formulario.form_errors.append(_("Falta el material: suba un archivo o escriba un enlace (uno de los dos)."))
        return None
    if url:
        if not _URL.match(url):
            formulario.url.errors = [_("El enlace debe ser una dirección que empiece por http:// o https://.")]
            return None
        return {"url": url}
    extension = Path(archivo.filename).suffix.lower().lstrip(".")
    if extension not in EXTENSIONES_PERMITIDAS:
        formulario.archivo.errors = [_("Tipo de archivo no permitido. Se admiten: %(lista)s.",
                                       lista=", ".join(EXTENSIONES_PERMITIDAS))]
        return None
    maximo = current_app.config["MATERIALES_TAMANO_MAXIMO"]
    contenido = archivo.stream.read(maximo + 1)
    if len(contenido) > maximo:
        formulario.archivo.errors = [_("El archivo supera el tamaño máximo de %(mb)s MB.", mb=_megas(maximo))]
        return None
    if not contenido:
        formulario.archivo.errors = [_("El archivo está vacío.")]
        return None
    return almacen.guardar(contenido, nombre_para_mostrar(archivo.filename, extension))


def _lista_del_dueno(material: Material) -> list:
    """Los materiales junto a los que se ordena: los del evento, o los de su sesión."""
    hermanos = material.evento.materiales if material.sesion_id is None else material.sesion.materiales
    return sorted(hermanos, key=lambda m: (m.orden, m.id))


@bp.get("/eventos/<slug>/materiales")
@vista_de_evento()
def materiales(evento):
    formulario = _formulario(evento, formdata=None)
    formulario.sesion.data = 0
    return _pagina(evento, formulario)


@bp.post("/eventos/<slug>/materiales")
@vista_de_evento(auditoria=_l("Nuevo material"))
def nuevo_material(evento):
    formulario = _formulario(evento)
    campos = _leer_envio(formulario) if formulario.validate_on_submit() else None
    if campos is None:
        return _pagina(evento, formulario, 400)
    sesion = de_evento(Sesion, formulario.sesion.data, evento) if formulario.sesion.data else None
    hermanos = sesion.materiales if sesion is not None else evento.materiales
    material = Material(evento=evento, sesion=sesion, titulo=formulario.titulo.data.strip(), tipo=formulario.tipo.data,
                        descripcion=(formulario.descripcion.data or "").strip(),
                        orden=max((m.orden for m in hermanos), default=-1) + 1, **campos)
    db.session.add(material)
    db.session.commit()
    flash(_("Material «%(titulo)s» añadido.", titulo=material.titulo), "info")
    return redirect(url_for("organizacion.materiales", slug=evento.slug) + f"#material-{material.id}")


registrar(Ordenable(
    Material, "material", "materiales/<int:material_id>",
    volver=lambda m: url_for("organizacion.materiales", slug=m.evento.slug),
    auditoria_borrar=_l("Material eliminado"), auditoria_mover=_l("Cambio del orden de los materiales"),
    hermanos=_lista_del_dueno, ancla="material",
    aviso_borrado=lambda m: _("Material «%(titulo)s» eliminado.", titulo=m.titulo)))


@bp.get("/eventos/<slug>/materiales/<int:material_id>/descargar")
@vista_de_evento((Material, "material_id"))
def descargar_material(evento, material):
    """Para revisar los archivos aunque el evento siga en borrador (la ruta pública exige publicado)."""
    respuesta = almacen.descarga(material, max_age=0)
    respuesta.headers["Cache-Control"] = "private, no-store"
    return respuesta
