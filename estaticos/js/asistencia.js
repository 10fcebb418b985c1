// Página de asistencia de la oficina: cada ~10 s pide el gemelo JSON de la página y pone al día las
// cifras y las tablas sin recargar (el sondeo, común con el tablero, está en sondeo.js). Sin JavaScript
// la página ya está completa (con las cifras del momento en que se cargó). Solo se escribe texto
// (textContent), nunca HTML.
(function () {
  "use strict";
  var raiz = document.querySelector("[data-fuente]");
  if (!raiz || !window.fetch || !window.sondear) return;
  var fuente = raiz.getAttribute("data-fuente");
  var intervalo = Math.max(5, parseInt(raiz.getAttribute("data-intervalo"), 10) || 10) * 1000;

  function celda(etiqueta, texto) {
    var el = document.createElement(etiqueta);
    if (etiqueta === "th") el.setAttribute("scope", "row");
    el.textContent = texto === null || texto === undefined ? "" : String(texto);
    return el;
  }

  function hora(iso, texto) {
    var td = document.createElement("td");
    var t = document.createElement("time");
    t.setAttribute("datetime", iso);
    t.textContent = texto;
    td.className = "sin-corte";
    td.appendChild(t);
    return td;
  }

  function barra(valor, maximo) {
    var td = document.createElement("td");
    var m = document.createElement("meter");
    m.className = "barra";
    m.min = 0;
    m.max = maximo > 0 ? maximo : 1;
    m.value = valor;
    m.setAttribute("aria-hidden", "true");
    td.appendChild(m);
    return td;
  }

  // Cómo se dibuja cada fila de cada tabla (las mismas columnas que la plantilla).
  var FILAS = {
    sesiones: function (s, datos) {
      var tr = document.createElement("tr");
      if (s.subsesion) tr.className = "fila-anidada";
      tr.append(celda("th", s.titulo), hora(s.inicio, s.horario), celda("td", s.acreditadas),
                barra(s.acreditadas, datos.confirmadas));
      return tr;
    },
    por_hora: function (h, datos) {
      var maximo = 0;
      datos.por_hora.forEach(function (otra) { maximo = Math.max(maximo, otra.acreditadas); });
      var tr = document.createElement("tr");
      tr.append(celda("th", h.etiqueta), celda("td", h.acreditadas), barra(h.acreditadas, maximo));
      return tr;
    },
    por_origen: function (o) {
      var tr = document.createElement("tr");
      tr.append(celda("th", o.etiqueta), celda("td", o.evento), celda("td", o.sesiones));
      return tr;
    },
    por_mesa: function (m) {
      var tr = document.createElement("tr");
      tr.append(celda("th", m.mesa), celda("td", m.confirmadas), celda("td", m.acreditadas),
                barra(m.acreditadas, m.confirmadas));
      return tr;
    },
    recientes: function (a) {
      var tr = document.createElement("tr");
      tr.append(celda("th", a.nombre), hora(a.registrada_en, a.hora), celda("td", a.sesion),
                celda("td", a.origen), celda("td", a.acreditado_por || "—"));
      return tr;
    }
  };

  function ponerTexto(el, texto) {
    texto = texto === null || texto === undefined ? "" : String(texto);
    if (el.textContent !== texto) el.textContent = texto;  // sin cambios, nada que anunciar
  }

  function pintar(datos) {
    raiz.querySelectorAll("[data-valor]").forEach(function (el) {
      ponerTexto(el, datos[el.getAttribute("data-valor")]);
    });
    raiz.querySelectorAll("[data-progreso]").forEach(function (el) {
      el.max = datos.confirmadas > 0 ? datos.confirmadas : 1;
      el.value = datos.confirmadas > 0 ? Math.min(datos.acreditadas, datos.confirmadas) : 0;
    });
    raiz.querySelectorAll("tbody[data-lista]").forEach(function (cuerpo) {
      var clave = cuerpo.getAttribute("data-lista");
      var filas = datos[clave];
      if (!Array.isArray(filas) || !FILAS[clave]) return;
      var nuevas = document.createDocumentFragment();
      if (filas.length === 0) {
        var tr = document.createElement("tr");
        tr.className = "sin-filas";
        var td = celda("td", cuerpo.getAttribute("data-texto-vacio"));
        td.colSpan = cuerpo.parentNode.querySelectorAll("thead th").length || 1;
        tr.appendChild(td);
        nuevas.appendChild(tr);
      }
      filas.forEach(function (fila) { nuevas.appendChild(FILAS[clave](fila, datos)); });
      cuerpo.replaceChildren(nuevas);
    });
  }

  window.sondear({
    intervalo: intervalo,
    avisoConexion: raiz.querySelector("[data-aviso-conexion]"),
    pedir: function () {
      return fetch(fuente, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(pintar);
    }
  });
})();
