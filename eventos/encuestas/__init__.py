"""Encuesta de evaluación después del evento: quién responde, sus respuestas (anónimas por omisión) y los
resultados para la organización."""
