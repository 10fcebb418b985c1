"""Formularios de la oficina. Las reglas del programa (horas locales, fechas, anidamiento) no se
repiten aquí: los datos pasan por los mismos lectores que la importación (servicios/programa.py)."""
from flask_babel import get_translations, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, HiddenField, IntegerField, RadioField,
                     SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp,
                                ValidationError)

from .. import zonas
from ..comunicaciones.servicios import LARGO_ASUNTO, LARGO_TEXTO, MINUTOS_MAXIMOS
from ..entrada import Formulario
from ..extensiones import es_entero_bd
from ..modelos import (MAXIMO_DIAS_ANTES, MAXIMO_MINUTOS_ANTES, MINUTOS_ANTES_POR_OMISION, MODALIDADES, ROLES,
                       TIPOS_MATERIAL, TIPOS_SESION)

REQUERIDO = _l("Este campo es obligatorio.")


def con_ids_unicos(formulario, prefijo: str):
    """Ids únicos para los campos cuando una página lleva el mismo formulario varias veces (uno por bloque de una
    guía, por sección de una encuesta…)."""
    for campo in formulario:
        if campo.type not in ("CSRFTokenField", "HiddenField"):
            campo.id = f"{prefijo}-{campo.name}"
            campo.label.field_id = campo.id
    return formulario


def formularios_del_grupo(grupo, prefijo: str, Renombrar, NuevaPregunta, renombrar=None, nueva_pregunta=None):
    """Los dos formularios de un bloque de la guía o de una sección de la encuesta: cambiar su título y añadirle
    una pregunta. El enviado con errores (`renombrar` o `nueva_pregunta`, como (id del grupo, formulario)) ocupa
    su sitio; hay un par de campos iguales por grupo en la página: ids únicos y el título en la etiqueta."""
    f_renombrar = renombrar[1] if renombrar and renombrar[0] == grupo.id else Renombrar(formdata=None, obj=grupo)
    f_pregunta = (nueva_pregunta[1] if nueva_pregunta and nueva_pregunta[0] == grupo.id
                  else NuevaPregunta(formdata=None))
    f_renombrar.titulo.label.text = gettext("Título de «%(titulo)s»", titulo=grupo.titulo)
    return (con_ids_unicos(f_renombrar, f"{prefijo}-{grupo.id}"),
            con_ids_unicos(f_pregunta, f"{prefijo}-{grupo.id}-nueva"))


CLAVE = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Solo minúsculas sin acentos, números y guiones (p. ej. foro-2027)."))
TEXTO_LARGO = [Optional(), Length(max=20000)]


def opciones_de_zonas(idioma: str, elegidas=()) -> list[SelectChoice]:
    """Las zonas IANA comunes agrupadas por región, con nombres legibles; más las ya elegidas que no están entre
    ellas (una zona importada, p. ej. America/Buenos_Aires), para no perderlas al guardar."""
    opciones = [SelectChoice(nombre, etiqueta, optgroup=region)
                for region, zonas_region in zonas.zonas_por_region(idioma) for nombre, etiqueta in zonas_region]
    conocidas = {opcion.value for opcion in opciones}
    otras = str(_l("Otras zonas"))
    opciones += [SelectChoice(nombre, zonas.etiqueta_zona(nombre, idioma), optgroup=otras)
                 for nombre in elegidas or () if nombre not in conocidas and zonas.es_zona_valida(nombre)]
    return opciones


def _opciones(diccionario):
    return [(clave, etiqueta) for clave, etiqueta in diccionario.items()]


