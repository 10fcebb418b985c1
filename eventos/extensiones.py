"""Extensiones de Flask, creadas una vez y enlazadas en create_app()."""
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from .cache import cache  # noqa: F401  (la caché es una extensión más)

# Nombres de restricciones estables: Alembic los necesita para poder bajar y subir en SQLite y PostgreSQL.
convenciones = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=convenciones))
csrf = CSRFProtect()
babel = Babel()
# Los identificadores son INTEGER (32 bits en PostgreSQL): un número mayor no es de nadie, y pedirlo
# a la base de datos daría un error en vez de un 404.
MAXIMO_ENTERO_BD = 2**31 - 1


def es_entero_bd(valor) -> bool:
    return isinstance(valor, int) and not isinstance(valor, bool) and 0 <= valor <= MAXIMO_ENTERO_BD


def sin_transaccion() -> None:
    """Desde aquí, la petición trabaja sin transacción (AUTOCOMMIT): cada sentencia vale por sí sola y no hay
    BEGIN ni el COMMIT o ROLLBACK del final, dos idas y vueltas menos a la base de datos. Solo para peticiones
    que leen, o cuya única escritura es una sentencia atómica: la acreditación y los documentos públicos del
    programa. Si la petición ya empezó su transacción, sigue en ella; fuera de una petición (órdenes, pruebas) no
    cambia nada. Después, cada escritura queda confirmada al momento y `rollback()` ya no la deshace. La conexión
    vuelve al pool con el aislamiento de siempre."""
    from flask import has_request_context
    if has_request_context() and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


login = LoginManager()
login.login_view = "cuentas.entrar"
login.login_message = _l("Inicie sesión para continuar.")
login.login_message_category = "info"
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@login.user_loader
def cargar_usuario(identificador: str):
    """El identificador lleva el sello de la contraseña (cambiarla cierra todas las sesiones) y la sesión,
    que debe seguir abierta en el servidor (salir la borra). Una sola consulta."""
    from .modelos import SesionUsuario, Usuario
    id_texto, sello, sesion = (identificador.split(".") + ["", ""])[:3]
    if not id_texto.isdigit() or not sesion or int(id_texto) > MAXIMO_ENTERO_BD:
        return None
    usuario = db.session.execute(
        db.select(Usuario).join(SesionUsuario, SesionUsuario.usuario_id == Usuario.id)
        .where(Usuario.id == int(id_texto), Usuario.sello == sello, Usuario.activo.is_(True),
               SesionUsuario.id == sesion)).scalar_one_or_none()
    if usuario is not None:
        usuario.sesion_actual = sesion
    return usuario


@login.request_loader
def cargar_usuario_de_token(peticion):
    """`Authorization: Bearer evt_…`: una clave de API en lugar de la sesión (teléfonos, scripts). Solo
    en la API: una clave robada no abre la oficina ni la gestión de las propias claves."""
    from flask import g
    from .modelos import TokenApi
    from .zonas import ahora
    esquema, _, clave = peticion.headers.get("Authorization", "").partition(" ")
    if esquema.lower() != "bearer" or not clave or not peticion.path.startswith("/api/"):
        return None
    cuenta = TokenApi.vigente(clave.strip())
    g.por_token = cuenta is not None
    if cuenta is None:
        return None
    momento = ahora()
    if TokenApi.toca_anotar(cuenta.clave_usada_en, momento):
        _anotar_uso_al_cerrar(cuenta.clave_id, momento)
    return cuenta


def _anotar_uso_al_cerrar(clave_id: int, momento) -> None:
    """El último uso de la clave se escribe cuando la respuesta ya salió y la sesión de la petición se cerró, en
    una transacción propia (`TokenApi.anotar_uso`). La petición puede estar a medias al autenticarse: así no
    se confirma nada suyo, el uso cuenta aunque ella falle y no se espera al bloqueo de escritura de SQLite
    que ella misma tuviera."""
    from flask import after_this_request, current_app
    from .modelos import TokenApi
    app = current_app._get_current_object()

    def anotar():
        with app.app_context():
            try:
                TokenApi.anotar_uso(clave_id, momento)
            except Exception:  # noqa: BLE001 — un dato informativo no debe afectar a nada más
                app.logger.exception("No se pudo anotar el uso de la clave de API %s", clave_id)

    @after_this_request
    def al_cerrar(respuesta):
        respuesta.call_on_close(anotar)
        return respuesta
