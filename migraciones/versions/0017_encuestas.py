"""encuesta de evaluación: secciones, preguntas, respuestas (anónimas por omisión) y quién respondió

Revision ID: 0017_encuestas
Revises: 0016_datos_personales
Create Date: 2026-12-06 13:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017_encuestas'
down_revision = '0016_datos_personales'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'encuesta',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evento_id', sa.Integer(), nullable=False),
        sa.Column('titulo', sa.String(length=300), nullable=False),
        sa.Column('introduccion', sa.Text(), nullable=False),
        sa.Column('abre_en', sa.DateTime(), nullable=True),
        sa.Column('cierra_en', sa.DateTime(), nullable=True),
        sa.Column('publico', sa.String(length=20), nullable=False),
        sa.Column('anonima', sa.Boolean(), nullable=False),
        sa.Column('creado_en', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['evento_id'], ['evento.id'], name='fk_encuesta_evento_id_evento', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_encuesta'),
        sa.UniqueConstraint('evento_id', name='uq_encuesta_evento_id'))
    op.create_table(
        'seccion_encuesta',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('encuesta_id', sa.Integer(), nullable=False),
        sa.Column('titulo', sa.String(length=300), nullable=False),
        sa.Column('orden', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['encuesta_id'], ['encuesta.id'], name='fk_seccion_encuesta_encuesta_id_encuesta',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_seccion_encuesta'))
    op.create_index('ix_seccion_encuesta_encuesta_id', 'seccion_encuesta', ['encuesta_id'])
    op.create_table(
        'pregunta_encuesta',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seccion_id', sa.Integer(), nullable=False),
        sa.Column('tipo', sa.String(length=20), nullable=False),
        sa.Column('texto', sa.String(length=500), nullable=False),
        sa.Column('ayuda', sa.String(length=500), nullable=False),
        sa.Column('etiquetas', sa.JSON(), nullable=False),
        sa.Column('opciones', sa.JSON(), nullable=False),
        sa.Column('obligatoria', sa.Boolean(), nullable=False),
        sa.Column('orden', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['seccion_id'], ['seccion_encuesta.id'],
                                name='fk_pregunta_encuesta_seccion_id_seccion_encuesta', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_pregunta_encuesta'))
    op.create_index('ix_pregunta_encuesta_seccion_id', 'pregunta_encuesta', ['seccion_id'])
    op.create_table(
        'respuesta_encuesta',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('encuesta_id', sa.Integer(), nullable=False),
        sa.Column('inscripcion_id', sa.Integer(), nullable=True),
        sa.Column('clave_edicion', sa.String(length=64), nullable=True),
        sa.Column('mesa_id', sa.Integer(), nullable=True),
        sa.Column('modalidad', sa.String(length=20), nullable=False),
        sa.Column('valores', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['encuesta_id'], ['encuesta.id'], name='fk_respuesta_encuesta_encuesta_id_encuesta',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['inscripcion_id'], ['inscripcion.id'],
                                name='fk_respuesta_encuesta_inscripcion_id_inscripcion', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['mesa_id'], ['mesa.id'], name='fk_respuesta_encuesta_mesa_id_mesa',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_respuesta_encuesta'),
        sa.UniqueConstraint('clave_edicion', name='uq_respuesta_encuesta_clave_edicion'),
        sa.UniqueConstraint('inscripcion_id', name='uq_respuesta_encuesta_inscripcion_id'))
    op.create_index('ix_respuesta_encuesta_encuesta_id', 'respuesta_encuesta', ['encuesta_id'])
    op.create_table(
        'participacion_encuesta',
        sa.Column('encuesta_id', sa.Integer(), nullable=False),
        sa.Column('inscripcion_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['encuesta_id'], ['encuesta.id'],
                                name='fk_participacion_encuesta_encuesta_id_encuesta', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['inscripcion_id'], ['inscripcion.id'],
                                name='fk_participacion_encuesta_inscripcion_id_inscripcion', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('encuesta_id', 'inscripcion_id', name='pk_participacion_encuesta'))


def downgrade():
    op.drop_table('participacion_encuesta')
    op.drop_index('ix_respuesta_encuesta_encuesta_id', table_name='respuesta_encuesta')
    op.drop_table('respuesta_encuesta')
    op.drop_index('ix_pregunta_encuesta_seccion_id', table_name='pregunta_encuesta')
    op.drop_table('pregunta_encuesta')
    op.drop_index('ix_seccion_encuesta_encuesta_id', table_name='seccion_encuesta')
    op.drop_table('seccion_encuesta')
    op.drop_table('encuesta')
