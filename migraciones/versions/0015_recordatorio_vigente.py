"""recordatorios: vigentes desde su creación, o desde que se reactivan o se alarga su antelación

Revision ID: 0015_recordatorio_vigente
Revises: 0014_comunicaciones
Create Date: 2026-12-06 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015_recordatorio_vigente'
down_revision = '0014_comunicaciones'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('recordatorio', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vigente_desde', sa.DateTime(), nullable=True))
    op.execute("UPDATE recordatorio SET vigente_desde = creado_en")
    with op.batch_alter_table('recordatorio', schema=None) as batch_op:
        batch_op.alter_column('vigente_desde', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('recordatorio', schema=None) as batch_op:
        batch_op.drop_column('vigente_desde')
