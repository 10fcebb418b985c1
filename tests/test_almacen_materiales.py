"""Los archivos de materiales no viven en el disco de un nodo: con la base de datos o un bucket S3 como
almacén, lo que la oficina sube en un nodo se descarga desde otro, por trozos y con respuestas condicionales;
la migración y `flask materiales mover` copian al almacén los archivos que ya había en la carpeta local.

S3 se prueba contra un servidor S3 local (moto) en 127.0.0.1. En SQLite, la base de datos como almacén se
pide con ALMACEN_MATERIALES=bd; con PostgreSQL es la elección por omisión."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade

from apoyo import configuracion, entrar, enviar, es_postgresql
from app import create_app
from eventos.config import ConfiguracionInsegura, elegir_almacen
from eventos.extensiones import db
from eventos.modelos import Material
from eventos.servicios import materiales

BUCKET = "materiales-prueba"


@pytest.fixture(scope="module")
def servidor_s3(tmp_path_factory):
    """Un servidor S3 (moto) en 127.0.0.1 con un bucket vacío; credenciales de prueba en el entorno."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        pytest.skip("no hay boto3 ni moto[server] (pip install -e '.[pruebas]'): sin servidor S3 local")
    sin_config = tmp_path_factory.mktemp("aws") / "no-existe"
    with pytest.MonkeyPatch.context() as entorno:
        for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            entorno.delenv(variable, raising=False)
        for variable, valor in {"AWS_ACCESS_KEY_ID": "prueba", "AWS_SECRET_ACCESS_KEY": "prueba",
                                "AWS_CONFIG_FILE": str(sin_config), "AWS_SHARED_CREDENTIALS_FILE": str(sin_config),
                                "AWS_EC2_METADATA_DISABLED": "true"}.items():
            entorno.setenv(variable, valor)
        servidor = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        servidor.start()
        host, puerto = servidor.get_host_and_port()
        url = f"http://{host}:{puerto}"
        boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
        try:
            yield {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": url, "S3_REGION": "us-east-1"}
        finally:
            servidor.stop()


@pytest.fixture(params=["bd", "s3"])
def compartido(request, url_bd):
    """(tipo, configuración) de un almacén que comparten todos los nodos."""
    if request.param == "s3":
        return "s3", request.getfixturevalue("servidor_s3")
    return "bd", ({} if es_postgresql(url_bd) else {"ALMACEN_MATERIALES": "bd"})


@pytest.fixture()
def nodos(app, url_bd, tmp_path, compartido):
    """Dos nodos detrás de un balanceador: misma base de datos y mismo almacén, cada uno con su carpeta."""
    tipo, extra = compartido
    creados = [create_app({**configuracion(tmp_path / nombre, url_bd), **extra}) for nombre in ("a", "b")]
    for nodo in creados:
        assert nodo.config["ALMACEN_MATERIALES"] == tipo
    yield creados
    for nodo in creados:
        with nodo.app_context():
            db.session.remove()
            db.engine.dispose()


def _subir(nodo, evento_con_equipo, contenido: bytes, nombre: str) -> str:
    """La oficina sube el archivo en ese nodo; devuelve la dirección pública de descarga."""
    cliente = nodo.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    slug = evento_con_equipo["slug"]
    respuesta = enviar(cliente, f"/organizacion/eventos/{slug}/materiales",
                       {"titulo": "Relatoría", "tipo": "documento", "descripcion": "", "sesion": "0", "url": "",
                        "archivo": (io.BytesIO(contenido), nombre)}, content_type="multipart/form-data")
    assert respuesta.status_code == 302, respuesta.get_data(as_text=True)[-800:]
    material_id = int(respuesta.headers["Location"].rsplit("#material-", 1)[1])
    with nodo.app_context():
        material = db.session.get(Material, material_id)
        assert material.archivo == hashlib.sha256(contenido).hexdigest() + Path(nombre).suffix
        return f"/materiales/{material.id}/{material.nombre_archivo}"


def _guardados_en_la_carpeta(nodo) -> list[str]:
    carpeta = Path(nodo.config["MATERIALES_CARPETA"])
    return sorted(p.name for p in carpeta.iterdir()) if carpeta.is_dir() else []


def test_un_archivo_subido_en_un_nodo_se_descarga_en_otro(nodos, evento_con_equipo):
    a, b = nodos
    contenido = os.urandom(1024 * 1024 + 123)
    enlace = _subir(a, evento_con_equipo, contenido, "relatoria.pdf")
    assert _guardados_en_la_carpeta(a) == []  # nada en el disco del nodo que lo recibió

    cliente = b.test_client()
    descarga = cliente.get(enlace)
    assert descarga.status_code == 200
    assert descarga.data == contenido
    assert descarga.headers["Content-Length"] == str(len(contenido))
    assert descarga.headers["Content-Type"] == "application/pdf"
    assert descarga.headers["Content-Disposition"] == "attachment; filename=relatoria.pdf"
    assert descarga.headers["X-Content-Type-Options"] == "nosniff"
    assert descarga.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "max-age=3600" in descarga.headers["Cache-Control"]
    etag = descarga.headers["ETag"]
    assert etag == f'"{hashlib.sha256(contenido).hexdigest()}"'

    otra_vez = cliente.get(enlace, headers={"If-None-Match": etag})
    assert otra_vez.status_code == 304 and otra_vez.data == b""
    assert otra_vez.headers["ETag"] == etag

    # Un trozo (una descarga que se reanuda), leído desde en medio del archivo.
    parte = cliente.get(enlace, headers={"Range": "bytes=300000-300999"})
    assert parte.status_code == 206 and parte.data == contenido[300000:301000]
    assert cliente.get(enlace, headers={"Range": f"bytes={len(contenido)}-"}).status_code == 416
    assert _guardados_en_la_carpeta(b) == []


def test_un_archivo_grande_se_sirve_por_trozos(nodos, evento_con_equipo, monkeypatch):
    """15 MB: el almacén nunca entrega más de TROZO bytes de una vez y la respuesta sale por trozos."""
    a, b = nodos
    contenido = os.urandom(15 * 1024 * 1024)
    enlace = _subir(a, evento_con_equipo, contenido, "grabacion.pdf")

    lecturas = []
    leer = materiales._Lector.readinto

    def espia(lector, destino):
        leidos = leer(lector, destino)
        lecturas.append(leidos)
        return leidos

    monkeypatch.setattr(materiales._Lector, "readinto", espia)
    respuesta = b.test_client().get(enlace, buffered=False)
    assert respuesta.status_code == 200 and respuesta.is_streamed
    resumen, tamanos = hashlib.sha256(), []
    for trozo in respuesta.response:
        tamanos.append(len(trozo))
        resumen.update(trozo)
    respuesta.close()
    assert sum(tamanos) == len(contenido) and resumen.hexdigest() == hashlib.sha256(contenido).hexdigest()
    assert max(tamanos) <= materiales.TROZO
    assert sum(lecturas) == len(contenido)
    assert max(lecturas) <= materiales.TROZO and len(lecturas) >= len(contenido) // materiales.TROZO


def test_la_migracion_copia_al_almacen_los_archivos_de_la_carpeta(url_vacia, tmp_path, compartido):
    """Los archivos de antes (en la carpeta) pasan al almacén sin perder ninguno; repetir no duplica nada, la
    orden copia lo que apareció después, y deshacer la migración devuelve a la carpeta lo que solo estaba en
    el almacén."""
    tipo, extra = compartido
    app = create_app({**configuracion(tmp_path, url_vacia), **extra})
    assert app.config["ALMACEN_MATERIALES"] == tipo
    carpeta = Path(app.config["MATERIALES_CARPETA"])
    carpeta.mkdir(parents=True)
    sufijo = os.urandom(8)  # el bucket S3 es el mismo para todas las pruebas del módulo
    antes = {}
    for contenido, extension in ((b"%PDF-1.4 programa" + sufijo, ".pdf"), (os.urandom(700_000), ".png"),
                                 (b"sin extension" + sufijo, "")):
        antes[hashlib.sha256(contenido).hexdigest() + extension] = contenido
    for nombre, contenido in antes.items():
        (carpeta / nombre).write_bytes(contenido)
    (carpeta / ".subida-a-medias").write_bytes(b"incompleto")  # ni esto ni lo que no es de la aplicación
    (carpeta / "notas.txt").write_text("apuntes de quien opera")

    def en_el_almacen() -> dict[str, bytes]:
        almacen = materiales.actual()
        return {nombre: almacen.leer(nombre) for nombre in almacen.nombres()}

    with app.app_context():
        upgrade(revision="0011_sin_url_base")
        upgrade()
        assert antes.items() <= en_el_almacen().items()
        assert not {".subida-a-medias", "notas.txt"} & set(materiales.actual().nombres())

        nuevo = b"llegado despues" + sufijo
        antes[hashlib.sha256(nuevo).hexdigest() + ".txt"] = nuevo
        (carpeta / (hashlib.sha256(nuevo).hexdigest() + ".txt")).write_bytes(nuevo)
        salida = app.test_cli_runner().invoke(args=["materiales", "mover"])
        assert salida.exit_code == 0, salida.output
        assert f"Copiados a «{tipo}»: 1; ya estaban: 3." in salida.output
        assert antes.items() <= en_el_almacen().items()
        assert set(os.listdir(carpeta)) == set(antes) | {".subida-a-medias", "notas.txt"}  # la carpeta, igual

        perdido = next(iter(antes))
        (carpeta / perdido).unlink()
        db.session.remove()  # lo leído arriba dejó abierta una transacción: DROP TABLE la esperaría
        downgrade(revision="0011_sin_url_base")
        assert (carpeta / perdido).read_bytes() == antes[perdido]
        db.session.remove()
        db.engine.dispose()


def test_la_orden_de_mover_no_copia_un_almacen_en_si_mismo(app):
    salida = app.test_cli_runner().invoke(args=["materiales", "mover", "--desde", app.config["ALMACEN_MATERIALES"]])
    assert salida.exit_code != 0 and "elija otro origen con --desde" in salida.output


def test_la_eleccion_del_almacen():
    def elegido(**config) -> str:
        config.setdefault("SQLALCHEMY_DATABASE_URI", "sqlite:///x.sqlite3")
        elegir_almacen(config)
        return config["ALMACEN_MATERIALES"]

    assert elegido() == "carpeta"
    assert elegido(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://servidor/eventos") == "bd"
    assert elegido(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://servidor/eventos", S3_BUCKET="b") == "s3"
    assert elegido(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://servidor/eventos", ALMACEN_MATERIALES="carpeta") == "carpeta"
    with pytest.raises(ConfiguracionInsegura, match="carpeta, bd o s3"):
        elegido(ALMACEN_MATERIALES="disco")
    with pytest.raises(ConfiguracionInsegura, match="S3_BUCKET"):
        elegido(ALMACEN_MATERIALES="s3")


def test_sin_s3_no_se_carga_boto3(tmp_path):
    """boto3 pesa: un proceso que guarda y sirve materiales en la carpeta o en la base de datos no lo importa."""
    codigo = ("import sys; from app import create_app; from eventos.servicios import materiales\n"
              "app = create_app()\n"
              "with app.app_context():\n"
              "    campos = materiales.guardar(b'hola', 'nota.txt')\n"
              "    assert materiales.leer(campos['archivo']) == b'hola'\n"
              "print(app.config['ALMACEN_MATERIALES'], 'boto3' in sys.modules, 'botocore' in sys.modules)")
    entorno = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'bd.sqlite3'}",
               "SECRET_KEY": "clave-de-pruebas", "MATERIALES_CARPETA": str(tmp_path / "materiales")}
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=Path(__file__).resolve().parent.parent, env=entorno,
                            capture_output=True, text=True, timeout=60)
    assert salida.returncode == 0, salida.stderr[-2000:]
    assert salida.stdout.split() == ["carpeta", "False", "False"]
