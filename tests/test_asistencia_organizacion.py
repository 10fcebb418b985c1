"""La asistencia en la oficina: recuentos en vivo (página y JSON) en la zona del evento, la lista de
asistencia en CSV y Excel (a salvo de fórmulas), reemitir el código de acreditación y quién puede
ver todo esto."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from apoyo import entrar, estatico, token_csrf
from apoyo_inscripciones import ZONA_EVENTO, leer_qr, mensajes_para
from eventos import qr
from eventos.extensiones import db
from eventos.modelos import Asistencia, Evento, Inscripcion, RolEvento, Usuario
from eventos.zonas import a_utc, ahora
from test_consultas import contar_consultas, foros  # noqa: F401  (fixture: un foro de 3 sesiones y otro de 50)


def _persona(evento_id, nombre, estado="confirmada", mesa_id=None, **datos) -> Inscripcion:
    inscripcion = Inscripcion(evento_id=evento_id, nombre=nombre, apellidos="Pruebas", estado=estado, mesa_id=mesa_id,
                              correo=f"persona-{uuid.uuid4().hex[:10]}@prueba.org",
                              institucion=datos.pop("institucion", "Municipio de Prueba"), pais="MX",
                              consentimiento_en=ahora(), **datos)
    db.session.add(inscripcion)
    db.session.flush()
    return inscripcion


def _llega(evento, inscripcion, hora_local, origen="qr", sesion_id=None, usuario=None):
    """Una asistencia a la hora de reloj `hora_local` ("AAAA-MM-DD HH:MM") de la zona del evento."""
    from datetime import datetime
    instante = a_utc(datetime.strptime(hora_local, "%Y-%m-%d %H:%M"), ZONA_EVENTO)
    db.session.add(Asistencia(evento_id=evento.id, inscripcion_id=inscripcion.id, sesion_id=sesion_id,
                              alcance=sesion_id or 0, origen=origen, registrada_en=instante, recibida_en=instante,
                              usuario_id=usuario.id if usuario else None))


@pytest.fixture()
def puerta(app, eventos_prueba, evento_con_equipo):
    """El evento de prueba de un día (America/Mexico_City, UTC−6) con cinco personas confirmadas, una en
    espera, llegadas en dos días, a las dos sesiones y por los tres orígenes. Su equipo es el de
    `evento_con_equipo` (organizador y acreditador), para probar también los permisos."""
    evento = eventos_prueba(mesas=[("a", None), ("b", None)], en_dias=0)  # hoy: la puerta acredita
    correos = evento_con_equipo["correos"]
    dia = evento.dia.isoformat()
    manana = (evento.dia + timedelta(days=1)).isoformat()
    with app.app_context():
        usuarios = {rol: db.session.execute(select(Usuario).where(Usuario.correo == correos[rol])).scalar_one()
                    for rol in ("organizador", "acreditador")}
        for rol, usuario in usuarios.items():
            db.session.add(RolEvento(evento_id=evento.id, usuario=usuario, rol=rol))
        acreditador = usuarios["acreditador"]
        alicia = _persona(evento.id, "Alicia", mesa_id=evento.mesas["a"])
        bruno = _persona(evento.id, "Bruno", mesa_id=evento.mesas["a"])
        carla = _persona(evento.id, "=HYPERLINK(\"http://malo.example\")", mesa_id=evento.mesas["b"])
        _persona(evento.id, "Dario")  # confirmado, sin mesa, no vino
        elena = _persona(evento.id, "Elena")
        _persona(evento.id, "Fabio", estado="en_espera")
        _llega(evento, alicia, f"{dia} 09:10", usuario=acreditador)
        _llega(evento, alicia, f"{dia} 10:02", sesion_id=evento.sesiones["apertura"], usuario=acreditador)
        _llega(evento, bruno, f"{dia} 09:50", origen="manual", usuario=acreditador)
        _llega(evento, bruno, f"{dia} 11:40", origen="en_linea", sesion_id=evento.sesiones["trabajo"])
        _llega(evento, carla, f"{dia} 11:05", usuario=acreditador)
        _llega(evento, elena, f"{manana} 09:30", usuario=acreditador)
        db.session.commit()
        nombre_acreditador = acreditador.nombre
    return {"evento": evento, "dia": dia, "manana": manana, "correos": correos,
            "base": f"/organizacion/eventos/{evento.slug}", "acreditador": nombre_acreditador}


def _cliente(app, correo):
    cliente = app.test_client()
    entrar(cliente, correo)
    return cliente


def test_recuentos_en_la_zona_del_evento(app, puerta):
    cliente = _cliente(app, puerta["correos"]["organizador"])
    r = cliente.get(f"{puerta['base']}/asistencia.json")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
    datos = r.get_json()
    assert (datos["acreditadas"], datos["confirmadas"], datos["porcentaje"]) == (4, 5, 80.0)
    assert datos["porcentaje_texto"].replace("\xa0", " ") == "80 %"

    # Cada sesión, en el orden de la agenda, con la hora de reloj del evento.
    assert [(s["titulo"], s["acreditadas"]) for s in datos["sesiones"]] == [
        ("Sesión de apertura", 1), ("Trabajo en mesas", 1)]
    assert datos["sesiones"][0]["horario"] == f"{puerta['dia']} 10:00–11:00"

    # Llegadas por hora local (09:10 en Ciudad de México son las 15:10 UTC); la hora sin llegadas
    # entre dos que sí tienen aparece con 0, y otro día no rellena horas de la noche.
    assert [(h["etiqueta"], h["acreditadas"]) for h in datos["por_hora"]] == [
        (f"{puerta['dia']} 09:00–10:00", 2), (f"{puerta['dia']} 10:00–11:00", 0),
        (f"{puerta['dia']} 11:00–12:00", 1), (f"{puerta['manana']} 09:00–10:00", 1)]

    assert [(o["origen"], o["etiqueta"], o["evento"], o["sesiones"]) for o in datos["por_origen"]] == [
        ("qr", "Código QR", 3, 1), ("manual", "A mano (búsqueda por nombre)", 1, 0), ("en_linea", "En línea", 0, 1)]
    assert [(m["mesa"], m["confirmadas"], m["acreditadas"]) for m in datos["por_mesa"]] == [
        ("Mesa a", 2, 2), ("Mesa b", 1, 1), ("Sin mesa", 2, 1)]

    # Las últimas, la más reciente primero: quién, cuándo (hora del evento), en qué y quién la registró.
    primera = datos["recientes"][0]
    assert (primera["nombre"], primera["hora"], primera["sesion"], primera["acreditado_por"]) == (
        "Elena Pruebas", f"{puerta['manana']} 09:30", "Evento completo", puerta["acreditador"])
    assert primera["registrada_en"] == f"{puerta['manana']}T09:30:00-06:00"
    assert len(datos["recientes"]) == 6

    # La página sin JavaScript muestra las mismas cifras y carga el script que las refresca.
    html = cliente.get(f"{puerta['base']}/asistencia").get_data(as_text=True)
    assert re.search(r'data-valor="acreditadas">4<', html) and re.search(r'data-valor="confirmadas">5<', html)
    assert f"{puerta['dia']} 09:00–10:00" in html and "Trabajo en mesas" in html and "A mano" in html
    assert 'data-fuente="/organizacion/eventos/' in html and estatico("js/asistencia.js") in html
    assert "<meter" in html and "style=" not in html


def test_los_recuentos_no_hacen_una_consulta_por_persona(app, puerta):
    cliente = _cliente(app, puerta["correos"]["organizador"])
    ruta = f"{puerta['base']}/asistencia.json"
    cliente.get(ruta)
    with app.app_context(), contar_consultas() as antes:
        cliente.get(ruta)
    with app.app_context():
        evento = db.session.get(Evento, puerta["evento"].id)
        mas = [_persona(evento.id, f"Extra{n}", mesa_id=puerta["evento"].mesas["b"]) for n in range(15)]
        for n, persona in enumerate(mas):
            _llega(evento, persona, f"{puerta['dia']} {8 + n % 6:02d}:15", origen=("qr", "manual")[n % 2])
            if n % 3:
                _llega(evento, persona, f"{puerta['dia']} 10:30", sesion_id=puerta["evento"].sesiones["apertura"])
        db.session.commit()
    with app.app_context(), contar_consultas() as despues:
        datos = cliente.get(ruta).get_json()
    assert datos["confirmadas"] == 20 and datos["acreditadas"] == 19
    assert len(despues) == len(antes) <= 12


@pytest.mark.usefixtures("foros")
def test_los_recuentos_no_hacen_una_consulta_por_sesion(app, evento_con_equipo):
    cliente = _cliente(app, evento_con_equipo["correos"]["admin"])
    cuantas = {}
    for slug in ("foro-chico", "foro-grande"):
        cliente.get(f"/organizacion/eventos/{slug}/asistencia.json")
        with app.app_context(), contar_consultas() as consultas:
            datos = cliente.get(f"/organizacion/eventos/{slug}/asistencia.json").get_json()
        cuantas[slug] = len(consultas)
        assert len(datos["sesiones"]) in (6, 100)  # cada sesión con su pregunta y respuestas anidada
    assert cuantas["foro-chico"] == cuantas["foro-grande"]


def test_lista_de_asistencia_en_csv_y_excel(app, puerta, zona_del_proceso):
    cliente = _cliente(app, puerta["correos"]["acreditador"])  # el equipo de acreditación también la descarga
    r = cliente.get(f"{puerta['base']}/asistencia.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["Cache-Control"] == "private, no-store"
    filas = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert filas[0] == ["Nombre", "Correo", "Institución", "País", "Mesa", "Sesión", "Origen",
                        "Registrada (hora de Ciudad de México)", "Acreditado por"]
    assert len(filas) == 7
    alicia = [f for f in filas if f[0] == "Alicia Pruebas"]
    assert [(f[4], f[5], f[6], f[7], f[8]) for f in alicia] == [
        ("Mesa a", "Evento completo", "Código QR", f"{puerta['dia']} 09:10", puerta["acreditador"]),
        ("Mesa a", "Sesión de apertura", "Código QR", f"{puerta['dia']} 10:02", puerta["acreditador"])]
    assert alicia[0][3] == "México"
    # Un nombre que empieza por «=» sale como texto, no como fórmula.
    carla, = [f for f in filas if "HYPERLINK" in f[0]]
    assert carla[0].startswith("'=HYPERLINK")

    from openpyxl import load_workbook
    r = cliente.get(f"{puerta['base']}/asistencia.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    hoja = load_workbook(io.BytesIO(r.data)).active
    valores = [[c.value for c in fila] for fila in hoja.iter_rows()]
    assert valores[0][7] == "Registrada (hora de Ciudad de México)" and len(valores) == 7
    celda, = [fila[0] for fila in hoja.iter_rows(min_row=2) if "HYPERLINK" in str(fila[0].value)]
    assert celda.data_type == "s" and celda.quotePrefix
    # La hora, una celda de fecha y hora con la hora de reloj del evento (ni UTC ni la del servidor).
    manana = date.fromisoformat(puerta["manana"])
    assert [f[7] for f in valores if f[0] == "Elena Pruebas"] == [datetime.combine(manana, time(9, 30))]
    assert all(fila[7].is_date and fila[7].number_format == "yyyy-mm-dd hh:mm" for fila in hoja.iter_rows(min_row=2))


def test_resumen_por_persona(app, puerta):
    cliente = _cliente(app, puerta["correos"]["organizador"])
    r = cliente.get(f"{puerta['base']}/asistencia.csv?por=personas")
    assert r.status_code == 200 and "asistencia-" in r.headers["Content-Disposition"]
    filas = {f[0]: f for f in csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")))}
    assert "Fabio Pruebas" not in filas  # en lista de espera y sin asistencias
    assert filas["Dario Pruebas"][6:] == ["", "0", ""]  # confirmado, no vino
    assert filas["Alicia Pruebas"][6:] == [f"{puerta['dia']} 09:10", "1", "Sesión de apertura"]
    assert filas["Bruno Pruebas"][6:] == [f"{puerta['dia']} 09:50", "1", "Trabajo en mesas"]
    assert cliente.get(f"{puerta['base']}/asistencia.csv?por=nada").status_code == 400
    from openpyxl import load_workbook
    r = cliente.get(f"{puerta['base']}/asistencia.xlsx?por=personas")
    assert r.status_code == 200
    hoja = load_workbook(io.BytesIO(r.data)).active
    valores = {f[0]: f for f in hoja.iter_rows(values_only=True)}
    assert valores["Nombre"][6:8] == ("Entrada al evento (hora de Ciudad de México)", "Número de sesiones")
    dia = date.fromisoformat(puerta["dia"])
    assert valores["Dario Pruebas"][6:] == (None, 0, None)  # el número es un número (0), no «0»
    assert valores["Alicia Pruebas"][6:] == (datetime.combine(dia, time(9, 10)), 1, "Sesión de apertura")


@pytest.mark.parametrize("quien,codigo", [("acreditador", 200), ("organizador", 200), ("participante", 403),
                                          ("organizador_otro", 403), ("moderador", 403)])
def test_quien_ve_la_asistencia(app, puerta, quien, codigo):
    cliente = _cliente(app, puerta["correos"][quien])
    for sufijo in ("", ".json", ".csv", ".xlsx"):
        r = cliente.get(f"{puerta['base']}/asistencia{sufijo}")
        assert r.status_code == codigo, (quien, sufijo)
        if codigo == 403:
            assert "Alicia" not in r.get_data(as_text=True)


def test_sin_sesion_lleva_a_entrar(app, puerta):
    r = app.test_client().get(f"{puerta['base']}/asistencia.json")
    assert r.status_code == 302 and "/cuentas/entrar" in r.headers["Location"]


def test_el_menu_del_acreditador_solo_ofrece_asistencia_y_escaner(app, puerta):
    html = _cliente(app, puerta["correos"]["acreditador"]).get(f"{puerta['base']}/asistencia").get_data(as_text=True)
    menu = html[html.index('class="menu-evento"'):html.index("</nav>", html.index('class="menu-evento"'))]
    assert "Asistencia" in menu and f"/acreditacion/{puerta['evento'].slug}/" in menu
    assert "Datos generales" not in menu and "Inscripciones" not in menu
    menu_org = _cliente(app, puerta["correos"]["organizador"]).get(f"{puerta['base']}/asistencia").get_data(as_text=True)
    assert "Datos generales" in menu_org and "Escáner" in menu_org


# --- Reemitir el código --------------------------------------------------------------------------

def _acreditar(cliente, slug, codigo, token):
    return cliente.post(f"/api/v1/eventos/{slug}/acreditacion", json={"codigo": codigo, "id_cliente": str(uuid.uuid4())},
                        headers={"X-CSRFToken": token}).get_json()["resultado"]


def test_reemitir_el_codigo_invalida_el_anterior_y_envia_el_nuevo(app, puerta):
    evento = puerta["evento"]
    with app.app_context():
        persona = _persona(evento.id, "Gloria")
        db.session.commit()
        persona_id, correo, viejo = persona.id, persona.correo, qr.contenido_qr(persona)
    organizacion = _cliente(app, puerta["correos"]["organizador"])
    ficha = f"{puerta['base']}/inscripciones/{persona_id}"
    assert "Reemitir el código QR" in organizacion.get(ficha).get_data(as_text=True)

    r = organizacion.post(f"{ficha}/reemitir-codigo", data={"csrf_token": token_csrf(organizacion)})
    assert r.status_code == 303 and r.headers["Location"].endswith(ficha)
    r.close()  # entrega el correo que quedó en la bandeja
    assert "el anterior ya no sirve" in organizacion.get(ficha).get_data(as_text=True)
    with app.app_context():
        persona = db.session.get(Inscripcion, persona_id)
        nuevo = qr.contenido_qr(persona)
    assert nuevo != viejo

    # En la puerta (sesión del acreditador + X-CSRFToken): el código viejo ya no vale; el nuevo, sí.
    puerta_cliente = _cliente(app, puerta["correos"]["acreditador"])
    token = token_csrf(puerta_cliente)
    assert _acreditar(puerta_cliente, evento.slug, viejo, token) == "invalido"
    assert _acreditar(puerta_cliente, evento.slug, nuevo, token) == "aceptado"

    # La persona recibió el QR nuevo por correo.
    mensaje = mensajes_para(app, correo)[-1]
    imagen, = [p for p in mensaje.walk() if p.get_content_type() == "image/png"]
    assert leer_qr(imagen.get_content()) == nuevo

    # La auditoría anota el cambio sin guardar ninguno de los dos códigos.
    auditoria = organizacion.get(f"{puerta['base']}/auditoria").get_data(as_text=True)
    assert "Reemitir código de acreditación" in auditoria
    assert viejo[4:] not in auditoria and nuevo[4:] not in auditoria


def test_reemitir_el_codigo_de_una_cancelada_no_hace_nada(app, puerta):
    with app.app_context():
        persona = _persona(puerta["evento"].id, "Hugo", estado="cancelada")
        db.session.commit()
        persona_id, codigo = persona.id, persona.codigo
    organizacion = _cliente(app, puerta["correos"]["organizador"])
    r = organizacion.post(f"{puerta['base']}/inscripciones/{persona_id}/reemitir-codigo",
                          data={"csrf_token": token_csrf(organizacion)}, follow_redirects=True)
    assert "está cancelada" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inscripcion, persona_id).codigo == codigo


@pytest.mark.parametrize("quien", ["acreditador", "organizador_otro"])
def test_solo_la_organizacion_reemite_codigos(app, puerta, quien):
    with app.app_context():
        persona = db.session.execute(select(Inscripcion).where(
            Inscripcion.evento_id == puerta["evento"].id, Inscripcion.nombre == "Alicia")).scalar_one()
        persona_id, codigo = persona.id, persona.codigo
    cliente = _cliente(app, puerta["correos"][quien])
    r = cliente.post(f"{puerta['base']}/inscripciones/{persona_id}/reemitir-codigo", data={"csrf_token": token_csrf(cliente)})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.get(Inscripcion, persona_id).codigo == codigo


def test_reemitir_sin_token_csrf_es_400(app, puerta):
    with app.app_context():
        persona_id = db.session.execute(select(Inscripcion.id).where(
            Inscripcion.evento_id == puerta["evento"].id, Inscripcion.nombre == "Dario")).scalar_one()
    r = _cliente(app, puerta["correos"]["organizador"]).post(
        f"{puerta['base']}/inscripciones/{persona_id}/reemitir-codigo")
    assert r.status_code == 400


def test_el_inicio_de_la_oficina_lleva_al_acreditador_a_su_escaner(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["acreditador"])
    pagina = cliente.get("/organizacion/").get_data(as_text=True)
    assert "Eventos que acredita" in pagina
    assert f"/acreditacion/{evento_con_equipo['slug']}/" in pagina
    assert f"/organizacion/eventos/{evento_con_equipo['slug']}/asistencia" in pagina
