// One WebSocket at a time to one of the node URLs, and the connection state
// machine around it (state names: STATES; diagram in docs/client.md):
//
//   start() ──▶ connecting ──welcome──▶ connected
//                   ▲                      │ close frame, heartbeat or connect timeout
//                   │                      ▼
//                   └── backoff timer ── reconnecting | offline | error
//                       (`online` event, retryNow() cut the wait short)
//   close() ──▶ closed
//
// Every attempt after a loss takes the next URL. Channels and publishes are
// not known here: the client plugs them in through `hooks`, called at fixed
// points of the sequence. Event handlers may call back into the client, so
// this order is part of the behaviour:
//
//   message(msg)              every message of the current socket, parsed, after 'message'
//   welcomed()                first welcome on a socket, before 'connected'
//   connected()               after 'connected', 'welcome' and heartbeat start
//   socketGone(byClose)       the socket is gone (lost, or close()), before any event
//   retrying(close, welcomed) after 'disconnected', unless a handler ended the attempt
//
// A handler that calls close(), or close() then connect(), ends the attempt
// under way: whatever the interrupted sequence had left to do (events, hooks,
// a socket, a retry) belongs to that attempt and is dropped.

import { backoffDelay } from './backoff.js';
import { Heartbeat } from './heartbeat.js';
import * as msgpack from './msgpack.js';
import * as limits from './options.js';

export const MSGPACK_SUBPROTOCOL = 'tidewire.v1.msgpack';

export const STATES = Object.freeze(['connecting', 'connected', 'reconnecting', 'offline', 'error', 'closed']);

// Our own close code for a connection we gave up on (heartbeat, connect timeout).
const CLOSE_ABANDONED = 4000;
// Close codes that mean something is wrong beyond the network: the state
// becomes 'error' (retries go on with backoff all the same).
const ERROR_CLOSE_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010, 1011, 1015]);

export class Connection {
  /**
   * @param {object} deps
   * @param {string[]} deps.urls tried in turn
   * @param {object} deps.options the client's options (read live, see options.js)
   * @param {Function} deps.WebSocket
   * @param {{setTimeout: Function, clearTimeout: Function}} deps.timers
   * @param {() => number} deps.now
   * @param {() => number} deps.random
   * @param {object} deps.stats the client's counters (connects, reconnects, heartbeatTimeouts)
   * @param {(event: string, ...args: unknown[]) => void} deps.emit the client's emit
   * @param {object} hooks see the top of this file
   */
  constructor({ urls, options, WebSocket, timers, now, random, stats, emit }, hooks) {
    this.urls = urls;
    this.options = options;
    this._WebSocket = WebSocket;
    this._timers = timers;
    this._now = now;
    this._random = random;
    this._stats = stats;
    this._emit = emit;
    this._hooks = hooks;

    this.state = 'closed';
    this.stateInfo = { state: 'closed' };
    this.welcome = null;
    this.url = null;

    this._socket = null;
    // Bumped by every attempt and by close(). Each sequence that emits checks
    // it afterwards: a handler may have ended the attempt, and carrying on
    // would act on the next one (subscribe on a socket not yet open, open a
    // socket after close(), schedule a second retry).
    this._generation = 0;
    this._gotWelcome = false;
    this._userClosed = true;
    this._everConnected = false;
    this._urlIndex = 0;
    this._attempt = 0; // failed attempts since the last welcome
    this._timer = null; // retry or connect timeout: never both
    this._retryAt = null; // non-null exactly while waiting to retry

    this._heartbeat = new Heartbeat({
      timers,
      now,
      heartbeatMs: () => this.heartbeatMs,
      deadAfterMs: () => this.deadAfterMs,
      active: () => this._socket !== null && this._gotWelcome,
      ping: () => this.send({ type: 'ping' }),
      dead: (silentMs) => {
        this._stats.heartbeatTimeouts += 1;
        if (!this._emitStillCurrent('heartbeat_timeout', { url: this.url, silentMs })) return;
        this._abandon('heartbeat_timeout');
      },
    });

    this._onOnline = () => this.retryNow();
    this._onOffline = () => {
      if (this._retryAt !== null) this._setState('offline', this._waitInfo());
    };
  }

  get heartbeatMs() {
    return limits.heartbeatMs(this.options, this.welcome);
  }

  get deadAfterMs() {
    return limits.deadAfterMs(this.options, this.welcome);
  }

