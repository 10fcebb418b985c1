"""Envío de correo: por SMTP si hay MAIL_SERVER; si no, cada mensaje se escribe como .eml en
instance/correo/ y se anota en el registro (así funciona sin configurar nada).

Todo correo pasa por la bandeja de salida (`CorreoSaliente`) y lo entrega `entregar_pendientes`: en cada
proceso web, su cartero (un hilo, sin configurar nada); con CORREO_PROCESO_APARTE=1, solo
`flask correo enviar --continuo`."""
from __future__ import annotations

import atexit
import logging
import os
import smtplib
import threading
import time
import uuid
import weakref
from datetime import timedelta
from email.charset import Charset
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

registro = logging.getLogger(__name__)


class ErrorDeEnvio(Exception):
    pass


def construir(destinatario: str, asunto: str, texto: str, html: str | None = None,
              adjuntos: tuple[tuple[str, str, bytes], ...] = (),
              imagenes_en_linea: tuple[tuple[str, bytes], ...] = (), cabeceras: dict[str, str] | None = None
              ) -> Message:
    """Mensaje listo para enviar; `adjuntos` son (nombre, tipo MIME, contenido) e
    `imagenes_en_linea` (cid, PNG) para `<img src="cid:…">` en la versión HTML; `cabeceras`, otras cabeceras
    (p. ej. List-Unsubscribe). El Message-ID lleva el dominio de la dirección pública.

    Se arma con las clases `email.mime` (política compat32): los anuncios se componen por miles y la API de
    `EmailMessage` analiza cada cabecera que se le asigna, lo que triplica el coste de un mensaje."""
    cuerpo = _parte_de_texto(texto, "plain")
    if html:
        parte_html = _parte_de_texto(html, "html")
        if imagenes_en_linea:
            imagenes = []
            for cid, contenido in imagenes_en_linea:
                imagen = _sin_version(MIMEImage(contenido, "png"))
                imagen["Content-ID"] = f"<{cid}>"
                imagen["Content-Disposition"] = "inline"
                imagenes.append(imagen)
            parte_html = _sin_version(MIMEMultipart("related", _subparts=[parte_html, *imagenes]))
        cuerpo = MIMEMultipart("alternative", _subparts=[cuerpo, parte_html])
    if adjuntos:
        partes = [_sin_version(cuerpo)]
        for nombre, tipo, contenido in adjuntos:
            principal, _, secundario = tipo.partition("/")
            secundario = secundario.split(";")[0]
            if principal == "text":  # texto en UTF-8 declarado (p. ej. el .ics con acentos)
                parte = _parte_de_texto(contenido.decode("utf-8"), secundario)
            else:
                parte = _sin_version(MIMEApplication(contenido, secundario) if principal == "application"
                                     else MIMEImage(contenido, secundario))
            parte.add_header("Content-Disposition", "attachment", filename=nombre)
            partes.append(parte)
        cuerpo = MIMEMultipart("mixed", _subparts=partes)
    if "MIME-Version" not in cuerpo:
        cuerpo["MIME-Version"] = "1.0"
    cuerpo["From"] = _direccion(current_app.config["MAIL_DEFAULT_SENDER"])
    cuerpo["To"] = _direccion(destinatario)
    cuerpo["Subject"] = _cabecera(asunto_en_una_linea(asunto))
    cuerpo["Date"] = formatdate(localtime=False)
    cuerpo["Message-ID"] = make_msgid(domain=urlsplit(current_app.config["URL_PUBLICA"]).hostname or "localhost")
    for nombre, valor in (cabeceras or {}).items():
        cuerpo[nombre] = _cabecera(valor)
    cuerpo.policy = _SIN_PLEGAR
    return cuerpo


def asunto_en_una_linea(asunto: str) -> str:
    """El asunto tal como sale: en una sola línea aunque el título del evento traiga saltos de línea."""
    return " ".join(asunto.split())


_UTF8 = Charset("utf-8")  # cuerpos en base64 (rápido y sin límite de largo de línea)
# Las cabeceras no ASCII van ya codificadas y plegadas (`_cabecera`); las demás no se pliegan, como hace
# EmailMessage: plegar un enlace largo de List-Unsubscribe lo dejaría en la línea siguiente.
_SIN_PLEGAR = compat32.clone(max_line_length=None)


