// Detecta la zona horaria del navegador la primera vez (si el visitante no eligió ninguna) y la
// guarda en una cookie; la página la añade al lado de la zona del evento, nunca en su lugar.
(function () {
  "use strict";
  var cuerpo = document.body;
  if (!cuerpo || cuerpo.getAttribute("data-zona-sin-elegir") !== "1") return;
  var zona;
  try { zona = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zona || !/^[A-Za-z0-9_+\-\/]+$/.test(zona)) return;
  var unAno = 365 * 24 * 3600;
  document.cookie = "tz=" + zona + "; path=/; max-age=" + unAno + "; SameSite=Lax";
  document.cookie = "tz_detectada=1; path=/; max-age=" + unAno + "; SameSite=Lax";
  if (cuerpo.getAttribute("data-recargar-zona") === "1") window.location.reload();
})();
