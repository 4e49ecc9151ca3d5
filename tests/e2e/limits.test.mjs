// Inbound limits on the real node: producers faster than the store are told
// `rate_limited` (WebSocket) or 429 (HTTP) and lose nothing they were
// acknowledged for; idle connections and oversized bodies are cut off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { Client, TIMEOUT_MS, getJson, postJson } from './client.mjs';

// Every update of `channel` after `since`, paging through history.
async function historyAfter(node, channel, since) {
  const out = [];
  for (let from = since; ;) {
    const h = await getJson(`${node.url}/api/v1/channels/${channel}/history?since=${from}&limit=1000`);
    assert.equal(h.status, 200);
    out.push(...h.body.updates);
    if (h.body.updates.length === 0 || out.at(-1).seq >= h.body.head) return out;
    from = out.at(-1).seq;
  }
}

test('a client past its publishes in flight gets rate_limited and keeps every acked update', async (t) => {
  const node = await startNode({ args: ['--durability=sync', '--max-publishes-in-flight=4'] });
  t.after(() => node.stop());
  const c = await Client.open(node.wsUrl);
  t.after(() => c.close());
  const head = (await getJson(`${node.url}/api/v1/channels/alerts/history?limit=1`)).body.head;

  // One frame of 64 publishes reaches the session far faster than a synced
  // write comes back.
  const batch = Array.from({ length: 64 }, (_, i) => ({ type: 'publish', channel: 'alerts', data: { n: i }, id: i }));
  c.sendRaw(JSON.stringify(batch));
  const replies = [];
  for (let i = 0; i < 64; i++) replies.push(await c.next((m) => m.id === i));

  const acked = replies.filter((m) => m.type === 'published');
  const refused = replies.filter((m) => m.type === 'error');
  assert.ok(refused.length >= 1, 'some publishes were refused');
  assert.ok(acked.length >= 4, 'the first ones went through');
  assert.equal(acked.length + refused.length, 64);
  for (const e of refused) {
    assert.equal(e.code, 'rate_limited');
    assert.match(e.message, /awaiting their ack/);
  }
  // The acked ones hold consecutive seqs, in publish order, and are stored;
  // nothing refused is.
  assert.deepEqual(acked.map((m) => m.seq), acked.map((_, k) => head + 1 + k));
  const stored = await historyAfter(node, 'alerts', head);
  assert.deepEqual(stored.map((u) => u.data.n), acked.map((m) => m.id));

  // Slots free up once acks return.
  const again = await c.request({ type: 'publish', channel: 'alerts', data: { n: 'after' } });
  assert.equal(again.type, 'published');
  assert.equal(again.seq, head + acked.length + 1);
});

