// The cluster's data path with three real nodes on 127.0.0.1: publishes
// through any node are sequenced by the channel's owner and reach clients on
// every node; kill -9 of an owner loses nothing acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, getJson, postJson } from './client.mjs';
import { allUp, startCluster, waitForView } from './cluster_nodes.mjs';

const NAMES = ['a', 'b', 'c'];

async function allJoined(cluster, names = NAMES) {
  await Promise.all(cluster.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null)
    .map((n) => waitForView(n, allUp(names))));
}

// Publishes over HTTP, retrying 503 (ownership moving, a node still
// joining) until `deadlineMs`; returns the ack body.
async function publish(node, channel, data, deadlineMs = 15000) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    let r;
    try {
      r = await postJson(`${node.url}/api/v1/channels/${channel}/messages`, data);
    } catch (e) {
      r = { status: 0, body: String(e) };
    }
    if (r.status === 200) return r.body;
    if (r.status !== 503 || Date.now() > until) {
      throw new Error(`publish to ${channel} via ${node.name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await new Promise((res) => setTimeout(res, 20));
  }
}

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
  killedAt = Date.now();
  owner.child.kill('SIGKILL');
  await waitAcks(acked.size + 40);
  stop = true;
  await producer;
  if (failed) throw failed;
  t.diagnostic(`failover: first acknowledged publish ${firstAfterKill - killedAt} ms after kill -9`);
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
