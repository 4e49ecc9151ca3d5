// Channel names cannot exhaust the node: many junk names made by subscribes
// under a `*` pattern keep /metrics and the channel list complete, do not
// slow SIGTERM, do not come back after a restart, and are retired at run
// time once idle (--channel-idle-s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson } from './client.mjs';

const JUNK = 20000;

function setup(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ channels: [{ pattern: 'junk.*' }] }));
  return { dataDir: path.join(dir, 'data'), config };
}

// Subscribes to and unsubscribes from `names` over `conns` connections, in
// batches below --max-subscriptions: each subscribe makes a channel.
async function touch(node, names, conns = 4) {
  const clients = await Promise.all(Array.from({ length: conns }, () => Client.open(node.wsUrl)));
  try {
    await Promise.all(clients.map(async (c, k) => {
      const mine = names.filter((_, i) => i % conns === k);
      for (let i = 0; i < mine.length; i += 500) {
        const batch = mine.slice(i, i + 500);
        const subs = await Promise.all(batch.map((channel) => c.request({ type: 'subscribe', channel }, 30000)));
        for (const s of subs) assert.equal(s.type, 'subscribed', JSON.stringify(s));
        const unsubs = await Promise.all(batch.map((channel) => c.request({ type: 'unsubscribe', channel }, 30000)));
        for (const u of unsubs) assert.equal(u.type, 'unsubscribed', JSON.stringify(u));
      }
    }));
  } finally {
    for (const c of clients) c.close();
  }
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const channelNames = async (node) => {
  const r = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(r.status, 200);
  return r.body.channels.map((c) => c.name);
};

test(`${JUNK} junk names: complete /metrics, quick SIGTERM, gone after a restart`, { timeout: 240000 }, async (t) => {
  const { dataDir, config } = setup(t);
  const args = [`--config=${config}`, '--channel-idle-s=3600', '--max-messages-per-s=1000000'];
  let node = await startNode({ dataDir, args });
  try {
    const base = await channelNames(node);
    const baseline = await timed(() => getJson(`${node.url}/metrics`));
    assert.equal(baseline.value.status, 200);
    assert.equal((await postJson(`${node.url}/api/v1/channels/junk.real/messages`, { x: 1 })).status, 200);
    const junk = Array.from({ length: JUNK }, (_, i) => `junk.n${i}`);
    const made = await timed(() => touch(node, junk));
    t.diagnostic(`${JUNK} channels made by subscribes in ${made.ms.toFixed(0)} ms`);

    const names = await channelNames(node);
    assert.equal(names.length, base.length + 1 + JUNK);
    const metrics = await timed(() => getJson(`${node.url}/metrics`));
    assert.equal(metrics.value.status, 200);
    const text = metrics.value.body;
    // Complete, never truncated: the count, and a line per channel per series.
    assert.match(text, new RegExp(`^tidewire_channels ${names.length}$`, 'm'));
    for (const series of ['tidewire_channel_head_seq', 'tidewire_channel_retained_updates', 'tidewire_channel_subscribers']) {
      const lines = text.split('\n').filter((l) => l.startsWith(`${series}{`));
      assert.equal(lines.length, names.length, series);
    }
    assert.ok(text.endsWith('\n'));
    t.diagnostic(`/metrics: ${baseline.ms.toFixed(1)} ms with ${base.length} channels, ${metrics.ms.toFixed(1)} ms `
      + `(${text.length} bytes) with ${names.length}; ratio ${(metrics.ms / baseline.ms).toFixed(1)}`);
    assert.ok(metrics.ms < 5000, `hang guard: /metrics took ${metrics.ms} ms`);

    const stopped = await timed(async () => {
      node.kill('SIGTERM');
      return node.waitExit(15000);
    });
    assert.equal(stopped.value.code, 0);
    t.diagnostic(`SIGTERM with ${names.length} channels: exit after ${stopped.ms.toFixed(0)} ms`);

    // The empty names from the pattern are forgotten; the one with an update stays.
    node = await startNode({ dataDir, args });
    const after = await channelNames(node);
    assert.deepEqual(after, [...base, 'junk.real'].sort());
    assert.equal((await getJson(`${node.url}/readyz`)).status, 200);
    const h = await getJson(`${node.url}/api/v1/channels/junk.real/history?since=0`);
    assert.equal(h.body.updates.length, 1);
    // A retired name can be used again, as a new channel.
    await touch(node, ['junk.n7'], 1);
    assert.ok((await channelNames(node)).includes('junk.n7'));
  } finally {
    await node.stop();
  }
});

test('idle empty channels from patterns are retired at run time; used ones stay', { timeout: 60000 }, async (t) => {
  const { dataDir, config } = setup(t);
  const node = await startNode({ dataDir, args: [`--config=${config}`, '--channel-idle-s=1'] });
  const holder = await Client.open(node.wsUrl);
  try {
    const junk = Array.from({ length: 50 }, (_, i) => `junk.idle${i}`);
    await touch(node, junk, 2);
    assert.equal((await postJson(`${node.url}/api/v1/channels/junk.kept/messages`, { x: 1 })).status, 200);
    assert.equal((await holder.request({ type: 'subscribe', channel: 'junk.held' })).type, 'subscribed');
    const present = await channelNames(node);
    for (const n of [...junk, 'junk.kept', 'junk.held']) assert.ok(present.includes(n), n);
    // Retired after one to two checks of a second each; bounded wait.
    const deadline = Date.now() + 15000;
    let names = present;
    while (names.some((n) => n.startsWith('junk.idle'))) {
      assert.ok(Date.now() < deadline, `still there: ${names.filter((n) => n.startsWith('junk.idle')).length}`);
      await new Promise((r) => setTimeout(r, 200));
      names = await channelNames(node);
    }
    assert.ok(names.includes('junk.kept'), 'a channel with an update stays');
    assert.ok(names.includes('junk.held'), 'a channel with a subscriber stays');
    // The subscriber still gets updates on its channel.
    const ack = await postJson(`${node.url}/api/v1/channels/junk.held/messages`, { y: 2 });
    assert.equal(ack.status, 200);
    const u = await holder.next((m) => m.type === 'update' && m.channel === 'junk.held');
    assert.deepEqual(u.data, { y: 2 });
    const metrics = await getJson(`${node.url}/metrics`);
    assert.doesNotMatch(metrics.body, /junk\.idle/);
  } finally {
    holder.close();
    await node.stop();
  }
});