test('HTTP publishes past a channel queue get 429 rate_limited and lose nothing acked', async (t) => {
  const node = await startNode({ args: ['--durability=sync', '--max-pending-publishes=1'] });
  t.after(() => node.stop());
  const url = `${node.url}/api/v1/channels/trades/messages`;
  const head = (await getJson(`${node.url}/api/v1/channels/trades/history?limit=1`)).body.head;
  const ok = [];
  let limited = null;
  // Bursts of concurrent publishes until one finds the queue full (bounded).
  for (let round = 0; round < 20 && !limited; round++) {
    const rs = await Promise.all(Array.from({ length: 32 }, (_, i) => postJson(url, { round, i })
      .then((r) => ({ ...r, data: { round, i } }))));
    for (const r of rs) {
      if (r.status === 200) ok.push(r);
      else if (r.status === 429) limited = r;
      else assert.fail(`unexpected ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
  assert.ok(limited, 'a burst overflowed the queue of one');
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.match(limited.body.error.message, /trades has 1 publishes waiting/);

  // Every acknowledged publish is stored under its seq; the head counts only those.
  const stored = new Map((await historyAfter(node, 'trades', head)).map((u) => [u.seq, u.data]));
  assert.equal(stored.size, ok.length);
  for (const r of ok) assert.deepEqual(stored.get(r.body.seq), r.data);
  const info = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(info.body.channels.find((ch) => ch.name === 'trades').head, head + ok.length);
  // Operators see both in /metrics.
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  const limitedCount = Number(/^tidewire_http_rate_limited_total (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(limitedCount >= 1, `429s counted: ${limitedCount}`);
  assert.match(metrics, new RegExp(`^tidewire_channel_head_seq\\{channel="trades",kind="stream"\\} ${head + ok.length}$`, 'm'));
});

test('an HTTP connection silent past --idle-timeout-s is closed by the node', async (t) => {
  const node = await startNode({ args: ['--idle-timeout-s=1'] });
  t.after(() => node.stop());
  const sock = net.connect(node.port, '127.0.0.1');
  t.after(() => sock.destroy());
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  const started = Date.now();
  sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // never finished
  const closed = new Promise((resolve) => sock.once('close', resolve));
  const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('not closed')), TIMEOUT_MS));
  await Promise.race([closed, timer]);
  assert.ok(Date.now() - started >= 900, 'not before the timeout');
  // The node still serves.
  assert.equal((await getJson(`${node.url}/healthz`)).status, 200);
});

test('a request body over --http-body-limit gets 413', async (t) => {
  const node = await startNode({ args: ['--http-body-limit=2048'] });
  t.after(() => node.stop());
  const url = `${node.url}/api/v1/channels/alerts/messages`;
  const small = await postJson(url, { text: 'x'.repeat(1000) });
  assert.equal(small.status, 200);
  const big = await postJson(url, { text: 'x'.repeat(4000) });
  assert.equal(big.status, 413);
  assert.equal(big.body.error.code, 'too_large');
  const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${small.body.seq}`);
  assert.deepEqual(h.body.updates, [], 'the refused body was not published');
});

test('subscriptions past --max-subscriptions are refused until one is dropped', async (t) => {
  const node = await startNode({ args: ['--max-subscriptions=2'] });
  t.after(() => node.stop());
  const c = await Client.open(node.wsUrl);
  t.after(() => c.close());
  assert.equal((await c.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
  assert.equal((await c.request({ type: 'subscribe', channel: 'alerts' })).type, 'subscribed');
  const refused = await c.request({ type: 'subscribe', channel: 'dashboard' });
  assert.equal(refused.type, 'error');
  assert.equal(refused.code, 'rate_limited');
  assert.match(refused.message, /at most 2 subscriptions per connection/);
  // The two live subscriptions are unaffected.
  const ack = await postJson(`${node.url}/api/v1/channels/alerts/messages`, { n: 1 });
  const update = await c.next((m) => m.type === 'update' && m.channel === 'alerts');
  assert.equal(update.seq, ack.body.seq);
  assert.equal((await c.request({ type: 'unsubscribe', channel: 'trades' })).type, 'unsubscribed');
  assert.equal((await c.request({ type: 'subscribe', channel: 'dashboard' })).type, 'subscribed');
});

test('channels made on demand stop at --max-channels with 429; existing ones still work', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-e2e-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'channels.json');
  writeFileSync(config, JSON.stringify({ channels: [{ pattern: 'desk.*', kind: 'stream' }] }));
  // The five built-in channels count: room for two more.
  const node = await startNode({ args: [`--config=${config}`, '--max-channels=7'] });
  t.after(() => node.stop());
  const post = (name) => postJson(`${node.url}/api/v1/channels/${name}/messages`, { name });
  assert.equal((await post('desk.a')).status, 200);
  assert.equal((await post('desk.b')).status, 200);
  const refused = await post('desk.c');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'rate_limited');
  assert.match(refused.body.error.message, /cannot create desk\.c/);
  assert.equal((await post('desk.a')).status, 200);
  assert.equal((await post('trades')).status, 200);
  const names = (await getJson(`${node.url}/api/v1/channels`)).body.channels.map((ch) => ch.name);
  assert.ok(!names.includes('desk.c'));
  assert.equal(names.length, 7);
});
