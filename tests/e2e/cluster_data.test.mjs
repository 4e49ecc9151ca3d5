// The cluster's data path with three real nodes on 127.0.0.1: publishes
// through any node are sequenced by the channel's owner and reach clients on
// every node; kill -9 of an owner loses nothing acknowledged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, getJson } from './client.mjs';
import { allUp, publishRetrying, startCluster, waitForView } from './cluster_nodes.mjs';

const NAMES = ['a', 'b', 'c'];

async function allJoined(cluster, names = NAMES) {
  await Promise.all(cluster.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null)
    .map((n) => waitForView(n, allUp(names))));
}

const publish = (node, channel, data, deadlineMs) => publishRetrying(node, channel, data, { deadlineMs });

async function subscribe(node, channel, extra = {}) {
  const c = await Client.open(node.wsUrl);
  const sub = await c.request({ type: 'subscribe', channel, ...extra });
  assert.equal(sub.type, 'subscribed', JSON.stringify(sub));
  c.updates = [];
  c.sub = sub;
  return c;
}

// Moves every queued update of `channel` into c.updates.
function drain(c, channel) {
  for (let i = 0; i < c.queue.length;) {
    const m = c.queue[i];
    if (m.type === 'update' && m.channel === channel) {
      c.updates.push(m);
      c.queue.splice(i, 1);
    } else {
      i++;
    }
  }
}

async function untilSeq(c, channel, seq, timeoutMs = 15000) {
  drain(c, channel);
  while (!c.updates.length || c.updates.at(-1).seq < seq) {
    c.updates.push(await c.next((m) => m.type === 'update' && m.channel === channel, timeoutMs));
  }
}

