// Every kind of bad input gets its error code, and afterwards the connection
// (or a fresh one, when the input closes it) still works and nothing that was
// published before is lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson, rawHttp } from './client.mjs';

let node;
let kept; // a publish made before any bad input
before(async () => {
  node = await startNode();
  const r = await postJson(`${node.url}/api/v1/channels/alerts/messages`, { kept: true });
  assert.equal(r.status, 200);
  kept = r.body.seq;
});
after(async () => { await node?.stop(); });

async function stillWorks(client) {
  if (client) {
    const pong = await client.request({ type: 'ping' });
    assert.equal(pong.type, 'pong');
  }
  const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=0&limit=1000`);
  assert.equal(h.status, 200);
  const u = h.body.updates.find((x) => x.seq === kept);
  assert.deepEqual(u?.data, { kept: true }, 'earlier publish still in history');
}

async function expectError(client, raw, code, { id, mentions } = {}) {
  const err = await client.errorAfter(typeof raw === 'string' ? raw : JSON.stringify(raw));
  assert.equal(err.code, code, `${JSON.stringify(raw).slice(0, 80)} -> ${JSON.stringify(err)}`);
  assert.equal(typeof err.message, 'string');
  if (id !== undefined) assert.equal(err.id, id);
  if (mentions) assert.match(err.message, mentions);
  await stillWorks(client);
}

test('malformed and non-object JSON: bad_request', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    await expectError(c, '{"type":"ping"', 'bad_request', { mentions: /JSON/ });
    await expectError(c, 'not json at all', 'bad_request');
    await expectError(c, '42', 'bad_request', { mentions: /object/ });
    await expectError(c, '"subscribe"', 'bad_request');
    await expectError(c, 'null', 'bad_request');
    await expectError(c, '[]', 'bad_request');
  } finally {
    c.close();
  }
});

test('missing, mistyped and unknown type', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    await expectError(c, { channel: 'alerts', id: 'a' }, 'bad_request', { id: 'a', mentions: /'type'/ });
    await expectError(c, { type: 7, id: 'b' }, 'bad_request', { id: 'b', mentions: /'type'/ });
    await expectError(c, { type: 'subscribez', id: 3 }, 'unknown_type', { id: 3 });
  } finally {
    c.close();
  }
});

test('missing or mistyped fields: bad_request naming the field', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    await expectError(c, { type: 'subscribe', id: 1 }, 'bad_request', { id: 1, mentions: /'channel'/ });
    await expectError(c, { type: 'subscribe', channel: 5, id: 2 }, 'bad_request', { id: 2, mentions: /'channel'/ });
    await expectError(c, { type: 'subscribe', channel: 'alerts', since: -1, id: 3 }, 'bad_request', { mentions: /'since'/ });
    await expectError(c, { type: 'subscribe', channel: 'alerts', since: '4' }, 'bad_request', { mentions: /'since'/ });
    await expectError(c, { type: 'subscribe', channel: 'alerts', since: 1.5 }, 'bad_request', { mentions: /'since'/ });
    await expectError(c, { type: 'subscribe', channel: 'alerts', epoch: 9 }, 'bad_request', { mentions: /'epoch'/ });
    await expectError(c, { type: 'unsubscribe' }, 'bad_request', { mentions: /'channel'/ });
    await expectError(c, { type: 'publish', channel: 'alerts', id: 'p' }, 'bad_request', { id: 'p', mentions: /'data'/ });
    await expectError(c, { type: 'ping', id: 1.5 }, 'bad_request', { mentions: /'id'/ });
    await expectError(c, { type: 'ping', id: { x: 1 } }, 'bad_request', { mentions: /'id'/ });
    await expectError(c, { type: 'auth' }, 'bad_request', { mentions: /'token'/ });
  } finally {
    c.close();
  }
});

test('auth is not enabled on a node', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    await expectError(c, { type: 'auth', token: 't', id: 'x' }, 'bad_request', { id: 'x', mentions: /auth/ });
  } finally {
    c.close();
  }
});

test('invalid and unknown channels', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    await expectError(c, { type: 'subscribe', channel: 'bad name', id: 1 }, 'invalid_channel', { id: 1 });
    await expectError(c, { type: 'subscribe', channel: 'x'.repeat(129) }, 'invalid_channel');
    await expectError(c, { type: 'publish', channel: '../alerts', data: 1 }, 'invalid_channel');
    await expectError(c, { type: 'subscribe', channel: 'no-such-channel', id: 2 }, 'unknown_channel', { id: 2 });
    await expectError(c, { type: 'publish', channel: 'no-such-channel', data: 1, id: 3 }, 'unknown_channel', { id: 3 });
  } finally {
    c.close();
  }
});

test('unsubscribe without a subscription: not_subscribed', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    await expectError(c, { type: 'unsubscribe', channel: 'alerts', id: 'u' }, 'not_subscribed', { id: 'u' });
    const sub = await c.request({ type: 'subscribe', channel: 'alerts' });
    assert.equal(sub.type, 'subscribed');
    const unsub = await c.request({ type: 'unsubscribe', channel: 'alerts' });
    assert.equal(unsub.type, 'unsubscribed');
    await expectError(c, { type: 'unsubscribe', channel: 'alerts' }, 'not_subscribed');
  } finally {
    c.close();
  }
});

test('binary frame: bad_request, connection stays open', async () => {
  const c = await Client.open(node.wsUrl);
  try {
    const err = await c.errorAfter(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal(err.code, 'bad_request');
    assert.match(err.message, /binary/);
    await stillWorks(c);
  } finally {
    c.close();
  }
});

test('oversized frame: close 1009, a fresh connection works', async () => {
  const c = await Client.open(node.wsUrl);
  c.sendRaw(JSON.stringify({ type: 'publish', channel: 'alerts', data: 'x'.repeat(70 * 1024) }));
  const closed = await c.closed();
  assert.equal(closed.code, 1009);
  const fresh = await Client.open(node.wsUrl);
  try {
    await stillWorks(fresh);
    // Nothing of the oversized publish was stored.
    const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=0&limit=1000`);
    assert.ok(h.body.updates.every((u) => typeof u.data !== 'string' || u.data.length < 70 * 1024));
  } finally {
    fresh.close();
  }
});

