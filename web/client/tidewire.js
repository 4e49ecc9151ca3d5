// tidewire client: one resilient WebSocket session to a tidewire node
// (protocol v1, JSON or, with `protocol: 'msgpack'`, MessagePack
// subprotocol), for browsers and Node 18+. The public
// entry point (docs/client.md, tidewire.d.ts); each part of the session has
// its own module, wired together here:
//
//   TidewireClient ── Connection (connection.js) ── socket ──▶ node /ws
//     │               welcome, heartbeat (heartbeat.js), close → backoff → next URL
//     │ every message ─┬─ welcome ────────────────────────▶ Connection
//     │                ├─ subscribed/update/snapshot/unsubscribed
//     │                │    ─▶ Subscriptions (subscriptions.js)
//     │                │         └ ChannelTracker per channel (channel.js)
//     │                └─ published/error (by id) ──────────▶ Requests (requests.js)
//     └ welcome → (re)subscribe all, send the outbox; socket gone → detach, reject sent
//
// No dependencies; timers, clock, randomness and the WebSocket constructor
// can be injected (tests, Node without a global WebSocket).

import { Emitter } from './emitter.js';
import { Connection, STATES } from './connection.js';
import { Subscriptions } from './subscriptions.js';
import { Requests } from './requests.js';
import { subprotocols } from './options.js';

export { applyMergePatch, isPlainObject } from './merge-patch.js';
export { backoffDelay, backoffCeiling, DEFAULT_RECONNECT } from './backoff.js';
export { ChannelTracker } from './channel.js';
export { Emitter } from './emitter.js';
export { TidewireError } from './requests.js';
export { ExactNumber, encode as encodeMsgpack, decode as decodeMsgpack } from './msgpack.js';
export { STATES };

// Event names of the client itself; a channel with one of these names is
// still delivered as '<channel>_update' (never on the bare name).
export const RESERVED_EVENTS = Object.freeze([
  ...STATES, 'state', 'welcome', 'subscribed', 'unsubscribed', 'reset', 'gap',
  'snapshot', 'update', 'message', 'disconnected', 'heartbeat_timeout', 'server_error',
  'auth_error',
]);
const RESERVED = new Set(RESERVED_EVENTS);

const defaultTimers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (t) => globalThis.clearTimeout(t),
};

export class TidewireClient extends Emitter {
  /** @param {import('./tidewire.js').TidewireOptions} options */
  constructor(options = {}) {
    super();
    const urls = options.urls ?? (options.url ? [options.url] : []);
    if (!Array.isArray(urls) || urls.length === 0) throw new TypeError('TidewireClient needs `urls` (or `url`)');
    this.urls = urls.map(String);
    this.options = { ...options };
    subprotocols(this.options); // throws now on a `protocol` it does not know
    const WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocket !== 'function') {
      throw new TypeError('no global WebSocket: pass the `WebSocket` option (e.g. from the `ws` package)');
    }
    const timers = { ...defaultTimers, ...(options.timers ?? {}) };
    this.stats = { connects: 0, reconnects: 0, gaps: 0, duplicates: 0, resets: 0, heartbeatTimeouts: 0 };
    const emit = (event, ...args) => this.emit(event, ...args);
    const send = (msg) => this._connection.send(msg);
    const isOpen = () => this._connection.open;

    this._requests = new Requests({
      options: this.options, timers, send, isOpen, isClosed: () => this._connection.closed,
    });
    this._subscriptions = new Subscriptions({
      options: this.options, requests: this._requests, send, isOpen, emit, stats: this.stats, reservedEvents: RESERVED,
    });
    this._connection = new Connection({
      urls: this.urls,
      options: this.options,
      WebSocket,
      timers,
      now: options.now ?? (() => Date.now()),
      random: options.random ?? Math.random,
      stats: this.stats,
      emit,
    }, {
      message: (msg) => this._onMessage(msg),
      welcomed: () => this._subscriptions.connectionStarted(),
      connected: () => {
        this._subscriptions.subscribeAll();
        this._requests.flush();
      },
      socketGone: (byClose) => {
        this._subscriptions.detachAll();
        if (byClose) this._requests.closed();
        else this._requests.disconnected();
      },
      retrying: (close, hadWelcome) => this._subscriptions.connectionLost(close, hadWelcome),
    });

