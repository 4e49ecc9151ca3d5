// Publishing over HTTP and WebSocket: every subscriber sees the same seqs in
// the same order, and history has them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson } from './client.mjs';

let node;
before(async () => { node = await startNode(); });
after(async () => { await node?.stop(); });

async function subscribed(channel) {
  const c = await Client.open(node.wsUrl);
  const sub = await c.request({ type: 'subscribe', channel });
  assert.equal(sub.type, 'subscribed');
  assert.equal(sub.channel, channel);
  return { client: c, sub };
}

async function updates(client, channel, n) {
  const out = [];
  while (out.length < n) out.push(await client.next((m) => m.type === 'update' && m.channel === channel));
  return out;
}

test('sequential publishes over HTTP and WS reach two subscribers in order', async () => {
  const a = await subscribed('alerts');
  const b = await subscribed('alerts');
  const p = await Client.open(node.wsUrl);
  const start = a.sub.seq;
  try {
    const acks = [];
    for (let i = 0; i < 10; i++) {
      const data = { n: i, via: i % 2 ? 'ws' : 'http', text: 'é✓' };
      if (i % 2) {
        const ack = await p.request({ type: 'publish', channel: 'alerts', data });
        assert.equal(ack.type, 'published');
        assert.equal(ack.channel, 'alerts');
        acks.push(ack.seq);
      } else {
        const r = await postJson(`${node.url}/api/v1/channels/alerts/messages`, data);
        assert.equal(r.status, 200);
        assert.equal(r.body.channel, 'alerts');
        assert.equal(r.body.epoch, a.sub.epoch);
        acks.push(r.body.seq);
      }
    }
    assert.deepEqual(acks, Array.from({ length: 10 }, (_, k) => start + 1 + k));
    const ua = await updates(a.client, 'alerts', 10);
    const ub = await updates(b.client, 'alerts', 10);
    assert.deepEqual(ua.map((u) => u.seq), acks);
    assert.deepEqual(ub.map((u) => u.seq), acks);
    assert.deepEqual(ua.map((u) => u.data.n), [...Array(10).keys()]);
    assert.deepEqual(ub.map((u) => u.data), ua.map((u) => u.data));
    assert.equal(ua[3].data.text, 'é✓');

    const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${start}&limit=100`);
    assert.equal(h.status, 200);
    assert.equal(h.body.channel, 'alerts');
    assert.equal(h.body.head, start + 10);
    assert.deepEqual(h.body.updates.map((u) => u.seq), acks);
    assert.deepEqual(h.body.updates[4].data, { n: 4, via: 'http', text: 'é✓' }, 'data is embedded JSON');
    const limited = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${start}&limit=3`);
    assert.deepEqual(limited.body.updates.map((u) => u.seq), acks.slice(0, 3));
  } finally {
    a.client.close();
    b.client.close();
    p.close();
  }
});

test('concurrent publishes: both subscribers see one identical order', async () => {
  const a = await subscribed('trades');
  const b = await subscribed('trades');
  const p = await Client.open(node.wsUrl);
  const N = 40;
  try {
    const pending = [];
    for (let i = 0; i < N; i++) {
      pending.push(i % 2
        ? p.request({ type: 'publish', channel: 'trades', data: { i } }).then((m) => m.seq)
        : postJson(`${node.url}/api/v1/channels/trades/messages`, { i }).then((r) => r.body.seq));
    }
    const seqs = (await Promise.all(pending)).sort((x, y) => x - y);
    const first = a.sub.seq + 1;
    assert.deepEqual(seqs, Array.from({ length: N }, (_, k) => first + k), 'every seq assigned once');
    const ua = await updates(a.client, 'trades', N);
    const ub = await updates(b.client, 'trades', N);
    assert.deepEqual(ua.map((u) => u.seq), seqs);
    assert.deepEqual(ub.map((u) => [u.seq, u.data.i]), ua.map((u) => [u.seq, u.data.i]));
  } finally {
    a.client.close();
    b.client.close();
    p.close();
  }
});

test('a state channel applies a published merge patch', async () => {
  const r = await postJson(`${node.url}/api/v1/channels/dashboard/messages`, { e2e: { marker: 17 } });
  assert.equal(r.status, 200);
  const s = await getJson(`${node.url}/api/v1/channels/dashboard/state`);
  assert.equal(s.status, 200);
  assert.equal(s.body.channel, 'dashboard');
  assert.equal(s.body.seq, r.body.seq);
  assert.equal(s.body.data.e2e.marker, 17);
});
