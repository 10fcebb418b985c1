"""ventanas de asistencia: días de acreditación anticipada y minutos para conectarse antes de cada sesión

Revision ID: 0007_ventanas_de_asistencia
Revises: 0006_respuestas
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_ventanas_de_asistencia'
down_revision = '0006_respuestas'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acreditacion_dias_antes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('conexion_minutos_antes', sa.Integer(), nullable=False, server_default='15'))


def downgrade():
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.drop_column('conexion_minutos_antes')
        batch_op.drop_column('acreditacion_dias_antes')
