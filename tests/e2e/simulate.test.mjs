// With the demo sources on, every channel's seqs go up by exactly 1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { Client } from './client.mjs';

const CHANNELS = ['dashboard', 'trades', 'positions', 'performance', 'alerts'];
const UPDATES = 8; // per channel

let node;
let configDir;
before(async () => {
  // Fast intervals, so every channel produces UPDATES updates in about a second.
  configDir = mkdtempSync(path.join(tmpdir(), 'tidewire-e2e-cfg-'));
  const config = path.join(configDir, 'fast.json');
  const sources = Object.fromEntries(CHANNELS.map((c) => [c, { interval_ms: 40 }]));
  writeFileSync(config, JSON.stringify({ sources, seed: 7 }));
  node = await startNode({ simulate: true, args: [`--config=${config}`] });
});
after(async () => {
  await node?.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

test('subscribed to all five channels, seqs increase by exactly 1', { timeout: 60000 }, async () => {
  const c = await Client.open(node.wsUrl);
  try {
    for (const channel of CHANNELS) c.send({ type: 'subscribe', channel, id: channel });
    const seen = Object.fromEntries(CHANNELS.map((ch) => [ch, []]));
    const done = () => CHANNELS.every((ch) => seen[ch].filter((m) => m.type === 'update').length >= UPDATES);
    while (!done()) {
      const m = await c.next(() => true, 20000);
      assert.notEqual(m.type, 'error', JSON.stringify(m));
      if (m.channel in seen) seen[m.channel].push(m);
    }
    for (const channel of CHANNELS) {
      const msgs = seen[channel];
      assert.equal(msgs[0].type, 'subscribed', `${channel}: subscribed comes first`);
      assert.equal(msgs[0].id, channel);
      assert.equal(msgs[0].recovered, false);
      let base = msgs[0].seq;
      let i = 1;
      if (msgs[0].kind === 'state') {
        assert.equal(msgs[1].type, 'snapshot', `${channel}: a state channel sends its snapshot`);
        assert.equal(typeof msgs[1].data, 'object');
        base = msgs[1].seq;
        i = 2;
      }
      const updates = msgs.slice(i);
      for (const [k, u] of updates.entries()) {
        assert.equal(u.type, 'update', `${channel}: only updates after the start`);
        assert.equal(u.seq, base + 1 + k, `${channel}: seq ${u.seq} after ${base + k}`);
        assert.ok(Number.isInteger(u.ts) && u.ts > 0);
        assert.ok('data' in u);
      }
    }
  } finally {
    c.close();
  }
});

test('resume with since gets exactly the missed updates', { timeout: 60000 }, async () => {
  const a = await Client.open(node.wsUrl);
  let last;
  let epoch;
  try {
    const sub = await a.request({ type: 'subscribe', channel: 'trades' });
    epoch = sub.epoch;
    last = (await a.next((m) => m.type === 'update' && m.channel === 'trades')).seq;
  } finally {
    a.terminate();
  }
  const b = await Client.open(node.wsUrl);
  try {
    const sub = await b.request({ type: 'subscribe', channel: 'trades', since: last, epoch });
    assert.equal(sub.type, 'subscribed');
    assert.equal(sub.recovered, true);
    for (let k = 1; k <= UPDATES; k++) {
      const u = await b.next((m) => m.type === 'update' && m.channel === 'trades', 20000);
      assert.equal(u.seq, last + k);
    }
  } finally {
    b.close();
  }
});
