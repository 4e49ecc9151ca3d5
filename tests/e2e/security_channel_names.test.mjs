// Channel names cannot exhaust the node: many junk names made by subscribes
// under a `*` pattern keep /metrics and the channel list quick and complete,
// do not slow SIGTERM, do not come back after a restart, and are retired at
// run time once idle (--channel-idle-s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startNode } from './node_process.mjs';
import { Client, getJson, listChannels, postJson } from './client.mjs';

const JUNK = 100000;

function setup(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ channels: [{ pattern: 'junk.*' }] }));
  return { dataDir: path.join(dir, 'data'), config };
}

// Subscribes to and unsubscribes from `names` over `conns` connections in
// parallel, each in pipelined batches below --max-subscriptions: each
// subscribe makes a channel. Replies are counted, not matched one by one,
// so a batch costs the client one pass; any other reply fails the test.
async function touch(node, names, { conns = 8, batch = 1000, timeoutMs = 150000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const sockets = [];
  const one = (mine) => new Promise((resolve, reject) => {
    const ws = new WebSocket(node.wsUrl);
    sockets.push(ws);
    let expected = null;
    let pending = 0;
    let next = 0;
    let phase = 'subscribe';
    const timer = setTimeout(() => fail(new Error(`touch timed out at ${next} of ${mine.length}`)),
      Math.max(1, deadline - Date.now()));
    timer.unref();
    function fail(e) {
      clearTimeout(timer);
      for (const w of sockets) w.terminate();
      reject(e);
    }
    const send = () => {
      if (next >= mine.length) { clearTimeout(timer); ws.close(); resolve(); return; }
      const slice = mine.slice(next, next + batch);
      expected = phase === 'subscribe' ? 'subscribed' : 'unsubscribed';
      pending = slice.length;
      for (const channel of slice) ws.send(JSON.stringify({ type: phase, channel }));
    };
    // One reply, or several batched into one message as an array.
    const onReply = (m) => {
      if (m.type === 'welcome') return send();
      if (m.type !== expected) return fail(new Error(`unexpected reply: ${JSON.stringify(m).slice(0, 300)}`));
      if (--pending > 0) return undefined;
      if (phase === 'subscribe') { phase = 'unsubscribe'; return send(); }
      phase = 'subscribe';
      next += batch;
      return send();
    };
    ws.on('message', (raw) => {
      const parsed = JSON.parse(raw);
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) onReply(m);
    });
    ws.on('error', fail);
  });
  await Promise.all(Array.from({ length: conns }, (_, k) => one(names.filter((_, i) => i % conns === k))));
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

const channelNames = async (node) => (await listChannels(node.url)).map((c) => c.name);

// The whole list, page by page at the largest page size.
const wholeList = (node) => listChannels(node.url, { query: 'limit=10000' });

test(`${JUNK} junk names: quick and complete /metrics and list, quick SIGTERM, gone after a restart`, { timeout: 280000 }, async (t) => {
  const { dataDir, config } = setup(t);
  const args = [`--config=${config}`, '--channel-idle-s=3600', '--max-messages-per-s=1000000', '--max-channels=200000'];
  let node = await startNode({ dataDir, args });
  try {
    const base = await channelNames(node);
    const baseline = await timed(() => getJson(`${node.url}/metrics`));
    const baseList = await timed(() => wholeList(node));
    assert.equal(baseline.value.status, 200);
    assert.equal((await postJson(`${node.url}/api/v1/channels/junk.real/messages`, { x: 1 })).status, 200);
    const junk = Array.from({ length: JUNK }, (_, i) => `junk.n${i}`);
    const made = await timed(() => touch(node, junk));
    t.diagnostic(`${JUNK} channels made by subscribes in ${made.ms.toFixed(0)} ms`);
    // An `unsubscribed` reply does not wait for the channel: its count
    // reaches the directory just after. Wait for the last ones to arrive.
    const settleBy = Date.now() + 15000;
    for (;;) {
      const all = await wholeList(node);
      if (all.every((c) => c.subscribers === 0 || !c.name.startsWith('junk.'))) break;
      assert.ok(Date.now() < settleBy, 'subscriber counts never went back to 0');
      await new Promise((r) => setTimeout(r, 100));
    }

    const list = await timed(() => wholeList(node));
    const names = list.value.map((c) => c.name);
    assert.equal(names.length, base.length + 1 + JUNK);
    assert.equal(new Set(names).size, names.length);
    // Each as it is now: the subscriber came and went, the real one has its update.
    const real = list.value.find((c) => c.name === 'junk.real');
    assert.equal(real.head, 1);
    assert.ok(list.value.every((c) => c.subscribers === 0 || !c.name.startsWith('junk.')));
    const metrics = await timed(() => getJson(`${node.url}/metrics`));
    assert.equal(metrics.value.status, 200);
    const text = metrics.value.body;
    // Complete, never truncated: the count, and a line per channel per series.
    assert.match(text, new RegExp(`^tidewire_channels ${names.length}$`, 'm'));
    for (const series of ['tidewire_channel_head_seq', 'tidewire_channel_retained_updates', 'tidewire_channel_subscribers']) {
      const lines = text.split('\n').filter((l) => l.startsWith(`${series}{`));
      assert.equal(lines.length, names.length, series);
    }
    assert.match(text, /^tidewire_channel_head_seq\{channel="junk\.real",kind="stream"\} 1$/m);
    assert.ok(text.endsWith('\n'));
    // Asked again while the node is quiet: the steady cost of a scrape.
    const again = await timed(() => getJson(`${node.url}/metrics`));
    const listAgain = await timed(() => wholeList(node));
    const firstPage = await timed(() => getJson(`${node.url}/api/v1/channels`));
    assert.equal(firstPage.value.body.channels.length, 1000);
    t.diagnostic(`/metrics: ${baseline.ms.toFixed(1)} ms with ${base.length} channels, ${metrics.ms.toFixed(1)} ms then `
      + `${again.ms.toFixed(1)} ms (${text.length} bytes) with ${names.length}`);
    t.diagnostic(`whole channel list (pages of 10000): ${baseList.ms.toFixed(1)} ms with ${base.length} channels, `
      + `${list.ms.toFixed(1)} ms then ${listAgain.ms.toFixed(1)} ms (${JSON.stringify(list.value).length} bytes) with ${names.length}; `
      + `the first page of 1000: ${firstPage.ms.toFixed(1)} ms`);
    // Hang guards, far above what the node needs (the figures above).
    assert.ok(again.ms < 15000, `/metrics took ${again.ms} ms`);
    assert.ok(listAgain.ms < 15000, `the channel list took ${listAgain.ms} ms`);

    const stopped = await timed(async () => {
      node.kill('SIGTERM');
      return node.waitExit(30000);
    });
    assert.equal(stopped.value.code, 0);
    t.diagnostic(`SIGTERM with ${names.length} channels: exit after ${stopped.ms.toFixed(0)} ms`);

    // The empty names from the pattern are forgotten; the one with an update stays.
    const restarted = await timed(() => startNode({ dataDir, args, readyTimeoutMs: 90000 }));
    node = restarted.value;
    t.diagnostic(`restart over ${JUNK} stored empty names: ready after ${restarted.ms.toFixed(0)} ms`);
    const after = await channelNames(node);
    assert.deepEqual(after, [...base, 'junk.real'].sort());
    assert.equal((await getJson(`${node.url}/readyz`)).status, 200);
    const h = await getJson(`${node.url}/api/v1/channels/junk.real/history?since=0`);
    assert.equal(h.body.updates.length, 1);
    // A retired name can be used again, as a new channel.
    await touch(node, ['junk.n7'], { conns: 1 });
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
    await touch(node, junk, { conns: 2 });
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
