#!/usr/bin/env node
// Cluster bench: three real nodes on 127.0.0.1 (the cluster helpers of the
// end-to-end tests start them), bounded in runs and messages.
//
// 1. Subscription latency by the subscriber's node: one channel, a
//    subscriber on its owner, its replica and a relay node; a producer
//    publishes over HTTP through the owner at a fixed rate; each update's
//    publish-to-receive time is taken in this one process (one clock).
// 2. Failover time: a producer publishes over HTTP through the two
//    survivors as fast as they answer; the owner gets kill -9; the time
//    from the kill to the first acknowledged publish sent after it. The
//    killed node is restarted with its data directory between runs, so
//    the channel's owner moves back (after catching up) each time.
//
//   node tools/cluster_bench/cluster_bench.mjs [--runs=5] [--messages=400]
//     [--rate=200] [--replication=sync|async]
// Needs build/tools/tidewire and the npm packages (npm ci).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client, listChannels } from '../../tests/e2e/client.mjs';
import { allUp, publishRetrying, startCluster, waitForView } from '../../tests/e2e/cluster_nodes.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([a-z-]+)=(.*)$/.exec(a);
  if (!m) {
    console.error(`cluster_bench: bad argument ${a}`);
    process.exit(2);
  }
  return [m[1], m[2]];
}));
const runs = Number(args.runs ?? 5);
const messages = Number(args.messages ?? 400);
const rate = Number(args.rate ?? 200);
const replication = args.replication ?? 'sync';
if (!(runs >= 1 && runs <= 50 && messages >= 10 && messages <= 100000 && rate >= 1)
    || !['sync', 'async'].includes(replication)) {
  console.error('cluster_bench: --runs 1..50, --messages 10..100000, --rate >= 1, --replication sync|async');
  process.exit(2);
}

const NAMES = ['a', 'b', 'c'];
const CHANNEL = 'trades';
const live = (n) => n.child.exitCode === null && n.child.signalCode === null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function placement(node) {
  return (await listChannels(node.url)).find((c) => c.name === CHANNEL);
}

// Publishes, retrying 503 (ownership moving) every 5 ms until the deadline.
const publish = (node, data, deadlineMs = 20000) => publishRetrying(node, CHANNEL, data, { deadlineMs, pauseMs: 5 });

async function latency(cluster) {
  const first = cluster.nodes[0];
  await publish(first, { warmup: true });
  const p = await placement(first);
  const roles = { owner: p.owner, replica: p.replica, relay: NAMES.find((n) => n !== p.owner && n !== p.replica) };
  const samples = {};
  const clients = [];
  for (const [role, name] of Object.entries(roles)) {
    const c = await Client.open(cluster.node(name).wsUrl);
    const sub = await c.request({ type: 'subscribe', channel: CHANNEL });
    if (sub.type !== 'subscribed') throw new Error(JSON.stringify(sub));
    samples[role] = [];
    c.ws.on('message', () => {
      const now = performance.now();
      for (const m of c.queue.splice(0)) {
        if (m.type === 'update' && m.data?.sentAt !== undefined) samples[role].push(now - m.data.sentAt);
      }
    });
    clients.push(c);
  }
  const owner = cluster.node(p.owner);
  const gap = 1000 / rate;
  const start = performance.now();
  const inflight = [];
  for (let i = 0; i < messages; i++) {
    const due = start + i * gap;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(publish(owner, { i, sentAt: performance.now() }));
    if (inflight.length >= 64) await inflight.shift();
  }
  await Promise.all(inflight);
  const until = Date.now() + 10000;
  while (Object.values(samples).some((s) => s.length < messages) && Date.now() < until) await sleep(20);
  for (const c of clients) c.terminate();
  const out = {};
  for (const [role, s] of Object.entries(samples)) {
    const sorted = [...s].sort((x, y) => x - y);
    out[role] = { node: roles[role], n: s.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
  }
  return out;
}

async function failover(cluster) {
  await Promise.all(cluster.nodes.filter(live).map((n) => waitForView(n, allUp(NAMES), { timeoutMs: 30000 })));
  const p = await placement(cluster.nodes.find(live));
  const owner = cluster.nodes.find((n) => live(n) && n.name === p.owner);
  const survivors = cluster.nodes.filter((n) => live(n) && n !== owner);
  let killedAt = 0;
  let firstAfter = 0;
  let stop = false;
  let sent = 0;
  // Two producers, one per survivor, so a stalled forward on one does not
  // hide the other's first success.
  const producers = survivors.map(async (via) => {
    while (!stop) {
      const sentAt = Date.now();
      const after = killedAt !== 0 && sentAt >= killedAt;
      await publish(via, { n: sent++ });
      if (after && !firstAfter) firstAfter = Date.now();
    }
  });
  await sleep(500); // a busy channel
  killedAt = Date.now();
  owner.child.kill('SIGKILL');
  const until = Date.now() + 30000;
  while (!firstAfter && Date.now() < until) await sleep(1);
  stop = true;
  await Promise.all(producers);
  if (!firstAfter) throw new Error('no publish acknowledged within 30 s of the kill');
  const ms = firstAfter - killedAt;
  // Back with its data directory; it catches up and owns the channel again.
  const back = await cluster.startMember(owner.name, { dataDir: owner.dataDir });
  // (The killed entry stays in cluster.nodes: stop() removes its data
  // directory only after the restarted node is stopped.)
  await Promise.all([back, ...survivors].map((n) => waitForView(n, allUp(NAMES), { timeoutMs: 30000 })));
  return { killed: owner.name, ms };
}

const cluster = await startCluster({ names: NAMES, args: [`--replication=${replication}`] });
let failed = false;
try {
  await Promise.all(cluster.nodes.map((n) => waitForView(n, allUp(NAMES), { timeoutMs: 30000 })));
  console.log(`cluster_bench: 3 nodes, --replication=${replication}, ${os.cpus().length} CPUs, load ${load()}`);
  const lat = await latency(cluster);
  console.log(`subscription latency, ${messages} updates at ${rate}/s published through the owner (ms):`);
  for (const [role, r] of Object.entries(lat)) {
    console.log(`  ${role.padEnd(7)} (${r.node}) n=${r.n} p50=${r.p50.toFixed(2)} p99=${r.p99.toFixed(2)}`);
  }
  console.log(`  relay - owner: p50 +${(lat.relay.p50 - lat.owner.p50).toFixed(2)} p99 +${(lat.relay.p99 - lat.owner.p99).toFixed(2)}; load ${load()}`);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = await failover(cluster);
    times.push(r.ms);
    console.log(`failover run ${i + 1}: kill -9 of ${r.killed} -> first acknowledged publish after ${r.ms} ms; load ${load()}`);
  }
  const sorted = [...times].sort((x, y) => x - y);
  console.log(`failover (ms): min ${sorted[0]} median ${quantile(sorted, 0.5)} max ${sorted.at(-1)} over ${runs} runs; load ${load()}`);
} catch (e) {
  console.error(`cluster_bench: ${e.stack ?? e}`);
  failed = true;
} finally {
  await cluster.stop();
}
process.exit(failed ? 1 : 0);
