// Limits that hold under abuse, each tripped against the real binary while
// other clients keep being served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startNode } from './node_process.mjs';
import { Client, getJson } from './client.mjs';
import { RawWs, rawExchange } from './security_helpers.mjs';

// Opens `n` TCP connections from `localAddress` and resolves once each is
// either connected and silent for a moment (held) or answered and closed.
function openSockets(port, n, localAddress = '127.0.0.1') {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('error', () => {});
    sock.on('close', () => resolve({ sock, refused: data, closed: true }));
    sock.on('connect', () => setTimeout(() => { if (!sock.destroyed) resolve({ sock, refused: data, closed: false }); }, 300));
  })));
}

// The metric's value in a /metrics body.
const metric = (body, name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(body)?.[1]);

async function waitForMetric(url, name, pred, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = metric((await getJson(`${url}/metrics`)).body, name);
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error(`${name} stayed at ${v}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('--max-connections: 503 at accept past the limit, the others still served', async (t) => {
  const node = await startNode({ args: ['--max-connections=4'] });
  t.after(() => node.stop());
  const ws = await Client.open(node.wsUrl);
  const held = await openSockets(node.port, 3);
  assert.ok(held.every((h) => !h.closed));
  const refused = await rawExchange(node.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.deepEqual(refused.statuses, [503]);
  assert.match(refused.data, /too many connections/);
  assert.equal((await ws.request({ type: 'ping' })).type, 'pong');
  // A slot freed is a slot for the next client (once the node saw the close).
  held[0].sock.destroy();
  const deadline = Date.now() + 5000;
  for (;;) {
    const again = await rawExchange(node.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    if (again.statuses[0] === 200) {
      assert.ok(metric(again.data.split('\r\n\r\n')[1], 'tidewire_connections_refused_total') >= 1);
      break;
    }
    assert.ok(Date.now() < deadline, `still refused: ${again.data.slice(0, 200)}`);
  }
  ws.close();
  for (const h of held) h.sock.destroy();
});

test('--max-connections-per-ip: 429 for that address, other addresses served', async (t) => {
  const node = await startNode({ args: ['--max-connections-per-ip=3'] });
  t.after(() => node.stop());
  const held = await openSockets(node.port, 3);
  const refused = await rawExchange(node.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.deepEqual(refused.statuses, [429]);
  const other = await rawExchange(node.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.2' });
  assert.deepEqual(other.statuses, [200]);
  for (const h of held) h.sock.destroy();
});

test('--max-messages-per-s: rate_limited, then 1008 on persistent abuse; others served', async (t) => {
  const node = await startNode({ args: ['--max-messages-per-s=20'] });
  t.after(() => node.stop());
  const calm = await Client.open(node.wsUrl);
  const flood = await Client.open(node.wsUrl);
  for (let i = 0; i < 60; i++) flood.send({ type: 'ping', id: i });
  const limited = await flood.next((m) => m.type === 'error' && m.code === 'rate_limited');
  assert.match(limited.message, /20 messages per second/);
  const timer = setInterval(() => { for (let i = 0; i < 20; i++) if (!flood.closeInfo) flood.send({ type: 'ping' }); }, 10);
  try {
    const info = await flood.closed(10000);
    assert.equal(info.code, 1008);
    assert.match(info.reason, /rate limit/);
  } finally {
    clearInterval(timer);
  }
  assert.equal((await calm.request({ type: 'ping' })).type, 'pong');
  calm.close();
});

test('a client that sends but never reads is closed by the write timeout', async (t) => {
  const node = await startNode({ args: ['--write-timeout-s=2', '--queue-bytes=1073741824', '--durability=none', '--max-frame=1048576'] });
  t.after(() => node.stop());
  const reader = await RawWs.connect(node.port);
  await reader.next((f) => f.opcode === 1);
  reader.text(JSON.stringify({ type: 'subscribe', channel: 'trades', id: 1 }));
  await reader.next((f) => f.opcode === 1 && f.payload.toString().includes('subscribed'));
  reader.sock.pause(); // never reads again, but keeps sending
  const sender = setInterval(() => reader.text('{"type":"ping"}'), 50);
  t.after(() => clearInterval(sender));
  const publisher = await Client.open(node.wsUrl);
  const payload = 'x'.repeat(500000);
  for (let i = 0; i < 80 && !reader.ended; i++) {
    const r = await publisher.request({ type: 'publish', channel: 'trades', data: { i, payload } });
    assert.equal(r.type, 'published');
  }
  // The reader's connection is gone; the publisher's is still open.
  await waitForMetric(node.url, 'tidewire_ws_connections_open', (v) => v === 1);
  assert.equal((await publisher.request({ type: 'ping' })).type, 'pong');
  publisher.close();
  reader.destroy();
});

test('the write timeout bounds a write, not the quiet time after it', async (t) => {
  // The write timer, when it fires, closes only a write in flight for
  // --write-timeout-s, and goes when the connection is idle: a subscriber
  // that got its updates and then stays quiet for longer keeps its
  // connection.
  const node = await startNode({ args: ['--write-timeout-s=1', '--durability=none'] });
  t.after(() => node.stop());
  const quiet = await Client.open(node.wsUrl);
  assert.equal((await quiet.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
  const publisher = await Client.open(node.wsUrl);
  for (let i = 0; i < 3; i++)
    assert.equal((await publisher.request({ type: 'publish', channel: 'trades', data: { i } })).type, 'published');
  await quiet.next((m) => m.type === 'update' && m.seq === 3);
  // Past two deadlines with nothing to write: both connections must stay.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(metric((await getJson(`${node.url}/metrics`)).body, 'tidewire_ws_connections_open'), 2);
  assert.equal((await quiet.request({ type: 'ping' })).type, 'pong');
  assert.equal((await publisher.request({ type: 'ping' })).type, 'pong');
  quiet.close();
  publisher.close();
});

test('a flood from one address under a low fd limit: /readyz still served to others', async (t) => {
  const node = await startNode({ prefix: ['prlimit', '--nofile=64:64'], args: ['--durability=none', '--max-connections-per-ip=30'] });
  t.after(() => node.stop());
  const flood = await openSockets(node.port, 120);
  assert.ok(flood.filter((f) => f.refused.includes(' 429 ')).length >= 80);
  const r = await rawExchange(node.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.2' });
  assert.deepEqual(r.statuses, [200]);
  for (const f of flood) f.sock.destroy();
  assert.ok(node.stderr.split('\n').length <= 4, node.stderr);
});

test('out of descriptors (EMFILE): no spinning, no log storm, it recovers', async (t) => {
  // 20 descriptors: the connection cap (15) plus the node's own descriptors
  // pass the limit, so accept() itself fails with EMFILE.
  const node = await startNode({ prefix: ['prlimit', '--nofile=20:20'], args: ['--durability=none', '--max-connections-per-ip=1000'] });
  t.after(() => node.stop());
  const pid = node.child.pid;
  const cpu = () => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks
  };
  const flood = await openSockets(node.port, 120);
  const before = cpu();
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 1500));
  const ticks = cpu() - before;
  const seconds = (Date.now() - started) / 1000;
  // 100 ticks a second is one busy core; a spinning accept loop burns that.
  assert.ok(ticks < 40 * seconds, `${ticks} ticks of CPU in ${seconds} s while flooded`);
  for (const f of flood) f.sock.destroy();
  assert.match(node.stderr, /accept: Too many open files/);
  const lines = node.stderr.split('\n').filter((l) => l.includes('accept')).length;
  assert.ok(lines <= 6, `${lines} accept lines:\n${node.stderr.slice(-1500)}`);
  const deadline = Date.now() + 10000;
  for (;;) {
    const r = await rawExchange(node.port, 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 3000 })
      .catch(() => ({ statuses: [] }));
    if (r.statuses[0] === 200) break;
    assert.ok(Date.now() < deadline, 'readyz served again after the flood');
  }
});
