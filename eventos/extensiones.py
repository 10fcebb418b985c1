"""Extensiones de Flask, creadas una vez y enlazadas en create_app()."""
from flask_babel import Babel
from flask_caching import Cache
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

# Nombres de restricciones estables: Alembic los necesita para poder bajar y subir en SQLite y PostgreSQL.
convenciones = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=convenciones))
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
cache = Cache()
