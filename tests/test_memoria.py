"""Un proceso web de gunicorn arranca sin lo que solo usan algunas peticiones (PDF, Word, Excel, QR, YAML)
ni lo que solo usan la línea de órdenes y las pruebas (las migraciones): cada worker pesa menos. Y la basura
de cada petición se recoge al terminarla."""
import gc
import runpy
import subprocess
import sys
import weakref
from pathlib import Path

RAIZ_REPOSITORIO = Path(__file__).resolve().parent.parent

PESADOS = ("reportlab", "docx", "openpyxl", "qrcode", "PIL", "yaml", "flask_migrate", "alembic", "mako")
CODIGO = ("import sys; from app import create_app; create_app(); "
          f"print(' '.join(m for m in {PESADOS!r} if m in sys.modules))")


def _cargados(tmp_path, entorno_extra: dict) -> list[str]:
    entorno = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'bd.sqlite3'}",
               "SECRET_KEY": "clave-de-pruebas", **entorno_extra}
    salida = subprocess.run([sys.executable, "-c", CODIGO], cwd=RAIZ_REPOSITORIO, env=entorno,
                            capture_output=True, text=True, timeout=60, check=True).stdout
    return salida.split()


def test_un_worker_de_gunicorn_no_carga_bibliotecas_que_no_usa_al_arrancar(tmp_path):
    assert _cargados(tmp_path, {"SERVER_SOFTWARE": "gunicorn/23.0.0"}) == []


def test_la_linea_de_ordenes_sigue_teniendo_las_migraciones(tmp_path):
    assert "flask_migrate" in _cargados(tmp_path, {})


def test_las_credenciales_no_cargan_la_maquetacion_de_las_constancias(tmp_path):
    """Una credencial se dibuja en el lienzo: platypus (unos 2 MB por proceso) es solo de la constancia."""
    codigo = ("import sys; from app import create_app; app = create_app()\n"
              "with app.test_request_context():\n"
              "    from eventos import documentos as d\n"
              "    evento = d.DatosEvento('Foro', '2 de noviembre de 2027', 'Puebla', 'Presencial', 'presencial', ())\n"
              "    pdf = d.credenciales_pdf(evento, [d.Credencial('Ana Pérez', 'Municipio', 'México', '', 'EV1-x')])\n"
              "    assert pdf.startswith(b'%PDF')\n"
              "    print('reportlab.platypus' in sys.modules)")
    entorno = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'bd.sqlite3'}",
               "SECRET_KEY": "clave-de-pruebas", "SERVER_SOFTWARE": "gunicorn/23.0.0"}
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ_REPOSITORIO, env=entorno,
                            capture_output=True, text=True, timeout=60)
    assert salida.returncode == 0, salida.stderr
    assert salida.stdout.split() == ["False"]


def test_la_lista_de_paises_no_carga_la_tabla_de_unicode(tmp_path):
    """La tabla de ordenación de Unicode (pyuca, ~20 MB que el proceso no devuelve) solo genera paises.json."""
    codigo = ("import sys; from app import create_app; create_app()\n"
              "from eventos import paises\n"
              "assert all(len(paises.paises(i)) == 250 for i in ('es', 'en', 'pt'))\n"
              "print(' '.join(m for m in ('pyuca', 'pycountry') if m in sys.modules))")
    entorno = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'bd.sqlite3'}",
               "SECRET_KEY": "clave-de-pruebas", "SERVER_SOFTWARE": "gunicorn/23.0.0"}
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=RAIZ_REPOSITORIO, env=entorno,
                            capture_output=True, text=True, timeout=60)
    assert salida.returncode == 0, salida.stderr
    assert salida.stdout.split() == []


def test_tras_cada_peticion_el_worker_recoge_la_basura_ciclica_que_dejo():
    """Lo que el ORM carga queda en ciclos (cada objeto con su estado): gunicorn.conf.py los recoge al terminar
    cada petición, antes de la siguiente, en vez de esperar a que el recolector lo decida."""
    # Leerla apaga el recolector, como en el maestro: el ciclo solo se recoge si lo recoge el gancho.
    configuracion = runpy.run_path(str(RAIZ_REPOSITORIO / "gunicorn.conf.py"))
    try:
        class Nodo:
            pass

        nodo = Nodo()
        nodo.a_si_mismo = nodo
        referencia = weakref.ref(nodo)
        del nodo
        assert referencia() is not None  # un ciclo: sin recolector, sigue en memoria
        configuracion["post_request"](None, None, {}, None)
        assert referencia() is None
    finally:
        gc.enable()
