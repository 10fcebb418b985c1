"""Almacén de los archivos de materiales, direccionado por contenido: cada archivo se llama como el sha256 de
su contenido más su extensión, así que guardar dos veces lo mismo no cuesta nada.

Tres almacenes con la misma interfaz, elegidos por ALMACEN_MATERIALES (`config.elegir_almacen`): un bucket S3
compatible, la base de datos (tabla `archivo_material`) o la carpeta local MATERIALES_CARPETA. Con los dos
primeros, lo que se sube en un nodo se descarga desde cualquier otro. Las descargas se leen del almacén en
trozos de TROZO bytes como mucho: un archivo grande nunca está entero en la memoria del proceso."""
from __future__ import annotations

import abc
import hashlib
import io
import mimetypes
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensiones import db
from ..modelos import ArchivoMaterial

TROZO = 256 * 1024

_NOMBRE_INTERNO = re.compile(r"^[0-9a-f]{64}(\.[a-z0-9]{1,9})?$")


def es_nombre_interno(nombre: str) -> bool:
    return bool(_NOMBRE_INTERNO.match(nombre or ""))


def tipo_de(nombre: str) -> str:
    """El tipo MIME por la extensión; los de texto, en UTF-8."""
    tipo_mime = mimetypes.guess_type(nombre)[0] or "application/octet-stream"
    return tipo_mime + "; charset=utf-8" if tipo_mime.startswith("text/") else tipo_mime


class Almacen(abc.ABC):
    """Lo que sabe hacer cada almacén. Los nombres llegan ya comprobados con `es_nombre_interno`."""

    @abc.abstractmethod
    def guardar(self, nombre: str, contenido: bytes, tipo_mime: str) -> None:
        """Guarda el archivo si aún no lo tiene (mismo nombre, mismo contenido)."""

    @abc.abstractmethod
    def existe(self, nombre: str) -> bool:
        ...

    @abc.abstractmethod
    def abrir(self, nombre: str) -> BinaryIO:
        """El archivo para leerlo por trozos (con `seek`), o FileNotFoundError."""

    @abc.abstractmethod
    def nombres(self) -> list[str]:
        """Los nombres internos de todos los archivos guardados."""

    def leer(self, nombre: str) -> bytes:
        with self.abrir(nombre) as archivo:
            return archivo.read()


class _Lector(io.RawIOBase):
    """Archivo de solo lectura sobre `leer(desde, cuantos)` de un almacén, que nunca pide más de TROZO bytes."""

    def __init__(self, tamano: int, leer: Callable[[int, int], bytes], cerrar: Callable[[], None] | None = None):
        super().__init__()
        self._tamano, self._leer, self._cerrar, self._posicion = tamano, leer, cerrar, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._posicion

    def seek(self, desplazamiento: int, desde: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._posicion, io.SEEK_END: self._tamano}[desde]
        self._posicion = max(0, base + desplazamiento)
        return self._posicion

    def readinto(self, destino) -> int:
        cuantos = min(len(destino), self._tamano - self._posicion, TROZO)
        if cuantos <= 0:
            return 0
        datos = self._leer(self._posicion, cuantos)
        if not datos:
            raise OSError("el archivo del almacén de materiales es más corto de lo que dice su tamaño")
        destino[:len(datos)] = datos
        self._posicion += len(datos)
        return len(datos)

    def readall(self) -> bytes:
        partes = []
        while datos := self.read(TROZO):
            partes.append(datos)
        return b"".join(partes)

    def close(self) -> None:
        if not self.closed and self._cerrar is not None:
            self._cerrar()
        super().close()


def _lector(tamano: int, leer, cerrar=None) -> BinaryIO:
    return io.BufferedReader(_Lector(tamano, leer, cerrar), buffer_size=TROZO)


class AlmacenCarpeta(Almacen):
    """La carpeta local: sin nada que configurar, pero cada nodo solo ve lo que se subió en él."""

    def __init__(self, ruta):
        self.ruta = Path(ruta)

    def guardar(self, nombre, contenido, tipo_mime):
        destino = self.ruta / nombre
        if destino.exists():
            return
        self.ruta.mkdir(parents=True, exist_ok=True)
        # Se escribe aparte y se renombra: nadie (una descarga, `flask materiales mover`) lee un archivo a medias.
        temporal = self.ruta / f".subida-{uuid.uuid4().hex}"
        try:
            temporal.write_bytes(contenido)
            os.replace(temporal, destino)
        finally:
            temporal.unlink(missing_ok=True)

    def existe(self, nombre):
        return (self.ruta / nombre).is_file()

    def abrir(self, nombre):
        return open(self.ruta / nombre, "rb")

    def nombres(self):
        return sorted(p.name for p in self.ruta.iterdir() if es_nombre_interno(p.name)) if self.ruta.is_dir() else []

    def leer(self, nombre):
        return (self.ruta / nombre).read_bytes()


