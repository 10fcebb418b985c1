"""Ayudas comunes de las pruebas en navegador: entrar con la cuenta de prueba y pasar axe-core.

Se importa como `apoyo_navegador` (la carpeta de cada archivo de pruebas está en sys.path, como tests/
para `apoyo`)."""
from __future__ import annotations

from apoyo import CLAVE


def entrar(contexto, correo: str, clave: str = CLAVE):
    """Una página nueva del contexto con la sesión iniciada por /cuentas/entrar, y la lista (que se
    sigue llenando) de errores de la consola y de JavaScript de esa página."""
    pagina = contexto.new_page()
    errores: list[str] = []
    pagina.on("console", lambda m: errores.append(m.text) if m.type == "error" else None)
    pagina.on("pageerror", lambda e: errores.append(str(e)))
    pagina.goto("/cuentas/entrar")
    pagina.get_by_label("Correo electrónico", exact=True).fill(correo)
    pagina.get_by_label("Contraseña", exact=True).fill(clave)
    with pagina.expect_navigation():
        pagina.get_by_role("main").get_by_role("button", name="Entrar").click()
    return pagina, errores


def comprobar_axe(pagina, ruta_axe, donde: str | None = None) -> None:
    """axe-core (WCAG 2 A y AA) sobre la página tal como está: sin infracciones graves ni críticas.
    Imprime todas las infracciones (se ven con -s o al fallar); `donde` nombra la página en el mensaje."""
    pagina.add_script_tag(path=str(ruta_axe))
    resultado = pagina.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
    assert resultado["passes"], "axe-core no evaluó ninguna regla"
    infracciones = resultado["violations"]
    lineas = [f"{v['id']} [{v['impact']}] {v['help']} — "
              + ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
              + (f" (y {len(v['nodes']) - 3} más)" if len(v["nodes"]) > 3 else "")
              for v in infracciones]
    for linea in lineas:
        print(linea)
    graves = [linea for v, linea in zip(infracciones, lineas) if v["impact"] in ("critical", "serious")]
    assert not graves, f"axe-core encontró infracciones graves en {donde or pagina.url}:\n" + "\n".join(graves)
