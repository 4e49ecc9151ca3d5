// A node with --durability=none keeps history in memory only: publishes
// pipelined from several producers reach a subscriber once each and in seq
// order, resume works from the memory ring, nothing is written to the data
// directory, and a restart starts a new history (new epoch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson } from './client.mjs';

test('memory-only: pipelined publishes fan out in order, resume from the ring, new epoch after restart', async (t) => {
  const node = await startNode({ args: ['--durability=none'] });
  t.after(() => node.stop());
  const sub = await Client.open(node.wsUrl);
  t.after(() => sub.close());
  const subscribed = await sub.request({ type: 'subscribe', channel: 'trades' });
  assert.equal(subscribed.type, 'subscribed');
  assert.equal(subscribed.seq, 0);

  // 200 publishes at once: 100 over WebSocket in two frames of 50, 100 as
  // concurrent HTTP requests.
  const pub = await Client.open(node.wsUrl);
  t.after(() => pub.close());
  const frames = [0, 1].map((half) => Array.from({ length: 50 }, (_, i) => ({
    type: 'publish', channel: 'trades', data: { via: 'ws', n: half * 50 + i }, id: `w${half * 50 + i}`,
  })));
  for (const f of frames) pub.sendRaw(JSON.stringify(f));
  const http = Promise.all(Array.from({ length: 100 }, (_, i) => postJson(`${node.url}/api/v1/channels/trades/messages`, { via: 'http', n: i })));
  const wsAcks = [];
  for (let i = 0; i < 100; i++) wsAcks.push(await pub.next((m) => m.id === `w${i}`));
  const httpAcks = await http;
  for (const a of wsAcks) assert.equal(a.type, 'published', JSON.stringify(a));
  for (const r of httpAcks) assert.equal(r.status, 200, JSON.stringify(r.body));
  // One client's publishes are sequenced in the order it sent them.
  const wsSeqs = wsAcks.map((a) => a.seq);
  assert.deepEqual(wsSeqs, [...wsSeqs].sort((x, y) => x - y));
  const acked = new Set([...wsSeqs, ...httpAcks.map((r) => r.body.seq)]);
  assert.equal(acked.size, 200);
  assert.deepEqual([...acked].sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i + 1));

  const updates = [];
  while (updates.length < 200) updates.push(await sub.next((m) => m.type === 'update'));
  assert.deepEqual(updates.map((u) => u.seq), Array.from({ length: 200 }, (_, i) => i + 1));
  assert.equal(updates.find((u) => u.data.via === 'ws' && u.data.n === 7).seq, wsAcks[7].seq);

  // Resume from the ring: a second client that saw up to seq 150.
  const late = await Client.open(node.wsUrl);
  t.after(() => late.close());
  const resumed = await late.request({ type: 'subscribe', channel: 'trades', since: 150, epoch: subscribed.epoch });
  assert.equal(resumed.recovered, true);
  const rest = [];
  while (rest.length < 50) rest.push(await late.next((m) => m.type === 'update'));
  assert.deepEqual(rest.map((u) => u.seq), Array.from({ length: 50 }, (_, i) => 151 + i));
  const h = await getJson(`${node.url}/api/v1/channels/trades/history?since=195`);
  assert.deepEqual(h.body.updates.map((u) => u.seq), [196, 197, 198, 199, 200]);

  // Nothing was written to disk, and a restart is a new history.
  assert.deepEqual(readdirSync(node.dataDir), []);
  await node.stop();
  const again = await startNode({ args: ['--durability=none'], dataDir: node.dataDir });
  t.after(() => again.stop());
  const c = await Client.open(again.wsUrl);
  t.after(() => c.close());
  const after = await c.request({ type: 'subscribe', channel: 'trades', since: 200, epoch: subscribed.epoch });
  assert.equal(after.recovered, false);
  assert.notEqual(after.epoch, subscribed.epoch);
  assert.equal(after.seq, 0);
});
