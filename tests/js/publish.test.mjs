// Against a real node: publish() resolves with the `published` ack matched by
// id, and rejects with the node's error code; state channels arrive as whole
// documents equal to the node's own state after merge patches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TidewireClient } from '../../web/client/tidewire.js';
import { startNode, removeDir, binaryAvailable, BIN } from './helpers/node.mjs';
import { waitForEvent, waitUntil } from './helpers/wait.mjs';

test.before(() => assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`));

let node;
let client;
test.before(async () => {
  node = await startNode();
  client = new TidewireClient({ urls: [node.wsUrl], WebSocket, autoConnect: false, channels: ['positions'] });
  const subscribed = waitForEvent(client, 'subscribed', (s) => s.channel === 'positions');
  client.connect();
  await subscribed;
});
test.after(async () => {
  client?.close();
  await node?.stop('SIGKILL');
  if (node) await removeDir(node.dataDir);
});

test('publish resolves with the ack of its own request', async () => {
  const acks = await Promise.all([1, 2, 3].map((n) => client.publish('trades', { n })));
  assert.deepEqual(acks.map((a) => a.channel), ['trades', 'trades', 'trades']);
  const seqs = acks.map((a) => a.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, [seqs[0], seqs[0] + 1, seqs[0] + 2], 'three distinct consecutive seqs');
  const history = await node.getJson('/api/v1/channels/trades/history?since=0&limit=10');
  assert.equal(history.status, 200);
  for (const a of acks) {
    const u = history.body.updates.find((x) => x.seq === a.seq);
    assert.ok(u, `seq ${a.seq} is in the history`);
  }
});

test('publish to an invalid channel name rejects with invalid_channel', async () => {
  await assert.rejects(client.publish('bad name!', { x: 1 }), (err) => {
    assert.equal(err.name, 'TidewireError');
    assert.equal(err.code, 'invalid_channel');
    return true;
  });
});

test('publish to an undeclared channel rejects with unknown_channel', async () => {
  await assert.rejects(client.publish('nosuchchannel', { x: 1 }), { code: 'unknown_channel' });
});

test('the connection stays usable after errors', async () => {
  const ack = await client.publish('alerts', { id: 'a1', severity: 'info', message: 'hello' });
  assert.equal(ack.channel, 'alerts');
  assert.equal(client.state, 'connected');
});

test('subscribing to an invalid channel is reported as a server_error', async () => {
  const err = waitForEvent(client, 'server_error', (e) => e.request?.channel === 'bad name!', 5000);
  client.subscribe('bad name!');
  const e = await err;
  assert.equal(e.code, 'invalid_channel');
  assert.equal(client.channel('bad name!').status, 'error');
  client.unsubscribe('bad name!');
});

test('state channel: merge patches give the same document as the node', async () => {
  const patches = [
    { positions: { ACME: { symbol: 'ACME', qty: 10, avg_price: 5, last_price: 5.5 } } },
    { positions: { BOLT: { symbol: 'BOLT', qty: 3, avg_price: 7, last_price: 7 } } },
    { positions: { ACME: { qty: 12, last_price: 5.75 } } },
    { positions: { BOLT: null } },
  ];
  const docs = new Map();
  const off = client.on('positions', (d, meta) => docs.set(meta.seq, d));
  let last;
  // The update may arrive before the ack: record first, then wait for the seq.
  for (const p of patches) last = await client.publish('positions', p);
  await waitUntil(client, ['positions'], () => docs.has(last.seq), 5000, `positions seq ${last.seq}`);
  off();
  const doc = docs.get(last.seq);
  assert.deepEqual(doc, { positions: { ACME: { symbol: 'ACME', qty: 12, avg_price: 5, last_price: 5.75 } } });
  const state = await node.getJson('/api/v1/channels/positions/state');
  assert.equal(state.status, 200);
  assert.equal(state.body.seq, last.seq);
  assert.deepEqual(state.body.data, doc);
});
