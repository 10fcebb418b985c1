"""Oficina: crear y editar eventos, estado, duplicar, importar/exportar, sesiones, personas y auditoría."""
import copy
import io
import json
import re
from datetime import datetime

import pytest
import yaml
from sqlalchemy import select

from apoyo import enviar, entrar
from eventos import zonas
from eventos.extensiones import db
from eventos.modelos import Auditoria, Evento, RolEvento, Sesion
from eventos.servicios import programa


def cargar(app, slug):
    with app.app_context():
        return Evento.con_programa(slug, solo_publicados=False)


def borrar_evento(app, slug):
    with app.app_context():
        evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
        if evento:
            db.session.delete(evento)
            db.session.commit()


def datos_evento(**cambios):
    datos = {"titulo": "Seminario de la oficina", "slug": "seminario-oficina", "modalidad": "hibrida",
             "zona_horaria": "America/Mexico_City", "zonas_adicionales": "America/Montevideo",
             "fecha_inicio": "2027-04-06", "fecha_fin": "2027-04-07", "organizadores": "SRE\nMercociudades",
             "conservar_horas": "y", "acreditacion_dias_antes": "0", "conexion_minutos_antes": "15"}
    datos.update(cambios)
    return datos


def datos_sesion(**cambios):
    datos = {"titulo": "Panel inaugural", "tipo": "panel", "padre": "0", "dia": "2027-04-06",
             "hora_inicio": "10:00", "hora_fin": "11:30", "sala": "Sala A"}
    datos.update(cambios)
    return datos


def texto(respuesta):
    return re.sub(r"\s+", " ", respuesta.get_data(as_text=True))


@pytest.fixture()
def admin(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["admin"])
    yield cliente
    borrar_evento(app, "seminario-oficina")


def test_admin_crea_evento_y_queda_como_organizador(app, admin, evento_con_equipo):
    r = enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    assert r.status_code == 302 and r.headers["Location"].endswith("/organizacion/eventos/seminario-oficina/")
    evento = cargar(app, "seminario-oficina")
    assert evento.estado == "borrador" and evento.organizadores == ["SRE", "Mercociudades"]
    assert evento.zonas_adicionales == ["America/Montevideo"]
    with app.app_context():
        roles = db.session.execute(select(RolEvento).where(RolEvento.evento_id == evento.id)).scalars().all()
        assert [(r.usuario.correo, r.rol) for r in roles] == [(evento_con_equipo["correos"]["admin"], "organizador")]
    assert app.test_client().get("/eventos/seminario-oficina/").status_code == 404  # borrador: no es público


@pytest.mark.parametrize("cambios, mensaje", [
    ({"fecha_fin": "2027-04-01"}, "termina antes de empezar"),
    ({"zonas_adicionales": "Marte/Base"}, "no está en la lista"),
    ({"slug": "Con Espacios"}, "Solo minúsculas"),
    ({"enlace_virtual": "javascript:alert(1)"}, "http:// o https://"),
    ({"titulo": ""}, "obligatorio"),
    ({"inscripcion_apertura": "2027-03-10T10:00", "inscripcion_cierre": "2027-03-01T10:00"}, "posterior a la apertura"),
    ({"inscripcion_cierre": "2027-03-14T02:30"}, "no existe"),  # 14-mar-2027, 02:30 no existe en Nueva York
])
def test_datos_del_evento_invalidos_dan_400_y_no_guardan(app, admin, cambios, mensaje):
    zona = "America/New_York" if "02:30" in str(cambios) else "America/Mexico_City"
    r = enviar(admin, "/organizacion/eventos/nuevo", datos_evento(zona_horaria=zona, **cambios))
    assert r.status_code == 400 and mensaje in texto(r)
    assert cargar(app, "seminario-oficina") is None


