// TLS for clients (--tls-cert-file, --tls-key-file) against the real binary:
// the test makes a self-signed certificate with the openssl CLI, then talks
// https and wss to the node trusting only that certificate, and checks what
// a plain-text client, a silent one and an untrusting one get.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { startNode, runNode } from './node_process.mjs';
import { Client } from './client.mjs';
import { RawWs } from './security_helpers.mjs';
import { TidewireClient } from '../../web/client/tidewire.js';

const TIMEOUT_MS = 10000;
// Every test is bounded: a hang fails it instead of the whole suite.
const test = (name, opts, fn) => (fn ? nodeTest(name, { timeout: 30000, ...opts }, fn) : nodeTest(name, { timeout: 30000 }, opts));
let dir;
let files;
let ca;
let node;

function makeCert(name) {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { key, cert };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tidewire-tls-'));
  files = makeCert('node');
  ca = readFileSync(files.cert);
  node = await startNode({
    args: [`--tls-cert-file=${files.cert}`, `--tls-key-file=${files.key}`, '--handshake-timeout-s=1'],
  });
});
after(async () => {
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// An https request trusting only the test's certificate.
function request(url, { method = 'GET', headers = {}, body, trust = ca } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: trust || undefined, agent: false, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('timeout', () => req.destroy(new Error('https request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

// A raw TCP connection that sends `bytes` (if any) and resolves with what
// came back once the node closed it, and how long that took.
function rawExchange(bytes) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(node.port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('the node kept the connection open')); }, TIMEOUT_MS);
    socket.on('connect', () => { if (bytes) socket.write(bytes); });
    socket.on('data', (d) => { got += d; });
    socket.on('error', () => { /* a reset also ends it */ });
    socket.on('close', () => { clearTimeout(timer); resolve({ got, ms: Date.now() - started }); });
  });
}

test('the ready line says https:// and https GET answers', async () => {
  assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(node.stdout, /tidewire listening on https:\/\//);
  const live = await request(`${node.url}/livez`);
  assert.equal(live.status, 200);
  assert.deepEqual(JSON.parse(live.text), { status: 'ok' });
  const page = await request(`${node.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<html/i);
});

test('wss subscribe and publish round trip; https publish reaches a wss subscriber', async () => {
  const sub = await Client.open(node.wsUrl, { ca });
  const pub = await Client.open(node.wsUrl, { ca });
  try {
    const s = await sub.request({ type: 'subscribe', channel: 'alerts' });
    assert.equal(s.type, 'subscribed');
    const ack = await pub.request({ type: 'publish', channel: 'alerts', data: { level: 'info', via: 'wss' } });
    assert.equal(ack.type, 'published');
    const u = await sub.next((m) => m.type === 'update' && m.seq === ack.seq);
    assert.deepEqual(u.data, { level: 'info', via: 'wss' });
    const posted = await request(`${node.url}/api/v1/channels/alerts/messages`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"level":"info","via":"https"}',
    });
    assert.equal(posted.status, 200);
    const seq = JSON.parse(posted.text).seq;
    const u2 = await sub.next((m) => m.type === 'update' && m.seq === seq);
    assert.equal(u2.data.via, 'https');
    const history = await request(`${node.url}/api/v1/channels/alerts/history?since=0`);
    assert.equal(history.status, 200);
    assert.deepEqual(JSON.parse(history.text).updates.map((x) => x.seq).slice(-2), [ack.seq, seq]);
  } finally {
    sub.close();
    pub.close();
  }
});

test("on the TLS port the node's own origin is https://", async () => {
  const own = `https://127.0.0.1:${node.port}`;
  const c = await Client.open(node.wsUrl, { ca, headers: { Origin: own } });
  c.close();
  await assert.rejects(Client.connect(node.wsUrl, { ca, headers: { Origin: `http://127.0.0.1:${node.port}` } }),
    (e) => e.statusCode === 403);
});

test('the JavaScript client works over wss (ws with `ca`)', { timeout: 20000 }, async () => {
  // Node's `ws` takes the trusted certificate as an option; the client takes
  // the WebSocket constructor, so a subclass carries it.
  class TrustingWebSocket extends WebSocket {
    constructor(url, protocols) { super(url, protocols, { ca }); }
  }
  const client = new TidewireClient({ urls: [node.wsUrl], WebSocket: TrustingWebSocket, autoConnect: false, channels: ['trades'] });
  try {
    const got = new Promise((resolve) => client.on('update', (value, meta) => { if (meta.channel === 'trades' && value?.tls) resolve(meta); }));
    const subscribed = new Promise((resolve) => client.on('subscribed', (s) => { if (s.channel === 'trades') resolve(s); }));
    client.connect();
    await subscribed;
    const ack = await client.publish('trades', { tls: true });
    const u = await got;
    assert.equal(u.seq, ack.seq);
  } finally {
    client.close();
  }
});

test('over wss, close codes outside RFC 6455 get a 1002 close frame; valid ones are echoed', async () => {
  for (const [sent, expected] of [[5000, 1002], [65535, 1002], [1004, 1002], [4000, 4000], [1000, 1000]]) {
    const ws = await RawWs.connect(node.port, { ca });
    try {
      await ws.next((f) => f.opcode === 1); // welcome
      ws.close(sent);
      assert.equal(await ws.closeCode(), expected, `close code ${sent}`);
      // Exactly one close frame, and the server ends the connection.
      await ws.socketClosed();
      assert.equal(ws.frames.filter((f) => f.opcode === 8).length, 0, `a second close frame after ${sent}`);
    } finally {
      ws.destroy();
    }
  }
});

// The record types the node sent on one TLS 1.2 connection (in TLS 1.2 an
// alert's record type is visible even though its content is encrypted), and
// the decrypted response.
function tls12Records(text) {
  return new Promise((resolve, reject) => {
    const raw = net.connect(node.port, '127.0.0.1');
    let bytes = Buffer.alloc(0);
    // TLS over a tap on the raw socket, so the records can be seen.
    const tap = new Duplex({
      read() {},
      write(chunk, _enc, cb) { raw.write(chunk, cb); },
      final(cb) { raw.end(); cb(); },
    });
    raw.on('data', (d) => { bytes = Buffer.concat([bytes, d]); tap.push(d); });
    raw.on('end', () => tap.push(null));
    raw.on('error', () => { /* a reset also ends it */ });
    const socket = tls.connect({ socket: tap, ca, maxVersion: 'TLSv1.2' });
    let response = '';
    const timer = setTimeout(() => { raw.destroy(); reject(new Error('the node kept the connection open')); }, TIMEOUT_MS);
    socket.on('secureConnect', () => socket.write(text));
    socket.on('data', (d) => { response += d; });
    socket.on('error', () => { /* a reset also ends it */ });
    raw.on('close', () => {
      clearTimeout(timer);
      const types = [];
      for (let off = 0; off + 5 <= bytes.length; off += 5 + bytes.readUInt16BE(off + 3)) types.push(bytes[off]);
      resolve({ types, response });
    });
  });
}

test('an https response that closes the connection ends with a TLS close_notify', async () => {
  const ALERT = 21;
  const APPLICATION_DATA = 23;
  for (const text of ['GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    'GET /livez HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n',
    'GET /no-such-page HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n']) {
    const { types, response } = await tls12Records(text);
    assert.match(response, /^HTTP\/1\.[01] (200|404) /, text);
    assert.ok(types.includes(APPLICATION_DATA), `records ${types}`);
    // The response, then the close_notify alert last: nothing cut.
    assert.equal(types.at(-1), ALERT, `records ${types} for ${JSON.stringify(text)}`);
    assert.equal(types.filter((t) => t === ALERT).length, 1, `records ${types}`);
  }
});

test('plain HTTP on the TLS port: one plain 400 saying so, then closed; plain ws:// fails', async () => {
  const { got, ms } = await rawExchange('GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  assert.match(got, /^HTTP\/1\.1 400 /);
  assert.match(got, /this port speaks HTTPS/);
  assert.ok(ms < 5000, `closed after ${ms} ms`);
  await assert.rejects(Client.connect(node.wsUrl.replace('wss://', 'ws://'), { timeoutMs: 5000 }));
});

test('a silent client is dropped after the handshake timeout; the node keeps serving', async () => {
  const { got, ms } = await rawExchange(null);
  assert.equal(got, '');
  // --handshake-timeout-s=1: generous bound, as a hang guard.
  assert.ok(ms >= 500 && ms < 8000, `closed after ${ms} ms`);
  assert.equal((await request(`${node.url}/livez`)).status, 200);
});

test('failed handshakes are closed and do not storm the log', async () => {
  const before = node.stderr.split('\n').length;
  const attempts = 30;
  for (let i = 0; i < attempts; i++) {
    // A client that does not trust the node's certificate aborts the
    // handshake with an alert.
    await assert.rejects(request(`${node.url}/livez`, { trust: false }), /self[- ]signed|certificate/i);
  }
  // A TLS client sending garbage after its ClientHello's first bytes.
  const { ms } = await rawExchange(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
  assert.ok(ms < 8000);
  assert.equal((await request(`${node.url}/livez`)).status, 200);
  const lines = node.stderr.split('\n').length - before;
  assert.ok(lines <= 8, `${lines} log lines for ${attempts + 1} failed handshakes`);
  const metrics = await request(`${node.url}/metrics`);
  const failures = Number(/^tidewire_tls_handshake_failures_total (\d+)$/m.exec(metrics.text)[1]);
  assert.ok(failures >= attempts, `tidewire_tls_handshake_failures_total ${failures}`);
});

test('TLS flag errors exit 2 with a readable message', async () => {
  const other = makeCert('other');
  const encrypted = path.join(dir, 'encrypted.key');
  execFileSync('openssl', ['pkey', '-in', files.key, '-aes256', '-passout', 'pass:secret', '-out', encrypted], { stdio: 'ignore' });
  const unreadable = path.join(dir, 'unreadable.pem');
  writeFileSync(unreadable, readFileSync(files.cert));
  chmodSync(unreadable, 0o000);
  const garbage = path.join(dir, 'garbage.pem');
  writeFileSync(garbage, 'not a certificate\n');
  const cases = [
    [[`--tls-cert-file=${files.cert}`], /go together/],
    [[`--tls-key-file=${files.key}`], /go together/],
    [[`--tls-cert-file=${path.join(dir, 'missing.pem')}`, `--tls-key-file=${files.key}`], /cannot read --tls-cert-file .*missing\.pem/],
    [[`--tls-cert-file=${garbage}`, `--tls-key-file=${files.key}`], /--tls-cert-file .* is not a PEM certificate/],
    [[`--tls-cert-file=${files.cert}`, `--tls-key-file=${garbage}`], /--tls-key-file .*not an unencrypted PEM private key/],
    [[`--tls-cert-file=${files.cert}`, `--tls-key-file=${encrypted}`], /--tls-key-file .*not an unencrypted PEM private key/],
    [[`--tls-cert-file=${files.cert}`, `--tls-key-file=${other.key}`], /does not belong to the certificate/],
  ];
  // Root reads any file: the unreadable case only means something otherwise.
  if (process.getuid?.() !== 0) {
    cases.push([[`--tls-cert-file=${unreadable}`, `--tls-key-file=${files.key}`], /cannot read --tls-cert-file .*Permission denied/]);
  }
  for (const [args, message] of cases) {
    const r = await runNode(['--port=0', '--durability=none', '--simulate=false', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '');
  }
});
