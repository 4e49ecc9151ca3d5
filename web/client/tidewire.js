// tidewire client: one resilient WebSocket session to a tidewire node
// (protocol v1, JSON subprotocol), for browsers and Node 18+.
//
//   TidewireClient ── socket ──▶ node /ws
//     │ welcome   → heartbeat timing, reconnect limits, (re)subscribe all
//     │ subscribed/update/snapshot → ChannelTracker (seq, epoch, document)
//     │   apply → emit '<channel>' and '<channel>_update'
//     │   gap   → unsubscribe + subscribe since last seq
//     │ published/error (by id) → publish() promises
//     └ close / heartbeat timeout → backoff → next URL → resume
//
// No dependencies; timers, clock, randomness and the WebSocket constructor
// can be injected (tests, Node without a global WebSocket).

import { Emitter } from './emitter.js';
import { ChannelTracker } from './channel.js';
import { backoffDelay, DEFAULT_RECONNECT } from './backoff.js';

export { applyMergePatch, isPlainObject } from './merge-patch.js';
export { backoffDelay, backoffCeiling, DEFAULT_RECONNECT } from './backoff.js';
export { ChannelTracker } from './channel.js';
export { Emitter } from './emitter.js';

export const STATES = Object.freeze(['connecting', 'connected', 'reconnecting', 'offline', 'error', 'closed']);

// Event names of the client itself; a channel with one of these names is
// still delivered as '<channel>_update' (never on the bare name).
export const RESERVED_EVENTS = Object.freeze([
  ...STATES, 'state', 'welcome', 'subscribed', 'unsubscribed', 'reset', 'gap',
  'snapshot', 'update', 'message', 'disconnected', 'heartbeat_timeout', 'server_error',
]);
const RESERVED = new Set(RESERVED_EVENTS);

const DEFAULT_HEARTBEAT_MS = 15000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10000;
const DEFAULT_PUBLISH_TIMEOUT_MS = 10000;
const DEFAULT_OFFLINE_AFTER = 5;
const DEFAULT_GIVE_UP_RESUME_AFTER = 3;
// Our own close code for a connection we gave up on (heartbeat, connect timeout).
const CLOSE_ABANDONED = 4000;
// Close codes that mean something is wrong beyond the network: the state
// becomes 'error' (the client still retries with backoff).
const ERROR_CLOSE_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010, 1011, 1015]);

const defaultTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (t) => globalThis.clearTimeout(t),
};

function positive(n) {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

export class TidewireError extends Error {
  constructor(code, message, details = {}) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'TidewireError';
    this.code = code;
    Object.assign(this, details);
  }
}

export class TidewireClient extends Emitter {
  /** @param {import('./tidewire.js').TidewireOptions} options */
  constructor(options = {}) {
    super();
    const urls = options.urls ?? (options.url ? [options.url] : []);
    if (!Array.isArray(urls) || urls.length === 0) throw new TypeError('TidewireClient needs `urls` (or `url`)');
    this.urls = urls.map(String);
    this.options = { ...options };
    this._WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof this._WebSocket !== 'function') {
      throw new TypeError('no global WebSocket: pass the `WebSocket` option (e.g. from the `ws` package)');
    }
    this._timers = { ...defaultTimers, ...(options.timers ?? {}) };
    this._now = options.now ?? (() => Date.now());
    this._random = options.random ?? Math.random;

    this.state = 'closed';
    this.stateInfo = { state: 'closed' };
    this.welcome = null;
    this.url = null;
    this.stats = { connects: 0, reconnects: 0, gaps: 0, duplicates: 0, resets: 0, heartbeatTimeouts: 0 };

