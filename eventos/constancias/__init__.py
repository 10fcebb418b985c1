"""Constancias de asistencia: quién tiene derecho, su código de verificación y la página pública /verificar/."""