class AlmacenBD(Almacen):
    """La tabla `archivo_material`. Guarda en la transacción de quien llama (junto con su `Material`); las
    descargas leen cada trozo con una conexión del pool, que se devuelve enseguida, porque la respuesta se
    sigue enviando cuando la petición ya cerró su sesión. Con `conexion` (una migración), todo va por ella."""

    def __init__(self, conexion=None):
        self._conexion = conexion

    _tabla = ArchivoMaterial.__table__

    def _ejecutar(self, sentencia):
        return (self._conexion if self._conexion is not None else db.session).execute(sentencia)

    def guardar(self, nombre, contenido, tipo_mime):
        if self.existe(nombre):
            return
        dialecto = (self._conexion if self._conexion is not None else db.session.get_bind()).dialect.name
        insertar = postgresql.insert if dialecto == "postgresql" else sqlite.insert
        self._ejecutar(insertar(self._tabla).values(clave=nombre, contenido=contenido, tamano=len(contenido),
                                                    tipo_mime=tipo_mime[:100]).on_conflict_do_nothing())

    def existe(self, nombre):
        return self._ejecutar(select(literal(1)).where(self._tabla.c.clave == nombre)).first() is not None

    def abrir(self, nombre):
        tabla = self._tabla
        tamano = self._ejecutar(select(tabla.c.tamano).where(tabla.c.clave == nombre)).scalar()
        if tamano is None:
            raise FileNotFoundError(nombre)
        conexion, motor = self._conexion, db.engine

        def leer(desde: int, cuantos: int) -> bytes:
            trozo = select(func.substr(tabla.c.contenido, desde + 1, cuantos)).where(tabla.c.clave == nombre)
            if conexion is not None:
                return conexion.execute(trozo).scalar_one()
            with motor.connect() as propia:
                return propia.execute(trozo).scalar_one()

        return _lector(tamano, leer)

    def nombres(self):
        return list(self._ejecutar(select(self._tabla.c.clave).order_by(self._tabla.c.clave)).scalars())

    def leer(self, nombre):
        contenido = self._ejecutar(select(self._tabla.c.contenido).where(self._tabla.c.clave == nombre)).scalar()
        if contenido is None:
            raise FileNotFoundError(nombre)
        return contenido


class AlmacenS3(Almacen):
    """Un bucket S3 compatible (AWS, MinIO, Garage…), con las credenciales estándar de AWS del entorno. Los
    archivos van con el prefijo `materiales/`. boto3 pesa: solo lo importa un proceso que usa este almacén."""

    PREFIJO = "materiales/"

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config
        self._s3 = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                config=Config(retries={"mode": "standard"}))
        self._bucket = bucket

    def _cabecera(self, nombre: str) -> dict | None:
        from botocore.exceptions import ClientError
        try:
            return self._s3.head_object(Bucket=self._bucket, Key=self.PREFIJO + nombre)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def guardar(self, nombre, contenido, tipo_mime):
        if not self.existe(nombre):
            self._s3.put_object(Bucket=self._bucket, Key=self.PREFIJO + nombre, Body=contenido, ContentType=tipo_mime)

    def existe(self, nombre):
        return self._cabecera(nombre) is not None

    def abrir(self, nombre):
        cabecera = self._cabecera(nombre)
        if cabecera is None:
            raise FileNotFoundError(nombre)
        cuerpo = _CuerpoS3(self._s3, self._bucket, self.PREFIJO + nombre)
        return _lector(cabecera["ContentLength"], cuerpo.leer, cuerpo.cerrar)

    def nombres(self):
        paginas = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=self.PREFIJO)
        claves = (objeto["Key"][len(self.PREFIJO):] for pagina in paginas for objeto in pagina.get("Contents", ()))
        return sorted(clave for clave in claves if es_nombre_interno(clave))


