// Against a real node: the client survives the node going away (SIGTERM,
// SIGKILL) and coming back on the same port and data directory, and resumes
// every channel from its last seq: each published message is seen exactly
// once, in order. A node that lost its history answers `recovered: false`,
// which the client reports as a `reset` event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TidewireClient } from '../../web/client/tidewire.js';
import { startNode, removeDir, tempDir, binaryAvailable, BIN } from './helpers/node.mjs';
import { waitForEvent, recordChannel } from './helpers/wait.mjs';

test.before(() => assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`));

function newClient(node, extra = {}) {
  return new TidewireClient({
    urls: [node.wsUrl], WebSocket, autoConnect: false, channels: ['trades', 'dashboard'],
    reconnect: { baseMs: 400, maxMs: 1000 }, ...extra,
  });
}

// Publishes `count` numbered trades; returns the acks' seqs by number.
async function publishNumbered(node, from, count) {
  const seqs = new Map();
  for (let n = from; n < from + count; n++) {
    const ack = await node.publish('trades', { id: `t${n}`, n, symbol: 'ACME', side: 'buy', qty: 1, price: 10 + n });
    assert.equal(ack.channel, 'trades');
    seqs.set(n, ack.seq);
  }
  return seqs;
}

function assertExactlyOnce(rec, acks) {
  const expected = [...acks.values()];
  assert.deepEqual(rec.seqs, expected, 'every seq exactly once, in order, no gap');
  for (let i = 1; i < rec.seqs.length; i++) assert.equal(rec.seqs[i], rec.seqs[i - 1] + 1);
  for (const [n, seq] of acks) {
    const idx = rec.seqs.indexOf(seq);
    assert.equal(rec.data[idx].n, n, `seq ${seq} carries message ${n}`);
  }
}

async function scenario(t, signal) {
  let node = await startNode();
  const dataDir = node.dataDir;
  const client = newClient(node);
  t.after(async () => {
    client.close();
    await node.stop('SIGKILL');
    await removeDir(dataDir);
  });
  const rec = recordChannel(client, 'trades');
  const subscribed = [];
  client.on('subscribed', (s) => subscribed.push(s));
  const first = waitForEvent(client, 'subscribed', (s) => s.channel === 'trades');
  client.connect();
  await first;

  const acks = await publishNumbered(node, 1, 25);
  await rec.waitFor(acks.get(25));

  const lost = waitForEvent(client, 'disconnected');
  const exit = await node.stop(signal);
  const closeInfo = await lost;
  if (signal === 'SIGTERM') assert.equal(closeInfo.code, 1001, 'clients are closed with 1001 (going away)');
  assert.notEqual(client.state, 'connected');

  node = await node.restart();
  // Published while the client waits out its backoff: it must catch up.
  const missedWhileAway = client.state !== 'connected';
  for (const [n, seq] of await publishNumbered(node, 26, 25)) acks.set(n, seq);
  await rec.waitFor(acks.get(50));
  // And live again after the resume.
  for (const [n, seq] of await publishNumbered(node, 51, 10)) acks.set(n, seq);
  await rec.waitFor(acks.get(60));

  assertExactlyOnce(rec, acks);
  const resumed = subscribed.filter((s) => s.channel === 'trades').at(-1);
  assert.equal(resumed.recovered, true, 'the node recovered the subscription');
  assert.equal(resumed.since, acks.get(25));
  assert.equal(client.stats.resets, 0);
  assert.equal(client.stats.gaps, 0);
  t.diagnostic(`published while the client was away: ${missedWhileAway}`);
  // Checked last so that a slow shutdown does not hide the resume's result.
  if (signal === 'SIGTERM') assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM drains and exits 0 within 10 s');
}

test('SIGTERM: closed with 1001, reconnects to the restarted node, resumes with no gap', (t) => scenario(t, 'SIGTERM'));

test('SIGKILL: reconnects to the restarted node and resumes with no gap', (t) => scenario(t, 'SIGKILL'));

test('a node restarted without its history (new epoch) is reported as a reset', async (t) => {
  let node = await startNode();
  const firstDir = node.dataDir;
  const secondDir = await tempDir();
  const client = newClient(node);
  t.after(async () => {
    client.close();
    await node.stop('SIGKILL');
    await removeDir(firstDir);
    await removeDir(secondDir);
  });
  const rec = recordChannel(client, 'trades');
  const first = waitForEvent(client, 'subscribed', (s) => s.channel === 'trades');
  client.connect();
  const { epoch: firstEpoch } = await first;
  const acks = await publishNumbered(node, 1, 5);
  await rec.waitFor(acks.get(5));

  await node.stop('SIGTERM');
  const reset = waitForEvent(client, 'reset', (r) => r.channel === 'trades', 20000);
  node = await node.restart({ dataDir: secondDir });
  const r = await reset;
  assert.equal(r.previousEpoch, firstEpoch);
  assert.equal(r.previousSeq, acks.get(5));
  assert.notEqual(r.epoch, firstEpoch);
  assert.equal(r.reason, 'epoch_changed');

  // The new history is delivered from its start.
  const fresh = await publishNumbered(node, 100, 3);
  await rec.waitForData((d) => d.n === 102, 10000);
  assert.deepEqual(rec.seqs.slice(-3), [...fresh.values()]);
  assert.deepEqual(rec.data.slice(-3).map((d) => d.n), [100, 101, 102]);
});
