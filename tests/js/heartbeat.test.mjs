// Against a real node behind a TCP proxy that goes silent without closing:
// only the heartbeat can notice. The client must declare the connection dead
// after ~2 heartbeats, reconnect, and resume with no gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TidewireClient } from '../../web/client/tidewire.js';
import { startNode, removeDir, binaryAvailable, BIN } from './helpers/node.mjs';
import { startProxy } from './helpers/proxy.mjs';
import { waitForEvent, recordChannel } from './helpers/wait.mjs';

test.before(() => assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`));

test('a stalled connection is detected by the heartbeat and resumed', async (t) => {
  const node = await startNode();
  const proxy = await startProxy(node.port);
  const client = new TidewireClient({
    urls: [`ws://127.0.0.1:${proxy.port}/ws`], WebSocket, autoConnect: false, channels: ['trades'],
    heartbeatMs: 200, deadAfterMs: 600, reconnect: { baseMs: 50, maxMs: 200 },
  });
  t.after(async () => {
    client.close();
    await proxy.close();
    await node.stop('SIGKILL');
    await removeDir(node.dataDir);
  });
  const rec = recordChannel(client, 'trades');
  const pongs = [];
  client.on('message', (m) => { if (m.type === 'pong') pongs.push(Date.now()); });
  const subscribed = waitForEvent(client, 'subscribed', (s) => s.channel === 'trades');
  client.connect();
  await subscribed;

  const acks = [];
  for (let n = 1; n <= 5; n++) acks.push((await node.publish('trades', { n })).seq);
  await rec.waitFor(acks.at(-1));
  await waitForEvent(client, 'message', (m) => m.type === 'pong', 5000);

  assert.equal(proxy.stall(), 1, 'one connection stalled');
  const stalledAt = Date.now();
  const timeout = waitForEvent(client, 'heartbeat_timeout', () => true, 5000);
  const disconnected = waitForEvent(client, 'disconnected', () => true, 5000);
  // Published while the path is dead: never reaches this connection.
  for (let n = 6; n <= 10; n++) acks.push((await node.publish('trades', { n })).seq);
  const info = await timeout;
  const detectedAfter = Date.now() - stalledAt;
  assert.ok(info.silentMs >= 600, `declared dead only after deadAfterMs of silence (${info.silentMs} ms)`);
  assert.ok(detectedAfter < 3000, `detected within a few heartbeats (${detectedAfter} ms)`);

  assert.equal((await disconnected).code, 4000, 'given up by the client, no close frame from the path');
  await waitForEvent(client, 'subscribed', (s) => s.channel === 'trades' && s.recovered, 5000);
  for (let n = 11; n <= 15; n++) acks.push((await node.publish('trades', { n })).seq);
  await rec.waitFor(acks.at(-1));
  assert.deepEqual(rec.seqs, acks, 'every seq exactly once across the stall');
  assert.deepEqual(rec.data.map((d) => d.n), Array.from({ length: 15 }, (_, i) => i + 1));
  assert.equal(client.stats.heartbeatTimeouts, 1);
  t.diagnostic(`stall detected after ${detectedAfter} ms; ${pongs.length} pongs seen`);
});
