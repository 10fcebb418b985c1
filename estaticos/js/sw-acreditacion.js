// Service worker del escáner de acreditación (servido como /acreditacion/sw.js: su alcance es /acreditacion/).
// Guarda la página del escáner y sus archivos para poder recargarla sin conexión. Siempre pide primero a
// la red (así llegan los cambios y un token CSRF nuevo) y solo si falla responde con lo guardado. La API
// no pasa por aquí: la cola de lecturas vive en IndexedDB y la gestiona la página.
"use strict";

const CACHE = "acreditacion-v1";
const BASE = new URL("./", self.location).pathname;          // "/acreditacion/"
const PAGINA_ESCANER = new RegExp("^" + BASE + "[^/]+/$");    // "/acreditacion/<slug>/"
const ESTATICOS = "/estaticos/";
const ESPERA_RED_MS = 6000;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (evento) => {
  evento.waitUntil((async () => {
    const viejas = (await caches.keys()).filter((nombre) => nombre.startsWith("acreditacion-") && nombre !== CACHE);
    await Promise.all(viejas.map((nombre) => caches.delete(nombre)));
    await self.clients.claim();
  })());
});

function mismoOrigen(url) {
  try { return new URL(url).origin === self.location.origin; } catch (error) { return false; }
}

// La página pide guardar su dirección y sus archivos; responde si todo quedó guardado. Lo ya guardado
// no se vuelve a pedir: si la página está bajo este service worker, acaba de renovarlo al cargarla.
async function guardar(urls) {
  const cache = await caches.open(CACHE);
  const guardadas = await Promise.all(urls.filter(mismoOrigen).map(async (url) => {
    if (await cache.match(url, { ignoreVary: true })) return true;
    try {
      const respuesta = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      if (respuesta.ok && !respuesta.redirected) {
        await cache.put(url, respuesta);
        return true;
      }
    } catch (error) {
      // sin red: vale la copia anterior, si la hay
    }
    return Boolean(await cache.match(url, { ignoreVary: true }));
  }));
  return guardadas.length > 0 && guardadas.every(Boolean);
}

self.addEventListener("message", (evento) => {
  const datos = evento.data || {};
  if (datos.tipo !== "guardar" || !Array.isArray(datos.urls) || !evento.ports[0]) return;
  evento.waitUntil(guardar(datos.urls).then((ok) => evento.ports[0].postMessage({ ok: ok })));
});

function conLimite(promesa, milisegundos) {
  return new Promise((resolver, rechazar) => {
    const reloj = setTimeout(() => rechazar(new Error("tiempo agotado")), milisegundos);
    promesa.then((valor) => { clearTimeout(reloj); resolver(valor); },
                 (error) => { clearTimeout(reloj); rechazar(error); });
  });
}

async function redPrimero(peticion, esPagina) {
  // Un archivo solo usa la caché si ya existe: una petición en vuelo al pulsar «Salir» no la vuelve a crear.
  const cache = (esPagina || await caches.has(CACHE)) ? await caches.open(CACHE) : null;
  try {
    const respuesta = await conLimite(fetch(peticion), ESPERA_RED_MS);
    if (!cache) return respuesta;
    // Solo respuestas completas y propias (nunca una redirección a la página de entrada).
    if (respuesta.ok && respuesta.type === "basic" && !respuesta.redirected && (esPagina || await cache.match(peticion.url))) {
      await cache.put(peticion.url, respuesta.clone());
    } else if (esPagina && (respuesta.type === "opaqueredirect" || respuesta.status === 403 || respuesta.status === 404)) {
      // Sin sesión o sin permiso: la copia guardada (con nombres y token) deja de servirse sin conexión.
      await Promise.all((await cache.keys(peticion.url, { ignoreSearch: true })).map((clave) => cache.delete(clave)));
    }
    return respuesta;
  } catch (error) {
    const guardada = cache && (await cache.match(peticion.url, { ignoreVary: true }) ||
      (esPagina && await cache.match(peticion.url, { ignoreVary: true, ignoreSearch: true })));
    if (guardada) return guardada;
    throw error;
  }
}

self.addEventListener("fetch", (evento) => {
  const peticion = evento.request;
  if (peticion.method !== "GET" || !mismoOrigen(peticion.url)) return;
  const ruta = new URL(peticion.url).pathname;
  if (peticion.mode === "navigate" && PAGINA_ESCANER.test(ruta)) {
    evento.respondWith(redPrimero(peticion, true));
  } else if (ruta.startsWith(ESTATICOS)) {
    evento.respondWith(redPrimero(peticion, false));
  }
});
