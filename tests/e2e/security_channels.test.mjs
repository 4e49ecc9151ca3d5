// Channel names as a resource: reads of never-used names under a `*`
// pattern are 404 and create nothing, before or after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
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
