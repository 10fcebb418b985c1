// Lista de inscripciones: una casilla en la cabecera marca o desmarca todas las de esta página. Sin
// JavaScript la casilla no aparece (cada fila se marca a mano, o se elige «todas las que cumplen el filtro»).
(function () {
  "use strict";
  const todas = document.getElementById("elegir-pagina");
  if (!todas) return;
  const filas = Array.prototype.slice.call(document.querySelectorAll('input[type="checkbox"][name="ids"][form="eleccion"]'));
  if (!filas.length) return;
  document.querySelectorAll("#tabla-inscripciones .solo-con-js").forEach(function (e) { e.hidden = false; });
  document.querySelectorAll("#tabla-inscripciones .solo-sin-js").forEach(function (e) { e.hidden = true; });

  function actualizar() {
    const marcadas = filas.filter(function (c) { return c.checked; }).length;
    todas.checked = marcadas === filas.length;
    todas.indeterminate = marcadas > 0 && marcadas < filas.length;
  }
  todas.addEventListener("change", function () {
    filas.forEach(function (c) { c.checked = todas.checked; });
    actualizar();
  });
  filas.forEach(function (c) { c.addEventListener("change", actualizar); });
  actualizar();
})();
