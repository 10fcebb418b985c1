"""Datos personales de las inscripciones: lo que se guarda de cada persona (para dárselo), su borrado
(anonimización) a petición suya, de la organización o al vencer la retención del evento, y las versiones del
aviso de privacidad que cada persona aceptó."""
