// Against a real node with a small outbound queue: a client that stops
// reading is closed with 1013 (slow consumer); it reconnects and resumes from
// its last seq, and still sees every update exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TidewireClient } from '../../web/client/tidewire.js';
import { startNode, removeDir, binaryAvailable, BIN } from './helpers/node.mjs';
import { startProxy } from './helpers/proxy.mjs';
import { waitForEvent, recordChannel } from './helpers/wait.mjs';

test.before(() => assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`));

test('closed with 1013 when it falls behind, then resumes with no gap', async (t) => {
  const node = await startNode({ args: ['--queue-bytes=65536'] });
  const proxy = await startProxy(node.port);
  const client = new TidewireClient({
    urls: [`ws://127.0.0.1:${proxy.port}/ws`], WebSocket, autoConnect: false, channels: ['trades'],
    reconnect: { baseMs: 50, maxMs: 200 }, heartbeatMs: 60000,
  });
  const publisher = new TidewireClient({ urls: [node.wsUrl], WebSocket });
  t.after(async () => {
    client.close();
    publisher.close();
    await proxy.close();
    await node.stop('SIGKILL');
    await removeDir(node.dataDir);
  });
  const rec = recordChannel(client, 'trades');
  const subscribed = waitForEvent(client, 'subscribed', (s) => s.channel === 'trades');
  client.connect();
  await subscribed;

  const subscriptions = [];
  const closes = [];
  client.on('disconnected', (d) => closes.push(d.code));
  t.after(() => t.diagnostic(`closes: ${closes.slice(0, 20).join(',')} (${closes.length}); subscriptions: ${JSON.stringify(subscriptions.slice(0, 5).map((s) => [s.since, s.seq, s.recovered]))}; last applied ${rec.seqs.at(-1)}`));
  client.on('subscribed', (s) => subscriptions.push(s));
  const closed = waitForEvent(client, 'disconnected', () => true, 60000);

  // Stop reading on the client's path and publish more than the loopback
  // socket buffers (a few MB) plus the node's 64 KiB queue can hold.
  proxy.pauseDownstream();
  const payload = 'x'.repeat(4000);
  const acks = [];
  for (let round = 0; round < 60; round++) {
    const batch = [];
    for (let i = 0; i < 100; i++) batch.push(publisher.publish('trades', { n: acks.length + batch.length + 1, payload }));
    for (const ack of await Promise.all(batch)) acks.push(ack.seq);
  }
  // The client reads what was buffered on its path, then the 1013 close.
  proxy.resumeDownstream();
  const info = await closed;
  assert.equal(info.code, 1013, 'closed as a slow consumer');
  await waitForEvent(client, 'state', (s) => s.state === 'connected', 10000);
  for (let i = 0; i < 5; i++) acks.push((await publisher.publish('trades', { n: acks.length + 1 })).seq);
  await rec.waitFor(acks.at(-1), 30000);
  const resumed = subscriptions.at(-1);
  assert.equal(resumed.recovered, true, 'the resume was recovered');
  assert.ok(resumed.since > 0 && resumed.since < acks.at(-6), `resumed from seq ${resumed.since}, mid-burst`);
  assert.deepEqual(rec.seqs, acks, 'every seq exactly once across the 1013 close');
  t.diagnostic(`${acks.length} updates, ${client.stats.reconnects} reconnect(s)`);
});
