// Sondeo común de las páginas que se ponen al día solas (asistencia de la oficina, tablero de la
// plenaria). `window.sondear({pedir, intervalo, avisoConexion})` llama a `pedir()` (que devuelve una
// promesa) cada `intervalo` ms contados desde que terminó la anterior, nunca dos a la vez. En una
// pestaña oculta no se pregunta nada; al volver, se pregunta enseguida. Si la promesa falla se muestra
// `avisoConexion` y, cuando vuelve a ir bien, se oculta. Devuelve {detener} para no preguntar más.
(function () {
  "use strict";
  window.sondear = function (opciones) {
    var pedir = opciones.pedir;
    var intervalo = opciones.intervalo;
    var avisoConexion = opciones.avisoConexion || null;
    var temporizador = null;
    var enCurso = false;
    var detenido = false;

    function programar() {
      if (!detenido && temporizador === null && !enCurso && !document.hidden) {
        temporizador = window.setTimeout(actualizar, intervalo);
      }
    }

    function actualizar() {
      temporizador = null;
      if (enCurso || detenido) return;
      enCurso = true;
      pedir()
        .then(function () {
          if (avisoConexion) avisoConexion.hidden = true;
        })
        .catch(function () {
          if (avisoConexion) avisoConexion.hidden = false;
        })
        .then(function () {
          enCurso = false;
          programar();
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        if (temporizador !== null) window.clearTimeout(temporizador);
        temporizador = null;
      } else if (temporizador === null && !enCurso) {
        actualizar();
      }
    });
    programar();

    return {
      detener: function () {
        detenido = true;
        if (temporizador !== null) window.clearTimeout(temporizador);
        temporizador = null;
      }
    };
  };
})();
