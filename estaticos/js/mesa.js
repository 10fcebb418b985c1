// Espacio de moderación de una mesa. Cada respuesta se guarda sola por la API (PUT) ~1,5 s después de
// dejar de escribir y al salir de un campo, con su estado a la vista («Guardando…», «Guardado 10:42 (hora del evento)»,
// «Sin conexión: se guardará al volver», «Conflicto»). Cada guardado dice sobre qué versión se escribió
// y guarda la versión nueva que devuelve el servidor; si otra persona guardó antes (409), se muestran
// los dos textos y un cuadro para fusionarlos, que se guarda sobre la versión vigente.
// Sin JavaScript cada pregunta es un formulario normal. Solo se escribe texto (textContent), nunca
// HTML; la vista previa llega del servidor ya convertida (Markdown sin HTML).
(function () {
  "use strict";
  var raiz = document.querySelector("[data-espacio]");
  if (!raiz || !window.fetch || !window.Promise) return;

  var ESPERA = 1500;               // ms sin escribir antes de autoguardar
  var REINTENTO = 10000;           // ms entre reintentos sin conexión o con error del servidor
  var VIDA_TOKEN = 10 * 60 * 1000; // el token CSRF de la página caduca: se renueva antes de usarlo
  var VINETA = /^\s*(?:[-*•]|\d+[.)])\s+/;

  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  var tokenDesde = Date.now();
  var plantillaConflicto = document.getElementById("plantilla-conflicto");
  var plantillaTituloAjeno = document.getElementById("plantilla-titulo-ajeno");
  var preguntas = [];

  function t(clave, valores) {
    var texto = raiz.getAttribute("data-t-" + clave) || "";
    Object.keys(valores || {}).forEach(function (nombre) {
      texto = texto.split("{" + nombre + "}").join(String(valores[nombre]));
    });
    return texto;
  }

  function rellenar(texto, valores) {
    Object.keys(valores).forEach(function (nombre) {
      texto = texto.split("{" + nombre + "}").join(String(valores[nombre]));
    });
    return texto;
  }

  // Horas de reloj con Intl.DateTimeFormat en el idioma de la página: en la zona del evento (la de la
  // página, data-zona) y en la del navegador de quien mira.
  var zonaEvento = raiz.getAttribute("data-zona");
  var idioma = document.documentElement.lang || undefined;

  function formato(zona, conFecha) {
    var opciones = {hour: "2-digit", minute: "2-digit", hourCycle: "h23"};
    if (conFecha) { opciones.year = "numeric"; opciones.month = "2-digit"; opciones.day = "2-digit"; }
    if (zona) opciones.timeZone = zona;
    try { return new Intl.DateTimeFormat(idioma, opciones); } catch (e) { return null; }
  }
  var horaEvento = formato(zonaEvento, false);
  var horaNavegador = formato(undefined, false);
  var fechaEvento = formato(zonaEvento, true);
  var fechaNavegador = formato(undefined, true);

  function instante(iso) {
    var fecha = new Date(iso || "");
    return isNaN(fecha.getTime()) ? null : fecha;
  }

  // La hora de reloj, en la zona del evento, de un ISO 8601 del servidor (que ya trae el desfase de esa zona).
  function hora(iso) {
    var fecha = instante(iso);
    if (fecha && horaEvento) return horaEvento.format(fecha);
    var m = /T(\d{2}:\d{2})/.exec(iso || "");
    return m ? m[1] : "";
  }

  // «Guardado 20:42 (hora del evento)» y, si el reloj de quien mira marca otra cosa, «· 21:42 su hora».
  function textoGuardado(iso) {
    var texto = t("guardado", {hora: hora(iso)});
    var fecha = instante(iso);
    if (fecha && fechaEvento && fechaNavegador && fechaEvento.format(fecha) !== fechaNavegador.format(fecha)) {
      texto += " " + t("su-hora", {hora: horaNavegador.format(fecha)});
    }
    return texto;
  }

  function fechaHora(iso) {
    return iso ? iso.slice(0, 10) + " " + hora(iso) : "";
  }

  // --- Contenido: lo que se envía y cómo se compara con lo último guardado -------------------------
  function puntos(texto) {
    return texto.split(/\r?\n/).map(function (linea) {
      return linea.replace(VINETA, "").replace(/\s+/g, " ").trim();
    }).filter(Boolean);
  }

  function intervenciones(valor) {
    valor = valor.trim();
    if (valor === "") return null;
    return /^\d+$/.test(valor) ? parseInt(valor, 10) : valor;  // lo inválido lo explica el servidor
  }

  function contenido(p) {
    return {
      texto: p.campos.texto.value.replace(/\r\n/g, "\n").trim(),
      puntos_clave: puntos(p.campos.puntos_clave.value),
      intervenciones: intervenciones(p.campos.intervenciones.value)
    };
  }

  function firma(datos) {
    return JSON.stringify([datos.texto, datos.puntos_clave, datos.intervenciones]);
  }

  function pendiente(p) {
    return Boolean(p.conflicto || p.enVuelo || firma(contenido(p)) !== p.guardada);
  }

  // --- Red ---------------------------------------------------------------------------------------------
  function tokenVigente() {
    if (Date.now() - tokenDesde < VIDA_TOKEN) return Promise.resolve(token);
    return fetch(raiz.getAttribute("data-token-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (datos) {
        if (datos && datos.csrf_token) {
          token = datos.csrf_token;
          tokenDesde = Date.now();
        }
        return token;
      })
      .catch(function () { return token; });
  }

  // Promesa de {estado, cuerpo}; se rechaza solo si no hubo respuesta (sin conexión).
  function enviar(url, datos, version) {
    return tokenVigente().then(function (vigente) {
      return fetch(url, {
        method: "PUT",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": vigente},
        body: JSON.stringify({texto: datos.texto, puntos_clave: datos.puntos_clave,
                              intervenciones: datos.intervenciones, version: version})
      });
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (cuerpo) {
        return {estado: r.status, cuerpo: cuerpo};
      });
    });
  }

  // --- Estado visible ------------------------------------------------------------------------------------
  function ponerEstado(p, clase, texto) {
    p.estado.className = "estado-guardado es-" + clase;
    if (p.estado.textContent !== texto) p.estado.textContent = texto;  // sin cambios, nada que anunciar
  }

  function ponerAutor(p, respuesta) {
    p.autor.textContent = t("version", {version: respuesta.version, nombre: respuesta.actualizada_por || ""}) +
      " · " + fechaHora(respuesta.actualizada_en);
  }

  function reintentar(p) {
    if (p.reintento) return;
    p.reintento = setTimeout(function () {
      p.reintento = null;
      guardar(p);
    }, REINTENTO);
  }

  // --- Guardar -------------------------------------------------------------------------------------------
  function programar(p) {
    clearTimeout(p.temporizador);
    if (p.conflicto) return;
    if (firma(contenido(p)) !== p.guardada && !p.enVuelo) ponerEstado(p, "pendiente", t("pendiente"));
    p.temporizador = setTimeout(function () { guardar(p); }, ESPERA);
  }

  // Promesa de true si la respuesta quedó guardada tal como está en pantalla.
  function guardar(p) {
    clearTimeout(p.temporizador);
    p.temporizador = null;
    if (p.conflicto) return Promise.resolve(false);
    if (p.enVuelo) return p.enVuelo;  // al terminar se vuelve a mirar si hay algo nuevo
    var datos = contenido(p);
    var enviada = firma(datos);
    if (enviada === p.guardada) return Promise.resolve(true);
    if (navigator.onLine === false) {
      ponerEstado(p, "sin-conexion", t("sin-conexion"));
      return Promise.resolve(false);  // el evento «online» lo reintenta
    }
    ponerEstado(p, "guardando", t("guardando"));
    p.enVuelo = enviar(p.api, datos, parseInt(p.version.value, 10) || 0).then(function (res) {
      p.enVuelo = null;
      if (res.estado === 200) {
        aceptado(p, res.cuerpo, enviada);
        return firma(contenido(p)) === p.guardada ? true : guardar(p);  // siguió escribiendo entretanto
      }
      if (res.estado === 409) {
        mostrarConflicto(p, res.cuerpo);
        return false;
      }
      fallo(p, res);
      return false;
    }, function () {
      p.enVuelo = null;
      ponerEstado(p, "sin-conexion", t("sin-conexion"));
      reintentar(p);
      return false;
    });
    return p.enVuelo;
  }

  function aceptado(p, respuesta, enviada) {
    p.version.value = respuesta.version;
    p.guardada = enviada;
    ponerEstado(p, "guardado", textoGuardado(respuesta.actualizada_en));
    ponerAutor(p, respuesta);
    p.previaVieja = true;
    if (p.previa.open) cargarVistaPrevia(p);
  }

  function fallo(p, res) {
    if (res.estado === 401) {
      ponerEstado(p, "error", t("sesion"));
    } else if (res.estado >= 500 || res.estado === 429) {
      ponerEstado(p, "error", t("reintento"));
      reintentar(p);
    } else {
      ponerEstado(p, "error", t("error", {mensaje: (res.cuerpo && res.cuerpo.mensaje) || res.estado}));
    }
  }

  function guardarTodo() {
    return Promise.all(preguntas.map(guardar));
  }

  // --- Conflicto: los dos textos y la fusión ----------------------------------------------------------------
  function llenarLista(ul, elementos) {
    ul.textContent = "";
    elementos.forEach(function (texto) {
      var li = document.createElement("li");
      li.textContent = texto;
      ul.appendChild(li);
    });
    ul.hidden = elementos.length === 0;
    if (ul.previousElementSibling) ul.previousElementSibling.hidden = ul.hidden;
  }

  function llenarAjeno(p, nodo, actual) {
    nodo.querySelector("[data-c-titulo-suyo]").textContent = rellenar(plantillaTituloAjeno.content.textContent.trim(), {
      nombre: actual.actualizada_por || "", hora: hora(actual.actualizada_en), version: actual.version});
    nodo.querySelector("[data-c-suyo-texto]").textContent = actual.texto || t("sin-texto");
    llenarLista(nodo.querySelector("[data-c-suyo-puntos]"), actual.puntos_clave || []);
  }

  function mostrarConflicto(p, cuerpo) {
    var actual = cuerpo.actual;
    var mio = {texto: p.campos.texto.value, puntos_clave: puntos(p.campos.puntos_clave.value)};
    var nodo = plantillaConflicto.content.firstElementChild.cloneNode(true);
    Array.prototype.forEach.call(nodo.querySelectorAll("[data-c-id]"), function (el) {
      el.id = el.getAttribute("data-c-id") + "-" + p.id;
    });
    Array.prototype.forEach.call(nodo.querySelectorAll("[data-c-para]"), function (el) {
      el.htmlFor = el.getAttribute("data-c-para") + "-" + p.id;
    });
    nodo.querySelector("[data-c-mensaje]").textContent = cuerpo.mensaje || t("conflicto");
    llenarAjeno(p, nodo, actual);
    nodo.querySelector("[data-c-mio-texto]").textContent = mio.texto.trim() || t("sin-texto");
    llenarLista(nodo.querySelector("[data-c-mio-puntos]"), mio.puntos_clave);
    var fusionTexto = nodo.querySelector("[data-c-fusion-texto]");
    var fusionPuntos = nodo.querySelector("[data-c-fusion-puntos]");
    fusionTexto.value = mio.texto;
    var juntos = (actual.puntos_clave || []).slice();
    mio.puntos_clave.forEach(function (punto) { if (juntos.indexOf(punto) < 0) juntos.push(punto); });
    fusionPuntos.value = juntos.join("\n");
    nodo.querySelector("[data-c-guardar]").addEventListener("click", function () { guardarFusion(p); });

    var foco = p.form.contains(document.activeElement) && document.activeElement.hasAttribute("data-campo");
    p.conflicto = {version: actual.version, nodo: nodo};
    p.contenedorConflicto.textContent = "";
    p.contenedorConflicto.appendChild(nodo);
    p.contenedorConflicto.hidden = false;
    Object.keys(p.campos).forEach(function (nombre) { p.campos[nombre].readOnly = true; });
    ponerEstado(p, "conflicto", t("conflicto"));
    if (foco) fusionTexto.focus();  // lo que siga escribiendo va a la fusión, no se pierde
  }

  function guardarFusion(p) {
    var nodo = p.conflicto.nodo;
    var fusionTexto = nodo.querySelector("[data-c-fusion-texto]");
    var fusionPuntos = nodo.querySelector("[data-c-fusion-puntos]");
    var estado = nodo.querySelector("[data-c-estado]");
    var datos = {texto: fusionTexto.value.replace(/\r\n/g, "\n").trim(), puntos_clave: puntos(fusionPuntos.value),
                 intervenciones: intervenciones(p.campos.intervenciones.value)};
    estado.textContent = t("guardando");
    enviar(p.api, datos, p.conflicto.version).then(function (res) {
      if (res.estado === 200) {
        var teniaFoco = nodo.contains(document.activeElement);
        p.campos.texto.value = fusionTexto.value;
        p.campos.puntos_clave.value = fusionPuntos.value;
        Object.keys(p.campos).forEach(function (nombre) { p.campos[nombre].readOnly = false; });
        p.conflicto = null;
        p.contenedorConflicto.hidden = true;
        p.contenedorConflicto.textContent = "";
        aceptado(p, res.cuerpo, firma(contenido(p)));
        if (teniaFoco) p.campos.texto.focus();
      } else if (res.estado === 409) {  // otra persona volvió a guardar: se compara con lo nuevo
        p.conflicto.version = res.cuerpo.actual.version;
        llenarAjeno(p, nodo, res.cuerpo.actual);
        estado.textContent = res.cuerpo.mensaje || t("conflicto");
      } else {
        estado.textContent = res.estado === 401 ? t("sesion")
          : t("error", {mensaje: (res.cuerpo && res.cuerpo.mensaje) || res.estado});
      }
    }, function () {
      estado.textContent = t("sin-conexion");
    });
  }

  // --- Vista previa (HTML inerte hecho en el servidor) ----------------------------------------------
  function cargarVistaPrevia(p) {
    fetch(p.form.getAttribute("data-vista-previa-url"), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var destino = p.previa.querySelector("[data-vista-previa-contenido]");
        destino.textContent = "";
        Array.prototype.forEach.call(doc.body.childNodes, function (n) { destino.appendChild(document.importNode(n, true)); });
        p.previaVieja = false;
      })
      .catch(function () { /* queda la anterior; se reintenta al volver a abrirla */ });
  }

  // --- Arranque ---------------------------------------------------------------------------------------------
  Array.prototype.forEach.call(raiz.querySelectorAll("form[data-respuesta]"), function (form) {
    var p = {
      form: form,
      id: form.getAttribute("data-respuesta"),
      api: form.getAttribute("data-api"),
      campos: {
        texto: form.querySelector('[data-campo="texto"]'),
        puntos_clave: form.querySelector('[data-campo="puntos_clave"]'),
        intervenciones: form.querySelector('[data-campo="intervenciones"]')
      },
      version: form.querySelector("[data-version]"),
      estado: form.querySelector("[data-estado]"),
      autor: form.querySelector("[data-autor]"),
      contenedorConflicto: form.querySelector("[data-conflicto]"),
      previa: form.closest("article").querySelector("[data-vista-previa]"),
      previaVieja: false,
      conflicto: null,
      enVuelo: null,
      temporizador: null,
      reintento: null
    };
    p.guardada = firma(contenido(p));
    preguntas.push(p);
    // Lo guardado antes de abrir la página: la hora de quien mira se añade sin anunciarla (aún no cambió nada).
    if (p.estado.hasAttribute("data-guardado-en")) {
      p.estado.removeAttribute("role");
      p.estado.textContent = textoGuardado(p.estado.getAttribute("data-guardado-en"));
      p.estado.setAttribute("role", "status");
    }

    form.addEventListener("input", function (e) {
      if (e.target.hasAttribute("data-campo")) programar(p);
    });
    form.addEventListener("focusout", function (e) {
      if (e.target.hasAttribute("data-campo")) guardar(p);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      guardar(p);
    });
    form.addEventListener("keydown", function (e) {  // Ctrl+S / ⌘S guarda ya
      if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S") && e.target.hasAttribute("data-campo")) {
        e.preventDefault();
        guardar(p);
      }
    });
    p.previa.addEventListener("toggle", function () {
      if (p.previa.open && p.previaVieja) cargarVistaPrevia(p);
    });
  });

  function hayPendientes() {
    return preguntas.some(pendiente);
  }

  // Cambiar de ronda: primero se guarda lo pendiente (si algo no se pudo, el aviso de salida lo dice).
  Array.prototype.forEach.call(raiz.querySelectorAll("a[data-ronda]"), function (enlace) {
    enlace.addEventListener("click", function (e) {
      if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || !hayPendientes()) return;
      e.preventDefault();
      guardarTodo().then(function () { window.location.href = enlace.href; });
    });
  });

  window.addEventListener("beforeunload", function (e) {
    if (!hayPendientes()) return undefined;
    e.preventDefault();
    e.returnValue = t("salir");
    return t("salir");
  });

  // El teléfono cambia de aplicación o apaga la pantalla: se guarda ya.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") guardarTodo();
  });

  window.addEventListener("online", function () { guardarTodo(); });
})();
