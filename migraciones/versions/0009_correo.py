"""bandeja de salida: los correos ya intentados y sin enviar cuentan como fallidos

Un correo reclamado por una entrega que no terminó (una excepción que no era de envío, un proceso que
murió) se quedaba «pendiente» con intentos gastados: agotados, nadie lo veía fallar ni «Reintentar» lo
alcanzaba. Desde ahora un correo reclamado es «fallido» hasta que sale; esto pone al día los de antes.

Revision ID: 0009_correo
Revises: 0008_busqueda
Create Date: 2026-12-06 05:00:00

"""
from alembic import op


revision = '0009_correo'
down_revision = '0008_busqueda'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE correo_saliente SET estado = 'fallido' WHERE estado = 'pendiente' AND intentos > 0")


def downgrade():
    # Solo cambian datos, y el estado anterior de esas filas no se distingue: no hay nada que deshacer.
    pass