def _parte_de_texto(texto: str, subtipo: str) -> MIMEText:
    return _sin_version(MIMEText(texto, subtipo, _UTF8))


def _sin_version(parte):
    """Las partes llevan MIME-Version solo en la cabecera del mensaje."""
    del parte["MIME-Version"]
    return parte


def _cabecera(valor: str) -> str:
    """El valor, codificado (RFC 2047) y plegado a 78 columnas si no es ASCII."""
    _sin_saltos(valor)
    return valor if valor.isascii() else Header(valor, "utf-8").encode()


def _direccion(valor: str) -> str:
    """Dirección con su nombre, que se codifica (RFC 2047) si no es ASCII."""
    nombre, direccion = parseaddr(_sin_saltos(valor))
    return formataddr((nombre, direccion), charset="utf-8") if direccion else valor


def _sin_saltos(valor: str) -> str:
    """Un salto de línea en una cabecera añadiría otras (compat32 no lo comprueba): el correo falla, no sale."""
    if "\r" in valor or "\n" in valor:
        raise ValueError(f"Salto de línea en una cabecera del correo: {valor[:80]!r}")
    return valor


def entregar_bytes(contenido: bytes, destinatario: str, asunto: str) -> str:
    """Entrega un mensaje MIME ya serializado (tal como se guardó en la bandeja de salida); devuelve dónde
    quedó. Lanza ErrorDeEnvio si el servidor lo rechaza. Dentro de `entregar_pendientes`, por la conexión SMTP
    de su tanda; si no, por una propia."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        carpeta = Path(config["MAIL_CARPETA"])
        carpeta.mkdir(parents=True, exist_ok=True)
        archivo = carpeta / f"{uuid.uuid4().hex}.eml"
        archivo.write_bytes(contenido)
        registro.info("Correo para %s («%s») guardado en %s", destinatario, asunto, archivo)
        return str(archivo)
    datos = contenido.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")  # SMTP exige CRLF
    tanda = getattr(_TANDA, "conexion", None)
    try:
        if tanda is None:
            with _abrir_smtp(config) as smtp:
                smtp.sendmail(config["MAIL_DEFAULT_SENDER"], [destinatario], datos)
        else:
            tanda.enviar(config, destinatario, datos)
    except (OSError, smtplib.SMTPException) as error:
        raise ErrorDeEnvio(str(error)) from error
    registro.info("Correo para %s («%s») enviado por %s", destinatario, asunto, config["MAIL_SERVER"])
    return config["MAIL_SERVER"]


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP que anota si la orden DATA llegó a empezar: antes de ella el servidor no aceptó nada."""
    empezo_data = False

    def data(self, msg):
        self.empezo_data = True
        return super().data(msg)


def _abrir_smtp(config) -> _SMTP:
    smtp = _SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _conexion_perdida(error: Exception) -> bool:
    """El servidor cortó la conexión o la dio por terminada (421): con una conexión nueva el correo puede salir."""
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(codigo == 421 for codigo, _ in error.recipients.values())
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


_TANDA = threading.local()  # la conexión SMTP de la tanda de `entregar_pendientes` que corre en este hilo


