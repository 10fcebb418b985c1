"""datos personales: versiones del aviso de privacidad, consentimiento opcional, anonimización y retención

Revision ID: 0016_datos_personales
Revises: 0015_recordatorio_vigente
Create Date: 2026-12-06 12:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016_datos_personales'
down_revision = '0015_recordatorio_vigente'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'aviso_privacidad',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evento_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('texto', sa.Text(), nullable=False),
        sa.Column('huella', sa.String(length=64), nullable=False),
        sa.Column('creado_en', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['evento_id'], ['evento.id'], name='fk_aviso_privacidad_evento_id_evento',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_aviso_privacidad'),
        sa.UniqueConstraint('evento_id', 'huella', name='uq_aviso_privacidad_evento_huella'),
        sa.UniqueConstraint('evento_id', 'version', name='uq_aviso_privacidad_evento_version'))
    op.create_index('ix_aviso_privacidad_evento_id', 'aviso_privacidad', ['evento_id'])
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.alter_column('consentimiento_en', existing_type=sa.DateTime(), nullable=True)
        batch_op.add_column(sa.Column('aviso_privacidad_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('anonimizada_en', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_inscripcion_aviso_privacidad_id_aviso_privacidad', 'aviso_privacidad',
                                    ['aviso_privacidad_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('constancia', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retirada_en', sa.DateTime(), nullable=True))
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retencion_meses', sa.Integer(), server_default='12', nullable=False))


def downgrade():
    with op.batch_alter_table('evento', schema=None) as batch_op:
        batch_op.drop_column('retencion_meses')
    with op.batch_alter_table('constancia', schema=None) as batch_op:
        batch_op.drop_column('retirada_en')
    # Quien se inscribió sin consentimiento registrado no cabe en la columna obligatoria de antes: se anota su alta.
    op.execute("UPDATE inscripcion SET consentimiento_en = creado_en WHERE consentimiento_en IS NULL")
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.drop_constraint('fk_inscripcion_aviso_privacidad_id_aviso_privacidad', type_='foreignkey')
        batch_op.drop_column('anonimizada_en')
        batch_op.drop_column('aviso_privacidad_id')
        batch_op.alter_column('consentimiento_en', existing_type=sa.DateTime(), nullable=False)
    op.drop_index('ix_aviso_privacidad_evento_id', table_name='aviso_privacidad')
    op.drop_table('aviso_privacidad')