  get reconnectLimits() {
    return limits.reconnectLimits(this.options, this.welcome);
  }

  /** Messages may be sent: welcomed, and the socket not lost since. */
  get open() {
    return this._socket !== null && this.state === 'connected';
  }

  /** close() was called (or start() never was): nothing will reconnect. */
  get closed() {
    return this._userClosed;
  }

  /** Starts connecting, unless already started. */
  start() {
    if (!this._userClosed) return;
    this._userClosed = false;
    this._attempt = 0;
    this._everConnected = false;
    globalThis.addEventListener?.('online', this._onOnline);
    globalThis.addEventListener?.('offline', this._onOffline);
    this._open();
  }

  /** Closes the socket for good; no 'disconnected' event, the state becomes 'closed'. */
  close() {
    if (this._userClosed) return;
    this._userClosed = true;
    this._generation += 1;
    globalThis.removeEventListener?.('online', this._onOnline);
    globalThis.removeEventListener?.('offline', this._onOffline);
    this._clearTimer();
    this._heartbeat.stop();
    const ws = this._socket;
    this._socket = null;
    if (ws) {
      detach(ws);
      try { ws.close(1000, 'client closed'); } catch { /* already closing */ }
    }
    this._hooks.socketGone(true);
    this._setState('closed', {});
  }

  /** Skips the rest of the backoff wait; a no-op unless waiting to retry. */
  retryNow() {
    if (this._userClosed || this._retryAt === null) return;
    this._stats.reconnects += 1;
    this._open();
  }

  /** False when there is no socket or it refused the frame (the caller decides what that means). */
  send(msg) {
    const ws = this._socket;
    if (!ws) return false;
    try {
      ws.send(ws.protocol === MSGPACK_SUBPROTOCOL ? msgpack.encode(msg) : JSON.stringify(msg));
      return true;
    } catch {
      return false;
    }
  }

  /** The node's `welcome`: the attempt succeeded. */
  onWelcome(msg) {
    this.welcome = msg;
    if (this._gotWelcome) return; // a second welcome after `auth` only updates the timings
    // With a token (or getToken), the first welcome only opens the door: the
    // client authenticates and counts as connected at the welcome that
    // answers its `auth`.
    if (this._hasAuth() && !this._authSent) {
      this._authSent = true;
      this._authenticate();
      return;
    }
    this._gotWelcome = true;
    this._clearTimer();
    this._retryAt = null;
    this._attempt = 0;
    this._everConnected = true;
    this._hooks.welcomed();
    this._stats.connects += 1;
    if (!this._setState('connected', { url: this.url, node: msg.node, session: msg.session })) return;
    if (!this._emitStillCurrent('welcome', msg)) return;
    this._heartbeat.start();
    this._hooks.connected();
  }

  _hasAuth() {
    return typeof this.options.getToken === 'function' || typeof this.options.token === 'string';
  }

  /**
   * Sends `auth` with a fresh token: after the first welcome, and again when
   * the node says the token is about to expire (`auth_expiring`).
   */
  _authenticate() {
    if (!this._hasAuth()) return;
    const ws = this._socket;
    const source = typeof this.options.getToken === 'function'
      ? () => this.options.getToken()
      : () => this.options.token;
    Promise.resolve()
      .then(source)
      .then((token) => {
        if (this._socket !== ws) return; // that socket is gone
        this.send({ type: 'auth', token: String(token) });
      }, (err) => {
        if (this._socket !== ws) return;
        this._emitStillCurrent('auth_error', { reason: String(err?.message ?? err) });
      });
  }

  /** `auth_expiring`: refresh before the node closes the connection. */
  onAuthExpiring() {
    this._authenticate();
  }

