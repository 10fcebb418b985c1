// Al cerrar la sesión en un dispositivo compartido: borrar lo que el escáner de acreditación guardó para
// trabajar sin red (la página en caché y la lista de personas confirmadas). La cola de lecturas que aún
// no se enviaron se conserva: son asistencias que no se pueden perder.
(function () {
  "use strict";
  const formulario = document.getElementById("form-salir");
  if (!formulario) return;

  function vaciarListas() {
    return new Promise(function (resolver) {
      if (!window.indexedDB) { resolver(); return; }
      let peticion;
      try { peticion = window.indexedDB.open("acreditacion"); } catch (error) { resolver(); return; }
      peticion.onerror = function () { resolver(); };
      peticion.onupgradeneeded = function () { peticion.transaction.abort(); };  // no existía: nada que borrar
      peticion.onsuccess = function () {
        const base = peticion.result;
        if (!base.objectStoreNames.contains("listas")) { base.close(); resolver(); return; }
        const transaccion = base.transaction("listas", "readwrite");
        transaccion.objectStore("listas").clear();
        transaccion.oncomplete = transaccion.onerror = transaccion.onabort = function () { base.close(); resolver(); };
      };
    });
  }

  function vaciarCache() {
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (nombres) {
      return Promise.all(nombres.filter(function (n) { return n.indexOf("acreditacion-") === 0; })
        .map(function (n) { return caches.delete(n); }));
    }).catch(function () {});
  }

  let enviando = false;
  formulario.addEventListener("submit", function (evento) {
    if (enviando) return;
    evento.preventDefault();
    enviando = true;
    const limite = new Promise(function (resolver) { setTimeout(resolver, 1500); });  // nunca impide salir
    Promise.race([Promise.all([vaciarListas(), vaciarCache()]), limite]).then(function () { formulario.submit(); });
  });
})();
