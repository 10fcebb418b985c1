"""búsqueda sin acentos ni mayúsculas

Revision ID: 0008_busqueda
Revises: 0007_ventanas_de_asistencia
Create Date: 2026-12-06 04:00:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0008_busqueda'
down_revision = '0007_ventanas_de_asistencia'
branch_labels = None
depends_on = None


LOTE = 500


def _plegar(texto):
    """Copia fija de `texto.plegar` tal como era al escribir esta migración (una migración no cambia luego)."""
    descompuesto = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", texto or "").casefold())
    return "".join(c for c in descompuesto if not unicodedata.combining(c))


def textos_de_busqueda(nombre, apellidos, correo, institucion):
    institucion_plegada = _plegar(institucion)[:300]
    busqueda = "\n".join((_plegar(f"{nombre or ''} {apellidos or ''}".strip())[:241], _plegar(correo)[:254],
                          institucion_plegada))
    return busqueda, institucion_plegada


def upgrade():
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('busqueda', sa.String(length=800), server_default='', nullable=False))
        batch_op.add_column(sa.Column('institucion_plegada', sa.String(length=300), server_default='', nullable=False))
    _rellenar(op.get_bind())


def _rellenar(conexion):
    """Pliega las inscripciones existentes en lotes, por orden de id (memoria acotada con muchas filas)."""
    inscripcion = sa.table('inscripcion', *(sa.column(nombre, sa.String) for nombre in (
        'nombre', 'apellidos', 'correo', 'institucion', 'busqueda', 'institucion_plegada')),
        sa.column('id', sa.Integer))
    actualizar = (inscripcion.update().where(inscripcion.c.id == sa.bindparam('_id'))
                  .values(busqueda=sa.bindparam('_busqueda'), institucion_plegada=sa.bindparam('_institucion')))
    ultimo = 0
    while filas := conexion.execute(
            sa.select(inscripcion.c.id, inscripcion.c.nombre, inscripcion.c.apellidos, inscripcion.c.correo,
                      inscripcion.c.institucion)
            .where(inscripcion.c.id > ultimo).order_by(inscripcion.c.id).limit(LOTE)).all():
        lote = []
        for ident, nombre, apellidos, correo, institucion in filas:
            busqueda, plegada = textos_de_busqueda(nombre, apellidos, correo, institucion)
            lote.append({'_id': ident, '_busqueda': busqueda, '_institucion': plegada})
        conexion.execute(actualizar, lote)
        ultimo = filas[-1].id


def downgrade():
    with op.batch_alter_table('inscripcion', schema=None) as batch_op:
        batch_op.drop_column('institucion_plegada')
        batch_op.drop_column('busqueda')
