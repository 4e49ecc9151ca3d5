// tail: the last N records, and -f following what the running node writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, publish, runReplay, tempDir, jsonl, sleep } from './helpers.mjs';

test('tail -n prints the last records', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data);
  for (let i = 1; i <= 8; i++) await publish(node.url, 'trades', { n: i });
  const r = await runReplay(['tail', 'trades', '-n', '3', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonl(r.stdout).map((x) => [x.seq, x.data.n]), [[6, 6], [7, 7], [8, 8]]);
  const all = await runReplay(['tail', 'trades', '--lines=50', `--data-dir=${data}`]);
  assert.equal(jsonl(all.stdout).length, 8);
  const table = await runReplay(['tail', 'trades', '-n', '1', '--format=table', `--data-dir=${data}`]);
  assert.match(table.stdout, /^SEQ\s+TS\s+DATA\n8\s+\S+Z\s+\{"n":8\}\n$/);
});

test('tail -f sees records published after it started, bounded by --count', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data);
  for (let i = 1; i <= 3; i++) await publish(node.url, 'trades', { n: i });
  let started;
  const ready = new Promise((r) => { started = r; });
  const tail = runReplay(['tail', 'trades', '-n', '1', '-f', '--count', '4',
    '--max-wait-ms', '20000', `--data-dir=${data}`], {
    timeoutMs: 30000,
    onSpawn: (child) => child.stdout.once('data', () => started()),
  });
  await Promise.race([ready, sleep(10000)]);
  for (let i = 4; i <= 7; i++) { await publish(node.url, 'trades', { n: i }); await sleep(30); }
  const r = await tail;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonl(r.stdout).map((x) => x.data.n), [3, 4, 5, 6, 7]);
});

test('tail -f stops at --max-wait-ms and on SIGTERM', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data);
  await publish(node.url, 'alerts', { level: 'info' });
  const t0 = Date.now();
  const r = await runReplay(['tail', 'alerts', '-f', '--max-wait-ms=600', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(jsonl(r.stdout).length, 1);

  let child;
  const running = runReplay(['tail', 'alerts', '-f', `--data-dir=${data}`], {
    timeoutMs: 15000, onSpawn: (c) => { child = c; },
  });
  await sleep(700);
  await publish(node.url, 'alerts', { level: 'warn' });
  await sleep(700);
  child.kill('SIGTERM');
  const s = await running;
  assert.equal(s.code, 0, `exit ${s.code} ${s.signal} ${s.stderr}`);
  assert.deepEqual(jsonl(s.stdout).map((x) => x.data.level), ['info', 'warn']);
});
