"""comunicaciones: recordatorios, anuncios, avisos de cambios y bajas de anuncios

Revision ID: 0014_comunicaciones
Revises: 0013_asistencia_sin_bloqueo
Create Date: 2026-12-06 12:40:00

"""
from datetime import UTC

import sqlalchemy as sa
from alembic import op


revision = '0014_comunicaciones'
down_revision = '0013_asistencia_sin_bloqueo'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'anuncio',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evento_id', sa.Integer(), nullable=False),
        sa.Column('tipo', sa.String(length=20), nullable=False),
        sa.Column('segmento', sa.JSON(), nullable=False),
        sa.Column('textos', sa.JSON(), nullable=False),
        sa.Column('idioma', sa.String(length=5), nullable=False),
        sa.Column('datos', sa.JSON(), nullable=False),
        sa.Column('destinatarios', sa.Integer(), nullable=False),
        sa.Column('creado_por_id', sa.Integer(), nullable=True),
        sa.Column('creado_en', sa.DateTime(), nullable=False),
        sa.Column('enviado_en', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name='fk_anuncio_creado_por_id_usuario',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['evento_id'], ['evento.id'], name='fk_anuncio_evento_id_evento', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_anuncio'))
    op.create_index('ix_anuncio_evento_id', 'anuncio', ['evento_id'])
    op.create_table(
        'recordatorio',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evento_id', sa.Integer(), nullable=False),
        sa.Column('minutos_antes', sa.Integer(), nullable=False),
        sa.Column('textos', sa.JSON(), nullable=False),
        sa.Column('idioma', sa.String(length=5), nullable=False),
        sa.Column('activo', sa.Boolean(), nullable=False),
        sa.Column('creado_por_id', sa.Integer(), nullable=True),
        sa.Column('creado_en', sa.DateTime(), nullable=False),
        sa.Column('revisado_en', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['creado_por_id'], ['usuario.id'], name='fk_recordatorio_creado_por_id_usuario',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['evento_id'], ['evento.id'], name='fk_recordatorio_evento_id_evento',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_recordatorio'))
    op.create_index('ix_recordatorio_evento_id', 'recordatorio', ['evento_id'])
    with op.batch_alter_table('correo_saliente', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anuncio_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recordatorio_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sesion_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('clave', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_correo_saliente_anuncio_id', ['anuncio_id'])
        batch_op.create_index('ix_correo_saliente_recordatorio_id', ['recordatorio_id'])
        batch_op.create_index('ix_correo_saliente_sesion_id', ['sesion_id'])
        batch_op.create_unique_constraint('uq_correo_saliente_clave', ['clave'])
        batch_op.create_foreign_key('fk_correo_saliente_anuncio_id_anuncio', 'anuncio', ['anuncio_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key('fk_correo_saliente_recordatorio_id_recordatorio', 'recordatorio',
                                    ['recordatorio_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key('fk_correo_saliente_sesion_id_sesion', 'sesion', ['sesion_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sin_anuncios_en', sa.DateTime(), nullable=True))
    with op.batch_alter_table('sesion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grabacion', sa.String(length=1000), server_default='', nullable=False))
        batch_op.add_column(sa.Column('aviso', sa.JSON(), nullable=True))
    with op.batch_alter_table('sesion_retirada', schema=None) as batch_op:
        batch_op.add_column(sa.Column('avisada_en', sa.DateTime(), nullable=True))
    # Lo de antes se da por comunicado: solo los cambios de ahora en adelante quedan pendientes de avisar.
    op.execute("UPDATE sesion_retirada SET avisada_en = retirada_en")
    _avisos_iniciales()


def _avisos_iniciales():
    from eventos.modelos.programa import datos_de_aviso

    conexion = op.get_bind()
    sesion = sa.table('sesion', sa.column('id', sa.Integer), sa.column('inicio', sa.DateTime()),
                      sa.column('fin', sa.DateTime()), sa.column('sala', sa.String), sa.column('enlace', sa.String),
                      sa.column('aviso', sa.JSON))
    filas = conexion.execute(sa.select(sesion.c.id, sesion.c.inicio, sesion.c.fin, sesion.c.sala,
                                       sesion.c.enlace)).mappings().all()
    if filas:
        conexion.execute(
            sesion.update().where(sesion.c.id == sa.bindparam('id_')).values(aviso=sa.bindparam('aviso_')),
            [{"id_": f["id"], "aviso_": datos_de_aviso({**f, "inicio": f["inicio"].replace(tzinfo=UTC),
                                                        "fin": f["fin"].replace(tzinfo=UTC)})} for f in filas])


def downgrade():
    with op.batch_alter_table('sesion_retirada', schema=None) as batch_op:
        batch_op.drop_column('avisada_en')
    with op.batch_alter_table('sesion', schema=None) as batch_op:
        batch_op.drop_column('aviso')
        batch_op.drop_column('grabacion')
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.drop_column('sin_anuncios_en')
    with op.batch_alter_table('correo_saliente', schema=None) as batch_op:
        batch_op.drop_constraint('fk_correo_saliente_sesion_id_sesion', type_='foreignkey')
        batch_op.drop_constraint('fk_correo_saliente_recordatorio_id_recordatorio', type_='foreignkey')
        batch_op.drop_constraint('fk_correo_saliente_anuncio_id_anuncio', type_='foreignkey')
        batch_op.drop_constraint('uq_correo_saliente_clave', type_='unique')
        batch_op.drop_index('ix_correo_saliente_sesion_id')
        batch_op.drop_index('ix_correo_saliente_recordatorio_id')
        batch_op.drop_index('ix_correo_saliente_anuncio_id')
        batch_op.drop_column('clave')
        batch_op.drop_column('sesion_id')
        batch_op.drop_column('recordatorio_id')
        batch_op.drop_column('anuncio_id')
    op.drop_index('ix_recordatorio_evento_id', table_name='recordatorio')
    op.drop_table('recordatorio')
    op.drop_index('ix_anuncio_evento_id', table_name='anuncio')
    op.drop_table('anuncio')