class _ConexionDeTanda:
    """Una conexión SMTP para todos los correos de una tanda: se abre con el primero y se cierra al acabar.
    Tras cualquier fallo se descarta (el siguiente correo abre otra). Si una conexión ya usada se perdió antes
    de la orden DATA (el servidor cierra las inactivas, o las que llevan muchos mensajes), el correo se envía
    una vez más por una nueva: hasta ahí el servidor no había aceptado nada, así que no sale dos veces."""

    def __init__(self):
        self.smtp: _SMTP | None = None

    def enviar(self, config, destinatario: str, datos: bytes) -> None:
        while True:
            reutilizada = self.smtp is not None
            if not reutilizada:
                self.smtp = _abrir_smtp(config)
            self.smtp.empezo_data = False
            try:
                self.smtp.sendmail(config["MAIL_DEFAULT_SENDER"], [destinatario], datos)
                return
            except Exception as error:
                empezo_data = self.smtp.empezo_data
                self.cerrar(despedirse=False)
                if not (reutilizada and not empezo_data and _conexion_perdida(error)):
                    raise

    def cerrar(self, despedirse: bool = True) -> None:
        """Cierra la conexión; con `despedirse`, antes envía QUIT (no tras un fallo: la conexión puede estar a
        medias y QUIT esperaría su respuesta hasta el plazo)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if despedirse:
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            smtp.close()


class _UnaConexionPorTanda:
    """Mientras dura, los correos por SMTP de este hilo comparten una conexión (`_ConexionDeTanda`)."""

    def __enter__(self):
        self._anterior = getattr(_TANDA, "conexion", None)
        _TANDA.conexion = _ConexionDeTanda()

    def __exit__(self, tipo, *_):
        try:
            _TANDA.conexion.cerrar(despedirse=tipo is None)  # p. ej., Ctrl+C a mitad de un envío: sin QUIT
        finally:
            _TANDA.conexion = self._anterior


# --- Bandeja de salida --------------------------------------------------------------------------
INTENTOS_MAXIMOS = 8
# Correos compuestos al anotarlos con un enlace que da acceso a una cuenta: se borran una vez entregados.
CON_ENLACE_SECRETO = ("restablecer", "invitacion")
ENVIO_EN_CURSO = timedelta(minutes=1)  # un envío reclamado hace menos que esto se considera en marcha
LARGO_ASUNTO = 300  # CorreoSaliente.asunto
CORREOS_DE_LA_PETICION = "eventos.correos_salientes"  # clave del entorno WSGI de la petición


def plazo_de_reclamo() -> timedelta:
    """Si el proceso muere a mitad de un envío, el correo se reintenta pasado este plazo (CORREO_RECLAMO_SEGUNDOS,
    10 minutos por omisión): más que lo que tarda el envío más lento, para no enviarlo dos veces."""
    return timedelta(seconds=current_app.config["CORREO_RECLAMO_SEGUNDOS"])


def encolar(destinatario: str, asunto: str, texto: str, tipo: str, evento_id: int | None = None):
    """Deja en la bandeja de salida un correo ya compuesto (cuentas, invitaciones), en la transacción de
    quien llama; sale por el mismo camino que los de la inscripción."""
    from .extensiones import db
    from .modelos import CorreoSaliente

    mensaje = construir(destinatario, asunto, texto)
    saliente = CorreoSaliente(evento_id=evento_id, tipo=tipo, destinatario=destinatario,
                              asunto=asunto_en_una_linea(asunto)[:LARGO_ASUNTO], mensaje=bytes(mensaje))
    db.session.add(saliente)
    programar_entrega(saliente)
    return saliente


def programar_entrega(saliente) -> None:
    """Anota en la petición que `saliente` espera entrega: al terminar la petición se avisa al cartero de
    este proceso. Con un proceso de correo aparte (`flask correo enviar --continuo`) no hace nada."""
    from flask import has_request_context, request
    if has_request_context() and current_app.config.get("CORREO_AL_RESPONDER", True):
        request.environ.setdefault(CORREOS_DE_LA_PETICION, []).append(saliente)


def entregar_pendientes(limite: int = 50, evento_id: int | None = None, primero=(), turno=None) -> tuple[int, int]:
    """Compone y entrega los correos que tocan, empezando por los ids de `primero`; devuelve (enviados,
    fallidos). Reintenta con espera creciente (1, 2, 4… minutos) hasta INTENTOS_MAXIMOS; los fallidos
    quedan visibles con su error. Un correo que falla, por el motivo que sea, no detiene a los demás.
    `turno`, si se da, se llama antes de cada correo: espera el momento de seguir, o devuelve False para
    dejar el resto para otra vez. Los correos de la tanda comparten una conexión SMTP (`_ConexionDeTanda`).

    Varios procesos pueden llamarla a la vez: los correos se reclaman de TROZO en TROZO con una actualización
    condicional (cada correo lo consigue un solo proceso) y ninguno mantiene bloqueos mientras envía.
    """
    from sqlalchemy import case, select

    from .extensiones import db
    from .modelos import CorreoSaliente
    from .zonas import ahora

    orden = [CorreoSaliente.id]
    if primero:
        orden.insert(0, case((CorreoSaliente.id.in_(list(primero)), 0), else_=1))
    consulta = select(CorreoSaliente.id).where(_pendiente(ahora())).order_by(*orden).limit(limite)
    if evento_id is not None:
        consulta = consulta.where(CorreoSaliente.evento_id == evento_id)
    candidatos = db.session.scalars(consulta).all()
    db.session.commit()
    enviados = fallidos = 0
    with _UnaConexionPorTanda():
        for inicio in range(0, len(candidatos), TROZO):
            trozo = candidatos[inicio:inicio + TROZO]
            try:
                estados, seguir = _entregar_trozo(trozo, turno)
            except Exception:  # noqa: BLE001 — p. ej., la base de datos no respondió: se sigue con el siguiente
                db.session.rollback()
                registro.exception("No se pudieron reclamar o anotar los correos %s", trozo)
                estados, seguir = ["fallido"] * len(trozo), True
            enviados += estados.count("enviado")
            fallidos += estados.count("fallido")
            if not seguir:
                break
    return enviados, fallidos


TROZO = 25  # correos que se reclaman juntos (y se cargan en una consulta)


def _pendiente(momento):
    """Condición de un correo que toca intentar ya (y que ningún proceso tiene reclamado)."""
    from .modelos import CorreoSaliente
    return (CorreoSaliente.estado.in_(("pendiente", "fallido")) & (CorreoSaliente.proximo_intento <= momento)
            & (CorreoSaliente.intentos < INTENTOS_MAXIMOS))


def _entregar_trozo(ids: list[int], turno) -> tuple[list[str], bool]:
    """Reclama los correos `ids` que sigan pendientes y los entrega; devuelve (sus estados, si seguir).

    El resultado de cada correo se anota (y se confirma) antes de pasar al siguiente: si el proceso muere, lo
    ya entregado no vuelve a salir; solo el que estaba a medias (que el servidor no aceptó) y los que quedaban
    del trozo esperan el plazo de reclamo. Si `turno` dice que no, los reclamados que no se trataron vuelven a
    la bandeja al momento, listos para otro proceso."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from .extensiones import db
    from .modelos import CorreoSaliente, Inscripcion

    if turno is not None and not turno():
        return [], False
    intentos = _reclamar(ids)
    if not intentos:
        return [], True
    # Lo que falta del plazo de reclamo, que empezó al reclamarlos: hasta ahí se insiste en anotar los resultados.
    limite = time.monotonic() + plazo_de_reclamo().total_seconds() * 0.9
    # En una consulta, lo que los mensajes necesitan (inscripción y su evento, anuncio o recordatorio).
    salientes = db.session.scalars(select(CorreoSaliente).where(CorreoSaliente.id.in_(list(intentos))).options(
        joinedload(CorreoSaliente.inscripcion).joinedload(Inscripcion.evento),
        joinedload(CorreoSaliente.anuncio), joinedload(CorreoSaliente.recordatorio))).all()
    por_id = {saliente.id: saliente for saliente in salientes}
    estados, seguir, sin_tratar = [], True, set(intentos)
    sesion = db.session()
    caducar, sesion.expire_on_commit = sesion.expire_on_commit, False  # lo cargado sirve tras cada commit
    try:
        for saliente in (por_id[i] for i in ids if i in por_id):
            if turno is not None and not turno():
                seguir = False
                break
            sin_tratar.discard(saliente.id)  # si algo lo interrumpe desde aquí, queda reclamado («interrumpido»)
            resultado = _entregar_reclamado(saliente, intentos[saliente.id])
            _anotar([resultado], (), intentos, limite)
            estados.append(resultado["estado"])
    finally:
        sesion.expire_on_commit = caducar
        if sin_tratar:
            _anotar([], sin_tratar, intentos, limite)
    return estados, seguir