test('too many protocol errors: close 1008 after 100', async () => {
  const c = await Client.open(node.wsUrl);
  for (let i = 0; i < 100; i++) c.sendRaw('garbage');
  let errors = 0;
  while (errors < 100) {
    const m = await c.next(() => true);
    if (m.type === 'error') errors++;
  }
  c.sendRaw('one too many');
  const closed = await c.closed();
  assert.equal(closed.code, 1008);
  const fresh = await Client.open(node.wsUrl);
  try {
    await stillWorks(fresh);
  } finally {
    fresh.close();
  }
});

test('HTTP: unknown path 404, wrong method 405', async () => {
  const r = await getJson(`${node.url}/no/such/page`);
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'not_found');
  assert.equal(typeof r.body.error.message, 'string');
  const api = await getJson(`${node.url}/api/v1/nothing`);
  assert.equal(api.status, 404);
  assert.equal(api.body.error.code, 'not_found');
  const wrong = await getJson(`${node.url}/api/v1/channels/alerts/messages`);
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'POST');
  await stillWorks();
});

test('HTTP publish: invalid body 400, bad name 400, unknown channel 404, too large 413', async () => {
  const url = (ch) => `${node.url}/api/v1/channels/${ch}/messages`;
  for (const body of ['{"a":', 'hello', '', '{} {}']) {
    const r = await postJson(url('alerts'), body);
    assert.equal(r.status, 400, body);
    assert.equal(r.body.error.code, 'bad_request');
  }
  let r = await postJson(url('bad%20name'), { a: 1 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'invalid_channel');
  r = await postJson(url('no-such-channel'), { a: 1 });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'unknown_channel');
  r = await postJson(url('alerts'), { big: 'x'.repeat(70 * 1024) });
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'too_large');
  await stillWorks();
});

test('HTTP history and state: bad numbers 400, unknown channel 404', async () => {
  const base = `${node.url}/api/v1/channels`;
  for (const q of ['since=-1', 'since=abc', 'limit=0', 'limit=1.5']) {
    const r = await getJson(`${base}/alerts/history?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'bad_request');
  }
  const big = await getJson(`${base}/alerts/history?limit=100000`);
  assert.equal(big.status, 200, 'limit is capped, not refused');
  const unknown = await getJson(`${base}/no-such-channel/history`);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'unknown_channel');
  const state = await getJson(`${base}/no-such-channel/state`);
  assert.equal(state.status, 404);
  await stillWorks();
});

test('HTTP path traversal is refused', async () => {
  for (const target of [
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/..\\..\\..\\etc\\passwd',
    '/index.html%00.png',
    '/.%2e/.%2e/etc/passwd',
    '/modules/../../tests/e2e/node_process.mjs',
  ]) {
    const r = await rawHttp(node.port, target);
    assert.ok(r.status === 400 || r.status === 404, `${target} -> ${r.status}`);
    assert.doesNotMatch(r.body, /root:|import /, target);
  }
  await stillWorks();
});
