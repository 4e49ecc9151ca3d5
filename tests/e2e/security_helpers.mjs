// Helpers of the security suites: JWTs signed in the test (node:crypto), a
// WebSocket client over a raw socket (to send what conforming clients
// cannot: bad close codes, invalid UTF-8, frames after a close) and raw HTTP.
import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TIMEOUT_MS = 10000;

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// A signed JWT. `key` is the HS256 secret (string) or a private KeyObject
// for RS256/ES256; `alg` goes in the header as given (so tests can lie).
export function makeToken(claims, { alg = 'HS256', key, header = {} } = {}) {
  const head = b64url(JSON.stringify({ alg, typ: 'JWT', ...header }));
  const body = b64url(JSON.stringify(claims));
  const input = `${head}.${body}`;
  let sig = '';
  if (alg === 'HS256') sig = b64url(crypto.createHmac('sha256', key).update(input).digest());
  else if (alg === 'RS256') sig = b64url(crypto.sign('sha256', Buffer.from(input), key));
  else if (alg === 'ES256') sig = b64url(crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
  else if (alg === 'none') sig = '';
  return `${input}.${sig}`;
}

export const nowS = () => Math.floor(Date.now() / 1000);

// A directory with an HS256 secret and RS256 / ES256 key pairs as files.
export function makeKeys() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-keys-'));
  const secret = crypto.randomBytes(32).toString('hex');
  const secretFile = path.join(dir, 'secret');
  writeFileSync(secretFile, `${secret}\n`);
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaFile = path.join(dir, 'rsa.pub.pem');
  writeFileSync(rsaFile, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecFile = path.join(dir, 'ec.pub.pem');
  writeFileSync(ecFile, ec.publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, secret, secretFile, rsa, rsaFile, ec, ecFile };
}

// Sends `text` as-is on a fresh socket; resolves with everything received
// until the server closes (or timeout), the statuses of every response and
// whether the server closed the connection.
export function rawExchange(port, text, { timeoutMs = TIMEOUT_MS, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data, statuses: statuses(data), closed: false });
    }, timeoutMs);
    sock.on('connect', () => sock.write(text));
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data, statuses: statuses(data), closed: true });
    });
  });
}

function statuses(data) {
  return [...data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
}

// A minimal WebSocket client on a raw socket: masked frames out, server
// frames parsed into {opcode, payload}.
export class RawWs {
  // With `ca` (a PEM certificate to trust) it speaks wss.
  static connect(port, { path: p = '/ws', headers = {}, localAddress, ca } = {}) {
    return new Promise((resolve, reject) => {
      const sock = ca ? tls.connect({ port, host: '127.0.0.1', ca, localAddress })
        : net.connect({ port, host: '127.0.0.1', localAddress });
      const key = crypto.randomBytes(16).toString('base64');
      let buf = Buffer.alloc(0);
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('raw ws handshake timed out')); }, TIMEOUT_MS);
      sock.on('error', (e) => { clearTimeout(timer); reject(e); });
      sock.on(ca ? 'secureConnect' : 'connect', () => {
        const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
          + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
      });
      const onData = (d) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        clearTimeout(timer);
        sock.off('data', onData);
        const head = buf.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
        if (status !== 101) {
          sock.destroy();
          const err = new Error(`handshake refused: ${status}`);
          err.statusCode = status;
          return reject(err);
        }
        resolve(new RawWs(sock, buf.subarray(end + 4)));
      };
      sock.on('data', onData);
    });
  }

  constructor(sock, rest) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.frames = [];
    this.waiters = [];
    this.ended = false;
    sock.on('data', (d) => this.#feed(d));
    sock.on('close', () => { this.ended = true; this.#wake(); });
    if (rest.length) this.#feed(rest);
  }

  #feed(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) break;
      const opcode = this.buf[0] & 0x0f;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (this.buf.length < 4) break; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) break; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + len) break;
      this.frames.push({ opcode, payload: this.buf.subarray(off, off + len) });
      this.buf = this.buf.subarray(off + len);
    }
    this.#wake();
  }

  #wake() { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  // Resolves with the first frame matching `pred`; rejects on timeout.
  async next(pred = () => true, timeoutMs = TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0];
      if (this.ended) throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  // The close frame's code, or null when the socket ended without one.
  async closeCode(timeoutMs = TIMEOUT_MS) {
    try {
      const f = await this.next((x) => x.opcode === 8, timeoutMs);
      return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    } catch (e) {
      if (this.ended) return null;
      throw e;
    }
  }

  // Resolves once the server closed the TCP connection.
  async socketClosed(timeoutMs = TIMEOUT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the server to close the socket');
      await new Promise((r) => { const t = setTimeout(r, left); this.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  send(opcode, payload) {
    const data = Buffer.from(payload);
    const mask = crypto.randomBytes(4);
    let head;
    if (data.length < 126) head = Buffer.from([0x80 | opcode, 0x80 | data.length]);
    else if (data.length < 65536) { head = Buffer.alloc(4); head[0] = 0x80 | opcode; head[1] = 0x80 | 126; head.writeUInt16BE(data.length, 2); }
    else { head = Buffer.alloc(10); head[0] = 0x80 | opcode; head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(data.length), 2); }
    const masked = Buffer.from(data);
    for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
    if (!this.sock.destroyed) this.sock.write(Buffer.concat([head, mask, masked]));
  }

  text(s) { this.send(1, Buffer.from(s, 'utf8')); }
  close(code) { const p = Buffer.alloc(2); p.writeUInt16BE(code); this.send(8, p); }
  destroy() { this.sock.destroy(); }
}