def _reclamar(ids: list[int]) -> dict[int, int]:
    """Toma para este proceso los correos `ids` que sigan pendientes; devuelve {id: número de este intento}.
    Hasta saber el resultado cuentan como fallidos sin error («en curso o interrumpido»): si el proceso muriera,
    se vería y se reintentarían pasado `plazo_de_reclamo()`."""
    from sqlalchemy import update

    from .extensiones import db
    from .modelos import CorreoSaliente
    from .zonas import ahora

    momento = ahora()
    reclamados = db.session.execute(
        update(CorreoSaliente).where(CorreoSaliente.id.in_(ids), _pendiente(momento))
        .values(intentos=CorreoSaliente.intentos + 1, proximo_intento=momento + plazo_de_reclamo(),
                estado="fallido", ultimo_error="")
        .returning(CorreoSaliente.id, CorreoSaliente.intentos)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    return dict(reclamados)


def _entregar_reclamado(saliente, intento: int) -> dict:
    """Compone (si aún no lo estaba) y entrega un correo ya reclamado; devuelve los valores que anotar en su
    fila (enviado, fallido o anulado). Cualquier fallo (plantilla, carpeta de correo, servidor…) lo deja
    «fallido» con su error y su próximo intento."""
    from .extensiones import db
    from .zonas import ahora

    correo_id = saliente.id
    compuesto = {}
    try:
        if saliente.mensaje is None:
            hecho = componer(saliente)
            if hecho is None:  # ya no corresponde (p. ej., un recordatorio de alguien que canceló)
                return {"id": correo_id, "estado": "anulado"}
            compuesto["asunto"], compuesto["mensaje"] = hecho[0][:LARGO_ASUNTO], hecho[1]
        entregar_bytes(compuesto.get("mensaje", saliente.mensaje), saliente.destinatario,
                       compuesto.get("asunto", saliente.asunto))
    except Exception as error:  # noqa: BLE001 — el fallo de un correo se anota en él y no detiene a los demás
        db.session.rollback()
        if not isinstance(error, ErrorDeEnvio):
            registro.exception("No se pudo componer o entregar el correo %s", correo_id)
        resultado = {"estado": "fallido", "ultimo_error": (str(error) or type(error).__name__)[:2000],
                     "proximo_intento": ahora() + timedelta(minutes=2 ** (intento - 1))}
    else:
        resultado = {"estado": "enviado", "enviado_en": ahora(), "ultimo_error": ""}
        if saliente.tipo in CON_ENLACE_SECRETO:  # ya entregado: el enlace no se queda en la base de datos
            resultado["mensaje"] = None
    return {"id": correo_id, **compuesto, **resultado}


def componer(saliente) -> tuple[str, bytes] | None:
    """El mensaje de un correo anotado sin componer: los de comunicaciones o los de la inscripción."""
    from .comunicaciones import mensajes
    from .inscripciones import avisos
    return (mensajes if saliente.tipo in mensajes.TIPOS else avisos).componer(saliente)


BORRADO_CADA = 3600.0  # segundos entre dos revisiones de la retención de datos personales en un proceso
_ULTIMO_BORRADO = {"en": float("-inf")}


def programar_y_entregar(limite: int = 50, turno=None) -> tuple[int, int]:
    """Lo que hace un proceso de correo en cada ronda: anotar los recordatorios que ya tocan, una vez por hora
    anonimizar las inscripciones cuya retención venció (cada cosa confirmada por separado) y entregar la bandeja."""
    from .comunicaciones.servicios import programar_recordatorios
    from .datos_personales.servicios import anonimizar_vencidas
    from .extensiones import db

    programar_recordatorios()
    db.session.commit()
    if time.monotonic() - _ULTIMO_BORRADO["en"] >= BORRADO_CADA:
        _ULTIMO_BORRADO["en"] = time.monotonic()
        anonimizar_vencidas()
        db.session.commit()
    return entregar_pendientes(limite=limite, turno=turno)


def _anotar(resultados: list[dict], sin_tratar, intentos: dict[int, int], limite: float) -> None:
    """Escribe en una transacción resultados de envíos (una fila de valores por correo) y devuelve a la bandeja
    los reclamados `sin_tratar`. Si la base de datos no responde (se reinicia, se cortó la conexión), lo
    reintenta hasta `limite` (time.monotonic()): un correo entregado cuyo resultado no se anotara se volvería a
    enviar al acabar el plazo de reclamo."""
    from sqlalchemy import case, update
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    from .extensiones import db
    from .modelos import CorreoSaliente
    from .zonas import ahora
    while True:
        try:
            tabla = CorreoSaliente.__table__  # sentencias del núcleo: sin la maquinaria de la ORM por cada correo
            for resultado in resultados:
                valores = {clave: valor for clave, valor in resultado.items() if clave != "id"}
                db.session.execute(update(tabla).where(tabla.c.id == resultado["id"]).values(**valores))
            for correo_id in sin_tratar:  # el intento no llegó a empezar: se deshace el reclamo
                db.session.execute(update(CorreoSaliente).where(
                    CorreoSaliente.id == correo_id, CorreoSaliente.intentos == intentos[correo_id],
                    CorreoSaliente.estado == "fallido").values(
                    intentos=intentos[correo_id] - 1, proximo_intento=ahora(),
                    estado=case((CorreoSaliente.intentos == 1, "pendiente"), else_="fallido"))
                    .execution_options(synchronize_session=False))
            db.session.commit()
            return
        except DBAPIError as error:
            db.session.rollback()
            sin_conexion = error.connection_invalidated or isinstance(error, (OperationalError, InterfaceError))
            if not sin_conexion or time.monotonic() >= limite:
                raise
            registro.warning("La base de datos no responde; se reintenta anotar correos ya tratados")
            time.sleep(0.5)


# --- Entrega desde los procesos web: el cartero -----------------------------------------------------
REPOSO = 0.02  # segundos sin peticiones en curso antes de componer: una avalancha se atiende primero
REVISION = 30.0  # cada cuántos segundos mira la bandeja sin que lo avisen (lo que dejó un proceso que murió)
ESPERA_EN_PRUEBAS = 60.0  # lo más que una petición espera a su correo con CORREO_ESPERAR_ENTREGA
_CREAR_CARTERO = threading.Lock()


class Cartero:
    """Hilo de un proceso web que entrega la bandeja de salida con su propio contexto de aplicación (y su
    propia sesión de base de datos, cuya transacción confirma él: es un proceso de correo).

    Lo despierta cada petición que dejó correo, y revisa además al arrancar y cada REVISION segundos: así
    sale también lo que quedó pendiente en un proceso que murió o se reinició (la fila de la bandeja es el
    registro; lo que un proceso dejó reclamado a medias se reintenta pasado `plazo_de_reclamo()`). Compone solo
    cuando su proceso lleva REPOSO segundos sin peticiones en curso: durante una avalancha de inscripciones
    el proceso atiende peticiones, y el correo sale justo después. Varios carteros (uno por proceso) pueden
    trabajar a la vez: cada correo se reclama antes de enviarse.
    """

    def __init__(self, app):
        self._app = weakref.ref(app)  # el hilo no retiene la aplicación: sin ella (pruebas), termina
        self.pid = os.getpid()
        self._cambio = threading.Condition()
        self._en_curso = 0
        self._ultima_peticion = 0.0
        self._pedidas = self._atendidas = 0
        self._fin = False
        self._hilo = threading.Thread(target=self._repartir, name="cartero", daemon=True)
        self._hilo.start()
        atexit.register(self.detener)

    @property
    def vivo(self) -> bool:
        """Su hilo corre en este proceso (un hijo bifurcado hereda el objeto, pero no el hilo)."""
        return self.pid == os.getpid() and self._hilo.is_alive()

    # Lo llaman las peticiones.
    def entra(self) -> None:
        with self._cambio:
            self._en_curso += 1

    def sale(self) -> None:
        with self._cambio:
            self._en_curso -= 1
            self._ultima_peticion = time.monotonic()

    def avisar(self) -> int:
        """Pide una ronda de entrega; devuelve su número (para `esperar`)."""
        with self._cambio:
            self._pedidas += 1
            self._cambio.notify_all()
            return self._pedidas

    def esperar(self, ronda: int, segundos: float = ESPERA_EN_PRUEBAS) -> bool:
        """Espera a que termine la ronda `ronda` (o una posterior); False si pasaron `segundos` antes."""
        with self._cambio:
            return self._cambio.wait_for(lambda: self._atendidas >= ronda or self._fin, segundos)

    def detener(self, segundos: float = 10.0) -> None:
        """Al salir el proceso: termina el correo que esté entregando y no empieza otro."""
        if os.getpid() != self.pid:
            return
        with self._cambio:
            self._fin = True
            self._cambio.notify_all()
        self._hilo.join(segundos)

    # El hilo.
    def _repartir(self) -> None:
        espera = 0.0  # la primera revisión, al arrancar
        while True:
            with self._cambio:
                avisado = self._cambio.wait_for(lambda: self._fin or self._pedidas > self._atendidas, espera)
                ronda = self._pedidas
            app = self._app()
            if self._fin or app is None:
                return
            espera = REVISION
            if avisado or not _espera_cada_entrega(app):  # en pruebas, solo cuando lo avisan
                self._entregar(app)
            del app
            with self._cambio:
                self._atendidas = ronda
                self._cambio.notify_all()

    def _entregar(self, app) -> None:
        try:
            with app.app_context():
                while not self._fin and app.config.get("CORREO_AL_RESPONDER", True) \
                        and sum(programar_y_entregar(turno=self._turno)):
                    pass  # otra tanda, hasta que no quede nada que reclamar
        except Exception:  # noqa: BLE001 — p. ej., la base de datos no responde: se intentará en la próxima ronda
            registro.exception("Fallo al entregar la bandeja de salida")

    def _turno(self) -> bool:
        """Espera a que el proceso lleve REPOSO sin peticiones; False si el proceso termina."""
        with self._cambio:
            while not self._fin:
                falta = REPOSO if self._en_curso else self._ultima_peticion + REPOSO - time.monotonic()
                if falta <= 0:
                    return True
                self._cambio.wait(falta)
            return False


def cartero_de(app) -> Cartero | None:
    """El cartero de este proceso, que se crea la primera vez (también en cada proceso hijo tras bifurcarse,
    y de nuevo si su hilo terminó); None si los correos los entrega un proceso aparte."""
    if not app.config.get("CORREO_AL_RESPONDER", True):
        return None
    cartero = app.extensions.get("cartero")
    if cartero is None or not cartero.vivo:
        with _CREAR_CARTERO:
            cartero = app.extensions.get("cartero")
            if cartero is None or not cartero.vivo:
                cartero = app.extensions["cartero"] = Cartero(app)
    return cartero


def _espera_cada_entrega(app) -> bool:
    """En pruebas (TESTING), la petición que deja correo espera a que el cartero lo entregue: las pruebas
    lo leen justo después, y el cartero no hace rondas por su cuenta (CORREO_ESPERAR_ENTREGA=False lo
    deja como en producción)."""
    return app.config.get("CORREO_ESPERAR_ENTREGA", app.testing)


def esperar_entregas(app, segundos: float = ESPERA_EN_PRUEBAS) -> bool:
    """Pide una ronda al cartero de este proceso y espera a que termine; False si no terminó a tiempo."""
    cartero = cartero_de(app)
    return cartero is None or cartero.esperar(cartero.avisar(), segundos)


def registrar_entrega(app):
    """Cada proceso web tiene su cartero, que nace con su primera petición. Cada petición cuenta como «en
    curso» mientras se atiende; si dejó correo (confirmado: una petición que deshizo su trabajo no deja
    nada), se avisa al cartero en cuanto la respuesta salió: al terminar de recorrer su cuerpo o al
    cerrarlo, lo que ocurra antes. En pruebas, además, se espera ahí a que lo entregue.

    No basta con cerrar (`call_on_close`): el servidor de Werkzeug (`flask run`, y el de las pruebas en
    navegador) no cierra la respuesta si el navegador corta la conexión en cuanto la recibe, cosa que
    Chromium hace a veces tras enviar un formulario.
    """
    from sqlalchemy import inspect

    siguiente = app.wsgi_app

    def avisar(cartero, ruta):
        ronda = cartero.avisar()
        if _espera_cada_entrega(app) and not cartero.esperar(ronda):
            registro.warning("El cartero no entregó a tiempo el correo de %s", ruta)

    def wsgi_app(environ, start_response):
        cartero = cartero_de(app)
        if cartero is None:
            return siguiente(environ, start_response)
        cartero.entra()
        try:
            cuerpo = siguiente(environ, start_response)
        finally:
            cartero.sale()
        if not any(inspect(s).identity for s in environ.pop(CORREOS_DE_LA_PETICION, ())):
            return cuerpo
        return _CuerpoYLuego(cuerpo, lambda: avisar(cartero, environ.get("PATH_INFO")))

    app.wsgi_app = wsgi_app


class _CuerpoYLuego:
    """El cuerpo de una respuesta WSGI que, al acabar de recorrerse o al cerrarse, hace `luego` (una vez)."""

    def __init__(self, cuerpo, luego):
        self._cuerpo, self._luego = cuerpo, luego

    def __iter__(self):
        yield from self._cuerpo
        self._hacer_luego()

    def close(self):
        try:
            if hasattr(self._cuerpo, "close"):
                self._cuerpo.close()
        finally:
            self._hacer_luego()

    def _hacer_luego(self):
        luego, self._luego = self._luego, None
        if luego is not None:
            luego()
