// Fault injection: the node is killed with SIGKILL at random moments while
// two producers publish over HTTP with idempotency keys (retrying the same
// key until acknowledged, across restarts) and two clients resume over
// WebSocket from their last seq. At the end every acknowledged publish is
// stored exactly once under the seq it was acknowledged with, each
// producer's publishes are in its order, and every client saw every seq
// once, in order, with the stored data (or was told `recovered: false`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startNode } from './node_process.mjs';
import { getJson } from './client.mjs';

const ROUNDS = 30;
const CHANNEL = 'alerts';

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

class Producer {
  constructor(name) { this.name = name; this.n = 0; this.acks = new Map(); this.stop = false; }
  // Publishes message n until it is acknowledged; false when the node died.
  async publishOne(url) {
    const key = `${this.name}-${this.n}`;
    let res;
    try {
      res = await fetch(`${url}/api/v1/channels/${CHANNEL}/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify({ p: this.name, n: this.n }),
        signal: AbortSignal.timeout(5000),
      });
    } catch { return false; } // the node died: the same key next round
    if (res.status !== 200) { await res.text(); return false; }
    const body = await res.json();
    this.acks.set(key, body);
    this.n += 1;
    return true;
  }
  async run(url) {
    while (!this.stop && await this.publishOne(url));
  }
}

// A WebSocket client that resumes from its last seq (since 0 at first, so it
// sees every update from seq 1).
class Resumer {
  constructor() { this.epoch = null; this.seq = 0; this.updates = new Map(); this.resets = 0; this.ws = null; this.anyNext = false; }
  connect(wsUrl) {
    return new Promise((resolve) => {
      const ws = new WebSocket(wsUrl);
      this.ws = ws;
      ws.on('error', () => {});
      ws.on('close', () => resolve());
      ws.on('message', (raw) => {
        const parsed = JSON.parse(raw.toString('utf8'));
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.#on(m, ws);
      });
    });
  }
  #on(m, ws) {
    if (m.type === 'welcome') {
      const msg = { type: 'subscribe', channel: CHANNEL, since: this.seq };
      if (this.epoch) msg.epoch = this.epoch;
      ws.send(JSON.stringify(msg));
    } else if (m.type === 'subscribed') {
      if (m.recovered !== true) { this.resets += 1; this.anyNext = true; }
      this.epoch = m.epoch;
    } else if (m.type === 'update') {
      if (!this.anyNext) assert.equal(m.seq, this.seq + 1, `client got seq ${m.seq} after ${this.seq}`);
      this.anyNext = false;
      this.seq = m.seq;
      this.updates.set(m.seq, JSON.stringify(m.data));
    } else if (m.type === 'error') {
      assert.fail(`client error: ${JSON.stringify(m)}`);
    }
  }
}

async function allHistory(url) {
  const out = [];
  let since = 0;
  for (;;) {
    const r = await getJson(`${url}/api/v1/channels/${CHANNEL}/history?since=${since}&limit=1000`);
    assert.equal(r.status, 200);
    out.push(...r.body.updates);
    if (r.body.updates.length === 0 || since >= r.body.head) return { updates: out, head: r.body.head };
    since = r.body.updates.at(-1).seq;
    if (since >= r.body.head) return { updates: out, head: r.body.head };
  }
}

test(`kill -9 at random moments, ${ROUNDS} rounds: every ack stored once, delivered once in order`, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-fi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const producers = [new Producer('a'), new Producer('b')];
  const clients = [new Resumer(), new Resumer()];
  let node = null;
  t.after(() => node?.stop());
  const deadline = Date.now() + 60000;
  let rounds = 0;
  for (; rounds < ROUNDS && Date.now() < deadline; rounds++) {
    node = await startNode({ dataDir: dir });
    const closed = clients.map((c) => c.connect(node.wsUrl));
    const running = producers.map((p) => p.run(node.url));
    await sleep(50 + Math.floor(Math.random() * 500));
    node.kill('SIGKILL');
    await node.waitExit();
    await Promise.all([...closed, ...running]);
  }
  // A last run without faults: producers finish their pending key, clients
  // catch up to the head.
  node = await startNode({ dataDir: dir });
  const closed = clients.map((c) => c.connect(node.wsUrl));
  for (const p of producers) assert.ok(await p.publishOne(node.url), 'a publish without faults is acknowledged');
  const { updates, head } = await allHistory(node.url);
  const waitUntil = Date.now() + 10000;
  while (clients.some((c) => c.seq < head) && Date.now() < waitUntil) await sleep(20);
  for (const c of clients) c.ws.close();
  await Promise.all(closed);

  t.diagnostic(`${rounds} kill -9 rounds, ${head} updates stored, acks: ${producers.map((p) => p.acks.size).join('+')}`);
  assert.equal(updates.length, head, 'nothing trimmed: the whole history is there');
  assert.deepEqual(updates.map((u) => u.seq), Array.from({ length: head }, (_, i) => i + 1));
  // Each key stored once; every ack names the stored record.
  const bySeq = new Map(updates.map((u) => [u.seq, u.data]));
  const seen = new Set();
  for (const u of updates) {
    const key = `${u.data.p}-${u.data.n}`;
    assert.ok(!seen.has(key), `${key} stored twice`);
    seen.add(key);
  }
  for (const p of producers) {
    let last = 0;
    for (const [key, ack] of p.acks) {
      const d = bySeq.get(ack.seq);
      assert.equal(`${d.p}-${d.n}`, key, `ack of ${key} names seq ${ack.seq}`);
      assert.ok(ack.seq > last, `${p.name}'s publishes are stored in its order`);
      last = ack.seq;
    }
    assert.equal(p.acks.size, p.n);
  }
  for (const c of clients) {
    assert.equal(c.resets, 0, 'wal on one boot keeps every epoch: no recovered:false');
    assert.equal(c.seq, head, 'client caught up');
    for (let s = 1; s <= head; s++) assert.equal(c.updates.get(s), JSON.stringify(bySeq.get(s)), `client data at seq ${s}`);
  }
});
