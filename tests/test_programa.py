"""Validación, importación, exportación y duplicado del programa; versión y caché de las páginas."""
import copy
from datetime import date

import pytest
from sqlalchemy import func, select

from eventos import zonas
from eventos.demo import SLUGS, leer
from eventos.extensiones import db
from eventos.modelos import Evento, Sesion
from eventos.servicios import programa


def programa_minimo(slug="seminario-prueba", **evento):
    return {
        "formato": programa.FORMATO,
        "evento": {"slug": slug, "titulo": "Seminario de prueba", "zona_horaria": "America/Mexico_City",
                   "fecha_inicio": "2021-04-03", "fecha_fin": "2021-04-04", "estado": "publicado", **evento},
        "sesiones": [{"clave": "apertura", "titulo": "Apertura", "tipo": "inauguracion",
                      "inicio": "2021-04-03 10:00", "fin": "2021-04-03 11:00",
                      "participantes": [{"nombre": "Ana Prueba", "rol": "orador", "cargo": "Directora"}]}],
    }


def borrar(slug):
    evento = db.session.execute(select(Evento).where(Evento.slug == slug)).scalar_one_or_none()
    if evento:
        db.session.delete(evento)
        db.session.commit()


def test_archivo_con_errores_informa_todo_con_ubicacion_y_no_cambia_nada(contexto):
    datos = programa_minimo()
    datos["evento"]["zona_horaria"] = "America/Ciudad_Inventada"
    datos["sesiones"] = [
        {"clave": "a", "titulo": "", "tipo": "baile", "inicio": "2021-04-03 10:00", "fin": "2021-04-03 09:00"},
        {"clave": "a", "titulo": "Repetida", "inicio": "ayer", "fin": "2021-04-03 11:00",
         "participantes": [{"rol": "estrella"}]},
    ]
    datos["mesas"] = [{"clave": "m", "nombre": "Mesa", "sesiones": ["no-existe"]}]
    antes = db.session.scalar(select(func.count()).select_from(Sesion))
    with pytest.raises(programa.ProgramaInvalido) as error:
        programa.importar(datos)
    ubicaciones = {p.ubicacion for p in error.value.problemas}
    assert {"evento.zona_horaria", "sesiones[0] (a).titulo", "sesiones[0] (a).tipo", "sesiones[1] (a).clave",
            "sesiones[1] (a).participantes[0].nombre", "sesiones[1] (a).participantes[0].rol",
            "mesas[0].sesiones[0]"} <= ubicaciones
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Sesion)) == antes


def test_hora_inexistente_y_fuera_de_fechas(contexto):
    datos = programa_minimo()
    datos["sesiones"][0]["inicio"] = "2021-04-04 02:30"  # no existe: cambio de horario en México
    datos["sesiones"][0]["fin"] = "2021-04-04 04:00"
    datos["sesiones"].append({"clave": "tarde", "titulo": "Fuera", "inicio": "2021-04-06 10:00", "fin": "2021-04-06 11:00"})
    with pytest.raises(programa.ProgramaInvalido) as error:
        programa.validar(datos)
    mensajes = {p.ubicacion: p.mensaje for p in error.value.problemas}
    assert "no existe" in mensajes["sesiones[0] (apertura).inicio"]
    assert "fuera de las fechas del evento" in mensajes["sesiones[1] (tarde).inicio"]


def test_sesiones_anidadas_tres_niveles_o_fuera_del_horario_se_rechazan(contexto):
    datos = programa_minimo()
    preguntas = {"clave": "preguntas", "titulo": "Preguntas", "inicio": "2021-04-03 10:30", "fin": "2021-04-03 11:30",
                 "sesiones": [{"clave": "replica", "titulo": "Réplica", "inicio": "2021-04-03 10:40", "fin": "2021-04-03 10:50"}]}
    datos["sesiones"][0]["sesiones"] = [preguntas]
    with pytest.raises(programa.ProgramaInvalido) as error:
        programa.validar(datos)
    mensajes = {p.ubicacion: p.mensaje for p in error.value.problemas}
    assert mensajes == {
        "sesiones[0] (apertura).sesiones[0] (preguntas).sesiones":
            "«Preguntas» está dentro de «Apertura» y a la vez contiene «Réplica»: el programa admite solo dos niveles "
            "(sesiones principales y las que van dentro de ellas)",
        "sesiones[0] (apertura).sesiones[0] (preguntas).inicio":
            "«Preguntas» debe caber en el horario de «Apertura», la sesión que la contiene",
    }


def test_material_de_archivo_no_se_admite_sin_carpeta(contexto):
    datos = programa_minimo()
    datos["evento"]["materiales"] = [{"titulo": "Secreto", "archivo": "../../etc/passwd"}]
    with pytest.raises(programa.ProgramaInvalido) as error:
        programa.validar(datos)
    assert error.value.problemas[0].ubicacion == "evento.materiales[0].archivo"


@pytest.mark.parametrize("slug", SLUGS)
def test_exportar_e_importar_da_el_mismo_programa(contexto, slug):
    original = Evento.con_programa(slug)
    exportado = programa.exportar(original)
    copia = programa.importar(copy.deepcopy(exportado), slug=f"{slug}-copia")
    db.session.commit()
    try:
        reexportado = programa.exportar(Evento.con_programa(f"{slug}-copia"))
        reexportado["evento"]["slug"] = slug
        assert reexportado == exportado
        # Y el archivo exportado coincide con el de demostración en todo lo que este declara.
        semilla = leer(slug)
        assert [s["clave"] for s in exportado["sesiones"]] == [s["clave"] for s in semilla["sesiones"]]
        assert exportado["guias"] == [{k: v for k, v in g.items()} for g in semilla.get("guias", [])]
    finally:
        borrar(copia.slug)


