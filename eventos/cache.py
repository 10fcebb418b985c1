"""La única caché de la aplicación.

- `cache`: documentos ya codificados (páginas, calendarios, exportaciones, API), guardados por su ETag.
  Con REDIS_URL están en Redis y los comparten todos los procesos y máquinas; sin él, en la memoria
  de cada proceso.
- `memoria`: objetos de Python que cuesta construir y que se leen en cada petición (la instantánea del
  programa y los moldes de sus páginas); siempre en el proceso.
- `respuesta_condicional()`: la manera de servir un documento público con ETag, 304 y caché.

Los documentos de texto se guardan comprimidos con gzip: ocupan unas doce veces menos (en la memoria de cada
proceso o en Redis) y salen así, sin volver a comprimirlos, hacia quien acepta gzip (los navegadores, nginx);
a quien no lo acepta se le descomprimen al responder.

Lo que vive en el proceso está acotado en bytes y se olvida lo menos usado (LRU): ningún parámetro de
una petición puede hacer crecer la memoria de un proceso sin límite.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import threading
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path

from cachetools import LRUCache
from flask import Response, current_app, request

registro = logging.getLogger(__name__)

# Nivel de compresión de los documentos guardados: el de nginx en despliegue/ (5). Una página del programa de
# 300 sesiones, de 373 KB a 24 KB en ~2 ms, una sola vez por versión; descomprimirla cuesta ~0,2 ms.
NIVEL_GZIP = 5


class MemoriaAcotada:
    """Diccionario LRU acotado en bytes, seguro entre hilos. Cada valor se guarda con su tamaño."""

    def __init__(self, bytes_maximos: int):
        self._lru = LRUCache(maxsize=bytes_maximos, getsizeof=itemgetter(1))
        self._cerrojo = threading.Lock()

    def get(self, clave):
        with self._cerrojo:
            par = self._lru.get(clave)
        return None if par is None else par[0]

    def set(self, clave, valor, tamano: int | None = None) -> None:
        tamano = len(valor) if tamano is None else tamano
        if tamano > self._lru.maxsize:
            return  # más grande que toda la memoria: no se guarda
        with self._cerrojo:
            self._lru[clave] = (valor, tamano)

    def recordar(self, clave, construir, medir=len):
        """El valor guardado con `clave` o, si no está, `construir()` guardado con el tamaño que da `medir`."""
        valor = self.get(clave)
        if valor is None:
            valor = construir()
            self.set(clave, valor, medir(valor))
        return valor

    def clear(self) -> None:
        with self._cerrojo:
            self._lru.clear()

    @property
    def guarda(self) -> bool:
        """False con CACHE_MB=0: no guarda nada."""
        return self._lru.maxsize > 0

    @property
    def bytes_usados(self) -> int:
        return self._lru.currsize

    @property
    def bytes_maximos(self) -> int:
        return self._lru.maxsize

    def __len__(self) -> int:
        return len(self._lru)


class AlmacenRedis:
    """Documentos en Redis con caducidad. Si Redis no responde, la petición sigue como si no estuvieran."""

    guarda = True

    def __init__(self, url: str, prefijo: str, segundos: int):
        import redis
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._error = redis.RedisError
        self._prefijo, self._segundos = prefijo, segundos

    def get(self, clave: str):
        try:
            return self._redis.get(self._prefijo + clave)
        except self._error as error:
            registro.warning("Redis no responde al leer la caché: %s", error)
            return None

    def set(self, clave: str, valor: bytes) -> None:
        try:
            self._redis.set(self._prefijo + clave, valor, ex=self._segundos)
        except self._error as error:
            registro.warning("Redis no responde al guardar en la caché: %s", error)

    def comprobar(self) -> None:
        """PING, con los mismos plazos cortos; lanza redis.RedisError si Redis no responde (/api/v1/preparado)."""
        self._redis.ping()

    def clear(self) -> None:
        claves = list(self._redis.scan_iter(match=self._prefijo + "*", count=1000))
        if claves:
            self._redis.delete(*claves)


class Cache:
    """Extensión: elige el almacén de documentos según la configuración de cada aplicación."""

    def init_app(self, app) -> None:
        config = app.config
        if config.get("REDIS_URL"):
            almacen = AlmacenRedis(config["REDIS_URL"], config["CACHE_PREFIJO"], config["CACHE_SEGUNDOS"])
        else:
            almacen = MemoriaAcotada(config["CACHE_BYTES"])
        app.extensions["cache"] = almacen
        app.extensions["memoria"] = MemoriaAcotada(config["MEMORIA_BYTES"])
        config.setdefault("VERSION_DESPLIEGUE", huella_del_codigo())

    @property
    def almacen(self):
        return current_app.extensions["cache"]

    def get(self, clave: str):
        return self.almacen.get(clave)

    def set(self, clave: str, valor: bytes) -> None:
        self.almacen.set(clave, valor)

    def clear(self) -> None:
        self.almacen.clear()
        current_app.extensions["memoria"].clear()


cache = Cache()


def memoria() -> MemoriaAcotada:
    return current_app.extensions["memoria"]


def resumen_de_archivos(archivos) -> str:
    """SHA-256, en hexadecimal, del contenido de `archivos` en ese orden."""
    resumen = hashlib.sha256()
    for archivo in archivos:
        resumen.update(Path(archivo).read_bytes())
    return resumen.hexdigest()


@lru_cache(maxsize=1)
def huella_del_codigo() -> str:
    """Resumen del código, las plantillas, las traducciones y los estáticos: otra versión desplegada escribe
    otros documentos (también otros nombres de estáticos, ver eventos/estaticos.py), así que no sirve los que
    guardó la anterior en el Redis compartido (ni su ETag vale)."""
    raiz = Path(__file__).resolve().parent
    return resumen_de_archivos(sorted(chain(
        raiz.rglob("*.py"), raiz.rglob("*.po"), raiz.rglob("*.yaml"),
        (raiz.parent / "plantillas").rglob("*.*"), (raiz.parent / "estaticos").rglob("*.*"))))[:16]


def etiqueta(*partes) -> str:
    """ETag de un documento: todo lo que lo hace distinto (versión del programa, idioma, zonas…), más la
    versión desplegada y la dirección pública, que cambian el HTML y los enlaces absolutos."""
    config = current_app.config
    datos = "|".join(map(str, (config["VERSION_DESPLIEGUE"], config["URL_PUBLICA"], *partes)))
    return hashlib.sha256(datos.encode()).hexdigest()[:32]


def comprimible(tipo: str) -> bool:
    """Documentos de texto (HTML, ICS, JSON, XML, CSV): los que gzip reduce. Los PDF, XLSX o DOCX ya van comprimidos."""
    esencial = tipo.split(";", 1)[0].strip()
    return esencial.startswith("text/") or esencial in ("application/json", "application/xml") \
        or esencial.endswith(("+json", "+xml"))


def respuesta_condicional(partes: tuple, generar, *, tipo: str = "text/html; charset=utf-8",
                          nombre: str | None = None, adjunto: bool = False, guardar: bool = True,
                          privada: bool = False) -> Response:
    """304 si quien pide ya tiene el documento; si no, el documento de la caché o `generar()` (bytes).

    `partes` identifica el documento (y da su ETag). Con `guardar=False` no se guarda (documentos
    personales: cada uno se pide pocas veces); `privada` para lo que no deben guardar los proxies.
    `nombre` es el nombre de archivo; `adjunto` lo ofrece para descargar en vez de mostrarlo.

    Lo que se guarda comprimido sale comprimido (`Content-Encoding: gzip`) hacia quien lo acepta, con su propio
    ETag (el del documento con «-gzip»: otra codificación es otra representación, RFC 9110 §8.8.3)."""
    clave = etiqueta(*partes)
    guardar = guardar and cache.almacen.guarda  # con CACHE_MB=0, ni se guarda ni se comprime (lo hará nginx)
    comprimido = guardar and comprimible(tipo)
    con_gzip = comprimido and request.accept_encodings["gzip"] > 0
    etiqueta_servida = clave + "-gzip" if con_gzip else clave
    # Comparación débil (RFC 9110): nginx marca W/ el ETag de lo que comprime con gzip.
    if request.if_none_match.contains_weak(etiqueta_servida):
        respuesta = Response(status=304)
    else:
        respuesta = Response(_cuerpo(clave, generar, guardar, comprimido, con_gzip), content_type=tipo)
        if con_gzip:
            respuesta.headers["Content-Encoding"] = "gzip"
        if nombre:
            respuesta.headers["Content-Disposition"] = f'{"attachment" if adjunto else "inline"}; filename="{nombre}"'
    if comprimido:
        respuesta.vary.add("Accept-Encoding")
    respuesta.set_etag(etiqueta_servida)
    respuesta.headers["Cache-Control"] = "private, no-cache" if privada else "no-cache"
    return respuesta


def _cuerpo(clave: str, generar, guardar: bool, comprimido: bool, con_gzip: bool) -> bytes:
    """El cuerpo de la respuesta: el guardado con `clave` (descomprimido para quien no acepta gzip) o, si no está,
    `generar()`, que se guarda (comprimido si `comprimido`). Recién generado, quien no acepta gzip recibe el
    original: no se descomprime lo que se acaba de comprimir."""
    guardado = cache.get(clave) if guardar else None
    if guardado is not None:
        return gzip.decompress(guardado) if comprimido and not con_gzip else guardado
    cuerpo = generar()
    if not guardar:
        return cuerpo
    guardado = gzip.compress(cuerpo, compresslevel=NIVEL_GZIP, mtime=0) if comprimido else cuerpo
    cache.set(clave, guardado)
    return guardado if con_gzip else cuerpo
