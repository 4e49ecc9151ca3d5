// Connecting: welcome, ping, subprotocols, health endpoints, static files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client, getJson, rawHttp } from './client.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node?.stop(); });

test('welcome carries node, session, protocol, heartbeat and reconnect', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    const w = c.welcome;
    assert.equal(w.type, 'welcome');
    assert.equal(typeof w.node, 'string');
    assert.ok(w.node.length > 0);
    assert.equal(typeof w.session, 'string');
    assert.ok(w.session.length > 0);
    assert.equal(w.protocol, 1);
    assert.ok(Number.isInteger(w.heartbeat_ms) && w.heartbeat_ms > 0);
    assert.ok(Number.isInteger(w.reconnect.base_ms));
    assert.ok(Number.isInteger(w.reconnect.max_ms));
    assert.ok(w.reconnect.max_ms >= w.reconnect.base_ms);
    const other = await Client.open(node.wsUrl);
    assert.notEqual(other.welcome.session, w.session, 'session ids are unique');
    other.close();
  } finally {
    c.close();
  }
});

test('ping answers pong with the same id (string and integer ids)', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    c.send({ type: 'ping', id: 'abc' });
    const pong = await c.next((m) => m.type === 'pong');
    assert.equal(pong.id, 'abc');
    c.send({ type: 'ping', id: 42 });
    assert.equal((await c.next((m) => m.type === 'pong')).id, 42);
    c.send({ type: 'ping' });
    const bare = await c.next((m) => m.type === 'pong');
    assert.equal(bare.id, undefined);
  } finally {
    c.close();
  }
});

test('an array of messages in one frame is processed in order', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    c.sendRaw(JSON.stringify([{ type: 'ping', id: 1 }, { type: 'ping', id: 2 }, { type: 'ping', id: 3 }]));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await c.next((m) => m.type === 'pong')).id);
    assert.deepEqual(ids, [1, 2, 3]);
  } finally {
    c.close();
  }
});

test('subprotocol tidewire.v1.json is echoed; none offered also speaks JSON', async () => {
  const a = await Client.open(node.wsUrl, { protocols: ['tidewire.v1.json'] });
  assert.equal(a.ws.protocol, 'tidewire.v1.json');
  a.close();
  const b = await Client.open(node.wsUrl, { protocols: ['chat', 'tidewire.v1.json'] });
  assert.equal(b.ws.protocol, 'tidewire.v1.json');
  b.close();
  const c = await Client.open(node.wsUrl);
  assert.equal(c.ws.protocol, '');
  c.close();
});

test('only unsupported subprotocols: handshake refused with 400', async () => {
  await assert.rejects(Client.connect(node.wsUrl, { protocols: ['tidewire.v2.json', 'chat'] }), (err) => {
    assert.equal(err.statusCode, 400);
    assert.match(err.body, /subprotocol.*tidewire\.v1\.json and tidewire\.v1\.msgpack/);
    return true;
  });
});

test('WebSocket upgrade on another path is 404', async () => {
  await assert.rejects(Client.connect(node.wsUrl.replace(/\/ws$/, '/other')), (err) => {
    assert.equal(err.statusCode, 404);
    return true;
  });
});

test('health, liveness, readiness and metrics', async () => {
  for (const p of ['/healthz', '/livez']) {
    const r = await getJson(`${node.url}${p}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
  }
  assert.equal((await getJson(`${node.url}/readyz`)).status, 200);
  const m = await fetch(`${node.url}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /^text\/plain/);
  const text = await m.text();
  assert.match(text, /^tidewire_ws_connections_open \d+$/m);
  assert.match(text, /^tidewire_ws_messages_in_total \d+$/m);
  assert.match(text, /^tidewire_ws_messages_out_total \d+$/m);
  // One line per channel, from the channels' own state.
  assert.match(text, /^tidewire_channels 5$/m);
  const channels = (await getJson(`${node.url}/api/v1/channels`)).body.channels;
  for (const c of channels) {
    assert.match(text, new RegExp(`^tidewire_channel_head_seq\\{channel="${c.name}",kind="${c.kind}"\\} ${c.head}$`, 'm'));
    assert.match(text, new RegExp(`^tidewire_channel_subscribers\\{channel="${c.name}",kind="${c.kind}"\\} \\d+$`, 'm'));
  }
  const post = await getJson(`${node.url}/healthz`, { method: 'POST' });
  assert.equal(post.status, 405);
});

test('static files with their content type; / is index.html', async () => {
  const index = await fetch(`${node.url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(await index.text(), /<html/i);
  const js = await fetch(`${node.url}/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  await js.arrayBuffer();
  const css = await fetch(`${node.url}/style.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type'), /^text\/css/);
  await css.arrayBuffer();
  const head = await rawHttp(node.port, '/index.html', { method: 'HEAD' });
  assert.equal(head.status, 200);
});

test('the five demo channels are listed', async () => {
  const r = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(r.status, 200);
  const names = r.body.channels.map((c) => c.name).sort();
  assert.deepEqual(names, ['alerts', 'dashboard', 'performance', 'positions', 'trades']);
  for (const c of r.body.channels) {
    assert.ok(['stream', 'state'].includes(c.kind));
    assert.equal(typeof c.epoch, 'string');
    for (const k of ['head', 'first', 'subscribers', 'last_ts']) assert.equal(typeof c[k], 'number', k);
  }
  // No Origin, no CORS grant (and never a wildcard one).
  assert.equal(r.headers.get('access-control-allow-origin'), null);
});
