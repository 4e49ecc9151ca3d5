// channels, show (formats, ranges, --state-at, while publishing) and stats
// against a store written by the real node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMulti } from './msgpack.mjs';
import { startNode, publish, runReplay, tempDir, jsonl, sleep } from './helpers.mjs';

async function fixture(t) {
  const dir = tempDir(t);
  const data = `${dir}/data`;
  const node = await startNode(t, data);
  const trades = [];
  for (let i = 1; i <= 12; i++) {
    const d = { id: i, sym: i % 2 ? 'ACME' : 'BOLT', qty: i * 10 };
    trades.push(d);
    await publish(node.url, 'trades', d);
  }
  const patches = [{ total: 1, pos: { ACME: 1 } }, { pos: { BOLT: 2 } },
    { total: 3, pos: { ACME: null } }];
  for (const p of patches) await publish(node.url, 'dashboard', p);
  return { data, node, trades, patches };
}

test('channels lists every channel with kind, seqs, count, bytes, time', async (t) => {
  const { data } = await fixture(t);
  const r = await runReplay(['channels', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^CHANNEL\s+KIND\s+EPOCH\s+FIRST\s+HEAD\s+COUNT\s+BYTES\s+LAST UPDATE/);
  const row = lines.find((l) => l.startsWith('trades '));
  assert.match(row, /^trades\s+stream\s+[0-9a-f]+\s+1\s+12\s+12\s+\d+\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(lines.find((l) => l.startsWith('dashboard ')), /^dashboard\s+state\s+\S+\s+1\s+3\s+3\s/);
  const j = await runReplay(['channels', '--data-dir', data, '--format', 'jsonl']);
  const rows = jsonl(j.stdout);
  const tr = rows.find((x) => x.channel === 'trades');
  assert.equal(tr.kind, 'stream');
  assert.equal(tr.first, 1);
  assert.equal(tr.head, 12);
  assert.equal(tr.count, 12);
  assert.ok(tr.bytes > 12 * 12);
  assert.ok(Math.abs(tr.last_ts - Date.now()) < 60000);
});

test('show prints records in seq order in jsonl, table and msgpack', async (t) => {
  const { data, trades } = await fixture(t);
  const r = await runReplay(['show', 'trades', `--data-dir=${data}`]);
  assert.equal(r.code, 0, r.stderr);
  const recs = jsonl(r.stdout);
  assert.deepEqual(recs.map((x) => x.seq), [...Array(12).keys()].map((i) => i + 1));
  assert.deepEqual(recs.map((x) => x.data), trades);
  assert.ok(recs.every((x) => typeof x.ts === 'number'));

  const ranged = jsonl((await runReplay(['show', 'trades', '--from', '4', '--to=9', '--limit', '3', `--data-dir=${data}`])).stdout);
  assert.deepEqual(ranged.map((x) => x.seq), [4, 5, 6]);

  const table = await runReplay(['show', 'trades', '--from=11', '--format=table', `--data-dir=${data}`]);
  assert.equal(table.code, 0, table.stderr);
  const tl = table.stdout.trim().split('\n');
  assert.match(tl[0], /^SEQ\s+TS\s+DATA$/);
  assert.match(tl[1], /^11\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\s+\{"id":11/);
  assert.equal(tl.length, 3);

  const mp = await runReplay(['show', 'trades', '--to=2', '--format=msgpack', `--data-dir=${data}`], { binary: true });
  assert.equal(mp.code, 0);
  const decoded = decodeMulti(mp.stdout);
  assert.equal(decoded.length, 2);
  assert.equal(decoded[1].seq, 2);
  assert.deepEqual(JSON.parse(decoded[1].data), trades[1]);

  // --since/--until by time: ISO and epoch ms select the same records.
  const ts = recs.map((x) => x.ts);
  const iso = new Date(ts[5]).toISOString();
  const a = jsonl((await runReplay(['show', 'trades', `--since=${iso}`, `--data-dir=${data}`])).stdout);
  const b = jsonl((await runReplay(['show', 'trades', '--since', String(ts[5]), '--until', String(ts[11]), `--data-dir=${data}`])).stdout);
  assert.ok(a.length >= 7 && a.every((x) => x.ts >= ts[5]));
  assert.deepEqual(a, b);
});

test('show --state-at rebuilds the state document at a seq', async (t) => {
  const { data } = await fixture(t);
  const at = async (seq) => JSON.parse((await runReplay(['show', 'dashboard', `--state-at=${seq}`, `--data-dir=${data}`])).stdout);
  assert.deepEqual(await at(1), { total: 1, pos: { ACME: 1 } });
  assert.deepEqual(await at(2), { total: 1, pos: { ACME: 1, BOLT: 2 } });
  assert.deepEqual(await at(3), { total: 3, pos: { BOLT: 2 } });
  const stream = await runReplay(['show', 'trades', '--state-at=1', `--data-dir=${data}`]);
  assert.equal(stream.code, 1);
  assert.match(stream.stderr, /needs a state channel/);
  const beyond = await runReplay(['show', 'dashboard', '--state-at=9', `--data-dir=${data}`]);
  assert.equal(beyond.code, 1);
  assert.match(beyond.stderr, /outside the channel's history 1\.\.3/);
});

test('show reads a consistent prefix while the node is publishing', async (t) => {
  const { data, node } = await fixture(t);
  let publishing = true;
  let published = 12;
  const writer = (async () => {
    while (publishing && published < 400) {
      await publish(node.url, 'trades', { id: ++published, sym: 'LIVE', qty: published });
    }
  })();
  let lastCount = 0;
  for (let round = 0; round < 6; round++) {
    const r = await runReplay(['show', 'trades', `--data-dir=${data}`]);
    assert.equal(r.code, 0, r.stderr);
    const recs = jsonl(r.stdout);
    recs.forEach((x, i) => { assert.equal(x.seq, i + 1); assert.equal(x.data.id, i + 1); });
    assert.ok(recs.length >= lastCount);
    lastCount = recs.length;
    await sleep(50);
  }
  publishing = false;
  await writer;
  assert.ok(lastCount > 12, `show saw only ${lastCount} records`);
});

test('stats reports counts, sizes, buckets and no gaps', async (t) => {
  const { data } = await fixture(t);
  const r = await runReplay(['stats', 'trades', `--data-dir=${data}`, '--bucket-s=60']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^trades \(stream, epoch [0-9a-f]+\)/);
  assert.match(r.stdout, /retained seqs\s+1\.\.12/);
  assert.match(r.stdout, /records\s+12\n/);
  assert.match(r.stdout, /data bytes\s+\d+ \(mean \d+, largest \d+\)/);
  assert.match(r.stdout, /per 60 s:/);
  const buckets = [...r.stdout.matchAll(/^\s+\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z\s+(\d+)\s/gm)];
  assert.equal(buckets.reduce((s, m) => s + Number(m[1]), 0), 12);
  assert.match(r.stdout, /gaps\s+none/);
  const all = await runReplay(['stats', `--data-dir=${data}`]);
  assert.equal(all.code, 0);
  for (const ch of ['alerts', 'dashboard', 'performance', 'positions', 'trades'])
    assert.match(all.stdout, new RegExp(`^${ch} \\(`, 'm'));
});
