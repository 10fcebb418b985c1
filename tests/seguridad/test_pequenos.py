"""Ataques pequeños (issue 12, defecto 7): cabeceras y títulos que deben decir lo que son."""
import io

from apoyo import enviar, entrar


def test_un_material_de_texto_declara_su_charset_una_sola_vez(app, evento_con_equipo):
    cliente = app.test_client()
    entrar(cliente, evento_con_equipo["correos"]["organizador"])
    slug = evento_con_equipo["slug"]
    r = enviar(cliente, f"/organizacion/eventos/{slug}/materiales",
               {"titulo": "Notas", "tipo": "documento", "sesion": "0",
                "archivo": (io.BytesIO("# Notas\n\nAcción y cohesión".encode()), "notas.md")},
               content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[-500:]
    material_id = r.headers["Location"].rsplit("#material-", 1)[1]
    for ruta in (f"/organizacion/eventos/{slug}/materiales/{material_id}/descargar",
                 f"/materiales/{material_id}/notas.md"):
        descarga = cliente.get(ruta)
        assert descarga.status_code == 200, ruta
        assert descarga.headers.get_all("Content-Type") == ["text/markdown; charset=utf-8"], ruta
        assert "attachment" in descarga.headers["Content-Disposition"]


def test_un_401_se_titula_como_falta_de_identificacion(cliente):
    r = cliente.get("/api/v1/eventos/gsef2021/respuestas")
    assert r.status_code == 401 and r.get_json()["error"] == "Hace falta identificarse"
