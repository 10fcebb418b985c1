from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..entrada import Formulario
from .servicios import CLAVE_MINIMA


class FormularioEntrar(Formulario):
    correo = EmailField(_l("Correo electrónico"), validators=[DataRequired(_l("Escriba su correo.")), Length(max=254)])
    clave = PasswordField(_l("Contraseña"), validators=[DataRequired(_l("Escriba su contraseña.")), Length(max=200)])
    recordar = BooleanField(_l("Mantener la sesión abierta en este dispositivo"))


class FormularioRecuperar(Formulario):
    correo = EmailField(_l("Correo electrónico"), validators=[
        DataRequired(_l("Escriba su correo.")), Email(_l("Escriba una dirección de correo válida.")), Length(max=254)])


class FormularioRestablecer(Formulario):
    clave = PasswordField(_l("Nueva contraseña"), validators=[
        DataRequired(_l("Escriba la nueva contraseña.")),
        Length(min=CLAVE_MINIMA, max=200, message=lazy_ngettext(
            "Entre %(min)d y %(num)d carácter.", "Entre %(min)d y %(num)d caracteres.", 200, min=CLAVE_MINIMA))])
    repetir = PasswordField(_l("Repita la contraseña"), validators=[
        DataRequired(_l("Repita la contraseña.")), EqualTo("clave", _l("Las dos contraseñas no coinciden."))])

