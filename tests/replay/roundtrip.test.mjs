// export -> import -> export is identical; import refuses a running node's
// store and an existing channel unless --force-epoch; a node started on the
// imported store continues the same epoch and seqs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startNode, publish, runReplay, tempDir, jsonl } from './helpers.mjs';
import { applyMergePatch } from '../../web/client/merge-patch.js';

test('export then import into a fresh store round-trips exactly', async (t) => {
  const dir = tempDir(t);
  const data = `${dir}/data`;
  const node = await startNode(t, data);
  for (let i = 1; i <= 25; i++) await publish(node.url, 'trades', { n: i, text: `tr\u00e9s ${i}`, z: 1, a: [i] });
  for (const p of [{ total: 5, pos: { A: 1 } }, { pos: { B: 2 } }, { total: 7 }]) await publish(node.url, 'dashboard', p);

  const exp = await runReplay(['export', 'trades', `--data-dir=${data}`]);
  assert.equal(exp.code, 0, exp.stderr);
  const lines = jsonl(exp.stdout);
  const epoch = lines[0].epoch;
  assert.deepEqual(lines[0], { tidewire_export: 1, channel: 'trades', kind: 'stream', epoch, first: 1, head: 25, last_ts: lines[25].ts });
  assert.equal(lines.length, 26);
  assert.deepEqual(lines[3].data, { n: 3, text: 'tr\u00e9s 3', z: 1, a: [3] });
  // Records are exported as `show` prints them: the stored JSON text verbatim.
  const shown = (await runReplay(['show', 'trades', `--data-dir=${data}`])).stdout;
  assert.equal(exp.stdout.split('\n').slice(1).join('\n'), shown);

  const stateFile = `${dir}/dashboard.jsonl`;
  const sx = await runReplay(['export', 'dashboard', `--output=${stateFile}`, `--data-dir=${data}`]);
  assert.equal(sx.code, 0, sx.stderr);
  assert.match(sx.stderr, /exported 3 records of dashboard/);
  // The header carries the stored snapshot at state_seq (it may be older
  // than head); the snapshot plus the records after it is the document.
  const stateLines = jsonl(readFileSync(stateFile, 'utf8'));
  const sh = stateLines[0];
  assert.ok(sh.state_seq >= 0 && sh.state_seq <= sh.head, `state_seq ${sh.state_seq}`);
  let doc = sh.state ? JSON.parse(sh.state) : {};
  for (const r of stateLines.slice(1)) if (r.seq > sh.state_seq) doc = applyMergePatch(doc, r.data);
  assert.deepEqual(doc, { total: 7, pos: { A: 1, B: 2 } });

  // Import into the running node's store fails with the "in use" message.
  const tradesFile = `${dir}/trades.jsonl`;
  assert.equal((await runReplay(['export', 'trades', '-o', tradesFile, `--data-dir=${data}`])).code, 0);
  const busy = await runReplay(['import', tradesFile, `--data-dir=${data}`, '--force-epoch']);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /in use by another tidewire node; stop the node/);

  // Into a fresh directory.
  const copy = `${dir}/copy`;
  const imp = await runReplay(['import', tradesFile, '--data-dir', copy]);
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.stdout, `imported 25 records into trades (epoch ${epoch}, seqs 1..25)\n`);
  const imp2 = await runReplay(['import', stateFile, '--data-dir', copy]);
  assert.equal(imp2.code, 0, imp2.stderr);
  const again = await runReplay(['export', 'trades', `--data-dir=${copy}`]);
  assert.equal(again.stdout, exp.stdout);
  const stateAgain = await runReplay(['export', 'dashboard', `--data-dir=${copy}`]);
  assert.equal(stateAgain.stdout, readFileSync(stateFile, 'utf8'));
  const v = await runReplay(['verify', `--data-dir=${copy}`]);
  assert.equal(v.stdout, 'ok: 2 channels, 28 records\n');

  // An existing channel is refused; --force-epoch replaces it.
  const refused = await runReplay(['import', tradesFile, '--data-dir', copy]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /channel trades already exists \(epoch .*, head 25\); --force-epoch replaces it/);
  const renamed = await runReplay(['import', tradesFile, '--data-dir', copy, '--into=trades2']);
  assert.equal(renamed.code, 0, renamed.stderr);

  // A node on the imported store continues the export's epoch and seqs.
  await node.stop();
  const node2 = await startNode(t, copy);
  const ack = await publish(node2.url, 'trades', { n: 26 });
  assert.deepEqual(ack, { channel: 'trades', seq: 26, epoch });
  await node2.stop();
  const forced = await runReplay(['import', tradesFile, '--data-dir', copy, '--force-epoch']);
  assert.equal(forced.code, 0, forced.stderr);
  const afterForce = await runReplay(['export', 'trades', `--data-dir=${copy}`]);
  assert.equal(afterForce.stdout, exp.stdout);
});