class _CuerpoS3:
    """El cuerpo de un GET, leído a medida que se pide (el primer trozo no se pide hasta que hace falta: un 304
    no descarga nada). Leer desde otra posición (un Range de la petición) abre otro GET desde ella."""

    def __init__(self, s3, bucket: str, clave: str):
        self._s3, self._bucket, self._clave = s3, bucket, clave
        self._cuerpo, self._posicion = None, 0

    def leer(self, desde: int, cuantos: int) -> bytes:
        if self._cuerpo is None or desde != self._posicion:
            self.cerrar()
            self._cuerpo = self._s3.get_object(Bucket=self._bucket, Key=self._clave, Range=f"bytes={desde}-")["Body"]
            self._posicion = desde
        datos = self._cuerpo.read(cuantos)
        self._posicion += len(datos)
        return datos

    def cerrar(self) -> None:
        if self._cuerpo is not None:
            self._cuerpo.close()
            self._cuerpo = None


def crear(tipo: str, conexion=None) -> Almacen:
    """Un almacén de ese tipo (carpeta | bd | s3) con la configuración de la aplicación."""
    config = current_app.config
    if tipo == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("el almacén S3 necesita S3_BUCKET")
        return AlmacenS3(config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"), config.get("S3_REGION"))
    if tipo == "bd":
        return AlmacenBD(conexion)
    return AlmacenCarpeta(config["MATERIALES_CARPETA"])


def actual() -> Almacen:
    """El almacén configurado (ALMACEN_MATERIALES), uno por aplicación."""
    extensiones = current_app.extensions
    if "almacen_materiales" not in extensiones:
        extensiones["almacen_materiales"] = crear(current_app.config["ALMACEN_MATERIALES"])
    return extensiones["almacen_materiales"]


def guardar(contenido: bytes, nombre_original: str) -> dict:
    """Guarda el archivo (idempotente) y devuelve los campos para `Material`."""
    interno = hashlib.sha256(contenido).hexdigest() + Path(nombre_original).suffix.lower()[:10]
    tipo_mime = tipo_de(nombre_original)
    actual().guardar(interno, contenido, tipo_mime)
    return {"archivo": interno, "nombre_archivo": Path(nombre_original).name, "tipo_mime": tipo_mime,
            "tamano": len(contenido)}


def existe(nombre: str) -> bool:
    return es_nombre_interno(nombre) and actual().existe(nombre)


def leer(nombre: str) -> bytes:
    return actual().leer(nombre)


def abrir(nombre: str) -> BinaryIO:
    return actual().abrir(nombre)


def mover(origen: Almacen, destino: Almacen) -> Iterator[tuple[str, bool]]:
    """Copia al destino cada archivo del origen que aún no tenga y da (nombre, si se copió) de cada uno; se
    puede repetir cuantas veces haga falta. El origen queda como estaba."""
    for nombre in origen.nombres():
        if destino.existe(nombre):
            yield nombre, False
        else:
            destino.guardar(nombre, origen.leer(nombre), tipo_de(nombre))
            yield nombre, True


def descarga(material, max_age: int):
    """El archivo como adjunto (un archivo subido nunca se interpreta como página del sitio), o 404. Se envía
    por trozos desde el almacén; el ETag es el sha256 del contenido. El tipo se da sin parámetros: Werkzeug
    añade él mismo `charset=utf-8` a los de texto."""
    from flask import abort, request, send_file
    from werkzeug.exceptions import RequestedRangeNotSatisfiable
    if not es_nombre_interno(material.archivo):
        abort(404)
    try:
        archivo = actual().abrir(material.archivo)
    except FileNotFoundError:
        abort(404)
    tamano = archivo.seek(0, io.SEEK_END)
    archivo.seek(0)
    tipo = (material.tipo_mime or "application/octet-stream").split(";")[0].strip()
    respuesta = send_file(archivo, mimetype=tipo, as_attachment=True, download_name=material.nombre_archivo or
                          material.archivo, etag=material.archivo[:64], max_age=max_age, conditional=False)
    respuesta.content_length = tamano
    try:
        respuesta = respuesta.make_conditional(request.environ, accept_ranges=True, complete_length=tamano)
    except RequestedRangeNotSatisfiable:
        archivo.close()
        raise
    respuesta.headers["X-Content-Type-Options"] = "nosniff"
    respuesta.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return respuesta