    this._channels = new Map(); // name → ChannelTracker (every wanted channel)
    this._requests = new Map(); // id → { type, channel, resolve?, reject?, timer? }
    this._outbox = []; // publishes waiting for a connection
    this._parked = new Map(); // unsubscribed channel → its last position
    this._nextId = 1;
    this._urlIndex = 0;
    this._attempt = 0; // failed attempts since the last welcome
    this._everConnected = false;
    this._userClosed = true;
    this._socket = null;
    this._timer = null; // retry or connect timeout
    this._hbTimer = null;
    this._retryAt = null;
    this._appliedOnConnection = 0;
    // Consecutive connections closed with 1013 before a single update was
    // applied: the node cannot even start the catch-up we ask for.
    this._stuckCloses = 0;

    for (const [name, pos] of Object.entries(options.resume ?? {})) {
      this._channels.set(name, new ChannelTracker(name, pos ?? {}));
    }
    for (const name of options.channels ?? []) {
      if (!this._channels.has(name)) this._channels.set(name, new ChannelTracker(name));
    }

    this._onOnline = () => this._retryNow();
    this._onOffline = () => {
      if (this._retryAt !== null) this._setState('offline', this._waitInfo());
    };
    if (options.autoConnect !== false) this.connect();
  }

  // ---- timing, from welcome unless overridden -------------------------------

  get heartbeatMs() {
    return positive(this.options.heartbeatMs) ?? positive(this.welcome?.heartbeat_ms) ?? DEFAULT_HEARTBEAT_MS;
  }

  get deadAfterMs() {
    return positive(this.options.deadAfterMs) ?? 2 * this.heartbeatMs;
  }

  get reconnectLimits() {
    const o = this.options.reconnect ?? {};
    const w = this.welcome?.reconnect ?? {};
    const baseMs = positive(o.baseMs) ?? positive(w.base_ms) ?? DEFAULT_RECONNECT.baseMs;
    const maxMs = positive(o.maxMs) ?? positive(w.max_ms) ?? DEFAULT_RECONNECT.maxMs;
    return { baseMs, maxMs: Math.max(baseMs, maxMs) };
  }

  // ---- public API ------------------------------------------------------------

  /** Starts (or restarts after close()) connecting. */
  connect() {
    if (!this._userClosed) return this;
    this._userClosed = false;
    this._attempt = 0;
    this._everConnected = false;
    globalThis.addEventListener?.('online', this._onOnline);
    globalThis.addEventListener?.('offline', this._onOffline);
    this._open();
    return this;
  }

  /** Closes the connection and stops reconnecting; pending publishes reject. */
  close() {
    if (this._userClosed) return;
    this._userClosed = true;
    globalThis.removeEventListener?.('online', this._onOnline);
    globalThis.removeEventListener?.('offline', this._onOffline);
    this._clearTimer();
    this._stopHeartbeat();
    const ws = this._socket;
    this._socket = null;
    if (ws) {
      this._detachSocket(ws);
      try { ws.close(1000, 'client closed'); } catch { /* already closing */ }
    }
    for (const t of this._channels.values()) t.detach();
    this._failRequests('closed', 'the client was closed', true);
    this._setState('closed', {});
  }

  /**
   * Subscribes to `channel` (now, or as soon as connected), resuming from
   * `resume` ({seq, epoch, kind, doc}) or from where this client left off.
   */
  subscribe(channel, resume) {
    const name = String(channel);
    let t = this._channels.get(name);
    if (!t || (resume && t.status !== 'pending' && t.status !== 'live')) {
      t = new ChannelTracker(name, resume ?? t?.position() ?? this._parked.get(name) ?? {});
      this._channels.set(name, t);
      this._parked.delete(name);
    }
    if (this._isOpen() && t.status !== 'pending' && t.status !== 'live') this._sendSubscribe(t);
    return this;
  }

  /** Stops updates of `channel`. Its position is kept for a later subscribe(). */
  unsubscribe(channel) {
    const t = this._channels.get(channel);
    if (!t) return this;
    this._channels.delete(channel);
    this._parked.set(channel, t.position());
    if (this._isOpen() && (t.status === 'pending' || t.status === 'live')) this._sendUnsubscribe(channel);
    return this;
  }

  /** Skips the remaining backoff wait and tries the next node now. */
  reconnectNow() {
    this._retryNow();
    return this;
  }

  /** The channels currently wanted. */
  subscriptions() {
    return [...this._channels.keys()];
  }

  /** Where `channel` stands: {kind, epoch, seq, doc, status}, or null. */
  channel(name) {
    const t = this._channels.get(name);
    if (t) return { ...t.position(), status: t.status };
    const p = this._parked.get(name);
    return p ? { ...p, status: 'unsubscribed' } : null;
  }

  /**
   * Publishes `data` on `channel`. Resolves with the `published` ack
   * ({channel, seq, epoch}); rejects with a TidewireError whose `code` is the
   * server's error code, or 'timeout', 'disconnected' (sent, fate unknown),
   * 'closed'.
   */
  publish(channel, data, { timeoutMs } = {}) {
    return new Promise((resolve, reject) => {
      const id = this._id();
      const req = { type: 'publish', channel, resolve, reject, msg: { type: 'publish', id, channel, data }, sent: false };
      const ms = positive(timeoutMs) ?? positive(this.options.publishTimeoutMs) ?? DEFAULT_PUBLISH_TIMEOUT_MS;
      req.timer = this._timers.setTimeout(() => {
        this._requests.delete(id);
        const i = this._outbox.indexOf(req);
        if (i >= 0) this._outbox.splice(i, 1);
        reject(new TidewireError('timeout', `no ack for publish on '${channel}' within ${ms} ms`, { channel }));
      }, ms);
      this._requests.set(id, req);
      if (this._isOpen()) this._sendRequest(req);
      else if (this._userClosed) this._settle(id, new TidewireError('closed', 'the client is closed', { channel }));
      else this._outbox.push(req);
    });
  }

  // ---- connection lifecycle --------------------------------------------------

  _isOpen() {
    return this._socket !== null && this.state === 'connected';
  }

  _open() {
    this._clearTimer();
    this._retryAt = null;
    const url = this.urls[this._urlIndex % this.urls.length];
    this.url = url;
    let state = this.state;
    if (state !== 'reconnecting' && state !== 'offline' && state !== 'error') {
      state = this._everConnected ? 'reconnecting' : 'connecting';
    }
    this._setState(state, { url, attempt: this._attempt, retryAt: null });
    let ws;
    try {
      ws = this.options.protocols
        ? new this._WebSocket(url, this.options.protocols)
        : new this._WebSocket(url);
    } catch (err) {
      this._lost({ code: null, reason: String(err?.message ?? err), url });
      return;
    }
    this._socket = ws;
    this._gotWelcome = false;
    if ('binaryType' in ws) ws.binaryType = 'arraybuffer';
    ws.onopen = null;
    ws.onmessage = (ev) => {
      if (this._socket !== ws) return;
      this._lastReceived = this._now();
      this._firstUnanswered = null;
      this._onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this._socket !== ws) return;
      this._lost({ code: ev?.code ?? null, reason: ev?.reason ?? '', url });
    };
    ws.onerror = () => { /* a close event always follows */ };
    const connectMs = positive(this.options.connectTimeoutMs) ?? Math.max(DEFAULT_CONNECT_TIMEOUT_MS, this.deadAfterMs);
    this._timer = this._timers.setTimeout(() => {
      this._timer = null;
      if (this._socket === ws && !this._gotWelcome) this._abandon('connect_timeout');
    }, connectMs);
  }

  _detachSocket(ws) {
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
  }

  // Gives up on a connection that may never report its own death (a stalled
  // TCP path sends no close frame): drop it and reconnect at once.
  _abandon(reason) {
    const ws = this._socket;
    if (!ws) return;
    this._detachSocket(ws);
    try {
      if (typeof ws.terminate === 'function') ws.terminate();
      else ws.close(CLOSE_ABANDONED, reason);
    } catch { /* nothing more to do */ }
    this._lost({ code: CLOSE_ABANDONED, reason, url: this.url });
  }

  _lost(info) {
    const ws = this._socket;
    this._socket = null;
    if (ws) this._detachSocket(ws);
    this._clearTimer();
    this._stopHeartbeat();
    for (const t of this._channels.values()) t.detach();
    this._failRequests('disconnected', 'the connection closed before the ack', false);
    this.emit('disconnected', info);
    if (this._userClosed) return;

    if (info.code === 1013 && this._gotWelcome && this._appliedOnConnection === 0) this._stuckCloses += 1;
    else if (this._appliedOnConnection > 0) this._stuckCloses = 0;
    this._gotWelcome = false;
    const delayMs = backoffDelay(this._attempt, this.reconnectLimits, this._random);
    this._attempt += 1;
    this._urlIndex += 1;
    this._retryAt = this._now() + delayMs;
    this._timer = this._timers.setTimeout(() => {
      this._timer = null;
      this.stats.reconnects += 1;
      this._open();
    }, delayMs);

    let state = 'reconnecting';
    if (info.code !== null && ERROR_CLOSE_CODES.has(info.code)) state = 'error';
    else if (globalThis.navigator?.onLine === false || this._attempt >= (this.options.offlineAfterAttempts ?? DEFAULT_OFFLINE_AFTER)) state = 'offline';
    this._setState(state, { ...this._waitInfo(), delayMs, close: info });
  }

  _waitInfo() {
    return { url: this.url, attempt: this._attempt, retryAt: this._retryAt };
  }

  // Retries now instead of waiting out the backoff (the browser came online).
  _retryNow() {
    if (this._userClosed || this._retryAt === null) return;
    this.stats.reconnects += 1;
    this._open();
  }

  _clearTimer() {
    if (this._timer !== null) this._timers.clearTimeout(this._timer);
    this._timer = null;
  }

  _setState(state, info) {
    const prev = this.state;
    this.state = state;
    this.stateInfo = { state, previous: prev, ...info };
    this.emit('state', this.stateInfo);
    this.emit(state, this.stateInfo);
  }

  // ---- heartbeat -------------------------------------------------------------
  // A ping every heartbeatMs. The connection is dead when nothing at all has
  // arrived for deadAfterMs and a ping has gone unanswered for half of that.
  // Requiring an unanswered ping keeps a throttled background tab (timers
  // firing late) from killing a healthy connection.

  _startHeartbeat() {
    this._stopHeartbeat();
    const now = this._now();
    this._lastReceived = now;
    this._lastPing = now;
    this._firstUnanswered = null;
    const checkMs = Math.max(10, Math.min(this.heartbeatMs, this.deadAfterMs) / 4);
    const tick = () => {
      this._hbTimer = null;
      if (!this._socket || !this._gotWelcome) return;
      const t = this._now();
      const dead = this.deadAfterMs;
      if (this._firstUnanswered !== null && t - this._lastReceived > dead && t - this._firstUnanswered >= dead / 2) {
        this.stats.heartbeatTimeouts += 1;
        this.emit('heartbeat_timeout', { url: this.url, silentMs: t - this._lastReceived });
        this._abandon('heartbeat_timeout');
        return;
      }
      if (t - this._lastPing >= this.heartbeatMs) {
        this._lastPing = t;
        if (this._firstUnanswered === null) this._firstUnanswered = t;
        this._send({ type: 'ping' });
      }
      this._hbTimer = this._timers.setTimeout(tick, checkMs);
    };
    this._hbTimer = this._timers.setTimeout(tick, checkMs);
  }

  _stopHeartbeat() {
    if (this._hbTimer !== null && this._hbTimer !== undefined) this._timers.clearTimeout(this._hbTimer);
    this._hbTimer = null;
  }

  // ---- sending ---------------------------------------------------------------

  _id() {
    return this._nextId++;
  }

  _send(msg) {
    const ws = this._socket;
    if (!ws) return false;
    try {
      ws.send(JSON.stringify(msg));
      return true;
    } catch {
      return false;
    }
  }

  _sendSubscribe(t) {
    // A resume the node keeps failing to deliver (closed as a slow consumer
    // before any update, again and again) would loop forever: start afresh
    // instead, reported as a `reset` (reason 'too_far_behind').
    const limit = this.options.giveUpResumeAfter ?? DEFAULT_GIVE_UP_RESUME_AFTER;
    const msg = t.subscribeRequest({ giveUpResume: limit > 0 && this._stuckCloses >= limit });
    msg.id = this._id();
    this._requests.set(msg.id, { type: 'subscribe', channel: t.name });
    this._send(msg);
  }

  _sendUnsubscribe(channel) {
    const id = this._id();
    this._requests.set(id, { type: 'unsubscribe', channel });
    this._send({ type: 'unsubscribe', channel, id });
  }

  _sendRequest(req) {
    req.sent = this._send(req.msg);
    if (!req.sent) this._outbox.push(req);
  }

  _settle(id, error, value) {
    const req = this._requests.get(id);
    if (!req) return null;
    this._requests.delete(id);
    if (req.timer !== undefined) this._timers.clearTimeout(req.timer);
    if (error) req.reject?.(error);
    else req.resolve?.(value);
    return req;
  }

  // Sent publishes have an unknown fate once the connection is gone: reject
  // them. Unsent ones wait in the outbox unless the client is closed.
  _failRequests(code, message, includeUnsent) {
    for (const [id, req] of [...this._requests]) {
      if (req.type !== 'publish') {
        this._requests.delete(id);
        continue;
      }
      if (req.sent || includeUnsent) {
        this._settle(id, new TidewireError(code, message, { channel: req.channel }));
      }
    }
    if (includeUnsent) this._outbox = [];
  }

  // ---- receiving -------------------------------------------------------------

  _onFrame(raw) {
    if (typeof raw !== 'string') {
      this.emit('server_error', { code: 'bad_request', message: 'binary frame on the JSON subprotocol' });
      return;
    }
    let parsed;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.emit('server_error', { code: 'bad_request', message: 'unparsable frame from the server' });
      return;
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const msg of list) {
      if (this._socket === null) return; // a handler closed the client
      if (msg && typeof msg === 'object') this._onMessage(msg);
    }
  }

  _onMessage(msg) {
    this.emit('message', msg);
    switch (msg.type) {
      case 'welcome': return this._onWelcome(msg);
      case 'subscribed': return this._onSubscribed(msg);
      case 'update': return this._onUpdate(msg);
      case 'snapshot': return this._onSnapshot(msg);
      case 'unsubscribed': return this._onUnsubscribed(msg);
      case 'published': {
        this._settle(msg.id, null, { channel: msg.channel, seq: msg.seq, epoch: msg.epoch });
        return;
      }
      case 'pong': return;
      case 'error': return this._onError(msg);
      default: return;
    }
  }

  _onWelcome(msg) {
    this.welcome = msg;
    if (this._gotWelcome) return; // a second welcome after `auth`
    this._gotWelcome = true;
    this._clearTimer();
    this._retryAt = null;
    this._attempt = 0;
    this._everConnected = true;
    this._appliedOnConnection = 0;
    this.stats.connects += 1;
    this._setState('connected', { url: this.url, node: msg.node, session: msg.session });
    this.emit('welcome', msg);
    this._startHeartbeat();
    for (const t of this._channels.values()) {
      if (t.status !== 'pending' && t.status !== 'live') this._sendSubscribe(t);
    }
    const limit = this.options.giveUpResumeAfter ?? DEFAULT_GIVE_UP_RESUME_AFTER;
    if (limit > 0 && this._stuckCloses >= limit) this._stuckCloses = 0; // given up once; count afresh
    const outbox = this._outbox;
    this._outbox = [];
    for (const req of outbox) if (this._requests.has(req.msg.id)) this._sendRequest(req);
  }

  _onSubscribed(msg) {
    if (msg.id !== undefined) this._requests.delete(msg.id);
    const t = this._channels.get(msg.channel);
    if (!t) return;
    const since = t.requestedSince;
    const gaveUp = t.gaveUpResume;
    const v = t.onSubscribed(msg);
    if (v.ignore) return;
    if (v.resubscribe) {
      this._sendSubscribe(t);
      return;
    }
    this.emit('subscribed', {
      channel: t.name, kind: t.kind, epoch: t.epoch, seq: msg.seq, recovered: msg.recovered === true, since,
    });
    if (v.reset) {
      this.stats.resets += 1;
      this.emit('reset', {
        channel: t.name, kind: t.kind, epoch: t.epoch, head: v.head ?? null,
        previousEpoch: v.previous.epoch, previousSeq: v.previous.seq,
        reason: gaveUp ? 'too_far_behind'
          : v.previous.epoch && t.epoch && v.previous.epoch !== t.epoch ? 'epoch_changed' : 'not_retained',
      });
    }
  }

  _onUpdate(msg) {
    const t = this._channels.get(msg.channel);
    if (!t) return;
    const v = t.onUpdate(msg);
    if (v.drop) {
      if (v.drop === 'duplicate') this.stats.duplicates += 1;
      return;
    }
    if (v.gap) {
      this.stats.gaps += 1;
      this.emit('gap', { channel: t.name, expected: v.expected, got: v.got });
      this._resync(t);
      return;
    }
    this._deliver(t, v.value, { channel: t.name, kind: t.kind ?? 'stream', seq: msg.seq, ts: msg.ts, epoch: t.epoch, patch: v.patch, snapshot: false });
  }

  _onSnapshot(msg) {
    const t = this._channels.get(msg.channel);
    if (!t) return;
    const v = t.onSnapshot(msg);
    if (v.drop) return;
    const meta = { channel: t.name, kind: 'state', seq: msg.seq, ts: msg.ts, epoch: t.epoch, patch: undefined, snapshot: true };
    this.emit('snapshot', v.value, meta);
    this._deliver(t, v.value, meta);
  }

  _deliver(t, value, meta) {
    this._appliedOnConnection += 1;
    this.emit('update', value, meta);
    if (!RESERVED.has(t.name)) this.emit(t.name, value, meta);
    this.emit(`${t.name}_update`, value, meta);
  }

  // A live update skipped a seq: ask again from the last applied one. Updates
  // are dropped until the new `subscribed` arrives; the catch-up fills the gap.
  _resync(t) {
    this._sendUnsubscribe(t.name);
    this._sendSubscribe(t);
  }

  _onUnsubscribed(msg) {
    if (msg.id !== undefined) this._requests.delete(msg.id);
    const name = msg.channel;
    const t = this._channels.get(name);
    if (!t) {
      this.emit('unsubscribed', { channel: name });
      return;
    }
    // Our own unsubscribe (a resync, or unsubscribe() then subscribe()) comes
    // back before the new `subscribed`. Had the node applied it after that
    // subscribe (the tracker is live again), or did the node drop a
    // subscription on its own, the subscription is gone: renew it.
    if (t.status === 'live') this._sendSubscribe(t);
  }

  _onError(msg) {
    const req = msg.id !== undefined ? this._requests.get(msg.id) : undefined;
    const info = { code: msg.code ?? 'internal', message: msg.message ?? '', id: msg.id, request: req ? { type: req.type, channel: req.channel } : undefined };
    if (req?.type === 'publish') {
      this._settle(msg.id, new TidewireError(info.code, info.message, { channel: req.channel }));
      return;
    }
    if (req?.type === 'unsubscribe') this._requests.delete(msg.id);
    if (req?.type === 'subscribe') {
      this._requests.delete(msg.id);
      const t = this._channels.get(req.channel);
      if (t && t.status === 'pending') t.status = 'error';
    }
    this.emit('server_error', info);
  }
}

/** Shorthand: new TidewireClient(options). */
export function connect(options) {
  return new TidewireClient(options);
}
