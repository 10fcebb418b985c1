"""Comunicaciones por SMTP de verdad (aiosmtpd en 127.0.0.1) con dos procesos de correo a la vez, como en
producción con CORREO_PROCESO_APARTE=1 (`flask correo enviar --continuo`, el reloj de verdad): un anuncio a
2 000 personas y un recordatorio a 200 llegan exactamente una vez a cada una, y el anuncio con cabeceras que
un proveedor de correo acepta (baja con un clic según RFC 8058, Message-ID único, Date legible)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from apoyo_gunicorn import AJENAS, RAIZ
from bench.foro_sintetico import inscribir_confirmadas
from eventos.comunicaciones import servicios
from eventos.extensiones import db
from eventos.modelos import Anuncio, CorreoSaliente, Evento, Recordatorio, Sesion
from eventos.zonas import ahora

pytest.importorskip("aiosmtpd.controller", reason="pip install aiosmtpd (extra «pruebas»)")
from apoyo_smtp import ServidorSMTP  # noqa: E402

pytestmark = pytest.mark.lento  # sin «reloj»: los procesos de correo usan el reloj de verdad

URL_PUBLICA = "http://localhost"
ESPERA_MAXIMA = 90  # segundos, como mucho, para que los dos procesos entreguen todo (suele bastar con 30)
RE_BAJA = re.compile(r"<(https?://[^/>\s]+/anuncios/baja/[^>\s]+)>")
RE_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


def cabeceras_para(servidor, dominio: str) -> list[tuple[tuple[str, ...], object]]:
    """(destinatarios del sobre, cabeceras) de los mensajes recibidos para direcciones de `dominio`."""
    return [(recibido.destinatarios, recibido.cabeceras()) for recibido in servidor.recibidos()
            if any(d.endswith("@" + dominio) for d in recibido.destinatarios)]


@pytest.fixture()
def sumidero():
    servidor = ServidorSMTP()
    puerto = servidor.arrancar()
    yield servidor, puerto
    servidor.detener()


@pytest.fixture()
def procesos_de_correo(app, url_bd, sumidero, tmp_path):
    """Arranca `flask correo enviar --continuo` en procesos aparte contra la base de las pruebas y el sumidero;
    al terminar, los detiene por su PID."""
    if os.environ.get("RELOJ_PRUEBAS"):
        pytest.skip("Con RELOJ_PRUEBAS el reloj de las pruebas no es el de los procesos de correo")
    _, puerto = sumidero
    procesos: list[tuple[subprocess.Popen, object]] = []

    def arrancar(cuantos: int) -> list[subprocess.Popen]:
        for n in range(cuantos):
            instancia = tmp_path / f"correo-{n}"
            entorno = {clave: valor for clave, valor in os.environ.items()
                       if clave not in AJENAS and not clave.startswith("MAIL_")}
            entorno.update({"DATABASE_URL": url_bd, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(puerto),
                            "CORREO_PROCESO_APARTE": "1", "SECRET_KEY": app.config["SECRET_KEY"],
                            "URL_PUBLICA": URL_PUBLICA, "INSTANCIA": str(instancia),
                            "MAIL_CARPETA": str(instancia / "correo"), "MATERIALES_CARPETA": str(instancia / "materiales"),
                            "PYTHONUNBUFFERED": "1"})
            registro = (tmp_path / f"correo-{n}.log").open("wb")
            proceso = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "correo", "enviar", "--continuo", "--cada", "0.2"],
                cwd=RAIZ, env=entorno, stdout=registro, stderr=subprocess.STDOUT)
            procesos.append((proceso, registro))
        return [proceso for proceso, _ in procesos]

    yield arrancar
    for proceso, registro in procesos:
        if proceso.poll() is None:
            proceso.terminate()
            try:
                proceso.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proceso.kill()
                proceso.wait(timeout=10)
        registro.close()


def _salidas(tmp_path) -> str:
    return "\n".join(f"--- {archivo.name}\n{archivo.read_text(errors='replace')[-3000:]}"
                     for archivo in sorted(tmp_path.glob("correo-*.log")))


def enviados_por(registro) -> int:
    """Los correos que un proceso de correo dice haber enviado («Enviados: N; fallidos: M» en cada ronda)."""
    return sum(int(n) for n in re.findall(r"^Enviados: (\d+);", registro.read_text(errors="replace"), re.MULTILINE))


def esperar_entregados(app, procesos, tmp_path, condicion, esperados: int) -> None:
    """Espera a que `esperados` correos que cumplen `condicion` estén «enviado» (y ninguno más de esos)."""
    limite = time.monotonic() + ESPERA_MAXIMA
    estados: dict = {}
    while time.monotonic() < limite:
        with app.app_context():
            estados = dict(db.session.execute(select(CorreoSaliente.estado, func.count())
                                              .where(condicion).group_by(CorreoSaliente.estado)).all())
        if estados == {"enviado": esperados}:
            return
        muertos = [p.returncode for p in procesos if p.poll() is not None]
        assert not muertos, f"un proceso de correo terminó (código {muertos}):\n{_salidas(tmp_path)}"
        time.sleep(0.2)
    pytest.fail(f"en {ESPERA_MAXIMA} s no se entregó todo: {estados}\n{_salidas(tmp_path)}")


def test_anuncio_a_2000_personas_con_dos_procesos_de_correo_llega_una_vez_a_cada_una(
        app, eventos_prueba, sumidero, procesos_de_correo, tmp_path):
    buzon, _ = sumidero
    evento = eventos_prueba()
    dominio = f"anuncio-{uuid.uuid4().hex[:8]}.org"
    with app.app_context():
        inscribir_confirmadas(evento.id, 2000, dominio)
        anuncio = Anuncio(evento=db.session.get(Evento, evento.id), segmento={"tipo": "confirmadas"}, idioma="es",
                          textos={"es": {"asunto": "Aviso para {nombre}", "texto": "Hola {nombre}: cambia la sede."}})
        db.session.add(anuncio)
        assert servicios.enviar(anuncio) == 2000
        db.session.commit()
        anuncio_id = anuncio.id
    inscritas = {f"p{n}@{dominio}" for n in range(2000)}

    procesos = procesos_de_correo(2)
    esperar_entregados(app, procesos, tmp_path, CorreoSaliente.anuncio_id == anuncio_id, 2000)
    assert all(enviados_por(tmp_path / f"correo-{n}.log") for n in range(2)), \
        f"los dos procesos debían repartirse el envío:\n{_salidas(tmp_path)}"

    recibidos = cabeceras_para(buzon, dominio)
    assert Counter(str(cabeceras["To"]) for _, cabeceras in recibidos) == Counter(inscritas), \
        "cada persona recibe el anuncio exactamente una vez"
    assert all(sobre == (str(cabeceras["To"]),) for sobre, cabeceras in recibidos)
    with app.app_context():  # ninguno se reclamó dos veces
        assert set(db.session.execute(select(CorreoSaliente.intentos)
                                      .where(CorreoSaliente.anuncio_id == anuncio_id)).scalars()) == {1}

    enlaces, identificadores = set(), []
    for _, cabeceras in recibidos:
        assert cabeceras["Subject"] == f"Aviso para Persona {cabeceras['To'].split('@')[0][1:]}"
        baja = RE_BAJA.fullmatch(str(cabeceras["List-Unsubscribe"]))
        assert baja and baja.group(1).startswith(URL_PUBLICA + "/anuncios/baja/"), cabeceras["List-Unsubscribe"]
        enlaces.add(baja.group(1))
        assert cabeceras["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        identificador = str(cabeceras["Message-ID"])
        assert RE_MESSAGE_ID.fullmatch(identificador) and not cabeceras["Message-ID"].defects, identificador
        identificadores.append(identificador)
        fecha = parsedate_to_datetime(str(cabeceras["Date"]))
        if fecha.tzinfo is None:  # «-0000» (RFC 5322): en UTC, sin decir la zona de quien lo escribió
            fecha = fecha.replace(tzinfo=timezone.utc)
        assert abs(fecha - ahora()) < timedelta(minutes=5), cabeceras["Date"]
    assert len(set(identificadores)) == len(identificadores) == 2000, "Message-ID repetido"
    assert len(enlaces) == 2000, "cada persona tiene su propio enlace de baja"
    # El enlace que firmó el proceso de correo lo acepta la aplicación (misma SECRET_KEY, misma dirección pública).
    assert app.test_client().get(next(iter(enlaces)).removeprefix(URL_PUBLICA)).status_code == 200


def test_dos_procesos_de_correo_envian_un_solo_recordatorio_por_persona(
        app, eventos_prueba, sumidero, procesos_de_correo, tmp_path):
    buzon, _ = sumidero
    evento = eventos_prueba(en_dias=0)
    dominio = f"recordatorio-{uuid.uuid4().hex[:8]}.org"
    momento = ahora()
    with app.app_context():
        # La apertura empieza dentro de media hora; las mesas, lejos de la ventana del recordatorio.
        for clave, desde in (("apertura", timedelta(minutes=30)), ("trabajo", timedelta(hours=5))):
            sesion = db.session.get(Sesion, evento.sesiones[clave])
            sesion.inicio, sesion.fin = momento + desde, momento + desde + timedelta(hours=1)
        inscribir_confirmadas(evento.id, 200, dominio)
        # Creado (y vigente) desde hace dos horas: su momento de envío, hace media hora, ya le corresponde.
        recordatorio = Recordatorio(evento_id=evento.id, minutos_antes=60, idioma="es",
                                    creado_en=momento - timedelta(hours=2), vigente_desde=momento - timedelta(hours=2),
                                    textos={"es": {"asunto": "Dentro de poco: {sesion}", "texto": "Hola {nombre}."}})
        db.session.add(recordatorio)
        db.session.commit()
        recordatorio_id = recordatorio.id

    procesos = procesos_de_correo(2)
    esperar_entregados(app, procesos, tmp_path, CorreoSaliente.recordatorio_id == recordatorio_id, 200)

    recibidos = cabeceras_para(buzon, dominio)
    assert Counter(str(cabeceras["To"]) for _, cabeceras in recibidos) == Counter(f"p{n}@{dominio}" for n in range(200))
    assert {str(cabeceras["Subject"]) for _, cabeceras in recibidos} == {"Dentro de poco: Sesión de apertura"}