  _open() {
    this._generation += 1;
    this._authSent = false;
    this._clearTimer();
    this._retryAt = null;
    const url = this.urls[this._urlIndex % this.urls.length];
    this.url = url;
    // A failing attempt keeps reporting why it waits (offline, error) rather
    // than flickering back to 'reconnecting'.
    let state = this.state;
    if (state !== 'reconnecting' && state !== 'offline' && state !== 'error') {
      state = this._everConnected ? 'reconnecting' : 'connecting';
    }
    if (!this._setState(state, { url, attempt: this._attempt, retryAt: null })) return;
    let ws;
    const protocols = limits.subprotocols(this.options);
    try {
      ws = protocols
        ? new this._WebSocket(url, protocols)
        : new this._WebSocket(url);
    } catch (err) {
      this._lost({ code: null, reason: String(err?.message ?? err), url });
      return;
    }
    this._socket = ws;
    this._gotWelcome = false;
    if ('binaryType' in ws) ws.binaryType = 'arraybuffer';
    ws.onopen = null;
    // Events of a socket we already let go of are ignored, whatever arrives late.
    ws.onmessage = (ev) => {
      if (this._socket !== ws) return;
      this._heartbeat.received();
      this._onFrame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this._socket !== ws) return;
      this._lost({ code: ev?.code ?? null, reason: ev?.reason ?? '', url });
    };
    ws.onerror = () => { /* a close event always follows */ };
    this._timer = this._timers.setTimeout(() => {
      this._timer = null;
      if (this._socket === ws && !this._gotWelcome) this._abandon('connect_timeout');
    }, limits.connectTimeoutMs(this.options, this.welcome));
  }

  // Drops a connection that may never report its own death, and reconnects.
  _abandon(reason) {
    const ws = this._socket;
    if (!ws) return;
    detach(ws);
    try {
      if (typeof ws.terminate === 'function') ws.terminate();
      else ws.close(CLOSE_ABANDONED, reason);
    } catch { /* nothing more to do */ }
    this._lost({ code: CLOSE_ABANDONED, reason, url: this.url });
  }

  _lost(info) {
    const ws = this._socket;
    this._socket = null;
    if (ws) detach(ws);
    this._clearTimer();
    this._heartbeat.stop();
    this._hooks.socketGone(false);
    if (!this._emitStillCurrent('disconnected', info)) return;

    this._hooks.retrying(info, this._gotWelcome);
    this._gotWelcome = false;
    const delayMs = backoffDelay(this._attempt, this.reconnectLimits, this._random);
    this._attempt += 1;
    this._urlIndex += 1;
    this._retryAt = this._now() + delayMs;
    this._timer = this._timers.setTimeout(() => {
      this._timer = null;
      this._stats.reconnects += 1;
      this._open();
    }, delayMs);

    let state = 'reconnecting';
    if (info.code !== null && ERROR_CLOSE_CODES.has(info.code)) state = 'error';
    else if (globalThis.navigator?.onLine === false || this._attempt >= limits.offlineAfterAttempts(this.options)) state = 'offline';
    this._setState(state, { ...this._waitInfo(), delayMs, close: info });
  }

  _waitInfo() {
    return { url: this.url, attempt: this._attempt, retryAt: this._retryAt };
  }

  _clearTimer() {
    if (this._timer !== null) this._timers.clearTimeout(this._timer);
    this._timer = null;
  }

  /** False when a handler ended the attempt; the state then is already another. */
  _setState(state, info) {
    const prev = this.state;
    this.state = state;
    this.stateInfo = { state, previous: prev, ...info };
    return this._emitStillCurrent('state', this.stateInfo) && this._emitStillCurrent(state, this.stateInfo);
  }

  /** Emits `event`; false when one of its handlers ended the attempt (see _generation). */
  _emitStillCurrent(event, ...args) {
    const generation = this._generation;
    this._emit(event, ...args);
    return this._generation === generation;
  }

  // A frame holds one message or an array of them (the node batches): text
  // frames are JSON, binary ones MessagePack (tidewire.v1.msgpack).
  _onFrame(raw) {
    const binary = typeof raw !== 'string';
    if (binary && this._socket?.protocol !== MSGPACK_SUBPROTOCOL) {
      this._emit('server_error', { code: 'bad_request', message: 'binary frame on the JSON subprotocol' });
      return;
    }
    let parsed;
    try {
      parsed = binary
        ? msgpack.decode(raw instanceof ArrayBuffer || ArrayBuffer.isView(raw) ? raw : new Uint8Array(raw),
          { exactNumbers: this.options.exactNumbers === true })
        : JSON.parse(raw);
    } catch {
      this._emit('server_error', { code: 'bad_request', message: 'unparsable frame from the server' });
      return;
    }
    const generation = this._generation;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const msg of list) {
      if (this._generation !== generation) return; // the rest belongs to an attempt a handler ended
      if (!msg || typeof msg !== 'object') continue;
      if (!this._emitStillCurrent('message', msg)) return;
      this._hooks.message(msg);
    }
  }
}

function detach(ws) {
  ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
}
