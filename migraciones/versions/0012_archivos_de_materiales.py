"""archivos de materiales fuera del disco del nodo: tabla archivo_material

Los archivos que ya había en la carpeta local se copian al almacén configurado (ALMACEN_MATERIALES: la tabla
con PostgreSQL, el bucket con S3; con la carpeta, nada). Solo se copian los que falten, así que repetirla no
duplica nada, y la carpeta queda como estaba. Al deshacerla, lo que solo estaba en la tabla o en el bucket
vuelve a la carpeta antes de borrar la tabla.

Revision ID: 0012_archivos_de_materiales
Revises: 0011_sin_url_base
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = '0012_archivos_de_materiales'
down_revision = '0011_sin_url_base'
branch_labels = None
depends_on = None


def _carpeta_y_configurado():
    """La carpeta local y el almacén configurado, que escribe en la base de datos por la conexión de la migración."""
    from eventos.servicios import materiales
    tipo = current_app.config["ALMACEN_MATERIALES"]
    return materiales.crear("carpeta"), (None if tipo == "carpeta" else materiales.crear(tipo, op.get_bind()))


def upgrade():
    op.create_table('archivo_material',
    sa.Column('clave', sa.String(length=200), nullable=False),
    sa.Column('contenido', sa.LargeBinary(), nullable=False),
    sa.Column('tamano', sa.Integer(), nullable=False),
    sa.Column('tipo_mime', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('clave', name=op.f('pk_archivo_material'))
    )
    if op.get_bind().dialect.name == "postgresql":
        # Sin comprimir (los PDF e imágenes ya lo están): substr() lee solo el trozo pedido de cada descarga.
        op.execute("ALTER TABLE archivo_material ALTER COLUMN contenido SET STORAGE EXTERNAL")
    from eventos.servicios.materiales import mover
    carpeta, configurado = _carpeta_y_configurado()
    if configurado is not None:
        for _ in mover(carpeta, configurado):
            pass


def downgrade():
    from eventos.servicios.materiales import mover
    carpeta, configurado = _carpeta_y_configurado()
    if configurado is not None:
        for _ in mover(configurado, carpeta):
            pass
    op.drop_table('archivo_material')
