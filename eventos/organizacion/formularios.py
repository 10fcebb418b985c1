"""Formularios de la oficina. Las reglas del programa (horas locales, fechas, anidamiento) no se
repiten aquí: los datos pasan por los mismos lectores que la importación (servicios/programa.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, IntegerField, SelectField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from ..entrada import Formulario
from ..modelos import (MAXIMO_DIAS_ANTES, MAXIMO_MINUTOS_ANTES, MINUTOS_ANTES_POR_OMISION, MODALIDADES, ROLES,
                       TIPOS_MATERIAL, TIPOS_SESION)

REQUERIDO = _l("Este campo es obligatorio.")
CLAVE = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Solo minúsculas sin acentos, números y guiones (p. ej. foro-2027)."))
TEXTO_LARGO = [Optional(), Length(max=20000)]


def _opciones(diccionario):
    return [(clave, etiqueta) for clave, etiqueta in diccionario.items()]


class FormularioEvento(Formulario):
    titulo = StringField(_l("Título"), validators=[DataRequired(REQUERIDO), Length(max=300)])
    slug = StringField(_l("Identificador en la dirección"), validators=[DataRequired(REQUERIDO), Length(max=120), CLAVE])
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
    zonas_adicionales = TextAreaField(_l("Zonas horarias adicionales (una por línea)"), validators=[Optional(), Length(max=1000)])
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
