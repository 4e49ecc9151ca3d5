// verify: ok on a store the node wrote; finds a removed record and a
// corrupted value after the node is stopped and the store damaged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, publish, runReplay, runDamage, tempDir } from './helpers.mjs';

async function written(t) {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data);
  for (let i = 1; i <= 10; i++) await publish(node.url, 'trades', { n: i });
  for (const p of [{ a: 1 }, { b: 2 }, { a: null }]) await publish(node.url, 'positions', p);
  return { data, node };
}

test('verify says ok for a healthy store, also while the node runs', async (t) => {
  const { data, node } = await written(t);
  const r = await runReplay(['verify', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, 'ok: 5 channels, 13 records\n');
  await node.stop();
  const after = await runReplay(['verify', '--data-dir', data]);
  assert.equal(after.stdout, 'ok: 5 channels, 13 records\n');
});

test('verify reports a deleted record as a gap', async (t) => {
  const { data, node } = await written(t);
  await node.stop();
  const d = await runDamage([data, 'delete', 'trades', '4']);
  assert.equal(d.code, 0, d.stderr);
  const r = await runReplay(['verify', `--data-dir=${data}`]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^problem: trades: seq 4 missing \(retained 1\.\.10\)$/m);
  assert.match(r.stdout, /^FAILED: 1 problem in 5 channels, 12 records$/m);
});

test('verify reports a deleted head and a corrupted value', async (t) => {
  const { data, node } = await written(t);
  await node.stop();
  assert.equal((await runDamage([data, 'corrupt', 'trades', '7'])).code, 0);
  assert.equal((await runDamage([data, 'delete', 'positions', '3'])).code, 0);
  const r = await runReplay(['verify', `--data-dir=${data}`]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^problem: trades: seq 7 does not decode: .+$/m);
  assert.match(r.stdout, /^problem: positions: seq 3 missing/m);
  assert.match(r.stdout, /^problem: positions: metadata head 3 but the last record is seq 2$/m);
  assert.match(r.stdout, /^FAILED: 3 problems/m);
  // show names the corrupt record instead of printing garbage.
  const s = await runReplay(['show', 'trades', `--data-dir=${data}`]);
  assert.equal(s.code, 1);
  assert.match(s.stderr, /corrupt record in the store: .*\/7.*run `tidewire-replay verify`/);
});
