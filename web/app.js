// The tidewire dashboard: wires the client library to the panels.
//
//   IndexedDB cache ──(stale, with age)──▶ panels
//          │ seq/epoch/doc                   ▲ whole documents / new rows
//          ▼                                 │
//   TidewireClient (resume) ── '<channel>_update' events ──┘
//          │ state events ──▶ connection indicator, panel freshness
//
// Handlers use the original design's names (wsManager.on('dashboard_update')).

import { TidewireClient } from './client/tidewire.js';
import { ChannelCache } from './modules/cache.js';
import { loadToggles, renderToggles } from './modules/settings.js';
import { ConnectionIndicator } from './modules/indicator.js';
import { ClusterBadge } from './modules/cluster_badge.js';
import { Freshness } from './modules/freshness.js';
import { MetricsPanel } from './modules/metrics.js';
import { Blotter } from './modules/blotter.js';
import { PositionsTable } from './modules/positions.js';
import { PerformancePanel } from './modules/performance.js';
import { AlertsList } from './modules/alerts.js';

const CHANNELS = ['dashboard', 'performance', 'positions', 'trades', 'alerts'];
const LABELS = { dashboard: 'Portfolio', performance: 'Performance', positions: 'Positions', trades: 'Trades', alerts: 'Alerts' };
// State channels expected to tick: a live panel silent this long turns stale.
const QUIET_AFTER_MS = { dashboard: 30000, performance: 60000 };
const APPLIED_SEQS_CAP = 20000; // per channel, in window.tidewireDebug

const $ = (sel) => document.querySelector(sel);

function nodeUrls() {
  const param = new URLSearchParams(location.search).get('nodes');
  if (param) {
    return param.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (s.includes('://') ? s : `ws://${s}/ws`));
  }
  return [`${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`];
}

// ---- panels -----------------------------------------------------------------

const metrics = new MetricsPanel($('#panel-dashboard'));
const performance = new PerformancePanel($('#panel-performance'));
const positions = new PositionsTable($('#positions-body'), $('#positions-empty'));
const blotter = new Blotter($('#trades-body'), { limit: 200 });
const alerts = new AlertsList($('#alerts-list'), $('#alerts-empty'), { limit: 100 });

const stateViews = { dashboard: metrics, performance, positions };
const streamViews = { trades: blotter, alerts };

// State documents can change many times a second: render the latest once per frame.
const pendingDocs = new Map();
let docFrame = null;
function renderDoc(channel, doc) {
  pendingDocs.set(channel, doc);
  docFrame ??= requestAnimationFrame(() => {
    docFrame = null;
    for (const [ch, d] of pendingDocs) stateViews[ch].render(d);
    pendingDocs.clear();
  });
}

const freshness = new Freshness();
for (const ch of CHANNELS) freshness.add(ch, $(`#panel-${ch}`), { quietAfterMs: QUIET_AFTER_MS[ch] });

// ---- test and debugging hooks -----------------------------------------------

const debug = {
  appliedSeqs: Object.fromEntries(CHANNELS.map((c) => [c, []])),
  states: [],
  resets: [],
  gaps: [],
  cache: { loaded: {}, error: null, saved: {} },
  client: null,
  get state() {
    return debug.client?.state ?? 'connecting';
  },
  get stats() {
    return debug.client?.stats ?? null;
  },
  panel: (channel) => freshness.status(channel),
  position: (channel) => debug.client?.channel(channel) ?? null,
  flushCache: () => cache.flush(),
};
window.tidewireDebug = debug;

function recordSeq(channel, seq) {
  const list = (debug.appliedSeqs[channel] ??= []);
  list.push(seq);
  if (list.length > APPLIED_SEQS_CAP) list.splice(0, list.length - APPLIED_SEQS_CAP / 2);
}

function bounded(list, item, cap = 200) {
  list.push(item);
  if (list.length > cap) list.shift();
}

// ---- offline cache ----------------------------------------------------------

const lastUpdateAt = {};
const cache = new ChannelCache((channel) => {
  const pos = debug.client?.channel(channel);
  if (!pos || pos.seq == null) return null;
  const entry = { kind: pos.kind, epoch: pos.epoch, seq: pos.seq, updatedAt: lastUpdateAt[channel] ?? Date.now() };
  if (stateViews[channel]) entry.doc = pos.doc;
  else entry.rows = streamViews[channel].snapshot();
  return entry;
});
cache.flushOnHide();
debug.cache.saved = cache.saved;

