"""sesiones en el servidor: salir invalida la cookie de sesión y la de «recordarme»

Revision ID: 0010_sesiones
Revises: 0009_correo
Create Date: 2026-12-06 04:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_sesiones'
down_revision = '0009_correo'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sesion_usuario',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('creada_en', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuario.id'], name=op.f('fk_sesion_usuario_usuario_id_usuario'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sesion_usuario'))
    )
    with op.batch_alter_table('sesion_usuario', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sesion_usuario_usuario_id'), ['usuario_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sesion_usuario', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sesion_usuario_usuario_id'))
    op.drop_table('sesion_usuario')
