// Requests the node answers by `id`: publishes (each one a promise) and the
// client's own subscribes and unsubscribes, which share the id space so that
// an `error` can be traced back to whatever caused it.
//
// Publishes carry an idempotency key (`key`; a random one unless the caller
// gives one), so they are sent again safely: one made while disconnected
// waits in the outbox until the next welcome, and one already sent when the
// connection goes (its fate unknown) is sent again with the same key after
// the next welcome; the node stores it at most once and answers a repeat
// with the first publish's seq. It rejects only at its timeout. With
// `retry: false` a publish is at most once and rejects ('disconnected')
// when the connection goes before the ack.

import { publishTimeoutMs } from './options.js';

// 128 random bits as hex: unique per publish across clients and restarts.
function randomKey() {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class TidewireError extends Error {
  constructor(code, message, details = {}) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'TidewireError';
    this.code = code;
    Object.assign(this, details);
  }
}

export class Requests {
  /**
   * @param {object} deps
   * @param {object} deps.options the client's options (publishTimeoutMs)
   * @param {{setTimeout: Function, clearTimeout: Function}} deps.timers
   * @param {(msg: object) => boolean} deps.send false when the frame did not go out
   * @param {() => boolean} deps.isOpen connected, so sending makes sense now
   * @param {() => boolean} deps.isClosed the client was closed: nothing will ever be sent
   */
  constructor({ options, timers, send, isOpen, isClosed }) {
    this._options = options;
    this._timers = timers;
    this._send = send;
    this._isOpen = isOpen;
    this._isClosed = isClosed;
    this._pending = new Map(); // id → { type, channel, resolve?, reject?, timer?, msg?, sent? }
    this._outbox = []; // publishes waiting for a connection
    this._nextId = 1;
  }

  /** Registers a subscribe or unsubscribe about to be sent; returns its id. */
  track(type, channel) {
    const id = this._nextId++;
    this._pending.set(id, { type, channel });
    return id;
  }

  /** The node answered `id` (subscribed, unsubscribed). */
  forget(id) {
    if (id !== undefined) this._pending.delete(id);
  }

  /** See TidewireClient.publish(). */
  publish(channel, data, { timeoutMs, key, retry = true } = {}) {
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      const msg = { type: 'publish', id, channel, data };
      if (key !== undefined) msg.key = String(key);
      else if (retry) msg.key = randomKey();
      const req = { type: 'publish', channel, resolve, reject, msg, sent: false, retry: retry && msg.key !== undefined };
      const ms = publishTimeoutMs(this._options, timeoutMs);
      req.timer = this._timers.setTimeout(() => {
        this._pending.delete(id);
        const i = this._outbox.indexOf(req);
        if (i >= 0) this._outbox.splice(i, 1);
        reject(new TidewireError('timeout', `no ack for publish on '${channel}' within ${ms} ms`, { channel }));
      }, ms);
      this._pending.set(id, req);
      if (this._isOpen()) this._sendPublish(req);
      else if (this._isClosed()) this._settle(id, new TidewireError('closed', 'the client is closed', { channel }));
      else this._outbox.push(req);
    });
  }

  /** The `published` ack of a publish. */
  onPublished(msg) {
    this._settle(msg.id, null, { channel: msg.channel, seq: msg.seq, epoch: msg.epoch });
  }

  /**
   * Matches an `error` to its request. A publish is rejected with it and
   * null is returned: the caller learns of it through its promise. Otherwise
   * returns the `server_error` payload and the (now forgotten) request, if any.
   */
  onError(msg) {
    const req = msg.id !== undefined ? this._pending.get(msg.id) : undefined;
    const info = { code: msg.code ?? 'internal', message: msg.message ?? '', id: msg.id, request: req ? { type: req.type, channel: req.channel } : undefined };
    if (req?.type === 'publish') {
      this._settle(msg.id, new TidewireError(info.code, info.message, { channel: req.channel }));
      return null;
    }
    if (req) this._pending.delete(msg.id);
    return { info, request: req };
  }

  /** Connected: sends what waited in the outbox, in order. */
  flush() {
    const outbox = this._outbox;
    this._outbox = [];
    for (const req of outbox) if (this._pending.has(req.msg.id)) this._sendPublish(req);
  }

  /** The connection is gone: sent publishes reject, unsent ones keep waiting. */
  disconnected() {
    this._fail('disconnected', 'the connection closed before the ack', false);
  }

  /** The client is closed: every publish rejects. */
  closed() {
    this._fail('closed', 'the client was closed', true);
  }

  _sendPublish(req) {
    req.sent = this._send(req.msg);
    if (!req.sent) this._outbox.push(req);
  }

  _settle(id, error, value) {
    const req = this._pending.get(id);
    if (!req) return null;
    this._pending.delete(id);
    if (req.timer !== undefined) this._timers.clearTimeout(req.timer);
    if (error) req.reject?.(error);
    else req.resolve?.(value);
    return req;
  }

  // Subscribes and unsubscribes die with their connection: the next welcome
  // sends new ones.
  _fail(code, message, includeUnsent) {
    for (const [id, req] of [...this._pending]) {
      if (req.type !== 'publish') {
        this._pending.delete(id);
        continue;
      }
      if (includeUnsent || (req.sent && !req.retry)) {
        this._settle(id, new TidewireError(code, message, { channel: req.channel }));
      } else if (req.sent) {
        // Fate unknown: sent again, same key, after the next welcome.
        req.sent = false;
        this._outbox.push(req);
      }
    }
    this._outbox.sort((a, b) => a.msg.id - b.msg.id); // keep publish order
    if (includeUnsent) this._outbox = [];
  }
}
