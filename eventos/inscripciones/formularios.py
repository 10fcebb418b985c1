"""Formulario de inscripción: campos fijos, mesa y modalidad según el evento, y las preguntas propias
que la organización añade. Se construye una clase por evento."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, RadioField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..entrada import Formulario
from ..paises import orden_de_pais, paises
from ..paises import nombres as nombres_de_paises

REQUERIDO = _l("Este campo es obligatorio.")
_MARCADO = re.compile(r"<\s*[a-zA-Z/!?]|javascript\s*:", re.IGNORECASE)


def sin_marcado(formulario, campo):
    """Texto normal: se rechaza cualquier etiqueta HTML o código (se mostraría tal cual, pero no es un nombre)."""
    valores = campo.data if isinstance(campo.data, list) else [campo.data]
    if any(isinstance(v, str) and _MARCADO.search(v) for v in valores):
        raise ValidationError(_l("No use etiquetas HTML ni código («<…>») en este campo."))


def opciones_de_pais(idioma: str, actual: str = "") -> list[tuple[str, str]]:
    """Opciones del campo País: primero «— Elija —», luego la lista en el idioma de la página. Si la persona
    tenía un código que ya no está en la lista (una inscripción antigua con «IC»), lo conserva."""
    from flask_babel import gettext as _
    lista = list(paises(idioma))
    if actual and actual not in dict(lista) and actual in nombres_de_paises(idioma):
        clave = orden_de_pais(idioma)
        lista = sorted(lista + [(actual, nombres_de_paises(idioma)[actual])], key=lambda par: clave(par[0]))
    return [("", _("— Elija —"))] + lista


class CampoPais(SelectField):
    """Lista de países. La opción enviada se busca entre los valores tal cual: wtforms convierte en objetos
    las 250 opciones en cada validación, y eso costaba tanto como el resto de la inscripción."""
    NO_VALIDA = "Not a valid choice."  # el mensaje de SelectField, que traduce el catálogo de WTForms

    def pre_validate(self, form):
        if self.data not in {valor for valor, _ in self.choices}:
            raise ValidationError(self.gettext(self.NO_VALIDA))


class CasillasMultiples(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FormularioInscripcionBase(Formulario):
    nombre = StringField(_l("Nombre"), validators=[DataRequired(REQUERIDO), Length(max=120), sin_marcado])
    apellidos = StringField(_l("Apellidos"), validators=[DataRequired(REQUERIDO), Length(max=120), sin_marcado])
    correo = EmailField(_l("Correo electrónico"), validators=[
        DataRequired(REQUERIDO), Email(_l("Escriba una dirección de correo válida (nombre@dominio).")), Length(max=254)])
    institucion = StringField(_l("Institución"), validators=[DataRequired(REQUERIDO), Length(max=300), sin_marcado])
    cargo = StringField(_l("Cargo"), validators=[Optional(), Length(max=300), sin_marcado])
    pais = CampoPais(_l("País"), validators=[DataRequired(_l("Elija su país."))])
    ciudad = StringField(_l("Ciudad"), validators=[Optional(), Length(max=120), sin_marcado])
    consentimiento = BooleanField(_l("He leído el aviso de privacidad y acepto que se traten mis datos para esta inscripción."),
                                  validators=[DataRequired(_l("Para inscribirse debe aceptar el aviso de privacidad."))])


class FormularioDatosPersonales(Formulario):
    """Lo que la persona puede corregir desde su enlace personal."""
    nombre = FormularioInscripcionBase.nombre
    apellidos = FormularioInscripcionBase.apellidos
    institucion = FormularioInscripcionBase.institucion
    cargo = FormularioInscripcionBase.cargo
    pais = FormularioInscripcionBase.pais
    ciudad = FormularioInscripcionBase.ciudad


def _campo_pregunta(pregunta):
    obligatoria = [InputRequired(REQUERIDO)] if pregunta.obligatoria else [Optional()]
    if pregunta.tipo == "texto_largo":
        return TextAreaField(pregunta.texto, validators=obligatoria + [Length(max=5000), sin_marcado])
    if pregunta.tipo == "opcion_unica":
        return RadioField(pregunta.texto, choices=[(o, o) for o in pregunta.opciones], validators=obligatoria)
    if pregunta.tipo == "opcion_multiple":
        return CasillasMultiples(pregunta.texto, choices=[(o, o) for o in pregunta.opciones],
                                 validators=[DataRequired(_l("Elija al menos una opción."))] if pregunta.obligatoria else [Optional()])
    if pregunta.tipo == "si_no":
        return RadioField(pregunta.texto, choices=[("si", _l("Sí")), ("no", _l("No"))], validators=obligatoria)
    return StringField(pregunta.texto, validators=obligatoria + [Length(max=500), sin_marcado])


def clase_de_formulario(evento, base=FormularioInscripcionBase, con_preguntas=True):
    """Clase de formulario para este evento (mesa, modalidad y preguntas propias, si las tiene)."""
    atributos = {}
    if evento.ofrece_modalidad:
        atributos["modalidad"] = RadioField(_l("¿Cómo participará?"), choices=[
            ("presencial", _l("Presencial")), ("en_linea", _l("En línea"))], validators=[InputRequired(_l("Elija cómo participará."))])
    if evento.mesas:
        atributos["mesa"] = RadioField(_l("Mesa de trabajo"), coerce=int, validators=[InputRequired(_l("Elija una mesa."))])
    if con_preguntas:
        for pregunta in evento.preguntas_inscripcion:
            atributos[f"pregunta_{pregunta.id}"] = _campo_pregunta(pregunta)
    return type("FormularioInscripcion", (base,), atributos)


def datos_personales(formulario) -> dict:
    """Datos de la persona (y modalidad y mesa, si el evento las pide) de un formulario validado."""
    datos = {campo: (formulario[campo].data or "").strip() for campo in
             ("nombre", "apellidos", "institucion", "cargo", "pais", "ciudad")}
    if "modalidad" in formulario:
        datos["modalidad"] = formulario.modalidad.data
    if "mesa" in formulario:
        datos["mesa_id"] = formulario.mesa.data
    return datos


def datos_de_formulario(formulario, evento, por_organizacion: bool = False) -> dict:
    """Los datos de un formulario de inscripción validado, como los espera servicios.inscribir. Si la
    añade la organización, su idioma y su zona no son los de la persona: se usan los del evento."""
    from flask import current_app, g

    from ..datos_personales.servicios import texto_del_aviso

    respuestas = {}
    for pregunta in evento.preguntas_inscripcion:
        valor = formulario[f"pregunta_{pregunta.id}"].data
        if valor not in (None, "", []):
            respuestas[str(pregunta.id)] = valor.strip() if isinstance(valor, str) else valor
    datos = {"modalidad": "", "mesa_id": None, **datos_personales(formulario),
             "correo": (formulario.correo.data or "").strip()}
    datos.update({
        "respuestas": respuestas,
        # El texto del aviso tal como se le mostró (el consentimiento guarda su versión); vacío si no consta.
        "aviso_privacidad": texto_del_aviso(evento) if formulario.consentimiento.data else "",
        "zona_horaria": evento.zona_horaria if por_organizacion else (g.zona_visitante or evento.zona_horaria),
        "idioma": current_app.config["BABEL_DEFAULT_LOCALE"] if por_organizacion else g.idioma,
    })
    return datos
