// Botones «Copiar»: copian el valor de un campo de solo lectura (data-copiar="id del campo") y lo
// anuncian en una región viva (data-copiar-estado="id"). Sin portapapeles (navegador antiguo, sin
// permiso o sin contexto seguro) el campo queda seleccionado para copiarlo a mano. Sin JavaScript el
// botón sigue oculto y el campo se ve igual: la dirección se puede seleccionar y copiar.
(function () {
  "use strict";

  function anunciar(region, texto) {
    if (!region) return;
    region.textContent = "";  // el mismo texto dos veces seguidas también se anuncia
    window.setTimeout(function () { region.textContent = texto; }, 50);
  }

  function seleccionar(campo) {
    campo.focus();
    campo.select();
    campo.setSelectionRange(0, campo.value.length);  // iOS no selecciona con select() solo
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copiar]"), function (boton) {
    var campo = document.getElementById(boton.getAttribute("data-copiar"));
    var region = document.getElementById(boton.getAttribute("data-copiar-estado"));
    if (!campo) return;
    var copiada = boton.getAttribute("data-texto-copiada");
    var seleccionada = boton.getAttribute("data-texto-seleccionada");

    function aMano() {
      anunciar(region, seleccionar(campo) ? copiada : seleccionada);
    }

    boton.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(campo.value).then(function () { anunciar(region, copiada); }, aMano);
      } else {
        aMano();
      }
    });
    boton.hidden = false;
  });
})();
