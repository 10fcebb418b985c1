// Escáner de acreditación: lee QR con la cámara (jsQR), con un código escrito o buscando a la persona.
//
// Cada lectura recibe un id de cliente, se guarda primero en IndexedDB y después se envía; si la red
// falla se queda en la cola y se reenvía sola (el servidor no duplica: deduplica por id_cliente). Sin
// conexión se muestra un resultado PROVISIONAL calculado con la lista descargada (SHA-256 de cada
// código, nunca el código). Un service worker guarda la página para poder recargarla sin red.
(function () {
  "use strict";
  const raiz = document.getElementById("escaner");
  if (!raiz) return;
  const cfg = raiz.dataset;
  const textos = document.getElementById("textos-escaner").dataset;
  const evento = cfg.evento;

  const PREFIJO = "EV1-";
  const OLVIDO_MS = 3000;          // el mismo QR visto sin pausa cuenta una vez; otra vez si desaparece 3 s
  const INTERVALO_CAMARA_MS = 120;
  const ESPERA_RED_MS = 6000;
  const ESPERA_PROVISIONAL_MS = 1500;  // red lenta: el resultado provisional no espera a que se rinda
  const REINTENTO_MS = 15000;
  const REFRESCO_LISTA_MS = 5 * 60 * 1000;
  const MAX_HISTORIAL = 20;

  const $ = (id) => document.getElementById(id);
  const elementos = {
    resultado: $("resultado"), video: $("video"), visor: $("visor"), botonCamara: $("boton-camara"),
    estadoCamara: $("estado-camara"), conexion: $("conexion"), pendientes: $("pendientes"),
    lista: $("lista-sin-conexion"), pagina: $("pagina-sin-conexion"), botonEnviar: $("boton-enviar"),
    sesion: $("sesion"), formCodigo: $("form-codigo"), codigo: $("codigo"), formBuscar: $("form-buscar"),
    buscar: $("buscar"), estadoBusqueda: $("estado-busqueda"), resultadosBusqueda: $("resultados-busqueda"),
    historial: $("historial"),
  };
  raiz.classList.add("con-js");

  // Un texto con una cuenta {n} tiene su forma en singular en data-<clave>-una (ngettext en la plantilla).
  const plurales = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "es") : null;

  function t(clave, valores) {
    if (valores && typeof valores.n === "number" && textos[clave + "Una"] !== undefined && plurales &&
        plurales.select(valores.n) === "one") clave += "Una";
    let texto = textos[clave] || "";
    Object.keys(valores || {}).forEach((nombre) => { texto = texto.split("{" + nombre + "}").join(String(valores[nombre])); });
    return texto;
  }

  function nodo(etiqueta, clase, texto) {
    const elemento = document.createElement(etiqueta);
    if (clase) elemento.className = clase;
    if (texto !== undefined) elemento.textContent = texto;
    return elemento;
  }

  // --- Almacén en el dispositivo (IndexedDB; en memoria si el navegador no lo ofrece) -------------
  const CLAVES = { cola: "id_cliente", listas: "evento" };
  const respaldo = { cola: new Map(), listas: new Map() };
  let baseAbierta = null;

  function abrirBase() {
    if (!baseAbierta) {
      baseAbierta = new Promise((resolver) => {
        let peticion;
        try { peticion = window.indexedDB.open("acreditacion", 1); } catch (error) { resolver(null); return; }
        peticion.onupgradeneeded = () => {
          const base = peticion.result;
          base.createObjectStore("cola", { keyPath: CLAVES.cola });
          base.createObjectStore("listas", { keyPath: CLAVES.listas });
        };
        peticion.onsuccess = () => {
          const base = peticion.result;
          base.onversionchange = () => base.close();
          resolver(base);
        };
        peticion.onerror = () => resolver(null);
        peticion.onblocked = () => resolver(null);
      });
    }
    return baseAbierta;
  }

  async function operar(almacen, modo, accion, alternativa) {
    const base = await abrirBase();
    if (!base) return alternativa(respaldo[almacen]);
    return new Promise((resolver, rechazar) => {
      // "strict": la cola está en disco antes de decir que se guardó.
      const transaccion = base.transaction(almacen, modo, { durability: "strict" });
      const peticion = accion(transaccion.objectStore(almacen));
      transaccion.oncomplete = () => resolver(peticion.result);
      transaccion.onerror = transaccion.onabort = () => rechazar(transaccion.error);
    });
  }

  const guardar = (almacen, valor) => operar(almacen, "readwrite", (s) => s.put(valor),
    (mapa) => { mapa.set(valor[CLAVES[almacen]], valor); });
  const quitar = (almacen, clave) => operar(almacen, "readwrite", (s) => s.delete(clave), (mapa) => { mapa.delete(clave); });
  const leer = (almacen, clave) => operar(almacen, "readonly", (s) => s.get(clave), (mapa) => mapa.get(clave));
  const todos = (almacen) => operar(almacen, "readonly", (s) => s.getAll(), (mapa) => Array.from(mapa.values()));

  async function colaDelEvento() {
    const items = await todos("cola");
    return items.filter((item) => item.evento === evento).sort((a, b) => a.creado_en - b.creado_en);
  }

  // --- Utilidades -----------------------------------------------------------------------------
  function nuevoId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  async function resumenDe(texto) {
    if (!(window.crypto && crypto.subtle)) return null;  // sin contexto seguro no hay SHA-256 nativo
    const codigo = texto.startsWith(PREFIJO) ? texto : PREFIJO + texto;
    const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codigo));
    return Array.from(new Uint8Array(bytes), (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function idioma() { return document.documentElement.lang || undefined; }

  function horaEvento(iso) {
    const instante = new Date(iso);
    if (Number.isNaN(instante.getTime())) return iso;
    try {
      return new Intl.DateTimeFormat(idioma(), { timeZone: cfg.zona, weekday: "short", day: "numeric",
        month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(instante);
    } catch (error) {
      return iso.slice(0, 16).replace("T", " ");
    }
  }

  function horaCorta(milisegundos) {  // en la zona del evento, como todas las horas de la aplicación
    return new Intl.DateTimeFormat(idioma(), { timeZone: cfg.zona, hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23" })
      .format(new Date(milisegundos));
  }

  function pedir(url, opciones) {
    const control = new AbortController();
    const reloj = setTimeout(() => control.abort(), ESPERA_RED_MS);
    return fetch(url, Object.assign({ credentials: "same-origin", signal: control.signal }, opciones))
      .finally(() => clearTimeout(reloj));
  }

  function sesionElegida() {
    return elementos.sesion.value ? parseInt(elementos.sesion.value, 10) : null;
  }

  // --- Token CSRF: el de la página; si caducó (página guardada hace horas), uno nuevo -------------
  let tokenCsrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function renovarToken() {
    try {
      const respuesta = await pedir(location.pathname + location.search, { cache: "no-store", headers: { Accept: "text/html" } });
      if (!respuesta.ok || respuesta.redirected) return false;
      const pagina = new DOMParser().parseFromString(await respuesta.text(), "text/html");
      const meta = pagina.querySelector('meta[name="csrf-token"]');
      if (!meta) return false;
      tokenCsrf = meta.content;
      return true;
    } catch (error) {
      return false;
    }
  }

  // --- Lista para trabajar sin conexión ----------------------------------------------------------
  let lista = null;  // {evento, descargada_en, codigos: {resumen: {...}}, leidos: ["resumen|alcance", …]}

  function pintarLista() {
    if (!lista) { elementos.lista.textContent = t("sinLista"); return; }
    elementos.lista.textContent = t("lista", { n: Object.keys(lista.codigos).length, hora: horaCorta(lista.descargada_en) });
  }

  async function descargarLista() {
    if (!navigator.onLine) return;
    try {
      const respuesta = await pedir(cfg.urlSinConexion, { headers: { Accept: "application/json" } });
      if (respuesta.status === 401 || respuesta.status === 403) { avisarSesion(); return; }
      if (!respuesta.ok) return;
      const datos = await respuesta.json();
      const codigos = {};
      datos.codigos.forEach((c) => { codigos[c.resumen] = c; });
      lista = { evento: evento, descargada_en: Date.now(), acreditacion: datos.acreditacion, codigos: codigos,
        leidos: lista ? lista.leidos : [] };
      await guardar("listas", lista);
    } catch (error) {
      // sin red: se queda la lista anterior
    }
    pintarLista();
  }

  async function recordarLeido(item, resultado) {
    if (!lista || !item.resumen || (resultado !== "aceptado" && resultado !== "ya_acreditado")) return;
    const clave = item.resumen + "|" + item.alcance;
    if (!lista.leidos.includes(clave)) lista.leidos.push(clave);
    if (item.alcance === 0 && lista.codigos[item.resumen]) lista.codigos[item.resumen].acreditado = true;
    await guardar("listas", lista);
  }

  // --- Lo que se muestra -------------------------------------------------------------------------
  const RESULTADOS = {
    aceptado: { clase: "aceptado", titulo: "aceptado" },
    ya_acreditado: { clase: "repetido", titulo: "yaAcreditado" },
    invalido: { clase: "rechazado", titulo: "invalido", detalle: "invalidoDetalle" },
    cancelado: { clase: "rechazado", titulo: "cancelado", detalle: "canceladoDetalle" },
    en_espera: { clase: "rechazado", titulo: "enEspera", detalle: "enEsperaDetalle" },
    otro_evento: { clase: "rechazado", titulo: "otroEvento", detalle: "otroEventoDetalle" },
    fuera_de_fecha: { clase: "rechazado", titulo: "fueraDeFecha", detalle: "fueraDeFechaDetalle" },
  };
  const ICONOS = { aceptado: "✓", repetido: "!", rechazado: "✕", pendiente: "?" };

  function vistaDelServidor(datos) {
    const forma = RESULTADOS[datos.resultado] || RESULTADOS.invalido;
    const vista = { clase: forma.clase, titulo: t(forma.titulo), nombre: datos.nombre, institucion: datos.institucion,
      mesa: datos.mesa, detalles: [] };
    if (forma.detalle) vista.detalles.push(t(forma.detalle));
    if (datos.resultado === "ya_acreditado") {
      if (datos.acreditado_en) vista.detalles.push(t("registrado", { cuando: horaEvento(datos.acreditado_en) }));
      if (datos.acreditado_por) vista.detalles.push(t("por", { quien: datos.acreditado_por }));
    }
    return vista;
  }

  function mostrar(vista) {
    const caja = elementos.resultado;
    caja.className = "resultado resultado-" + vista.clase + (vista.provisional ? " resultado-provisional" : "");
    const partes = [];
    const titulo = nodo("p", "resultado-titulo");
    titulo.append(nodo("span", "resultado-icono", ICONOS[vista.clase]), " " + vista.titulo);
    titulo.firstChild.setAttribute("aria-hidden", "true");
    partes.push(titulo);
    if (vista.nombre) partes.push(nodo("p", "resultado-nombre", vista.nombre));
    if (vista.institucion) partes.push(nodo("p", "resultado-institucion", vista.institucion));
    if (vista.mesa) partes.push(nodo("p", "resultado-mesa", t("mesa", { mesa: vista.mesa })));
    (vista.detalles || []).forEach((detalle) => partes.push(nodo("p", "resultado-detalle", detalle)));
    if (vista.provisional) partes.push(nodo("p", "resultado-aviso-provisional", vista.aviso || t("provisional")));
    caja.replaceChildren.apply(caja, partes);
    if (flujo) verImagenYResultado();  // un resultado más alto empuja la imagen de la cámara hacia abajo
    if (navigator.vibrate) navigator.vibrate(vista.clase === "aceptado" ? 80 : [80, 60, 80]);
  }

  // Una lectura o una búsqueda nueva: el verde o el rojo anterior se borra ya, antes de que llegue la
  // respuesta (nadie debe tomar el resultado de la persona anterior por el de esta).
  function borrarResultado(titulo) {
    const caja = elementos.resultado;
    caja.className = "resultado resultado-espera";
    caja.replaceChildren(nodo("p", "resultado-titulo", titulo));
  }

  // El resultado a la vista sin mover nada si ya lo está (en un teléfono, tras bajar a la lista de la búsqueda).
  function resultadoALaVista() {
    const caja = elementos.resultado.getBoundingClientRect();
    if (caja.top < 0 || caja.bottom > window.innerHeight) elementos.resultado.scrollIntoView({ block: "nearest" });
  }

  function anotar(item, vista, estado) {
    let linea = Array.from(elementos.historial.children).find((li) => li.dataset.id === item.id_cliente);
    if (!linea) {
      linea = nodo("li");
      linea.dataset.id = item.id_cliente;
      elementos.historial.prepend(linea);
      while (elementos.historial.children.length > MAX_HISTORIAL) elementos.historial.lastChild.remove();
    }
    const quien = vista.nombre || item.nombre || (item.cuerpo.codigo || "").slice(0, 12) + "…";
    const origen = item.cuerpo.inscripcion_id ? " (" + t("aMano") + ")" : "";
    linea.className = "historial-" + vista.clase;
    linea.textContent = horaCorta(item.creado_en) + " · " + quien + origen + " · " + vista.titulo + " — " + estado;
  }

  async function pintarPendientes() {
    const n = (await colaDelEvento()).length;
    elementos.pendientes.textContent = n ? t("pendientes", { n: n }) : t("sinPendientes");
    elementos.pendientes.classList.toggle("indicador-aviso", n > 0);
    elementos.botonEnviar.hidden = n === 0 || !navigator.onLine;
  }

  function pintarConexion() {
    elementos.conexion.textContent = navigator.onLine ? t("conConexion") : t("sinConexion");
    elementos.conexion.classList.toggle("indicador-aviso", !navigator.onLine);
  }

  let sesionAvisada = false;
  function avisarSesion() {
    if (sesionAvisada) return;
    sesionAvisada = true;
    const aviso = nodo("p", "aviso aviso-error", t("sesionCaducada"));
    aviso.setAttribute("role", "alert");
    raiz.insertBefore(aviso, raiz.querySelector(".lector"));
  }

  // --- Resultado provisional sin conexión -------------------------------------------------------
  function fueraDeFecha(milisegundos) {  // la misma ventana que aplica el servidor (instantes, no fechas)
    const ventana = lista && lista.acreditacion;
    if (!ventana) return false;
    return milisegundos < Date.parse(ventana.desde) || milisegundos >= Date.parse(ventana.hasta);
  }

  async function provisional(item) {
    if (item.cuerpo.inscripcion_id) {
      return { clase: "pendiente", titulo: t("sinVerificar"), nombre: item.nombre, institucion: item.institucion,
        mesa: item.mesa, provisional: true };
    }
    if (!item.resumen || !lista) {
      return { clase: "pendiente", titulo: t("sinVerificar"), detalles: [t("sinVerificarDetalle")], provisional: true };
    }
    if (fueraDeFecha(item.creado_en)) {
      return { clase: "rechazado", titulo: t("fueraDeFecha"), detalles: [t("fueraDeFechaDetalle")], provisional: true };
    }
    const persona = lista.codigos[item.resumen];
    if (!persona) {
      return { clase: "rechazado", titulo: t("provisionalDesconocido"), detalles: [t("provisionalDesconocidoDetalle")],
        provisional: true };
    }
    const vista = { nombre: persona.nombre, institucion: persona.institucion, mesa: persona.mesa, provisional: true };
    const clave = item.resumen + "|" + item.alcance;
    const enCola = (await colaDelEvento()).some((otro) => otro.id_cliente !== item.id_cliente &&
      otro.resumen === item.resumen && otro.alcance === item.alcance);
    if ((item.alcance === 0 && persona.acreditado) || lista.leidos.includes(clave) || enCola) {
      return Object.assign(vista, { clase: "repetido", titulo: t("provisionalRepetido"), repetido: true,
        detalles: [t("provisionalRepetidoDetalle")] });
    }
    return Object.assign(vista, { clase: "aceptado", titulo: t("provisionalValido") });
  }

  // --- Envío y cola ---------------------------------------------------------------------------
  const enVuelo = new Set();

  async function intentarEnvio(item) {
    let respuesta;
    try {
      respuesta = await pedir(cfg.urlAcreditar, {
        method: "POST", body: JSON.stringify(item.cuerpo),
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": tokenCsrf },
      });
    } catch (error) {
      return { tipo: "red" };
    }
    if (respuesta.ok) {
      try { return { tipo: "ok", datos: await respuesta.json() }; } catch (error) { return { tipo: "red" }; }
    }
    if (respuesta.status === 401 || respuesta.status === 403) return { tipo: "sesion" };
    if (respuesta.status >= 400 && respuesta.status < 500 && respuesta.status !== 408 && respuesta.status !== 429) {
      let mensaje = "";
      try { mensaje = (await respuesta.json()).mensaje || ""; } catch (error) { /* sin cuerpo JSON */ }
      return { tipo: "rechazado", estado: respuesta.status, mensaje: mensaje };
    }
    return { tipo: "red" };
  }

  async function enviar(item) {
    if (!navigator.onLine) return { tipo: "red" };
    enVuelo.add(item.id_cliente);
    try {
      let resultado = await intentarEnvio(item);
      // Un 400 suele ser el token CSRF caducado de una página guardada: se renueva y se reintenta una vez.
      if (resultado.tipo === "rechazado" && resultado.estado === 400) {
        resultado = (await renovarToken()) ? await intentarEnvio(item) : { tipo: "red" };
      }
      return resultado;
    } finally {
      enVuelo.delete(item.id_cliente);
    }
  }

  // Aplica la respuesta del servidor (o su falta) a una lectura ya guardada en la cola.
  async function resolver(item, respuesta, mostrarla) {
    let vista;
    if (respuesta.tipo === "ok") {
      await quitar("cola", item.id_cliente);
      await recordarLeido(item, respuesta.datos.resultado);
      vista = vistaDelServidor(respuesta.datos);
      marcarEnBusqueda(item, respuesta.datos.resultado);
      anotar(item, vista, t("enviada"));
    } else if (respuesta.tipo === "rechazado") {
      await quitar("cola", item.id_cliente);
      vista = { clase: "rechazado", titulo: t("rechazado"), nombre: item.nombre, detalles: [respuesta.mensaje] };
      anotar(item, vista, t("enviada"));
    } else {
      if (respuesta.tipo === "sesion") avisarSesion();
      vista = await provisional(item);
      anotar(item, vista, t("enCola"));
    }
    if (mostrarla) mostrar(vista);
    await pintarPendientes();
  }

  let ultimaLectura = null;

  async function procesar(item) {
    ultimaLectura = item.id_cliente;
    if (!navigator.onLine) {
      const vista = await provisional(item);
      if (!vista.repetido) await guardar("cola", item);
      mostrar(vista);
      anotar(item, vista, vista.repetido ? t("noEnviada") : t("enCola"));
      await pintarPendientes();
      return;
    }
    await guardar("cola", item);
    await pintarPendientes();
    const envio = enviar(item);
    const aTiempo = await Promise.race([
      envio.then(() => true), new Promise((listo) => setTimeout(() => listo(false), ESPERA_PROVISIONAL_MS))]);
    if (!aTiempo) mostrar(Object.assign(await provisional(item), { aviso: t("provisionalLenta") }));
    // La respuesta del servidor sustituye a la provisional, salvo que ya se leyó a otra persona.
    await resolver(item, await envio, ultimaLectura === item.id_cliente);
  }

  function nuevaLectura(datos) {
    const id = nuevoId();
    const sesion = sesionElegida();
    return { id_cliente: id, evento: evento, alcance: sesion || 0, creado_en: Date.now(), resumen: null,
      cuerpo: Object.assign({ sesion_id: sesion, id_cliente: id, escaneado_en: new Date().toISOString() }, datos) };
  }

  async function leerCodigo(texto) {
    texto = (texto || "").trim();
    if (!texto) return;
    borrarResultado(t("comprobando"));
    const item = nuevaLectura({ codigo: texto });
    item.resumen = await resumenDe(texto);
    await procesar(item);
  }

  async function acreditarAMano(persona) {
    borrarResultado(t("comprobando"));
    resultadoALaVista();
    const item = nuevaLectura({ inscripcion_id: persona.id });
    Object.assign(item, { nombre: persona.nombre, institucion: persona.institucion, mesa: persona.mesa });
    await procesar(item);
  }

  let sincronizando = null;
  function sincronizar() {
    if (!sincronizando) {
      sincronizando = vaciarCola().finally(() => { sincronizando = null; });
    }
    return sincronizando;
  }

  async function vaciarCola() {
    if (!navigator.onLine) return;
    for (const item of await colaDelEvento()) {
      if (enVuelo.has(item.id_cliente)) continue;
      const respuesta = await enviar(item);
      if (respuesta.tipo === "red" || respuesta.tipo === "sesion") {
        if (respuesta.tipo === "sesion") avisarSesion();
        break;
      }
      await resolver(item, respuesta, false);
    }
    await pintarPendientes();
  }

  // --- Cámara ---------------------------------------------------------------------------------
  let flujo = null;
  let temporizador = null;
  const lienzo = document.createElement("canvas");
  const pincel = lienzo.getContext("2d", { willReadFrequently: true });
  const vistos = new Map();  // texto → última vez que la cámara lo vio

  function visto(texto) {
    const ahora = Date.now();
    const antes = vistos.get(texto);
    vistos.set(texto, ahora);
    vistos.forEach((momento, clave) => { if (ahora - momento > 60000) vistos.delete(clave); });
    if (antes !== undefined && ahora - antes < OLVIDO_MS) return;
    leerCodigo(texto);
  }

  function explorar() {
    if (!flujo) return;
    const video = elementos.video;
    if (video.readyState >= 2 && video.videoWidth && window.jsQR) {
      const escala = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
      const ancho = Math.round(video.videoWidth * escala);
      const alto = Math.round(video.videoHeight * escala);
      if (lienzo.width !== ancho) lienzo.width = ancho;
      if (lienzo.height !== alto) lienzo.height = alto;
      pincel.drawImage(video, 0, 0, ancho, alto);
      const qr = window.jsQR(pincel.getImageData(0, 0, ancho, alto).data, ancho, alto, { inversionAttempts: "dontInvert" });
      if (qr && qr.data) visto(qr.data);
    }
    temporizador = setTimeout(explorar, INTERVALO_CAMARA_MS);
  }

  async function activarCamara() {
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
      elementos.estadoCamara.textContent = t("camaraNoDisponible");
      return;
    }
    elementos.botonCamara.disabled = true;
    try {
      flujo = await navigator.mediaDevices.getUserMedia({ audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } } });
    } catch (error) {
      elementos.estadoCamara.textContent = t("camaraError", { error: error.name || String(error) });
      elementos.botonCamara.disabled = false;
      return;
    }
    elementos.video.srcObject = flujo;
    elementos.visor.hidden = false;
    try { await elementos.video.play(); } catch (error) { /* se reproduce al tener datos */ }
    elementos.botonCamara.textContent = t("detenerCamara");
    elementos.botonCamara.disabled = false;
    elementos.estadoCamara.textContent = t("camaraActiva");
    verImagenYResultado();
    explorar();
  }

  // En un teléfono la imagen de la cámara queda debajo del resultado: se sube la página lo justo para verla,
  // sin que el resultado salga por arriba (el resultado y la imagen, juntos a la vista).
  function verImagenYResultado() {
    const sobra = elementos.visor.getBoundingClientRect().bottom - window.innerHeight + 8;
    const margen = elementos.resultado.getBoundingClientRect().top - 8;
    const desplazar = Math.min(sobra, margen);
    if (desplazar > 0) window.scrollBy(0, desplazar);
  }

  function detenerCamara() {
    clearTimeout(temporizador);
    if (flujo) flujo.getTracks().forEach((pista) => pista.stop());
    flujo = null;
    elementos.video.srcObject = null;
    elementos.visor.hidden = true;
    elementos.botonCamara.textContent = t("activarCamara");
    elementos.estadoCamara.textContent = t("camaraDetenida");
  }

  // --- Búsqueda de respaldo --------------------------------------------------------------------
  const filasBusqueda = new Map();  // inscripcion_id → <li>

  function etiquetaAcreditada() { return nodo("span", "etiqueta etiqueta-acreditada", t("acreditada")); }

  function pintarBusqueda(personas) {
    filasBusqueda.clear();
    elementos.resultadosBusqueda.replaceChildren();
    elementos.estadoBusqueda.textContent = personas.length ? t("resultados", { n: personas.length }) : t("sinResultados");
    personas.forEach((persona) => {
      const fila = nodo("li", "persona-encontrada");
      const datos = nodo("div", "persona-datos");
      datos.append(nodo("p", "persona-nombre", persona.nombre));
      const detalle = [persona.institucion, persona.correo, persona.mesa ? t("mesa", { mesa: persona.mesa }) : ""];
      datos.append(nodo("p", "persona-detalle", detalle.filter(Boolean).join(" · ")));
      const estados = nodo("p", "persona-estados");
      const claveEstado = "estado" + persona.estado.split("_").map((p) => p[0].toUpperCase() + p.slice(1)).join("");
      estados.append(nodo("span", "etiqueta estado-" + persona.estado, textos[claveEstado] || persona.estado));
      if (persona.acreditado && sesionElegida() === null) estados.append(" ", etiquetaAcreditada());
      datos.append(estados);
      const boton = nodo("button", "boton-acreditar", t("acreditarBoton"));
      boton.type = "button";
      boton.setAttribute("aria-label", t("acreditarA", { nombre: persona.nombre }));
      boton.addEventListener("click", () => acreditarAMano(persona));
      fila.append(datos, boton);
      elementos.resultadosBusqueda.append(fila);
      filasBusqueda.set(persona.id, fila);
    });
  }

  function marcarEnBusqueda(item, resultado) {
    const fila = filasBusqueda.get(item.cuerpo.inscripcion_id);
    if (!fila || item.alcance !== 0 || (resultado !== "aceptado" && resultado !== "ya_acreditado")) return;
    const estados = fila.querySelector(".persona-estados");
    if (!estados.querySelector(".etiqueta-acreditada")) estados.append(" ", etiquetaAcreditada());
  }

  async function buscar(texto) {
    elementos.resultadosBusqueda.replaceChildren();
    if (texto.length < 2) { elementos.estadoBusqueda.textContent = t("busquedaCorta"); return; }
    if (!navigator.onLine) { elementos.estadoBusqueda.textContent = t("busquedaSinConexion"); return; }
    elementos.estadoBusqueda.textContent = t("buscando");
    try {
      const respuesta = await pedir(cfg.urlBuscar + "?q=" + encodeURIComponent(texto), { headers: { Accept: "application/json" } });
      if (respuesta.status === 401 || respuesta.status === 403) {
        avisarSesion();
        elementos.estadoBusqueda.textContent = t("sesionCaducada");
        return;
      }
      if (!respuesta.ok) throw new Error(String(respuesta.status));
      pintarBusqueda((await respuesta.json()).inscripciones);
    } catch (error) {
      elementos.estadoBusqueda.textContent = navigator.onLine ? t("busquedaError") : t("busquedaSinConexion");
    }
  }

  // --- Service worker: la página y sus archivos, guardados para recargar sin red ---------------------
  function pedirAlServiceWorker(trabajador, mensaje) {
    return new Promise((resolver) => {
      const canal = new MessageChannel();
      const reloj = setTimeout(() => resolver(false), 20000);
      canal.port1.onmessage = (e) => { clearTimeout(reloj); resolver(Boolean(e.data && e.data.ok)); };
      trabajador.postMessage(mensaje, [canal.port2]);
    });
  }

  // El service worker activo de un registro, o null si no llega a activarse en un tiempo prudente.
  function activo(registro) {
    if (!registro) return Promise.resolve(null);
    if (registro.active) return Promise.resolve(registro.active);
    const nuevo = registro.installing || registro.waiting;
    if (!nuevo) return Promise.resolve(null);
    return new Promise((resolver) => {
      const reloj = setTimeout(() => resolver(null), 20000);
      nuevo.addEventListener("statechange", () => {
        if (nuevo.state === "activated") { clearTimeout(reloj); resolver(nuevo); }
        if (nuevo.state === "redundant") { clearTimeout(reloj); resolver(registro.active); }
      });
    });
  }

  async function guardarPagina() {
    let guardada = false;
    try {
      const registro = navigator.serviceWorker &&
        await navigator.serviceWorker.register(cfg.urlServiceWorker, { scope: cfg.alcanceServiceWorker });
      const trabajador = await activo(registro);
      if (trabajador) {
        const archivos = [location.href].concat(Array.from(
          document.querySelectorAll('script[src], link[rel="stylesheet"]'), (e) => e.src || e.href));
        guardada = await pedirAlServiceWorker(trabajador, { tipo: "guardar", urls: archivos });
      }
    } catch (error) {
      // sin service worker (navegador antiguo, sin HTTPS o bloqueado): la página funciona igual
    }
    const base = await abrirBase();
    elementos.pagina.textContent = !base ? t("sinAlmacen") : guardada ? t("paginaGuardada") : t("paginaNoGuardada");
    // Que el navegador no borre la cola de lecturas pendientes si le falta espacio.
    if (base && navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  }

  // --- Arranque ---------------------------------------------------------------------------------
  const pedida = new URLSearchParams(location.search).get("sesion");
  elementos.sesion.value = pedida && Array.from(elementos.sesion.options).some((o) => o.value === pedida) ? pedida : "";
  elementos.sesion.addEventListener("change", () => {
    const url = new URL(location.href);
    if (elementos.sesion.value) url.searchParams.set("sesion", elementos.sesion.value);
    else url.searchParams.delete("sesion");
    history.replaceState(null, "", url);
    vistos.clear();
  });

  elementos.botonCamara.disabled = false;
  elementos.estadoCamara.textContent = "";
  elementos.botonCamara.addEventListener("click", () => { if (flujo) detenerCamara(); else activarCamara(); });

  elementos.formCodigo.addEventListener("submit", (e) => {
    e.preventDefault();
    const texto = elementos.codigo.value.trim();
    if (!texto) {
      mostrar({ clase: "pendiente", titulo: t("codigoVacio") });
      return;
    }
    elementos.codigo.value = "";
    leerCodigo(texto);
  });
  elementos.formBuscar.addEventListener("submit", (e) => {
    e.preventDefault();
    borrarResultado(t("listo"));
    buscar(elementos.buscar.value.trim());
  });
  elementos.botonEnviar.addEventListener("click", () => sincronizar());

  window.addEventListener("online", () => { pintarConexion(); sincronizar(); descargarLista(); });
  window.addEventListener("offline", () => { pintarConexion(); pintarPendientes(); });
  setInterval(() => { if (navigator.onLine) sincronizar(); }, REINTENTO_MS);
  setInterval(descargarLista, REFRESCO_LISTA_MS);

  pintarConexion();
  leer("listas", evento).then((guardada) => {
    if (guardada && !lista) lista = guardada;
    pintarLista();
    return descargarLista();
  }).catch(pintarLista);
  pintarPendientes().then(sincronizar);
  guardarPagina();
})();