async function history(node, channel) {
  const r = await getJson(`${node.url}/api/v1/channels/${channel}/history?since=0&limit=1000`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function metrics(node) {
  return (await fetch(`${node.url}/metrics`)).text();
}

// The value of one series line (name with its labels, as written).
function metric(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `no ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

async function placement(node, channel) {
  const r = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(r.status, 200);
  return r.body.channels.find((c) => c.name === channel);
}

test('clients on every node get what producers publish through every node, with one history', async (t) => {
  const cluster = await startCluster({ names: NAMES });
  t.after(() => cluster.stop());
  await allJoined(cluster);
  const channels = ['trades', 'alerts'];
  const clients = [];
  for (const node of cluster.nodes) {
    for (const ch of channels) clients.push({ ch, c: await subscribe(node, ch) });
  }
  const acks = { trades: [], alerts: [] };
  for (let i = 0; i < 9; i++) {
    for (const ch of channels) {
      const via = cluster.nodes[i % 3];
      const ack = await publish(via, ch, { i, via: via.name });
      acks[ch].push(ack);
    }
  }
  for (const ch of channels) {
    const seqs = acks[ch].map((a) => a.seq);
    assert.deepEqual(seqs, seqs.map((_, k) => seqs[0] + k), `${ch}: one sequence`);
    assert.equal(new Set(acks[ch].map((a) => a.epoch)).size, 1);
  }
  for (const { ch, c } of clients) {
    await untilSeq(c, ch, acks[ch].at(-1).seq);
    const mine = c.updates.filter((u) => u.seq >= acks[ch][0].seq);
    assert.deepEqual(mine.map((u) => u.seq), acks[ch].map((a) => a.seq));
    assert.deepEqual(mine.map((u) => u.data.i), [...Array(9).keys()]);
    assert.equal(c.sub.epoch, acks[ch][0].epoch);
    c.close();
  }
  for (const ch of channels) {
    const pages = await Promise.all(cluster.nodes.map((n) => history(n, ch)));
    for (const p of pages.slice(1)) assert.deepEqual(p.updates, pages[0].updates);
    const placed = await Promise.all(cluster.nodes.map((n) => placement(n, ch)));
    for (const p of placed) {
      assert.ok(NAMES.includes(p.owner) && NAMES.includes(p.replica) && p.owner !== p.replica);
      assert.equal(p.owner, placed[0].owner);
      assert.equal(p.head, acks[ch].at(-1).seq);
    }
  }
});

test('reads of a channel made from a pattern are served through nodes that never saw it, and create nothing', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-cluster-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'channels.json');
  writeFileSync(config, JSON.stringify({
    channels: [{ pattern: 'desk.*', kind: 'stream' }, { pattern: 'book.*', kind: 'state' }],
  }));
  const cluster = await startCluster({ names: NAMES, args: [`--config=${config}`] });
  t.after(() => cluster.stop());
  await allJoined(cluster);
  // Each channel is published through its owner or replica only, so the
  // third node has never heard of it. (A name is kept only if the node
  // published through is one of those two; otherwise it was a relay.)
  const first = cluster.nodes[0];
  for (const [prefix, data] of [['desk.', { i: 1 }], ['book.', { a: 1 }]]) {
    let ch;
    let p;
    for (let k = 0; !ch; k++) {
      await publish(first, `${prefix}${k}`, data);
      p = await placement(first, `${prefix}${k}`);
      if (p.owner === first.name || p.replica === first.name) ch = `${prefix}${k}`;
      assert.ok(k < 20);
    }
    const owner = cluster.node(p.owner);
    await publish(owner, ch, { ...data, second: true });
    const third = cluster.nodes.find((n) => n.name !== p.owner && n.name !== p.replica);
    const before = (await getJson(`${third.url}/api/v1/channels`)).body.channels.map((c) => c.name);
    assert.ok(!before.includes(ch), `${third.name} should not know ${ch} yet`);
    if (ch.startsWith('desk.')) {
      const h = await history(third, ch);
      assert.equal(h.head, 2);
      assert.deepEqual(h.updates.map((u) => u.data), [{ i: 1 }, { i: 1, second: true }]);
      assert.deepEqual(h, await history(owner, ch));
    } else {
      const r = await getJson(`${third.url}/api/v1/channels/${ch}/state`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.data, { a: 1, second: true });
    }
    const after = (await getJson(`${third.url}/api/v1/channels`)).body.channels.map((c) => c.name);
    assert.ok(!after.includes(ch), `a read made ${ch} on ${third.name}`);
  }
  // A name nobody published on is unknown through every node and is made
  // nowhere by the reads.
  for (const n of cluster.nodes) {
    const h = await getJson(`${n.url}/api/v1/channels/desk.nobody/history?since=0`);
    assert.equal(h.status, 404, JSON.stringify(h.body));
    assert.equal(h.body.error.code, 'unknown_channel');
    const s = await getJson(`${n.url}/api/v1/channels/book.nobody/state`);
    assert.equal(s.status, 404, JSON.stringify(s.body));
  }
  for (const n of cluster.nodes) {
    const names = (await getJson(`${n.url}/api/v1/channels`)).body.channels.map((c) => c.name);
    assert.ok(!names.includes('desk.nobody') && !names.includes('book.nobody'));
  }
});

test('kill -9 of a busy owner loses nothing acknowledged, before and after it rejoins', async (t) => {
  const cluster = await startCluster({ names: NAMES });
  t.after(() => cluster.stop());
  await allJoined(cluster);
  const ch = 'trades';
  const clients = await Promise.all(cluster.nodes.map((n) => subscribe(n, ch)));
  const owner = cluster.node((await placement(cluster.nodes[0], ch)).owner);
  const survivors = cluster.nodes.filter((n) => n !== owner);
  const acked = new Map(); // seq -> data

  let stop = false;
  let sent = 0;
  let killedAt = 0;
  let firstAfterKill = 0;
  let failed = null; // the producer's error, seen by every wait below
  const producer = (async () => {
    while (!stop) {
      const data = { n: sent++ };
      const startedAfterKill = killedAt !== 0;
      const ack = await publish(survivors[sent % 2], ch, data, 20000);
      assert.ok(!acked.has(ack.seq), `seq ${ack.seq} acknowledged twice`);
      acked.set(ack.seq, data);
      // Failover time: kill to the first ack of a publish sent after it.
      if (startedAfterKill && !firstAfterKill) firstAfterKill = Date.now();
    }
  })().catch((e) => { failed = e; });
  // Bounded, and ends as soon as the producer fails (a wait on acks that
  // never come would otherwise outlive the test).
  const waitAcks = async (n, timeoutMs = 30000) => {
    const until = Date.now() + timeoutMs;
    while (acked.size < n) {
      if (failed) throw failed;
      assert.ok(Date.now() < until, `only ${acked.size} of ${n} publishes acknowledged in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await waitAcks(30);
  const beforeKill = Math.max(...acked.keys());
  // /metrics: the owner counts what its replica confirmed. (Ownership
  // moved already while the views converged at start-up.)
  const ownerMetrics = await metrics(owner);
  assert.ok(metric(ownerMetrics, 'tidewire_cluster_replicated_records_total') >= 30);
  assert.ok(metric(ownerMetrics, 'tidewire_cluster_replica_waits_total') >= 1);
  assert.ok(metric(ownerMetrics, 'tidewire_cluster_channels{role="owner"}') >= 1);
  const changesBefore = new Map();
  for (const n of survivors) changesBefore.set(n, metric(await metrics(n), 'tidewire_cluster_ownership_changes_total'));
  killedAt = Date.now();
  owner.child.kill('SIGKILL');
  await waitAcks(acked.size + 40);
  stop = true;
  await producer;
  if (failed) throw failed;
  t.diagnostic(`failover: first acknowledged publish ${firstAfterKill - killedAt} ms after kill -9`);
  // The new owner says so in /metrics, with the lost member down.
  const newOwner = cluster.node((await placement(survivors[0], ch)).owner);
  const after = await metrics(newOwner);
  assert.ok(survivors.includes(newOwner));
  assert.ok(metric(after, 'tidewire_cluster_ownership_changes_total') > changesBefore.get(newOwner));
  assert.ok(metric(after, 'tidewire_cluster_replicated_records_total') >= 1);
  assert.equal(metric(after, 'tidewire_cluster_members{state="down"}'), 1);
  const seqs = [...acked.keys()].sort((x, y) => x - y);
  assert.ok(seqs.at(-1) > beforeKill);

  // Clients of the survivors: every acknowledged seq exactly once, in order.
  for (const [i, node] of cluster.nodes.entries()) {
    if (node === owner) continue;
    const c = clients[i];
    await untilSeq(c, ch, seqs.at(-1));
    const got = c.updates.map((u) => u.seq);
    assert.deepEqual(got, [...new Set(got)].sort((x, y) => x - y), `${node.name}: in order, no duplicate`);
    for (const s of seqs) assert.ok(got.includes(s), `${node.name} missed acknowledged seq ${s}`);
    for (const u of c.updates) if (acked.has(u.seq)) assert.deepEqual(u.data, acked.get(u.seq));
  }
  // The killed node's client resumes on a survivor from its last seq.
  const dead = clients[cluster.nodes.indexOf(owner)];
  drain(dead, ch);
  const last = dead.updates.at(-1)?.seq ?? dead.sub.seq;
  const resumed = await subscribe(survivors[0], ch, { since: last, epoch: dead.sub.epoch });
  assert.equal(resumed.sub.recovered, true);
  await untilSeq(resumed, ch, seqs.at(-1));
  const all = [...dead.updates, ...resumed.updates].map((u) => u.seq);
  for (const s of seqs) assert.equal(all.filter((x) => x === s).length, 1, `seq ${s} exactly once`);

  // The killed node restarts with its store, rejoins and catches up; then
  // the channel's owner at that time is killed too.
  const back = await cluster.startMember(owner.name, { dataDir: owner.dataDir });
  await allJoined(cluster);
  for (let i = 0; i < 10; i++) {
    const data = { n: `after-rejoin-${i}` };
    const ack = await publish(cluster.nodes[i % 3] === owner ? back : cluster.nodes[i % 3], ch, data);
    acked.set(ack.seq, data);
  }
  const top = Math.max(...acked.keys());
  const live = [back, ...survivors];
  for (const n of live) {
    const deadline = Date.now() + 15000;
    while ((await history(n, ch)).head < top) {
      assert.ok(Date.now() < deadline, `${n.name} did not catch up`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const second = cluster.node((await placement(back, ch)).owner) ?? back;
  const victim = live.find((n) => n.name === second.name);
  victim.child.kill('SIGKILL');
  const rest = live.filter((n) => n !== victim);
  for (let i = 0; i < 10; i++) {
    const data = { n: `after-second-kill-${i}` };
    const ack = await publish(rest[i % 2], ch, data, 20000);
    acked.set(ack.seq, data);
  }
  const h = await history(rest[0], ch);
  const stored = new Map(h.updates.map((u) => [u.seq, u.data]));
  for (const [seq, data] of acked) assert.deepEqual(stored.get(seq), data, `seq ${seq} lost`);
  for (const c of [...clients, resumed]) c.terminate();
});