function showCached(entries) {
  const positionsFromCache = {};
  for (const ch of CHANNELS) {
    const e = entries[ch];
    if (!e || !Number.isSafeInteger(e.seq)) continue;
    if (stateViews[ch]) {
      if (e.doc === undefined) continue;
      stateViews[ch].render(e.doc);
    } else {
      streamViews[ch].replace(Array.isArray(e.rows) ? e.rows : []);
    }
    lastUpdateAt[ch] = e.updatedAt ?? e.savedAt;
    freshness.touch(ch, lastUpdateAt[ch], false);
    positionsFromCache[ch] = { kind: e.kind ?? (stateViews[ch] ? 'state' : 'stream'), epoch: e.epoch ?? null, seq: e.seq, doc: e.doc };
    debug.cache.loaded[ch] = { seq: e.seq, epoch: e.epoch ?? null, updatedAt: lastUpdateAt[ch] };
  }
  return positionsFromCache;
}

// ---- start ------------------------------------------------------------------

// A node run with --auth=jwt needs a token. The page takes it from its
// fragment (`#token=…`: a fragment never reaches a server or its logs), keeps
// it in localStorage and reads it again at every (re)connection and refresh,
// so whoever issues tokens can replace the stored one.
const TOKEN_KEY = 'tidewire.token';
function pageToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    try { localStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1])); } catch { /* private mode */ }
    history.replaceState(null, '', location.pathname + location.search);
    return decodeURIComponent(m[1]);
  }
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

async function start() {
  const toggles = loadToggles(CHANNELS);
  const cachedPositions = showCached(await cache.load());
  debug.cache.error = cache.lastError;
  for (const ch of CHANNELS) if (!toggles[ch]) freshness.setPaused(ch, true);

  const resume = {};
  for (const ch of CHANNELS) if (toggles[ch] && cachedPositions[ch]) resume[ch] = cachedPositions[ch];
  const initialToken = pageToken();
  const getToken = initialToken ? async () => pageToken() ?? initialToken : undefined;
  const wsManager = new TidewireClient({
    urls: nodeUrls(),
    channels: CHANNELS.filter((ch) => toggles[ch]),
    resume,
    autoConnect: false,
    getToken,
  });
  debug.client = wsManager;

  const indicator = new ConnectionIndicator($('#connection'), { onRetry: () => wsManager.reconnectNow() });
  const badge = new ClusterBadge($('#cluster'), { getToken });
  debug.cluster = badge;
  wsManager.on('state', (info) => {
    indicator.update(info);
    if (info.state === 'connected') badge.connected(wsManager.url);
    else badge.disconnected();
    bounded(debug.states, { state: info.state, at: Date.now() });
    if (info.state !== 'connected') freshness.setAllLive(false);
  });

  wsManager.on('subscribed', ({ channel }) => freshness.setLive(channel, true));
  wsManager.on('reset', (r) => {
    bounded(debug.resets, { ...r, at: Date.now() });
    // A different history: the cached rows no longer belong to this channel.
    streamViews[r.channel]?.clear();
  });
  wsManager.on('gap', (g) => bounded(debug.gaps, { ...g, at: Date.now() }));
  wsManager.on('server_error', (e) => console.warn('tidewire:', e.code, e.message, e.request ?? ''));

  wsManager.on('update', (_value, meta) => {
    recordSeq(meta.channel, meta.seq);
    lastUpdateAt[meta.channel] = Date.now();
    freshness.touch(meta.channel, lastUpdateAt[meta.channel]);
    cache.markDirty(meta.channel);
  });
  wsManager.on('dashboard_update', (data) => renderDoc('dashboard', data));
  wsManager.on('positions_update', (doc) => renderDoc('positions', doc));
  wsManager.on('performance_update', (doc) => renderDoc('performance', doc));
  wsManager.on('trades_update', (trade, meta) => blotter.add(meta.seq, trade));
  wsManager.on('alerts_update', (alert, meta) => alerts.add(meta.seq, alert));

  renderToggles($('#toggles'), toggles, LABELS, (channel, on) => {
    if (on) {
      wsManager.subscribe(channel, wsManager.channel(channel) ? undefined : cachedPositions[channel]);
      freshness.setPaused(channel, false);
    } else {
      wsManager.unsubscribe(channel);
      freshness.setPaused(channel, true);
    }
  });

  wsManager.connect();
}

// The page's own files, kept for offline reloads (see sw.js).
debug.offlineReady = false;
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').catch((err) => console.warn('tidewire: no offline support:', err.message));
  navigator.serviceWorker.ready.then(() => { debug.offlineReady = true; });
}

start();
