"""bandeja de salida sin url_base: los enlaces de los correos salen siempre de URL_PUBLICA

Revision ID: 0011_sin_url_base
Revises: 0010_sesiones
Create Date: 2026-12-06 05:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_sin_url_base'
down_revision = '0010_sesiones'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('correo_saliente', schema=None) as batch_op:
        batch_op.drop_column('url_base')


def downgrade():
    with op.batch_alter_table('correo_saliente', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url_base', sa.String(length=300), nullable=False, server_default=''))
