// Channel names as a resource: reads of never-used names under a `*`
// pattern are 404 and create nothing, before or after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode, runNode } from './node_process.mjs';
import { getJson, postJson } from './client.mjs';

test('history and state of unknown names are 404 and create no channel', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-channels-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ channels: [{ pattern: 'junk.*' }, { pattern: 'doc.*', kind: 'state' }] }));
  const args = [`--config=${config}`];
  let node = await startNode({ dataDir: path.join(dir, 'data'), args });
  try {
    const names = async () => (await getJson(`${node.url}/api/v1/channels`)).body.channels.map((c) => c.name);
    const before = await names();
    // A publish creates its channel: the one legitimate way in (besides subscribe).
    assert.equal((await postJson(`${node.url}/api/v1/channels/junk.real/messages`, { x: 1 })).status, 200);
    const reads = [];
    for (let i = 0; i < 2000; i++) {
      reads.push(getJson(`${node.url}/api/v1/channels/junk.n${i}/history`));
      reads.push(getJson(`${node.url}/api/v1/channels/doc.n${i}/state`));
      if (reads.length >= 50) {
        for (const r of await Promise.all(reads.splice(0))) {
          assert.equal(r.status, 404);
          assert.equal(r.body.error.code, 'unknown_channel');
        }
      }
    }
    assert.deepEqual(await names(), [...before, 'junk.real'].sort());
    assert.equal((await getJson(`${node.url}/api/v1/channels/junk.real/history`)).status, 200);
    await node.stop();
    node = await startNode({ dataDir: path.join(dir, 'data'), args });
    assert.deepEqual(await names(), [...before, 'junk.real'].sort());
  } finally {
    await node.stop();
  }
});

test('a history page is bounded in bytes; the rest follows from its last seq', async (t) => {
  const node = await startNode({ args: ['--durability=none'] });
  t.after(() => node.stop());
  const payload = 'y'.repeat(60000);
  const seqs = [];
  for (let i = 0; i < 40; i++) {
    const r = await postJson(`${node.url}/api/v1/channels/alerts/messages`, { i, payload });
    assert.equal(r.status, 200);
    seqs.push(r.body.seq);
  }
  const first = await fetch(`${node.url}/api/v1/channels/alerts/history?since=0&limit=1000`);
  const text = await first.text();
  assert.ok(text.length < 1.2 * 1024 * 1024, `${text.length} bytes`);
  const page = JSON.parse(text);
  assert.ok(page.updates.length > 0 && page.updates.length < 40, `${page.updates.length} updates`);
  const got = [...page.updates];
  for (let pages = 0; pages < 10; pages++) {
    const next = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${got.at(-1).seq}&limit=1000`);
    if (next.body.updates.length === 0) break;
    got.push(...next.body.updates);
  }
  assert.deepEqual(got.map((u) => u.seq), seqs);
});

test('--ring-bytes bounds what a memory-only channel keeps; a stored one reads the rest from the store', async (t) => {
  const payload = 'z'.repeat(50000);
  const publishAll = async (node) => {
    const seqs = [];
    for (let i = 0; i < 12; i++) {
      const r = await postJson(`${node.url}/api/v1/channels/alerts/messages`, { i, payload });
      assert.equal(r.status, 200);
      seqs.push(r.body.seq);
    }
    return seqs;
  };
  const historyFrom = async (node, since) => {
    const got = [];
    for (let pages = 0; pages < 20; pages++) {
      const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${since}&limit=1000`);
      assert.equal(h.status, 200);
      if (h.body.updates.length === 0) return { got, first: h.body.first };
      got.push(...h.body.updates.map((u) => u.seq));
      since = got.at(-1);
    }
    throw new Error('history did not end');
  };
  // A 50 kB update counts about 100 kB (its data and its message): four fit in 450 kB.
  const memory = await startNode({ args: ['--durability=none', '--simulate=false', '--ring-bytes=450000'] });
  t.after(() => memory.stop());
  const seqs = await publishAll(memory);
  const kept = await historyFrom(memory, 0);
  assert.deepEqual(kept.got, seqs.slice(-4), 'only the newest updates that fit stay');
  assert.equal(kept.first, seqs.at(-4));
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-ring-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stored = await startNode({ dataDir: path.join(dir, 'data'), args: ['--simulate=false', '--ring-bytes=450000'] });
  t.after(() => stored.stop());
  const storedSeqs = await publishAll(stored);
  assert.deepEqual((await historyFrom(stored, 0)).got, storedSeqs);
  for (const bad of ['--ring-bytes=-1', '--ring-bytes=lots', '--ring-bytes=99999999999999999']) {
    const r = await runNode([bad]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /ring-bytes/, bad);
  }
});
