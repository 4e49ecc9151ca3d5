// The offline cache: per channel, the last known document (state channels) or
// rows (stream channels) with the seq and epoch they correspond to, in
// IndexedDB. A reload, or a laptop opened hours later, shows them at once
// (marked stale) and resumes the subscription from that seq.
//
// Writes are coalesced: a channel is marked dirty on every update and all
// dirty channels are written in one transaction at most once per interval,
// plus when the page is hidden or unloaded.

const DB_NAME = 'tidewire';
const DB_VERSION = 1;
const STORE = 'channels';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  if (!globalThis.indexedDB) return Promise.reject(new Error('IndexedDB is not available'));
  const req = indexedDB.open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'channel' });
  };
  return request(req);
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('IndexedDB timed out')), ms))]);
}

export class ChannelCache {
  /**
   * @param {(channel: string) => object|null} snapshot returns the entry to
   *   store for a dirty channel: {kind, epoch, seq, doc?, rows?, updatedAt}
   */
  constructor(snapshot, { intervalMs = 1000 } = {}) {
    this.snapshot = snapshot;
    this.intervalMs = intervalMs;
    this.dirty = new Set();
    this.timer = null;
    this.db = null;
    this.available = false;
    this.writes = 0;
    this.saved = {}; // channel → seq of the last entry written
    this.lastError = null;
  }

  /** Opens the database and returns every stored entry by channel ({} if unavailable). */
  async load() {
    try {
      this.db = await withTimeout(openDb(), 3000);
      this.available = true;
      const tx = this.db.transaction(STORE, 'readonly');
      const all = await withTimeout(request(tx.objectStore(STORE).getAll()), 3000);
      const out = {};
      for (const entry of all) out[entry.channel] = entry;
      return out;
    } catch (err) {
      this.lastError = String(err?.message ?? err);
      return {};
    }
  }

  markDirty(channel) {
    if (!this.available) return;
    this.dirty.add(channel);
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Writes every dirty channel now. */
  flush() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.db || this.dirty.size === 0) return Promise.resolve();
    const channels = [...this.dirty];
    this.dirty.clear();
    const written = [];
    return new Promise((resolve) => {
      let tx;
      try {
        tx = this.db.transaction(STORE, 'readwrite');
        const store = tx.objectStore(STORE);
        const savedAt = Date.now();
        for (const channel of channels) {
          const entry = this.snapshot(channel);
          if (entry) {
            store.put({ ...entry, channel, savedAt });
            written.push([channel, entry.seq]);
          }
        }
      } catch (err) {
        this.lastError = String(err?.message ?? err);
        resolve();
        return;
      }
      tx.oncomplete = () => {
        this.writes += 1;
        for (const [channel, seq] of written) this.saved[channel] = seq;
        resolve();
      };
      tx.onerror = tx.onabort = () => {
        this.lastError = String(tx.error?.message ?? 'transaction failed');
        resolve();
      };
    });
  }

  /** Flushes when the page is hidden or goes away. */
  flushOnHide() {
    addEventListener('pagehide', () => this.flush());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.flush();
    });
  }
}