class FormularioEvento(Formulario):
    titulo = StringField(_l("Título"), validators=[DataRequired(REQUERIDO), Length(max=300)])
    # Vacío al crear: se forma con el título (servicios.slug_para_evento). Al editar no cambia.
    slug = StringField(_l("Identificador en la dirección"), validators=[Optional(), Length(max=120), CLAVE])
    lema = StringField(_l("Lema o subtítulo"), validators=[Optional(), Length(max=500)])
    resumen = TextAreaField(_l("Presentación"), validators=TEXTO_LARGO)
    nota_conceptual = TextAreaField(_l("Nota conceptual"), validators=TEXTO_LARGO)
    objetivos = TextAreaField(_l("Objetivos"), validators=TEXTO_LARGO)
    resultados_esperados = TextAreaField(_l("Resultados esperados"), validators=TEXTO_LARGO)
    formato_y_metodologia = TextAreaField(_l("Formato y metodología"), validators=TEXTO_LARGO)
    organizadores = TextAreaField(_l("Instituciones organizadoras (una por línea)"), validators=[Optional(), Length(max=3000)])
    modalidad = SelectField(_l("Modalidad"), choices=_opciones(MODALIDADES))
    sede = StringField(_l("Sede"), validators=[Optional(), Length(max=500)])
    enlace_virtual = StringField(_l("Enlace de acceso en línea"), validators=[Optional(), Length(max=1000)])
    zona_horaria = SelectField(_l("Zona horaria del evento"), validators=[DataRequired(REQUERIDO)])
    # Las opciones (zonas IANA agrupadas por región) las pone la vista: opciones_de_zonas().
    zonas_adicionales = SelectMultipleField(_l("Zonas horarias adicionales"), choices=[],
                                            invalid_choice_message=lambda n: get_translations().ngettext(
                                                "La zona '%(value)s' no está en la lista.",
                                                "Las zonas '%(value)s' no están en la lista.", n))
    fecha_inicio = DateField(_l("Primer día"), validators=[DataRequired(_l("Escriba una fecha válida."))])
    fecha_fin = DateField(_l("Último día"), validators=[DataRequired(_l("Escriba una fecha válida."))])
    fechas_ilustrativas = BooleanField(_l("Las fechas son ilustrativas"))
    nota_fechas = TextAreaField(_l("Nota sobre las fechas"), validators=[Optional(), Length(max=2000)])
    inscripcion_apertura = DateTimeLocalField(_l("Apertura de la inscripción"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    inscripcion_cierre = DateTimeLocalField(_l("Cierre de la inscripción"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    cupo = IntegerField(_l("Cupo"), validators=[Optional(), NumberRange(min=1, max=1000000)])
    acreditacion_dias_antes = IntegerField(_l("Días de acreditación antes del primer día"), default=0,
                                           validators=[InputRequired(REQUERIDO), NumberRange(min=0, max=MAXIMO_DIAS_ANTES)])
    conexion_minutos_antes = IntegerField(_l("Minutos antes de cada sesión en que se puede entrar en línea"),
                                          default=MINUTOS_ANTES_POR_OMISION,
                                          validators=[InputRequired(REQUERIDO), NumberRange(min=0, max=MAXIMO_MINUTOS_ANTES)])
    constancias_habilitadas = BooleanField(_l("Emitir constancias de asistencia"))
    conservar_horas = BooleanField(_l("Si cambia la zona horaria, conservar las horas locales de las sesiones"), default=True)


class FormularioSesion(Formulario):
    titulo = StringField(_l("Título"), validators=[DataRequired(REQUERIDO), Length(max=300)])
    tipo = SelectField(_l("Tipo"), choices=_opciones(TIPOS_SESION))
    padre = SelectField(_l("Dentro de la sesión"), coerce=int, validate_choice=False)  # las reglas: validar_arbol
    dia = SelectField(_l("Día"))
    hora_inicio = TimeField(_l("Empieza (hora local del evento)"), validators=[DataRequired(_l("Escriba una hora válida (HH:MM)."))])
    hora_fin = TimeField(_l("Termina (hora local del evento)"), validators=[DataRequired(_l("Escriba una hora válida (HH:MM)."))])
    horario_ilustrativo = BooleanField(_l("El horario es ilustrativo"))
    sala = StringField(_l("Sala"), validators=[Optional(), Length(max=200)])
    enlace = StringField(_l("Enlace en línea"), validators=[Optional(), Length(max=1000)])
    grabacion = StringField(_l("Grabación (enlace)"), validators=[Optional(), Length(max=1000)])
    objetivo = TextAreaField(_l("Objetivo"), validators=TEXTO_LARGO)
    descripcion = TextAreaField(_l("Descripción"), validators=TEXTO_LARGO)
    clave = StringField(_l("Identificador en la dirección"), validators=[Optional(), Length(max=80), CLAVE])


class FormularioParticipacion(Formulario):
    nombre = StringField(_l("Nombre"), validators=[DataRequired(REQUERIDO), Length(max=200)])
    tratamiento = StringField(_l("Tratamiento (Dr., Lic.…)"), validators=[Optional(), Length(max=40)])
    rol = SelectField(_l("Rol"), choices=_opciones(ROLES))
    cargo = StringField(_l("Cargo"), validators=[Optional(), Length(max=300)])
    institucion = StringField(_l("Institución"), validators=[Optional(), Length(max=300)])
    ciudad = StringField(_l("Ciudad"), validators=[Optional(), Length(max=120)])
    pais = StringField(_l("País"), validators=[Optional(), Length(max=120)])


class FormularioDuplicar(Formulario):
    slug = StringField(_l("Identificador de la copia"), validators=[DataRequired(REQUERIDO), Length(max=120), CLAVE])
    fecha_inicio = DateField(_l("Nuevo primer día"), validators=[DataRequired(_l("Escriba una fecha válida."))])


class FormularioImportar(Formulario):
    archivo = FileField(_l("Archivo de programa (YAML o JSON)"))
    slug = StringField(_l("Identificador nuevo (opcional)"), validators=[Optional(), Length(max=120), CLAVE])


class FormularioVacio(Formulario):
    """Solo el token CSRF: botones de acción (publicar, borrar, mover…)."""


class FormularioMesa(Formulario):
    nombre = StringField(_l("Nombre"), validators=[DataRequired(REQUERIDO), Length(max=300)])
    descripcion = TextAreaField(_l("Descripción"), validators=TEXTO_LARGO)
    cupo = IntegerField(_l("Cupo"), validators=[Optional(), NumberRange(min=1, max=100000)])
    sala = StringField(_l("Sala"), validators=[Optional(), Length(max=200)])
    enlace = StringField(_l("Enlace en línea"), validators=[Optional(), Length(max=1000)])


class FormularioGuia(Formulario):
    titulo = StringField(_l("Título (opcional)"), validators=[Optional(), Length(max=300)])
    pregunta_rectora = TextAreaField(_l("Pregunta rectora (opcional)"), validators=[Optional(), Length(max=5000)])
    sesion = SelectField(_l("Sesión"), coerce=int)


class FormularioBloque(Formulario):
    titulo = StringField(_l("Título del bloque o ronda"), validators=[DataRequired(REQUERIDO), Length(max=300)])


class FormularioPregunta(Formulario):
    texto = TextAreaField(_l("Pregunta"), validators=[DataRequired(REQUERIDO), Length(max=5000)])


class FormularioMaterial(Formulario):
    titulo = StringField(_l("Título"), validators=[DataRequired(REQUERIDO), Length(max=300)])
    tipo = SelectField(_l("Tipo"), choices=_opciones(TIPOS_MATERIAL))
    descripcion = TextAreaField(_l("Descripción"), validators=[Optional(), Length(max=2000)])
    sesion = SelectField(_l("Sesión"), coerce=int)
    archivo = FileField(_l("Archivo"))
    url = StringField(_l("Enlace (si no sube un archivo)"), validators=[Optional(), Length(max=1000)])


class FormularioMiembro(Formulario):
    correo = EmailField(_l("Correo"), validators=[DataRequired(REQUERIDO), Email(_l("Escriba una dirección de correo válida.")), Length(max=254)])
    nombre = StringField(_l("Nombre (si aún no tiene cuenta)"), validators=[Optional(), Length(max=200)])
    rol = SelectField(_l("Rol"))


# --- Comunicaciones ---------------------------------------------------------------------------------
IDIOMAS_MENSAJE = {"es": _l("Español"), "en": _l("Inglés"), "pt": _l("Portugués")}


def _version(nombre_idioma):
    """Asunto (una línea) y texto de la versión del mensaje en un idioma; la vista decide cuál es obligatoria."""
    return (StringField(_l("Asunto (%(idioma)s)", idioma=nombre_idioma),
                        validators=[Optional(), Length(max=LARGO_ASUNTO)]),
            TextAreaField(_l("Texto (%(idioma)s)", idioma=nombre_idioma),
                          validators=[Optional(), Length(max=LARGO_TEXTO)]))


class FormularioMensaje(Formulario):
    """Lo común a anuncios y recordatorios: el idioma principal y una versión del mensaje por idioma."""
    idioma = SelectField(_l("Idioma principal"), choices=_opciones(IDIOMAS_MENSAJE), default="es")
    asunto_es, texto_es = _version(_l("español"))
    asunto_en, texto_en = _version(_l("inglés"))
    asunto_pt, texto_pt = _version(_l("portugués"))

    def textos(self) -> dict:
        """{idioma: {"asunto", "texto"}} de las versiones escritas (con algo en el asunto o en el texto)."""
        textos = {}
        for idioma in IDIOMAS_MENSAJE:
            asunto = (self[f"asunto_{idioma}"].data or "").strip()
            texto = (self[f"texto_{idioma}"].data or "").replace("\r\n", "\n").strip()
            if asunto or texto:
                textos[idioma] = {"asunto": asunto, "texto": texto}
        return textos

    def rellenar_textos(self, textos: dict, idioma: str) -> None:
        self.idioma.data = idioma
        for clave, version in textos.items():
            if clave in IDIOMAS_MENSAJE:
                self[f"asunto_{clave}"].data, self[f"texto_{clave}"].data = version["asunto"], version["texto"]


class FormularioAnuncio(FormularioMensaje):
    segmento = RadioField(_l("A quién va"), choices=[])  # las opciones las pone la vista
    mesas = SelectMultipleField(_l("Mesas"), coerce=int, choices=[])
    ids = SelectMultipleField(coerce=int, validate_choice=False)  # la selección de la lista de inscripciones
    cuantas = IntegerField(validators=[Optional()])  # las personas que mostró la vista previa
    huella = HiddenField(validators=[Optional(), Length(max=64)])  # lo que mostró la vista previa

    def validate_ids(self, campo):
        if any(not (i > 0 and es_entero_bd(i)) for i in campo.data or ()):
            raise ValidationError(_l("La selección de personas no es válida."))


ANTELACIONES = [("15", _l("15 min antes")), ("60", _l("1 h antes")), ("120", _l("2 h antes")),
                ("1440", _l("24 h antes")), ("2880", _l("48 h antes")), ("otra", _l("Otra antelación, en minutos"))]


class FormularioRecordatorio(FormularioMensaje):
    antelacion = SelectField(_l("Cuándo se envía"), choices=ANTELACIONES, default="1440")
    minutos = IntegerField(_l("Minutos antes del inicio (si eligió «Otra antelación»)"),
                           validators=[Optional(), NumberRange(min=1, max=MINUTOS_MAXIMOS)])
    activo = BooleanField(_l("Activo: se envía en su momento"), default=True)

    def validate_antelacion(self, campo):
        if campo.data == "otra" and self.minutos.data is None:
            raise ValidationError(_l("Escriba en «Minutos antes del inicio» cuántos minutos antes se envía."))

    def minutos_antes(self) -> int:
        return self.minutos.data if self.antelacion.data == "otra" else int(self.antelacion.data)

    def rellenar_antelacion(self, minutos: int) -> None:
        comunes = {valor for valor, _etiqueta in ANTELACIONES if valor != "otra"}
        self.antelacion.data = str(minutos) if str(minutos) in comunes else "otra"
        self.minutos.data = None if str(minutos) in comunes else minutos


class FormularioAvisoCambios(Formulario):
    nota = TextAreaField(_l("Nota para acompañar el aviso (opcional)"),
                         validators=[Optional(), Length(max=LARGO_TEXTO)])
    idioma = SelectField(_l("Idioma de la nota"), choices=_opciones(IDIOMAS_MENSAJE), default="es")


# --- Encuesta de evaluación -------------------------------------------------------------------------
from ..modelos.encuestas import CON_OPCIONES, PUBLICOS_ENCUESTA, TIPOS_PREGUNTA_ENCUESTA  # noqa: E402

MAXIMO_OPCIONES_ENCUESTA = 30


class FormularioEncuesta(Formulario):
    """Los datos de la encuesta. Las fechas son horas de reloj de la zona del evento; la vista las convierte."""
    titulo = StringField(_l("Título"), validators=[DataRequired(REQUERIDO), Length(max=300)])
    introduccion = TextAreaField(_l("Introducción"), validators=[Optional(), Length(max=5000)])
    abre_en = DateTimeLocalField(_l("Se abre"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    cierra_en = DateTimeLocalField(_l("Se cierra"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    publico = RadioField(_l("Quién puede responderla"), choices=_opciones(PUBLICOS_ENCUESTA), default="asistentes")
    anonima = BooleanField(_l("Encuesta anónima"), default=True)

    def validate_cierra_en(self, campo):
        if campo.data and self.abre_en.data and campo.data <= self.abre_en.data:
            raise ValidationError(_l("El cierre debe ser posterior a la apertura."))


class FormularioSeccionEncuesta(Formulario):
    titulo = StringField(_l("Título de la sección"), validators=[DataRequired(REQUERIDO), Length(max=300)])


class FormularioPreguntaEncuesta(Formulario):
    tipo = SelectField(_l("Tipo de pregunta"), choices=_opciones(TIPOS_PREGUNTA_ENCUESTA))
    texto = StringField(_l("Pregunta"), validators=[DataRequired(REQUERIDO), Length(max=500)])
    ayuda = StringField(_l("Ayuda (opcional)"), validators=[Optional(), Length(max=500)])
    obligatoria = BooleanField(_l("Respuesta obligatoria"))
    etiqueta_minima = StringField(_l("Etiqueta del 1 (opcional)"), validators=[Optional(), Length(max=100)])
    etiqueta_maxima = StringField(_l("Etiqueta del 5 (opcional)"), validators=[Optional(), Length(max=100)])
    # Sin Optional(): con él, un campo vacío se saltaría validate_opciones (y una pregunta de opciones quedaría sin ellas).
    opciones = TextAreaField(_l("Opciones (una por línea)"), validators=[Length(max=8000)])

    def validate_opciones(self, campo):
        if self.tipo.data not in CON_OPCIONES:
            return
        opciones = [linea.strip() for linea in (campo.data or "").splitlines() if linea.strip()]
        if len(opciones) < 2:
            raise ValidationError(_l("Escriba al menos dos opciones, una por línea."))
        if len(opciones) > MAXIMO_OPCIONES_ENCUESTA:
            raise ValidationError(ngettext("Como máximo %(num)d opción.", "Como máximo %(num)d opciones.",
                                           MAXIMO_OPCIONES_ENCUESTA))
        if any(len(o) > 200 for o in opciones):
            raise ValidationError(_l("Cada opción puede tener como máximo 200 caracteres."))
        if len({o.casefold() for o in opciones}) != len(opciones):
            raise ValidationError(_l("Hay opciones repetidas."))