test('import refuses a damaged or non-contiguous export', async (t) => {
  const dir = tempDir(t);
  const data = `${dir}/data`;
  const node = await startNode(t, data);
  for (let i = 1; i <= 4; i++) await publish(node.url, 'alerts', { n: i });
  const exp = (await runReplay(['export', 'alerts', `--data-dir=${data}`])).stdout.split('\n');
  await node.stop();
  const { writeFileSync } = await import('node:fs');
  const gap = `${dir}/gap.jsonl`;
  writeFileSync(gap, [exp[0], exp[1], exp[3], exp[4]].join('\n') + '\n');
  const r = await runReplay(['import', gap, `--data-dir=${dir}/fresh`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /line 3: expected seq 2, found 3/);
  const bad = `${dir}/bad.jsonl`;
  writeFileSync(bad, '{"hello":1}\n');
  const b = await runReplay(['import', bad, `--data-dir=${dir}/fresh`]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /not a tidewire export header/);
});

test('export and import carry idempotency keys: the imported store still answers a repeat with the first seq', async (t) => {
  const dir = tempDir(t);
  const data = `${dir}/data`;
  const node = await startNode(t, data);
  const acks = [];
  for (let i = 1; i <= 6; i++) {
    // Every other publish has a key; one key has a quote and a backslash.
    const key = i % 2 ? (i === 5 ? 'order "5" \\ x' : `order-${i}`) : undefined;
    acks.push({ key, ack: await publish(node.url, 'alerts', { n: i }, key) });
  }
  const exp = await runReplay(['export', 'alerts', `--data-dir=${data}`]);
  assert.equal(exp.code, 0, exp.stderr);
  const lines = jsonl(exp.stdout);
  for (const { key, ack } of acks) {
    const line = lines.find((l) => l.seq === ack.seq);
    if (key === undefined) assert.ok(!('key' in line), JSON.stringify(line));
    else assert.equal(line.key, key);
  }
  await node.stop();

  const file = `${dir}/alerts.jsonl`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, exp.stdout);
  const copy = `${dir}/copy`;
  const imp = await runReplay(['import', file, `--data-dir=${copy}`]);
  assert.equal(imp.code, 0, imp.stderr);
  const again = await runReplay(['export', 'alerts', `--data-dir=${copy}`]);
  assert.equal(again.stdout, exp.stdout, 'the keys survive the round trip byte for byte');

  // A node on the imported store: a repeat of an exported key gets the
  // first publish's seq and stores nothing; a new key is a new record.
  const node2 = await startNode(t, copy);
  const first = acks[4];
  const repeat = await publish(node2.url, 'alerts', { n: 'again' }, first.key);
  assert.equal(repeat.seq, first.ack.seq);
  assert.equal(repeat.epoch, first.ack.epoch);
  const fresh = await publish(node2.url, 'alerts', { n: 7 }, 'order-7');
  assert.equal(fresh.seq, 7);
  await node2.stop();
  const after = jsonl((await runReplay(['export', 'alerts', `--data-dir=${copy}`])).stdout);
  assert.equal(after.length, 1 + 7);
  assert.deepEqual(after.at(-1).data, { n: 7 });

  // A bad key in an export is refused before anything is written.
  const badKey = `${dir}/badkey.jsonl`;
  const ls = exp.stdout.split('\n');
  // Seq 2 was published without a key: give it one that is too long.
  writeFileSync(badKey, [ls[0], ls[1], ls[2].replace('{"seq":2,"ts":', `{"seq":2,"key":"${'k'.repeat(129)}","ts":`), ...ls.slice(3)].join('\n'));
  const refused = await runReplay(['import', badKey, `--data-dir=${dir}/fresh2`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /line 3: "key" must be 1 to 128 characters/);
});
