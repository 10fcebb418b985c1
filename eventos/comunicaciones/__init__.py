"""Comunicaciones con participantes: recordatorios antes de sus sesiones, anuncios a un segmento, el mensaje
de después del evento, avisos de cambios del programa y la baja de los anuncios (RFC 8058).

- `servicios`: segmentos, encolar (en la transacción de quien llama), programar los recordatorios que tocan,
  los cambios pendientes de avisar.
- `mensajes`: componer cada correo al entregarlo, en el idioma de la persona si la organización lo escribió.
Todo sale por la bandeja de salida (eventos/correo.py).
"""
