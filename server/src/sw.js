// kefu workbench service worker (it makes the workbench installable): keeps a copy of the app shell
// (the workbench's JS, WASM and CSS, the manifest and icons) for when the network fails; never caches
// pages (they carry the session and a fresh nonce) or anything under /api/ (chats, files, server
// functions), which always go to the server.
const SHELL = 'kefu-shell-v1';
const ASSETS = /^\/(pkg\/|icons\/|manifest\.webmanifest$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(['/pkg/kefu.js', '/pkg/kefu.wasm', '/pkg/kefu.css'])));
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))));
  self.clients.claim();
});

// Shell assets: from the network, kept for when it is not there (offline, the server restarting).
// Never from the cache first: the pages are rendered by the server of now, and a workbench module
// from before an upgrade would not fit them. Everything else is left to the browser.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !ASSETS.test(url.pathname)) return;
  event.respondWith(caches.open(SHELL).then((cache) => fetch(event.request).then((response) => {
    if (response.ok) cache.put(event.request, response.clone());
    return response;
  }, () => cache.match(event.request).then((hit) => hit || Response.error()))));
});
