// Data exactly as published, state documents that stay objects, and
// idempotent publishes that survive a restart, on both transports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { Client, getJson } from './client.mjs';

const BIG = '123456789012345678901234567890';
const PRECISE = '0.1000000000000000055511151231257827';
const DATA_TEXT = `{"big":${BIG},"precise":${PRECISE},"neg":-1.50E+300,"s":"\\u00e9"}`;

async function rawPost(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body,
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

async function rawGet(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  return { status: res.status, text: await res.text() };
}

// The next raw text frame that includes `needle`.
function rawFrame(c, needle) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no frame with ${needle}`)), 10000);
    const on = (data) => {
      const text = data.toString('utf8');
      if (text.includes(needle)) {
        clearTimeout(timer);
        c.ws.off('message', on);
        resolve(text);
      }
    };
    c.ws.on('message', on);
  });
}

function tempDir(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-once-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('numbers come back byte for byte through WebSocket, history, state and the store', async (t) => {
  const dir = tempDir(t);
  let node = await startNode({ dataDir: dir });
  t.after(() => node.stop());
  const sub = await Client.open(node.wsUrl);
  t.after(() => sub.close());
  await sub.request({ type: 'subscribe', channel: 'trades' });
  const live = rawFrame(sub, '"update"');
  const r = await rawPost(`${node.url}/api/v1/channels/trades/messages`, ` ${DATA_TEXT.replace(',', ' , ')}\n`);
  assert.equal(r.status, 200, r.text);
  assert.ok((await live).includes(`"data":${DATA_TEXT}`), 'live update keeps the numbers');

  // Over WebSocket, in a batch of two messages.
  const pub = await Client.open(node.wsUrl);
  t.after(() => pub.close());
  const live2 = rawFrame(sub, `"seq":2`);
  pub.sendRaw(`[{"type":"ping","id":"p"},{"type":"publish","channel":"trades","id":"w","data":${DATA_TEXT}}]`);
  assert.equal((await pub.next((m) => m.id === 'w')).seq, 2);
  assert.ok((await live2).includes(`"data":${DATA_TEXT}`), 'a WebSocket publish keeps the numbers');

  // A state document keeps them too, merged.
  assert.equal((await rawPost(`${node.url}/api/v1/channels/dashboard/messages`, `{"a":${BIG},"b":{"c":${PRECISE}}}`)).status, 200);
  assert.equal((await rawPost(`${node.url}/api/v1/channels/dashboard/messages`, '{"b":{"d":1.0E-7}}')).status, 200);
  const docText = `{"a":${BIG},"b":{"c":${PRECISE},"d":1.0E-7}}`;
  assert.ok((await rawGet(`${node.url}/api/v1/channels/dashboard/state`)).text.includes(`"data":${docText}`));

  for (let round = 0; round < 2; round++) {
    const h = await rawGet(`${node.url}/api/v1/channels/trades/history?since=0`);
    assert.equal(h.text.split(`"data":${DATA_TEXT}`).length - 1, 2, `history (${round ? 'after restart, from the store' : 'from memory'})`);
    const c = await Client.open(node.wsUrl);
    const snap = rawFrame(c, '"snapshot"');
    c.send({ type: 'subscribe', channel: 'dashboard' });
    assert.ok((await snap).includes(`"data":${docText}`), 'snapshot keeps the numbers');
    c.close();
    if (round === 0) {
      node.kill('SIGTERM');
      await node.waitExit();
      node = await startNode({ dataDir: dir });
    }
  }
});

test('state channels accept only objects, on both transports', async (t) => {
  const node = await startNode();
  t.after(() => node.stop());
  for (const body of ['[1,2,3]', '5', '"text"', 'null', 'true']) {
    const r = await rawPost(`${node.url}/api/v1/channels/dashboard/messages`, body);
    assert.equal(r.status, 400, body);
    assert.equal(r.body.error.code, 'bad_request');
    assert.match(r.body.error.message, /object/);
  }
  const c = await Client.open(node.wsUrl);
  t.after(() => c.close());
  for (const data of [[1, 2, 3], 7, null]) {
    const reply = await c.request({ type: 'publish', channel: 'positions', data });
    assert.equal(reply.type, 'error', JSON.stringify(data));
    assert.equal(reply.code, 'bad_request');
  }
  // Nothing was stored, and objects still work; a stream takes any JSON.
  const state = await getJson(`${node.url}/api/v1/channels/dashboard/state`);
  assert.equal(state.body.seq, 0);
  assert.equal((await c.request({ type: 'publish', channel: 'positions', data: { a: 1 } })).seq, 1);
  assert.equal((await c.request({ type: 'publish', channel: 'trades', data: [1, 2, 3] })).seq, 1);
});

test('a repeated idempotency key gets the first seq and stores nothing, also after a restart', async (t) => {
  const dir = tempDir(t);
  let node = await startNode({ dataDir: dir });
  t.after(() => node.stop());
  const url = () => `${node.url}/api/v1/channels/alerts/messages`;
  const first = await rawPost(url(), '{"n":1}', { 'Idempotency-Key': 'http-1' });
  assert.equal(first.status, 200);
  const c = await Client.open(node.wsUrl);
  const ws1 = await c.request({ type: 'publish', channel: 'alerts', data: { n: 2 }, key: 'ws-1' });
  assert.equal(ws1.type, 'published');
  // Concurrent repeats of a key while its first publish is being stored.
  const [a, b] = await Promise.all([
    c.request({ type: 'publish', channel: 'alerts', data: { n: 3 }, key: 'ws-2' }),
    c.request({ type: 'publish', channel: 'alerts', data: { n: 3 }, key: 'ws-2' }),
  ]);
  assert.equal(a.seq, b.seq);
  // The same key on another channel is another publish.
  assert.equal((await rawPost(`${node.url}/api/v1/channels/trades/messages`, '{}', { 'Idempotency-Key': 'http-1' })).body.seq, 1);

  const tooLong = 'k'.repeat(129);
  const r = await rawPost(url(), '{"n":9}', { 'Idempotency-Key': tooLong });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'bad_request');
  const e = await c.request({ type: 'publish', channel: 'alerts', data: {}, key: tooLong });
  assert.equal(e.code, 'bad_request');
  c.close();

  for (let round = 0; round < 2; round++) {
    const again = await rawPost(url(), '{"n":1}', { 'Idempotency-Key': 'http-1' });
    assert.equal(again.status, 200);
    assert.equal(again.body.seq, first.body.seq);
    assert.equal(again.body.epoch, first.body.epoch);
    const ws = await Client.open(node.wsUrl);
    const rep = await ws.request({ type: 'publish', channel: 'alerts', data: { n: 2 }, key: 'ws-1' });
    assert.equal(rep.seq, ws1.seq);
    assert.equal(rep.epoch, ws1.epoch);
    ws.close();
    const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=0`);
    assert.deepEqual(h.body.updates.map((u) => u.data.n), [1, 2, 3], `one record per key (round ${round})`);
    if (round === 0) {
      node.kill('SIGTERM');
      await node.waitExit();
      node = await startNode({ dataDir: dir });
    }
  }
  // A new key is a new publish.
  assert.equal((await rawPost(url(), '{"n":4}', { 'Idempotency-Key': 'http-2' })).body.seq, 4);
});

test('history since the head or past it is an empty page', async (t) => {
  const node = await startNode();
  t.after(() => node.stop());
  for (let i = 0; i < 3; i++) await rawPost(`${node.url}/api/v1/channels/alerts/messages`, '{}');
  for (const since of ['3', '4', '18446744073709551615']) {
    const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${since}`);
    assert.equal(h.status, 200);
    assert.deepEqual(h.body.updates, [], `since=${since}`);
    assert.equal(h.body.head, 3);
  }
  const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=2`);
  assert.deepEqual(h.body.updates.map((u) => u.seq), [3]);
});
