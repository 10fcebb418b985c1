"""asistencia sin bloquear filas compartidas: ni la cuenta de la puerta ni el evento

Una clave foránea bloquea en PostgreSQL la fila a la que apunta (FOR KEY SHARE) hasta el commit. Todas las
acreditaciones de un evento apuntaban a la misma fila de evento y, con una cuenta de puerta compartida, a la
misma fila de usuario: a las 9:00, los escáneres se estorbaban en ellas. Ahora la asistencia apunta a
(inscripción, evento) con una clave compuesta (garantiza además que es del evento de la inscripción) y guarda
quién la registró sin clave foránea.

Revision ID: 0013_asistencia_sin_bloqueo
Revises: 0012_archivos_de_materiales
Create Date: 2026-12-06 10:55:00

"""
from alembic import op


revision = '0013_asistencia_sin_bloqueo'
down_revision = '0012_archivos_de_materiales'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_inscripcion_id_evento_id', ['id', 'evento_id'])
    with op.batch_alter_table('asistencia', schema=None) as batch_op:
        batch_op.drop_constraint('fk_asistencia_usuario_id_usuario', type_='foreignkey')
        batch_op.drop_constraint('fk_asistencia_evento_id_evento', type_='foreignkey')
        batch_op.drop_constraint('fk_asistencia_inscripcion_id_inscripcion', type_='foreignkey')
        batch_op.create_foreign_key('fk_asistencia_inscripcion', 'inscripcion', ['inscripcion_id', 'evento_id'],
                                    ['id', 'evento_id'], ondelete='CASCADE')


def downgrade():
    # Las filas que apunten a una cuenta que ya no existe quedan sin autor, como con ON DELETE SET NULL.
    op.execute("UPDATE asistencia SET usuario_id = NULL WHERE usuario_id IS NOT NULL "
               "AND usuario_id NOT IN (SELECT id FROM usuario)")
    with op.batch_alter_table('asistencia', schema=None) as batch_op:
        batch_op.drop_constraint('fk_asistencia_inscripcion', type_='foreignkey')
        batch_op.create_foreign_key('fk_asistencia_inscripcion_id_inscripcion', 'inscripcion', ['inscripcion_id'],
                                    ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key('fk_asistencia_evento_id_evento', 'evento', ['evento_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key('fk_asistencia_usuario_id_usuario', 'usuario', ['usuario_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.drop_constraint('uq_inscripcion_id_evento_id', type_='unique')
