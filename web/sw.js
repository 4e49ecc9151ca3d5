// Service worker: keeps the dashboard's own files available offline, so a
// reload while the node is down (or a laptop opened hours later without a
// network) still shows the page and its cached data (IndexedDB, see
// modules/cache.js).
//
// Network first: a reachable node always serves the current files, and every
// successful answer refreshes the copy. Live data (/ws) and the HTTP API are
// never cached here.

const CACHE = 'tidewire-shell-v2';
const SHELL = [
  './',
  'index.html',
  'style.css',
  'app.js',
  'client/tidewire.js',
  'client/connection.js',
  'client/heartbeat.js',
  'client/subscriptions.js',
  'client/requests.js',
  'client/options.js',
  'client/channel.js',
  'client/merge-patch.js',
  'client/backoff.js',
  'client/emitter.js',
  'client/msgpack.js',
  'modules/alerts.js',
  'modules/blotter.js',
  'modules/cache.js',
  'modules/cluster_badge.js',
  'modules/flash.js',
  'modules/format.js',
  'modules/freshness.js',
  'modules/indicator.js',
  'modules/metrics.js',
  'modules/performance.js',
  'modules/positions.js',
  'modules/settings.js',
  'vendor/uPlot.esm.js',
  'vendor/uPlot.min.css',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one: a missing file (vendor/ not built) must not fail the rest.
    await Promise.all(SHELL.map((path) => cache.add(new Request(path, { cache: 'no-cache' })).catch(() => undefined)));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

function cacheable(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  return !/^\/(ws|api\/|healthz|readyz|metrics)/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (!cacheable(request)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (err) {
      const cached = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
      if (cached) return cached;
      if (request.mode === 'navigate') {
        const shell = await cache.match('index.html');
        if (shell) return shell;
      }
      throw err;
    }
  })());
});
