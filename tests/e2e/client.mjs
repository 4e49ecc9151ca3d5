// A small protocol client for the end-to-end tests: awaits messages instead
// of sleeping. A frame may carry one message or an array of them; messages
// are flattened into one queue in arrival order.
import net from 'node:net';
import WebSocket from 'ws';
import { decode, encode, ExtensionCodec } from '@msgpack/msgpack';

export const TIMEOUT_MS = 10000;

export const MSGPACK = 'tidewire.v1.msgpack';

// A number the node sends as MessagePack ext type 1 (its exact JSON text)
// because no integer or float 64 holds it.
export class ExactNumber {
  constructor(text) { this.text = text; }
}

// An independent MessagePack codec (the npm package, not the node's or the
// JavaScript client's), so the tests check the wire format itself.
export const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: 1,
  encode: (v) => (v instanceof ExactNumber ? new TextEncoder().encode(v.text) : null),
  decode: (bytes) => new ExactNumber(new TextDecoder().decode(bytes)),
});
export const packMsg = (msg) => encode(msg, { extensionCodec });
export const unpackMsg = (bytes) => decode(bytes, { extensionCodec });

export class Client {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closeWaiters = [];
    this.binaryFrames = 0;
    this.textFrames = 0;
    ws.on('message', (data, isBinary) => {
      // A connection that negotiated MessagePack decodes binary frames; a
      // text frame on it (never expected) is still read as JSON and counted.
      if (isBinary) ++this.binaryFrames; else ++this.textFrames;
      const parsed = isBinary ? unpackMsg(data) : JSON.parse(data.toString('utf8'));
      for (const msg of Array.isArray(parsed) ? parsed : [parsed]) this.queue.push(msg);
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString('utf8') };
      for (const w of this.closeWaiters) w(this.closeInfo);
      this.closeWaiters = [];
      this.#wake();
    });
    ws.on('error', () => { /* surfaced by close or by the awaited call */ });
  }

  static connect(url, { protocols, headers, timeoutMs = TIMEOUT_MS, ...wsOptions } = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { headers, ...wsOptions });
      const client = new Client(ws);
      const timer = setTimeout(() => { ws.terminate(); reject(new Error('connect timed out')); }, timeoutMs);
      ws.once('open', () => { clearTimeout(timer); resolve(client); });
      ws.once('unexpected-response', (req, res) => {
        clearTimeout(timer);
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => {
          const err = new Error(`handshake refused: ${res.statusCode} ${body}`);
          err.statusCode = res.statusCode;
          err.body = body;
          reject(err);
        });
      });
      ws.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  // Connects and consumes the welcome message.
  static async open(url, opts) {
    const c = await Client.connect(url, opts);
    c.welcome = await c.next((m) => m.type === 'welcome');
    return c;
  }

  get msgpack() { return this.ws.protocol === MSGPACK; }

  send(msg) { this.ws.send(this.msgpack ? packMsg(msg) : JSON.stringify(msg)); }
  sendRaw(data, opts) { this.ws.send(data, opts); }

  #wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  // The first queued or future message matching `pred` (removed from the
  // queue); rejects on timeout or when the connection closes first.
  async next(pred = () => true, timeoutMs = TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex(pred);
      if (i >= 0) return this.queue.splice(i, 1)[0];
      if (this.closeInfo) throw new Error(`connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a message; queued: ${JSON.stringify(this.queue).slice(0, 500)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  // Sends `msg` with a fresh id and returns the reply carrying that id.
  async request(msg, timeoutMs = TIMEOUT_MS) {
    Client.seq = (Client.seq ?? 0) + 1;
    const id = `r${Client.seq}`;
    this.send({ ...msg, id });
    return this.next((m) => m.id === id, timeoutMs);
  }

  // The error reply to a raw frame (frames without a readable id).
  async errorAfter(raw, opts) {
    this.sendRaw(raw, opts);
    return this.next((m) => m.type === 'error');
  }

  closed(timeoutMs = TIMEOUT_MS) {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs);
      this.closeWaiters.push((info) => { clearTimeout(timer); resolve(info); });
    });
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  terminate() { this.ws.terminate(); }
}

// One HTTP request over a raw socket, so the target reaches the server byte
// for byte (fetch would normalise "..", "%2e" and backslashes).
export function rawHttp(port, target, { method = 'GET', timeoutMs = TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`raw HTTP ${target} timed out`)); }, timeoutMs);
    sock.on('connect', () => {
      sock.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      const body = data.split('\r\n\r\n').slice(1).join('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, body, raw: data });
    });
  });
}

export async function getJson(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body, headers: res.headers };
}

export function postJson(url, body) {
  return getJson(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// Every channel of GET /api/v1/channels, following each page's `next`
// (at most `maxPages` requests). `query` adds parameters (e.g. "limit=50").
export async function listChannels(baseUrl, { query = '', init, maxPages = 1000 } = {}) {
  const channels = [];
  let after = null;
  for (let pages = 0; pages < maxPages; pages++) {
    const params = new URLSearchParams(query);
    if (after !== null) params.set('after', after);
    const qs = params.toString();
    const r = await getJson(`${baseUrl}/api/v1/channels${qs ? `?${qs}` : ''}`, init);
    if (r.status !== 200) throw new Error(`channel list: ${r.status} ${JSON.stringify(r.body)}`);
    channels.push(...r.body.channels);
    if (r.body.next === null) return channels;
    after = r.body.next;
  }
  throw new Error(`channel list: more than ${maxPages} pages`);
}
