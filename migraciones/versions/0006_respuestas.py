"""respuestas de las mesas e historial

Revision ID: 0006_respuestas
Revises: 0005_acreditacion
Create Date: 2026-11-21 20:08:28.514821

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_respuestas'
down_revision = '0005_acreditacion'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('respuesta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mesa_id', sa.Integer(), nullable=False),
    sa.Column('pregunta_id', sa.Integer(), nullable=False),
    sa.Column('texto', sa.Text(), nullable=False),
    sa.Column('puntos_clave', sa.JSON(), nullable=False),
    sa.Column('intervenciones', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('actualizada_en', sa.DateTime(), nullable=False),
    sa.Column('actualizada_por_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actualizada_por_id'], ['usuario.id'], name=op.f('fk_respuesta_actualizada_por_id_usuario'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mesa_id'], ['mesa.id'], name=op.f('fk_respuesta_mesa_id_mesa'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pregunta_id'], ['pregunta.id'], name=op.f('fk_respuesta_pregunta_id_pregunta'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_respuesta')),
    sa.UniqueConstraint('mesa_id', 'pregunta_id', name='uq_respuesta_mesa_pregunta')
    )
    with op.batch_alter_table('respuesta', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_respuesta_actualizada_en'), ['actualizada_en'], unique=False)
        batch_op.create_index(batch_op.f('ix_respuesta_mesa_id'), ['mesa_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_respuesta_pregunta_id'), ['pregunta_id'], unique=False)

    op.create_table('version_respuesta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('respuesta_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('texto', sa.Text(), nullable=False),
    sa.Column('puntos_clave', sa.JSON(), nullable=False),
    sa.Column('intervenciones', sa.Integer(), nullable=True),
    sa.Column('guardada_en', sa.DateTime(), nullable=False),
    sa.Column('iniciada_en', sa.DateTime(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['respuesta_id'], ['respuesta.id'], name=op.f('fk_version_respuesta_respuesta_id_respuesta'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuario.id'], name=op.f('fk_version_respuesta_usuario_id_usuario'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_respuesta')),
    sa.UniqueConstraint('respuesta_id', 'version', name='uq_version_respuesta_respuesta_version')
    )
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.add_column(sa.Column('respuestas_publicadas', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.drop_column('respuestas_publicadas')

    op.drop_table('version_respuesta')
    with op.batch_alter_table('respuesta', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_respuesta_pregunta_id'))
        batch_op.drop_index(batch_op.f('ix_respuesta_mesa_id'))
        batch_op.drop_index(batch_op.f('ix_respuesta_actualizada_en'))

    op.drop_table('respuesta')