def test_la_grabacion_va_y_vuelve_al_exportar_pero_no_pasa_a_la_edicion_duplicada(contexto):
    grabacion = "https://video.example.org/seminario/apertura"
    datos = programa_minimo("seminario-grabado")
    datos["sesiones"][0]["grabacion"] = grabacion
    programa.importar(copy.deepcopy(datos))
    db.session.commit()
    try:
        exportado = programa.exportar(Evento.con_programa("seminario-grabado"))
        assert exportado["sesiones"][0]["grabacion"] == grabacion
        programa.importar(copy.deepcopy(exportado), slug="seminario-grabado-copia")
        db.session.commit()
        reexportado = programa.exportar(Evento.con_programa("seminario-grabado-copia"))
        assert reexportado["sesiones"] == exportado["sesiones"]
        duplicado = programa.duplicar(Evento.con_programa("seminario-grabado"), "seminario-grabado-2022",
                                      date(2022, 4, 2))
        db.session.commit()
        assert [s.grabacion for s in duplicado.sesiones] == [""]  # la grabación es de la edición anterior
    finally:
        for slug in ("seminario-grabado", "seminario-grabado-copia", "seminario-grabado-2022"):
            borrar(slug)


@pytest.mark.parametrize("grabacion", ["javascript:alert(1)", "ftp://video.example.org/a", "video.example.org/a",
                                       "https://" + "a" * 1000])
def test_grabacion_que_no_es_una_direccion_web_o_es_demasiado_larga_se_rechaza_al_importar(contexto, grabacion):
    datos = programa_minimo()
    datos["sesiones"][0]["grabacion"] = grabacion
    with pytest.raises(programa.ProgramaInvalido) as error:
        programa.validar(datos)
    assert [p.ubicacion for p in error.value.problemas] == ["sesiones[0] (apertura).grabacion"]


def test_duplicar_conserva_horas_locales_aunque_cambien_las_reglas(contexto):
    original = Evento.con_programa("gsef2021")
    copia = programa.duplicar(original, "gsef-duplicado", date(2030, 10, 7))
    db.session.commit()
    try:
        copia = Evento.con_programa("gsef-duplicado", solo_publicados=False)
        assert copia.estado == "borrador" and copia.edicion_anterior_id == original.id
        assert (copia.fecha_inicio, copia.fecha_fin) == (date(2030, 10, 7), date(2030, 10, 11))
        sesion = copia.sesiones[0]
        assert zonas.hora_local_texto(sesion.inicio, "America/Mexico_City") == "2030-10-11 09:00"
        assert sesion.inicio.hour == 15  # UTC−6 (sin horario de verano), frente a las 14 UTC de 2021
        assert sesion.uid != original.sesiones[0].uid
        assert [p.numero for p in copia.guias[0].preguntas] == list(range(1, 11))
    finally:
        borrar("gsef-duplicado")


def test_cambio_de_programa_sube_version_y_renueva_la_pagina(app, cliente):
    with app.app_context():
        programa.importar(programa_minimo("version-prueba"))
        db.session.commit()
    try:
        r1 = cliente.get("/eventos/version-prueba/?tz=ninguna")
        assert "Apertura" in r1.get_data(as_text=True)
        with app.app_context():
            evento = Evento.con_programa("version-prueba")
            version, secuencia = evento.version_programa, evento.sesiones[0].secuencia
            evento.sesiones[0].titulo = "Apertura renovada"
            db.session.commit()
            evento = Evento.con_programa("version-prueba")
            assert evento.version_programa == version + 1 and evento.sesiones[0].secuencia == secuencia + 1
        r2 = cliente.get("/eventos/version-prueba/", headers={"If-None-Match": r1.headers["ETag"]})
        assert r2.status_code == 200 and "Apertura renovada" in r2.get_data(as_text=True)
    finally:
        with app.app_context():
            borrar("version-prueba")


def test_evento_en_borrador_no_es_publico(app, cliente):
    with app.app_context():
        programa.importar(programa_minimo("borrador-prueba", estado="borrador"))
        db.session.commit()
    try:
        assert cliente.get("/eventos/borrador-prueba/").status_code == 404
        assert cliente.get("/api/v1/eventos/borrador-prueba").status_code == 404
        assert "borrador-prueba" not in cliente.get("/api/v1/eventos").get_data(as_text=True)
    finally:
        with app.app_context():
            borrar("borrador-prueba")


def test_texto_con_marcado_se_muestra_inerte(app, cliente):
    datos = programa_minimo("marcado-prueba", lema="<script>alert(1)</script>",
                            nota_conceptual="Hola <img src=x onerror=alert(1)> [enlace](javascript:alert(1))")
    with app.app_context():
        programa.importar(datos)
        db.session.commit()
    try:
        r = cliente.get("/eventos/marcado-prueba/")
        html = r.get_data(as_text=True)
        assert r.status_code == 200, html[-800:]
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
        assert "<img src=x" not in html and "href=\"javascript:" not in html
    finally:
        with app.app_context():
            borrar("marcado-prueba")
