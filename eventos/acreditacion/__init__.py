"""Acreditación: el escáner de la puerta, la API de registro de asistencia y lo que ve la organización."""
