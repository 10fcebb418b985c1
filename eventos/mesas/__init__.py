"""Mesas de trabajo: el espacio de moderación, la síntesis entre mesas y el tablero de la plenaria."""
