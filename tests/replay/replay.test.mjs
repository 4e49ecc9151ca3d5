// replay: re-publishing a channel's records through the node's HTTP API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, publish, runReplay, tempDir, jsonl } from './helpers.mjs';

const config = { channels: [{ pattern: 'copy.*', kind: 'stream' }] };

test('replay --speed max into another channel keeps data and order', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data, { config });
  const sent = [];
  for (let i = 1; i <= 40; i++) { const d = { n: i, px: 100 + i / 4 }; sent.push(d); await publish(node.url, 'trades', d); }
  const r = await runReplay(['replay', 'trades', '--to', node.url, '--into', 'copy.trades', '--speed', 'max', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^replayed 40 records of trades \\(seqs 1\\.\\.40\\) into copy\\.trades at ${node.url.replace(/[.]/g, '\\.')} as seqs 1\\.\\.40 in `));
  const copy = jsonl((await runReplay(['show', 'copy.trades', `--data-dir=${data}`])).stdout);
  assert.deepEqual(copy.map((x) => x.data), sent);
  assert.deepEqual(copy.map((x) => x.seq), sent.map((_, i) => i + 1));

  // A seq range (--to as a number) and the default stream channel alerts.
  const part = await runReplay(['replay', 'trades', `--target=${node.url}`, '--into=alerts', '--from=11', '--to=15', '--speed=max', `--data-dir=${data}`]);
  assert.equal(part.code, 0, part.stderr);
  const alerts = jsonl((await runReplay(['show', 'alerts', `--data-dir=${data}`])).stdout);
  assert.deepEqual(alerts.map((x) => x.data.n), [11, 12, 13, 14, 15]);
});

test('replay keeps the original pacing scaled by --speed', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data, { config });
  for (let i = 1; i <= 4; i++) {
    await publish(node.url, 'trades', { n: i });
    await new Promise((r) => setTimeout(r, 300));
  }
  const recs = jsonl((await runReplay(['show', 'trades', `--data-dir=${data}`])).stdout);
  const span = recs[3].ts - recs[0].ts; // ~900 ms
  const t0 = Date.now();
  const r = await runReplay(['replay', 'trades', `--to=${node.url}`, '--into=copy.paced', '--speed=2', `--data-dir=${data}`]);
  const took = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(took >= span / 2 - 50, `took ${took} ms for span ${span}`);
  assert.ok(took < span + 2000, `took ${took} ms for span ${span}`);
  const copy = jsonl((await runReplay(['show', 'copy.paced', `--data-dir=${data}`])).stdout);
  const gaps = copy.slice(1).map((x, i) => x.ts - copy[i].ts);
  gaps.forEach((g) => assert.ok(g >= 100, `gap ${g} ms (original ~300 ms, speed 2)`));
});

test('replay into a state channel rebuilds the same document', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data);
  for (const p of [{ a: 1, b: { c: 2 } }, { b: { d: 3 } }, { a: null }]) await publish(node.url, 'positions', p);
  const r = await runReplay(['replay', 'positions', `--to=${node.url}`, '--into=performance', '--speed=max', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stderr);
  const res = await fetch(`${node.url}/api/v1/channels/performance/state`, { signal: AbortSignal.timeout(5000) });
  const body = await res.json();
  const doc = body.state ?? body.data ?? body;
  assert.deepEqual(doc, { b: { c: 2, d: 3 } });
});
