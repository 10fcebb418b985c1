// Tablero de la plenaria: cada ~3 s pide las respuestas guardadas desde el último cursor (con la
// etiqueta ETag del estado, así que si nada cambió el servidor contesta 304 sin cuerpo) y pone al día
// las tarjetas de cada mesa sin recargar (el sondeo, común con la asistencia, está en sondeo.js). Sin
// JavaScript la página ya muestra todo lo guardado.
//
// Nada de lo que escriben los moderadores entra como HTML: los puntos clave, la hora y las
// intervenciones van con textContent; el texto llega ya convertido por el servidor con el filtro
// `markdown` (sin HTML de quien escribe) y se analiza con DOMParser, que no ejecuta nada.
(function () {
  "use strict";
  var raiz = document.querySelector("[data-tablero]");
  if (!raiz || !window.fetch || !window.DOMParser || !window.sondear) return;
  var fuente = raiz.getAttribute("data-fuente");
  var cursor = raiz.getAttribute("data-cursor") || "";
  var sello = raiz.getAttribute("data-sello") || "";
  var intervalo = Math.max(2, parseInt(raiz.getAttribute("data-intervalo"), 10) || 3) * 1000;
  var plantillaUltima = raiz.getAttribute("data-texto-ultima") || "";
  var enVivo = raiz.querySelector("[data-en-vivo]");
  var ultima = raiz.querySelector("[data-ultima]");
  var avisoCerrado = raiz.querySelector("[data-aviso-cerrado]");

  if (enVivo) enVivo.hidden = false;

  function tarjeta(mesaId, preguntaId) {
    return raiz.querySelector('.tarjeta-tablero[data-mesa="' + String(Number(mesaId)) +
                              '"][data-pregunta="' + String(Number(preguntaId)) + '"]');
  }

  function htmlSeguro(contenedor, html) {
    // El servidor ya lo convirtió sin HTML de quien escribe; aun así, nada de guiones ni atributos on*.
    var documento = new DOMParser().parseFromString(String(html || ""), "text/html");
    documento.querySelectorAll("script, style, iframe, object, embed, link, meta").forEach(function (el) { el.remove(); });
    documento.querySelectorAll("*").forEach(function (el) {
      Array.prototype.slice.call(el.attributes).forEach(function (atributo) {
        if (/^on/i.test(atributo.name) || /^\s*javascript:/i.test(atributo.value)) el.removeAttribute(atributo.name);
      });
    });
    contenedor.replaceChildren.apply(contenedor, Array.prototype.slice.call(documento.body.childNodes).map(function (nodo) {
      return document.importNode(nodo, true);
    }));
  }

  function pintar(r) {
    var el = tarjeta(r.mesa_id, r.pregunta_id);
    if (!el) return false;  // una pregunta o mesa que esta vista no muestra (otro bloque, o nueva)
    if (Number(el.getAttribute("data-version")) >= Number(r.version)) return false;  // ya la tiene
    el.setAttribute("data-version", String(r.version));
    htmlSeguro(el.querySelector('[data-campo="html"]'), r.html);
    var puntos = el.querySelector('[data-campo="puntos"]');
    var lista = document.createDocumentFragment();
    (r.puntos_clave || []).forEach(function (punto) {
      var li = document.createElement("li");
      li.textContent = String(punto);
      lista.appendChild(li);
    });
    puntos.replaceChildren(lista);
    puntos.hidden = !(r.puntos_clave && r.puntos_clave.length);
    var hora = el.querySelector('[data-campo="hora"]');
    hora.textContent = String(r.hora || "");
    hora.setAttribute("datetime", String(r.actualizada_en || ""));
    el.querySelector('[data-campo="intervenciones"]').textContent = r.intervenciones ? String(r.intervenciones) : "";
    el.hidden = false;
    var seccion = el.closest("[data-pregunta-tablero]");
    if (seccion) seccion.hidden = false;
    el.classList.remove("recien");
    void el.offsetWidth;  // vuelve a empezar la animación si ya estaba marcada
    el.classList.add("recien");
    return el;
  }

  function anunciar(el, r) {
    if (!ultima || !el) return;
    var seccion = el.closest("[data-pregunta-tablero]");
    var mesa = el.querySelector("[data-nombre-mesa]");
    var numero = seccion ? seccion.querySelector("[data-numero]") : null;
    ultima.textContent = plantillaUltima
      .replace("{mesa}", mesa ? mesa.textContent.trim() : "")
      .replace("{numero}", numero ? numero.textContent.trim() : "")
      .replace("{hora}", String(r.hora || ""));
  }

  function aplicar(datos) {
    var respuestas = Array.isArray(datos.respuestas) ? datos.respuestas : [];
    var mas_reciente = null;
    // Llegan de la más reciente a la más antigua: se pintan en orden de guardado.
    for (var i = respuestas.length - 1; i >= 0; i--) {
      var el = pintar(respuestas[i]);
      if (el) mas_reciente = [el, respuestas[i]];
    }
    if (mas_reciente) anunciar(mas_reciente[0], mas_reciente[1]);
    if (typeof datos.cursor === "string" && datos.cursor) cursor = datos.cursor;
  }

  function pedir() {
    var cabeceras = {"Accept": "application/json"};
    if (sello) cabeceras["If-None-Match"] = '"' + sello.replace(/^W\//, "").replace(/"/g, "") + '"';
    var url = fuente + (cursor ? "?desde=" + encodeURIComponent(cursor) : "");
    return fetch(url, {credentials: "same-origin", headers: cabeceras, cache: "no-store"})
      .then(function (r) {
        if (r.status === 304) return null;
        if (r.status === 403 || r.status === 404) {
          sondeo.detener();
          if (avisoCerrado) avisoCerrado.hidden = false;
          if (enVivo) enVivo.hidden = true;
          return null;
        }
        if (!r.ok) throw new Error("HTTP " + r.status);
        var etiqueta = r.headers.get("ETag");
        if (etiqueta) sello = etiqueta;
        return r.json();
      })
      .then(function (datos) {
        if (datos) aplicar(datos);
      });
  }

  var sondeo = window.sondear({pedir: pedir, intervalo: intervalo,
                               avisoConexion: raiz.querySelector("[data-aviso-conexion]")});
})();
