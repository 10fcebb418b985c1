// Ayudas de los formularios (plantillas/_formularios.html). Sin este archivo todo funciona igual:
// - el resumen de errores recibe el foco tras un envío fallido, y sus enlaces llevan a cada campo;
// - el identificador de un evento nuevo se propone a partir del título mientras no se escriba a mano;
// - la lista de zonas horarias adicionales tiene un buscador que la acorta.
(function () {
  "use strict";

  // --- Resumen de errores (patrón del GOV.UK Design System) ---------------------------------------
  const resumen = document.querySelector("[data-resumen-errores]");
  if (resumen) {
    resumen.focus();
    resumen.addEventListener("click", function (evento) {
      const enlace = evento.target.closest("a[href^='#']");
      const campo = enlace && document.getElementById(decodeURIComponent(enlace.hash.slice(1)));
      if (!campo) return;
      evento.preventDefault();
      // La etiqueta queda a la vista encima del campo (al saltar al ancla quedaría oculta arriba).
      (campo.closest(".campo, fieldset") || campo).scrollIntoView({ block: "start" });
      campo.focus({ preventScroll: true });
    });
  }

  // --- Identificador en la dirección, propuesto a partir del título --------------------------------
  // La misma regla que el servidor (eventos/organizacion/servicios.py, clave_base) en los casos comunes:
  // sin acentos, minúsculas, cualquier otro signo es un guion.
  function aClave(texto, largo) {
    return texto.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, largo).replace(/-+$/, "");
  }

  const slug = document.querySelector("[data-slug-desde]");
  const titulo = slug && document.getElementById(slug.dataset.slugDesde);
  if (slug && titulo) {
    const largo = parseInt(slug.getAttribute("maxlength"), 10) || 120;
    // Tras un envío con errores, un identificador distinto del que daría el título se escribió a mano.
    let aMano = slug.value !== "" && slug.value !== aClave(titulo.value, largo);
    const proponer = function () { if (!aMano) slug.value = aClave(titulo.value, largo); };
    titulo.addEventListener("input", proponer);
    // Escrito a mano, el título ya no lo cambia; si se vacía, vuelve a proponerse.
    slug.addEventListener("input", function () { aMano = slug.value !== ""; });
    proponer();
  }

  // --- Buscador de zonas horarias ------------------------------------------------------------------
  function plegar(texto) {
    return texto.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/_/g, " ");
  }

  document.querySelectorAll("select[data-filtro-zonas]").forEach(function (lista) {
    const idioma = document.documentElement.lang || "es";
    const plurales = window.Intl && Intl.PluralRules ? new Intl.PluralRules(idioma) : null;
    const caja = document.createElement("input");
    caja.type = "search";
    caja.id = lista.id + "-filtro";
    caja.className = "filtro-zonas";
    caja.autocomplete = "off";
    caja.setAttribute("aria-controls", lista.id);
    const etiqueta = document.createElement("label");
    etiqueta.htmlFor = caja.id;
    etiqueta.textContent = lista.dataset.filtroEtiqueta;
    const cuenta = document.createElement("p");
    cuenta.className = "ayuda";
    cuenta.id = lista.id + "-cuenta";
    cuenta.setAttribute("aria-live", "polite");
    caja.setAttribute("aria-describedby", cuenta.id);
    lista.before(etiqueta, caja, cuenta);

    const opciones = Array.from(lista.options).map(function (opcion) {
      const grupo = opcion.parentElement.tagName === "OPTGROUP" ? opcion.parentElement.label : "";
      return { opcion: opcion, texto: plegar(opcion.text + " " + grupo) };
    });
    let espera = null;
    function filtrar() {
      const palabras = plegar(caja.value).split(/\s+/).filter(Boolean);
      let visibles = 0;
      opciones.forEach(function (o) {
        // Una zona elegida sigue a la vista: así se ve lo que se va a guardar.
        const coincide = o.opcion.selected || palabras.every(function (p) { return o.texto.includes(p); });
        o.opcion.hidden = !coincide;
        if (coincide) visibles++;
      });
      lista.querySelectorAll("optgroup").forEach(function (grupo) {
        grupo.hidden = !Array.from(grupo.children).some(function (o) { return !o.hidden; });
      });
      const forma = plurales && plurales.select(visibles) === "one" ? lista.dataset.cuentaUna : lista.dataset.cuentaVarias;
      // Quien usa un lector de pantalla oye la cuenta cuando deja de escribir, no en cada letra.
      clearTimeout(espera);
      espera = setTimeout(function () { cuenta.textContent = forma.replace("{n}", visibles); }, caja.value ? 400 : 0);
    }
    caja.addEventListener("input", filtrar);
    // Enter en el buscador no envía el formulario.
    caja.addEventListener("keydown", function (evento) { if (evento.key === "Enter") evento.preventDefault(); });
  });
})();
