"""acreditacion: tokens de API, constancias

Revision ID: 0005_acreditacion
Revises: 0004_calendarios
Create Date: 2026-11-21 20:01:58.980104

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_acreditacion'
down_revision = '0004_calendarios'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('token_api',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('usuario_id', sa.Integer(), nullable=False),
    sa.Column('nombre', sa.String(length=120), nullable=False),
    sa.Column('resumen', sa.String(length=64), nullable=False),
    sa.Column('inicio', sa.String(length=12), nullable=False),
    sa.Column('creado_en', sa.DateTime(), nullable=False),
    sa.Column('usado_en', sa.DateTime(), nullable=True),
    sa.Column('revocado_en', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['usuario_id'], ['usuario.id'], name=op.f('fk_token_api_usuario_id_usuario'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_api')),
    sa.UniqueConstraint('resumen', name=op.f('uq_token_api_resumen'))
    )
    with op.batch_alter_table('token_api', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_token_api_usuario_id'), ['usuario_id'], unique=False)

    op.create_table('constancia',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inscripcion_id', sa.Integer(), nullable=False),
    sa.Column('codigo', sa.String(length=20), nullable=False),
    sa.Column('emitida_en', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['inscripcion_id'], ['inscripcion.id'], name=op.f('fk_constancia_inscripcion_id_inscripcion'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_constancia')),
    sa.UniqueConstraint('codigo', name=op.f('uq_constancia_codigo')),
    sa.UniqueConstraint('inscripcion_id', name=op.f('uq_constancia_inscripcion_id'))
    )
    with op.batch_alter_table('asistencia', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recibida_en', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_asistencia_evento_id_cliente', ['evento_id', 'id_cliente'])

    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.add_column(sa.Column('constancias_habilitadas', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.drop_column('constancias_habilitadas')

    with op.batch_alter_table('asistencia', schema=None) as batch_op:
        batch_op.drop_constraint('uq_asistencia_evento_id_cliente', type_='unique')
        batch_op.drop_column('recibida_en')

    op.drop_table('constancia')
    with op.batch_alter_table('token_api', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_token_api_usuario_id'))

    op.drop_table('token_api')
