"""Inscripción en línea: formulario, enlace personal, QR, calendario personal y acceso a sesiones en línea."""
