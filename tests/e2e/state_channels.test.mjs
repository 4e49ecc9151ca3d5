// State channels end to end: the document survives kill -9 (snapshot plus
// the records after it), a document larger than --queue-bytes reaches a new
// subscriber, and a reader that stops reading while patches pour in ends
// with the server's document (its patches conflated, no 1013), while a
// stream subscriber in the same spot still gets 1013.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson } from './client.mjs';
import { applyMergePatch } from '../../web/client/merge-patch.js';

async function publish(url, channel, data) {
  const res = await postJson(`${url}/api/v1/channels/${channel}/messages`, data);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

// Publishes `count` patches, `parallel` at a time; returns the document
// they make, applied in seq order.
async function publishMany(url, channel, count, makePatch, parallel = 8) {
  const acked = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const patch = makePatch(i);
      const ack = await publish(url, channel, patch);
      acked.push([ack.seq, patch]);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  acked.sort((a, b) => a[0] - b[0]);
  return acked;
}

async function state(url, channel) {
  const res = await getJson(`${url}/api/v1/channels/${channel}/state`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

test('the document survives kill -9 twice, across a stored snapshot', async (t) => {
  let node = await startNode();
  const dataDir = node.dataDir;
  t.after(() => node.stop());
  let doc = {};
  let head = 0;
  // 1300 patches: the document is stored with the 1000th record, the last
  // 300 live only as records until the kill.
  for (const [round, count] of [[0, 1300], [1, 250]]) {
    const acked = await publishMany(node.url, 'dashboard', count, (i) => {
      const patch = { [`k${i % 13}`]: { n: i, round }, counter: i };
      if (i % 7 === 0) patch[`k${(i + 5) % 13}`] = null;
      return patch;
    });
    for (const [seq, patch] of acked) {
      assert.equal(seq, head + 1);
      head = seq;
      doc = applyMergePatch(doc, patch);
    }
    node.kill('SIGKILL');
    await node.waitExit();
    node = await startNode({ dataDir });
    const s = await state(node.url, 'dashboard');
    assert.equal(s.seq, head);
    assert.deepEqual(s.data, doc);
  }
});

test('a document larger than --queue-bytes reaches a new subscriber', async (t) => {
  const node = await startNode({ args: ['--queue-bytes=16384'] });
  t.after(() => node.stop());
  for (let i = 0; i < 4; ++i) await publish(node.url, 'positions', { [`big${i}`]: 'x'.repeat(50000) });
  const c = await Client.open(node.wsUrl);
  t.after(() => c.close());
  c.send({ type: 'subscribe', channel: 'positions', id: 1 });
  const snap = await c.next((m) => m.type === 'snapshot');
  assert.equal(snap.seq, 4);
  assert.equal(JSON.stringify(snap.data).length > 200000, true);
  // Still open: a publish reaches it.
  await publish(node.url, 'positions', { small: 1 });
  const upd = await c.next((m) => m.type === 'update');
  assert.equal(upd.seq, 5);
  assert.equal(c.closeInfo, null);
});

// A raw reader whose socket can stop reading (the kernel buffers fill, then
// the node's queue for it).
async function pausedReader(node, channel) {
  const c = await Client.open(node.wsUrl);
  c.send({ type: 'subscribe', channel, id: 1 });
  await c.next((m) => m.type === 'subscribed');
  c.ws._socket.pause();
  return c;
}

test('a reader that stops reading gets its state patches conflated, a stream reader 1013', async (t) => {
  const node = await startNode({ args: ['--queue-bytes=65536', '--write-timeout-s=120'] });
  t.after(() => node.stop());
  // Members no patch touches: the composed patch is smaller than the document.
  for (let i = 0; i < 6; ++i) await publish(node.url, 'performance', { [`fixed${i}`]: 'f'.repeat(50000) });
  const stateReader = await pausedReader(node, 'performance');
  const streamReader = await pausedReader(node, 'alerts');
  // ~14 MB per channel: more than the kernel's socket buffers hold.
  const big = 'p'.repeat(24000);
  await Promise.all([
    publishMany(node.url, 'performance', 600, (i) => ({ [`k${i % 10}`]: { i, big } }), 4),
    publishMany(node.url, 'alerts', 600, (i) => ({ i, big }), 4),
  ]);
  const server = await state(node.url, 'performance');
  assert.equal(server.seq, 606);
  stateReader.ws._socket.resume();
  streamReader.ws._socket.resume();

  let doc = {};
  let seq = 0;
  let conflated = 0;
  while (seq < server.seq) {
    const m = await stateReader.next((x) => x.type === 'snapshot' || x.type === 'update' || x.type === 'error');
    assert.notEqual(m.type, 'error', JSON.stringify(m));
    if (m.type === 'snapshot') {
      doc = m.data;
    } else {
      if (m.conflated === true) { conflated += 1; assert.ok(m.seq > seq); }
      else assert.equal(m.seq, seq + 1);
      doc = applyMergePatch(doc, m.data);
    }
    seq = m.seq;
  }
  assert.equal(seq, server.seq);
  assert.deepEqual(doc, server.data);
  assert.ok(conflated >= 1, 'at least one conflated update');
  assert.equal(stateReader.closeInfo, null, 'the state reader was not closed');

  const closed = await streamReader.closed();
  assert.equal(closed.code, 1013);
});