    if (options.autoConnect !== false) this.connect();
  }

  // ---- connection state, owned by the Connection -------------------------------

  get state() { return this._connection.state; }
  get stateInfo() { return this._connection.stateInfo; }
  /** The last `welcome` received. */
  get welcome() { return this._connection.welcome; }
  /** The URL of the current (or last) connection. */
  get url() { return this._connection.url; }
  /** Timings: from welcome unless overridden by an option. */
  get heartbeatMs() { return this._connection.heartbeatMs; }
  get deadAfterMs() { return this._connection.deadAfterMs; }
  get reconnectLimits() { return this._connection.reconnectLimits; }

  // ---- public API ------------------------------------------------------------

  /** Starts (or restarts after close()) connecting. */
  connect() {
    this._connection.start();
    return this;
  }

  /** Closes the connection and stops reconnecting; pending publishes reject. */
  close() {
    this._connection.close();
  }

  /**
   * Subscribes to `channel` (now, or as soon as connected), resuming from
   * `resume` ({seq, epoch, kind, doc}) or from where this client left off.
   */
  subscribe(channel, resume) {
    this._subscriptions.subscribe(channel, resume);
    return this;
  }

  /** Stops updates of `channel`. Its position is kept for a later subscribe(). */
  unsubscribe(channel) {
    this._subscriptions.unsubscribe(channel);
    return this;
  }

  /** Skips the remaining backoff wait and tries the next node now. */
  reconnectNow() {
    this._connection.retryNow();
    return this;
  }

  /** The channels currently wanted. */
  subscriptions() {
    return this._subscriptions.names();
  }

  /** Where `channel` stands: {kind, epoch, seq, doc, status}, or null. */
  channel(name) {
    return this._subscriptions.position(name);
  }

  /**
   * Publishes `data` on `channel`. Resolves with the `published` ack
   * ({channel, seq, epoch}); rejects with a TidewireError whose `code` is the
   * server's error code, or 'timeout', 'closed', or (only with
   * `retry: false`) 'disconnected' (sent, fate unknown).
   * By default the publish carries an idempotency key (`key`, or a random
   * one) and is sent again after a reconnection until it is acknowledged or
   * times out: the node stores it once whatever the number of attempts.
   */
  publish(channel, data, { timeoutMs, key, retry } = {}) {
    return this._requests.publish(channel, data, { timeoutMs, key, retry });
  }

  // ---- receiving -------------------------------------------------------------

  // 'message' is emitted by the connection, which can then drop the rest of a
  // frame when a handler ends the attempt.
  _onMessage(msg) {
    switch (msg.type) {
      case 'welcome': return this._connection.onWelcome(msg);
      case 'subscribed': return this._subscriptions.onSubscribed(msg);
      case 'update': return this._subscriptions.onUpdate(msg);
      case 'snapshot': return this._subscriptions.onSnapshot(msg);
      case 'unsubscribed': return this._subscriptions.onUnsubscribed(msg);
      case 'published': return this._requests.onPublished(msg);
      case 'pong': return; // any frame counts for the heartbeat
      case 'auth_expiring': return this._connection.onAuthExpiring(msg);
      case 'error': return this._onError(msg);
      default: return;
    }
  }

  // A publish's error goes to its promise; any other is a 'server_error',
  // and a refused subscribe also marks its channel.
  _onError(msg) {
    const answered = this._requests.onError(msg);
    if (!answered) return;
    if (answered.request?.type === 'subscribe') this._subscriptions.onRefused(answered.request.channel);
    else if (!answered.request && typeof msg.channel === 'string') this._subscriptions.onDropped(msg.channel);
    if (typeof msg.channel === 'string') answered.info.channel = msg.channel;
    this.emit('server_error', answered.info);
  }
}

/** Shorthand: new TidewireClient(options). */
export function connect(options) {
  return new TidewireClient(options);
}