def test_cambiar_zona_conserva_horas_locales(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    enviar(admin, "/organizacion/eventos/seminario-oficina/sesiones/nueva", datos_sesion())
    r = enviar(admin, "/organizacion/eventos/seminario-oficina/datos",
               datos_evento(zona_horaria="America/Montevideo", zonas_adicionales=[]))
    assert r.status_code == 302
    evento = cargar(app, "seminario-oficina")
    assert zonas.hora_local_texto(evento.sesiones[0].inicio, "America/Montevideo") == "2027-04-06 10:00"
    # Sin conservar: el instante se queda y la hora de reloj cambia.
    datos = datos_evento(zona_horaria="America/Mexico_City")
    del datos["conservar_horas"]
    enviar(admin, "/organizacion/eventos/seminario-oficina/datos", datos)
    evento = cargar(app, "seminario-oficina")
    assert zonas.hora_local_texto(evento.sesiones[0].inicio, "America/Mexico_City") == "2027-04-06 07:00"


def test_nuevas_fechas_que_dejan_sesiones_fuera_se_rechazan(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    enviar(admin, "/organizacion/eventos/seminario-oficina/sesiones/nueva", datos_sesion())
    r = enviar(admin, "/organizacion/eventos/seminario-oficina/datos", datos_evento(fecha_inicio="2027-04-07"))
    assert r.status_code == 400 and "Hay sesiones fuera de las nuevas fechas" in texto(r)
    assert cargar(app, "seminario-oficina").fecha_inicio.isoformat() == "2027-04-06"


def test_publicar_cerrar_reabrir(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    base = "/organizacion/eventos/seminario-oficina/estado/"
    assert enviar(admin, base + "cerrado").status_code == 400  # de borrador no se cierra
    assert enviar(admin, base + "publicado").status_code == 302
    assert app.test_client().get("/eventos/seminario-oficina/").status_code == 200
    assert enviar(admin, base + "cerrado").status_code == 302
    assert cargar(app, "seminario-oficina").estado == "cerrado"
    assert enviar(admin, base + "publicado").status_code == 302
    assert enviar(admin, base + "borrador").status_code == 302
    assert app.test_client().get("/eventos/seminario-oficina/").status_code == 404


def test_sesiones_horas_locales_invalidas(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento(zona_horaria="America/New_York", zonas_adicionales=[],
                                                              fecha_inicio="2027-03-13", fecha_fin="2027-03-14"))
    nueva = "/organizacion/eventos/seminario-oficina/sesiones/nueva"
    r = enviar(admin, nueva, datos_sesion(dia="2027-03-14", hora_inicio="02:30", hora_fin="04:00"))
    assert r.status_code == 400 and "no existe" in texto(r)
    r = enviar(admin, nueva, datos_sesion(dia="2027-03-13", hora_inicio="11:00", hora_fin="10:00"))
    assert r.status_code == 400 and "debe terminar después de empezar" in texto(r)
    r = enviar(admin, nueva, datos_sesion(dia="2027-03-20"))
    assert r.status_code == 400
    assert cargar(app, "seminario-oficina").sesiones == []


def test_sesion_anidada_y_aviso_de_sala_ocupada(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    nueva = "/organizacion/eventos/seminario-oficina/sesiones/nueva"
    enviar(admin, nueva, datos_sesion())
    panel = cargar(app, "seminario-oficina").sesiones[0]
    r = enviar(admin, nueva, datos_sesion(titulo="Preguntas", tipo="preguntas_y_respuestas", padre=str(panel.id),
                                          hora_inicio="11:00", hora_fin="12:00"))
    assert r.status_code == 400 and "debe caber en el horario" in texto(r)
    r = enviar(admin, nueva, datos_sesion(titulo="Preguntas", tipo="preguntas_y_respuestas", padre=str(panel.id),
                                          hora_inicio="11:10", hora_fin="11:30", sala=""))
    assert r.status_code == 302
    r = enviar(admin, nueva, datos_sesion(titulo="Otro panel", hora_inicio="11:00", hora_fin="12:00"), follow_redirects=True)
    assert "la sala «Sala A» también está ocupada por «Panel inaugural»" in texto(r)
    evento = cargar(app, "seminario-oficina")
    assert [h.titulo for h in evento.sesiones_raiz[0].hijas] == ["Preguntas"]
    assert {s.clave for s in evento.sesiones} == {"panel-inaugural", "preguntas", "otro-panel"}


def _panel_con_preguntas_y_plenaria(app, admin) -> dict:
    """Panel 10:00–11:30 con unas preguntas anidadas (11:10–11:30) y una plenaria aparte (09:00–13:00)."""
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    nueva = "/organizacion/eventos/seminario-oficina/sesiones/nueva"
    enviar(admin, nueva, datos_sesion())
    panel = cargar(app, "seminario-oficina").sesiones[0]
    enviar(admin, nueva, datos_sesion(titulo="Preguntas", tipo="preguntas_y_respuestas", padre=str(panel.id),
                                      hora_inicio="11:10", hora_fin="11:30", sala=""))
    enviar(admin, nueva, datos_sesion(titulo="Plenaria", tipo="plenaria", hora_inicio="09:00", hora_fin="13:00", sala="Sala B"))
    return {s.clave: s.id for s in cargar(app, "seminario-oficina").sesiones}


def _arbol(app) -> dict:
    return {s.clave: (s.padre_id, zonas.hora_local_texto(s.inicio, "America/Mexico_City"),
                      zonas.hora_local_texto(s.fin, "America/Mexico_City"))
            for s in cargar(app, "seminario-oficina").sesiones}


@pytest.mark.parametrize("cambios", [{"hora_fin": "11:20"}, {"hora_inicio": "11:15"}, {"dia": "2027-04-07"}])
def test_acortar_o_mover_una_sesion_con_anidadas_se_rechaza(app, admin, cambios):
    ids = _panel_con_preguntas_y_plenaria(app, admin)
    antes = _arbol(app)
    r = enviar(admin, f"/organizacion/eventos/seminario-oficina/sesiones/{ids['panel-inaugural']}", datos_sesion(**cambios))
    assert r.status_code == 400
    assert "«Preguntas» debe caber en el horario de «Panel inaugural»" in texto(r)
    assert _arbol(app) == antes


def test_anidar_una_sesion_que_contiene_otras_o_dentro_de_si_misma_se_rechaza(app, admin):
    ids = _panel_con_preguntas_y_plenaria(app, admin)
    antes = _arbol(app)
    panel = f"/organizacion/eventos/seminario-oficina/sesiones/{ids['panel-inaugural']}"
    r = enviar(admin, panel, datos_sesion(padre=str(ids["plenaria"])))
    assert r.status_code == 400 and "«Panel inaugural» está dentro de «Plenaria» y a la vez contiene «Preguntas»" in texto(r)
    r = enviar(admin, panel, datos_sesion(padre=str(ids["panel-inaugural"])))
    assert r.status_code == 400 and "«Panel inaugural» no puede estar dentro de sí misma" in texto(r)
    r = enviar(admin, "/organizacion/eventos/seminario-oficina/sesiones/nueva",
               datos_sesion(titulo="Réplica", padre=str(ids["preguntas"]), hora_inicio="11:15", hora_fin="11:20"))
    assert r.status_code == 400 and "«Preguntas» está dentro de «Panel inaugural» y a la vez contiene «Réplica»" in texto(r)
    assert _arbol(app) == antes
    # Cambios que respetan el árbol siguen guardándose: el panel se acorta sin dejar fuera sus preguntas.
    assert enviar(admin, panel, datos_sesion(hora_fin="11:30", hora_inicio="10:30")).status_code == 302


def test_el_programa_editado_en_la_oficina_siempre_se_vuelve_a_importar(app, admin):
    ids = _panel_con_preguntas_y_plenaria(app, admin)
    base = "/organizacion/eventos/seminario-oficina/sesiones"
    enviar(admin, f"{base}/{ids['panel-inaugural']}", datos_sesion(hora_fin="11:00"))
    enviar(admin, f"{base}/{ids['panel-inaugural']}", datos_sesion(hora_fin="11:00", padre=str(ids["plenaria"])))
    enviar(admin, f"{base}/{ids['plenaria']}", datos_sesion(titulo="Plenaria", padre=str(ids["preguntas"])))
    enviar(admin, f"{base}/{ids['preguntas']}", datos_sesion(titulo="Preguntas", padre=str(ids["preguntas"]),
                                                             hora_inicio="11:10", hora_fin="11:30"))
    exportado = yaml.safe_load(admin.get("/organizacion/eventos/seminario-oficina/exportar.yaml").data)
    try:
        with app.app_context():
            programa.importar(copy.deepcopy(exportado), slug="seminario-oficina-copia")
            db.session.commit()
            reexportado = programa.exportar(Evento.con_programa("seminario-oficina-copia", solo_publicados=False))
        assert reexportado["sesiones"] == exportado["sesiones"]
    finally:
        borrar_evento(app, "seminario-oficina-copia")


def test_un_programa_que_ya_incumplia_las_reglas_se_corrige_de_una_en_una(app, admin):
    ids = _panel_con_preguntas_y_plenaria(app, admin)
    with app.app_context():  # datos de antes de la regla: dos sesiones anidadas fuera de su horario
        db.session.add(Sesion(evento_id=db.session.get(Sesion, ids["panel-inaugural"]).evento_id, clave="fuera",
                              titulo="Fuera", padre_id=ids["plenaria"], inicio=zonas.a_utc(datetime(2027, 4, 6, 13, 30), "America/Mexico_City"),
                              fin=zonas.a_utc(datetime(2027, 4, 6, 14, 0), "America/Mexico_City")))
        db.session.get(Sesion, ids["panel-inaugural"]).fin = zonas.a_utc(datetime(2027, 4, 6, 11, 0), "America/Mexico_City")
        db.session.commit()
    base = "/organizacion/eventos/seminario-oficina/sesiones"
    assert enviar(admin, f"{base}/{ids['preguntas']}", datos_sesion(titulo="Preguntas", padre=str(ids["panel-inaugural"]),
                                                                    hora_inicio="10:40", hora_fin="11:00")).status_code == 302
    r = enviar(admin, f"{base}/{ids['preguntas']}", datos_sesion(titulo="Preguntas", padre=str(ids["panel-inaugural"]),
                                                                hora_inicio="10:40", hora_fin="11:10"))
    assert r.status_code == 400 and "«Preguntas» debe caber" in texto(r) and "«Fuera»" not in texto(r)


def test_cambiar_zona_a_una_donde_la_hora_no_existe_se_rechaza(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento(fecha_inicio="2027-03-13", fecha_fin="2027-03-14", zonas_adicionales=[]))
    enviar(admin, "/organizacion/eventos/seminario-oficina/sesiones/nueva",
           datos_sesion(dia="2027-03-14", hora_inicio="02:30", hora_fin="04:00"))
    r = enviar(admin, "/organizacion/eventos/seminario-oficina/datos",
               datos_evento(fecha_inicio="2027-03-13", fecha_fin="2027-03-14", zona_horaria="America/New_York", zonas_adicionales=[]))
    assert r.status_code == 400 and "«Panel inaugural»: La hora 2027-03-14 02:30 no existe en America/New_York" in texto(r)
    evento = cargar(app, "seminario-oficina")
    assert evento.zona_horaria == "America/Mexico_City"
    assert zonas.hora_local_texto(evento.sesiones[0].inicio, "America/Mexico_City") == "2027-03-14 02:30"


def test_personas_de_una_sesion(app, admin):
    enviar(admin, "/organizacion/eventos/nuevo", datos_evento())
    enviar(admin, "/organizacion/eventos/seminario-oficina/sesiones/nueva", datos_sesion())
    enviar(admin, "/organizacion/eventos/seminario-oficina/sesiones/nueva", datos_sesion(titulo="Cierre", tipo="cierre",
                                                                                        hora_inicio="12:00", hora_fin="12:30"))
    evento = cargar(app, "seminario-oficina")
    panel, cierre = evento.sesiones
    base = f"/organizacion/eventos/seminario-oficina/sesiones/{panel.id}/participantes"
    for nombre, rol in (("Jorge Rodríguez", "facilitador"), ("Carina Lucero", "panelista"), ("Sofía Arce", "panelista")):
        assert enviar(admin, base, {"nombre": nombre, "rol": rol, "cargo": "Cargo", "pais": "Uruguay"}).status_code == 302
    enviar(admin, f"/organizacion/eventos/seminario-oficina/sesiones/{cierre.id}/participantes",
           {"nombre": "Jorge Rodríguez", "rol": "orador", "tratamiento": "Lic."})
    assert enviar(admin, base, {"nombre": "", "rol": "panelista"}).status_code == 400

    def nombres():
        with app.app_context():
            evento = Evento.con_programa("seminario-oficina", solo_publicados=False)
            return [p.nombre for p in evento.sesiones[0].participantes], len(evento.personas), \
                evento.sesiones[0].participaciones[-1].id
    orden, personas, ultima = nombres()
    assert orden == ["Jorge Rodríguez", "Carina Lucero", "Sofía Arce"]
    assert personas == 3  # Jorge Rodríguez es la misma persona en las dos sesiones
    enviar(admin, f"/organizacion/eventos/seminario-oficina/participaciones/{ultima}/mover/arriba")
    assert nombres()[0] == ["Jorge Rodríguez", "Sofía Arce", "Carina Lucero"]
    enviar(admin, f"/organizacion/eventos/seminario-oficina/participaciones/{ultima}/borrar")
    assert nombres()[0] == ["Jorge Rodríguez", "Carina Lucero"]


def test_duplicar_a_otras_fechas(app, evento_con_equipo):
    organizador = app.test_client()
    entrar(organizador, evento_con_equipo["correos"]["organizador"])
    slug = evento_con_equipo["slug"]
    r = enviar(organizador, f"/organizacion/eventos/{slug}/duplicar", {"slug": f"{slug}-copia", "fecha_inicio": "2031-11-04"})
    try:
        assert r.status_code == 302
        original, copia = cargar(app, slug), cargar(app, f"{slug}-copia")
        assert copia.estado == "borrador" and copia.fecha_inicio.isoformat() == "2031-11-04"
        assert [zonas.hora_local_texto(s.inicio, copia.zona_horaria)[11:] for s in copia.sesiones] == \
               [zonas.hora_local_texto(s.inicio, original.zona_horaria)[11:] for s in original.sesiones]
        assert organizador.get(f"/organizacion/eventos/{slug}-copia/").status_code == 200
        r = enviar(organizador, f"/organizacion/eventos/{slug}/duplicar", {"slug": f"{slug}-copia", "fecha_inicio": "2031-11-04"})
        assert r.status_code == 400 and "Ya existe un evento con ese identificador" in texto(r)
    finally:
        borrar_evento(app, f"{slug}-copia")


def test_exportar_e_importar_desde_la_oficina(app, admin, evento_con_equipo):
    slug = evento_con_equipo["slug"]
    for formato in ("yaml", "json"):
        r = admin.get(f"/organizacion/eventos/{slug}/exportar.{formato}")
        assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
        datos = json.loads(r.data) if formato == "json" else yaml.safe_load(r.data)
        assert datos["formato"] == programa.FORMATO and len(datos["mesas"]) == 5
    r = enviar(admin, "/organizacion/importar", {"archivo": (io.BytesIO(r.data), "programa.json"), "slug": "seminario-oficina"},
               content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        assert programa.exportar(Evento.con_programa("seminario-oficina", solo_publicados=False))["sesiones"] == \
               programa.exportar(Evento.con_programa(slug, solo_publicados=False))["sesiones"]


def test_importar_archivo_con_errores_los_lista_todos_y_no_crea_nada(app, admin):
    malo = {"formato": programa.FORMATO, "evento": {"slug": "seminario-oficina", "titulo": "X",
                                                    "zona_horaria": "Marte/Base", "fecha_inicio": "2027-01-01",
                                                    "fecha_fin": "2026-01-01"},
            "sesiones": [{"clave": "a", "titulo": "A", "inicio": "2027-01-01 10:00", "fin": "2027-01-01 11:00"}],
            "mesas": [{"clave": "m", "nombre": "M", "sesiones": ["z"]}]}
    r = enviar(admin, "/organizacion/importar", {"archivo": (io.BytesIO(yaml.safe_dump(malo).encode()), "malo.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 400
    cuerpo = texto(r)
    for ubicacion in ("evento.zona_horaria", "evento.fecha_fin", "mesas[0].sesiones[0]"):
        assert ubicacion in cuerpo
    assert cargar(app, "seminario-oficina") is None
    r = enviar(admin, "/organizacion/importar", {"archivo": (io.BytesIO(b"\xff\xfe no es texto: ["), "roto.yaml")},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "no se pudo leer" in texto(r)


def test_auditoria_registra_quien_cambio_que(app, evento_con_equipo):
    organizador = app.test_client()
    entrar(organizador, evento_con_equipo["correos"]["organizador"])
    slug = evento_con_equipo["slug"]
    sesion = cargar(app, slug).sesiones[0]
    datos = datos_sesion(titulo="Plenaria renovada", tipo="plenaria", dia=zonas.a_local(sesion.inicio, "America/Mexico_City").date().isoformat(),
                         hora_inicio="09:30", hora_fin="10:30", sala="")
    assert enviar(organizador, f"/organizacion/eventos/{slug}/sesiones/{sesion.id}", datos).status_code == 302
    with app.app_context():
        ultima = db.session.execute(select(Auditoria).join(Evento).where(Evento.slug == slug)
                                    .order_by(Auditoria.id.desc())).scalars().first()
        assert ultima.usuario.correo == evento_con_equipo["correos"]["organizador"]
        assert ultima.accion == "Edición de una sesión"
        cambio, = ultima.cambios
        assert cambio["campos"]["titulo"] == ["Sesión plenaria 1", "Plenaria renovada"]
    r = organizador.get(f"/organizacion/eventos/{slug}/auditoria")
    assert "Plenaria renovada" in texto(r) and "Edición de una sesión" in texto(r)


def test_cli_exportar_e_importar_con_materiales(app, tmp_path):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["programa", "exportar", "jornadas-mexico-ue", "--carpeta", str(tmp_path / "exp")])
    assert r.exit_code == 0, r.output
    assert list((tmp_path / "exp" / "materiales").iterdir())
    r = runner.invoke(args=["programa", "importar", str(tmp_path / "exp" / "programa.yaml"), "--slug", "jornadas-cli"])
    try:
        assert r.exit_code == 0, r.output
        with app.app_context():
            copia = Evento.con_programa("jornadas-cli")
            original = Evento.con_programa("jornadas-mexico-ue")
            assert programa.exportar(copia)["guias"] == programa.exportar(original)["guias"]
            material, = [m for s in copia.sesiones for m in s.materiales]
            assert material.nombre_archivo == "oea-cooperacion-laboral-en-las-americas.txt"
        salida = runner.invoke(args=["programa", "exportar", "jornadas-mexico-ue"]).output
        assert yaml.safe_load(salida)["evento"]["slug"] == "jornadas-mexico-ue"
        (tmp_path / "malo.yaml").write_text("formato: otro\nevento: {}\n")
        r = runner.invoke(args=["programa", "importar", str(tmp_path / "malo.yaml")])
        assert r.exit_code != 0 and "evento.titulo" in r.output and "no se importó nada" in r.output
    finally:
        borrar_evento(app, "jornadas-cli")


def test_guardar_datos_generales_no_cambia_el_estado(app, evento_con_equipo):
    """El formulario no muestra el estado: guardarlo (igual, o con otro lema) deja el evento publicado."""
    from apoyo import campos_del_formulario
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    slug = evento_con_equipo["slug"]
    ruta = f"/organizacion/eventos/{slug}/datos"
    campos = dict(campos_del_formulario(cliente.get(ruta).get_data(as_text=True)))
    for lema in (campos.get("lema", ""), "Un lema nuevo"):
        r = cliente.post(ruta, data={**campos, "lema": lema})
        assert r.status_code == 302, texto(r)[-800:]
        assert cargar(app, slug).estado == "publicado"
        assert app.test_client().get(f"/eventos/{slug}/").status_code == 200
        assert app.test_client().get(f"/api/v1/eventos/{slug}").status_code == 200
    assert cargar(app, slug).lema == "Un lema nuevo"
