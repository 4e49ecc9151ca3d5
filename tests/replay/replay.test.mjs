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

test('replay over WebSocket, JSON or MessagePack, keeps exact data and order', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data, { config });
  const wsUrl = node.url.replace(/^http:/, 'ws:');
  // Raw bodies, so numbers no double holds are stored as written.
  const bodies = [
    '{"n":1,"px":12.5,"big":123456789012345678901234567890}',
    '{"n":2,"px":0.1000000000000000055511151231257827,"s":"ÄÖ 😀","l":[null,true,-3]}',
    '{"n":3,"u":18446744073709551615,"f":1e2}',
  ];
  for (const b of bodies) {
    const res = await fetch(`${node.url}/api/v1/channels/trades/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: b, signal: AbortSignal.timeout(10000),
    });
    assert.equal(res.status, 200);
  }
  const original = (await runReplay(['show', 'trades', `--data-dir=${data}`])).stdout;
  for (const protocol of ['json', 'msgpack']) {
    const into = `copy.${protocol}`;
    const r = await runReplay(['replay', 'trades', '--to', wsUrl, `--protocol=${protocol}`, '--into', into, '--speed', 'max', `--data-dir=${data}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^replayed 3 records of trades \\(seqs 1\\.\\.3\\) into ${into.replace('.', '\\.')} at ws://`));
    const copy = (await runReplay(['show', into, `--data-dir=${data}`])).stdout;
    const texts = (s) => s.split('\n').filter(Boolean).map((l) => /"data":(.*)\}$/.exec(l)[1]);
    if (protocol === 'json') {
      assert.deepEqual(texts(copy), texts(original));
    } else {
      // The same values; 1e2 is respelt by the float 64 it travels as.
      assert.deepEqual(texts(copy), texts(original).map((x) => x.replace('"f":1e2', '"f":100.0')));
    }
  }
  // --protocol needs a ws:// target; a bad protocol is a usage error.
  const bad = await runReplay(['replay', 'trades', '--to', node.url, '--protocol=msgpack', `--data-dir=${data}`]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--protocol needs a ws:\/\/ target/);
  const worse = await runReplay(['replay', 'trades', '--to', wsUrl, '--protocol=cbor', `--data-dir=${data}`]);
  assert.equal(worse.code, 2);
  assert.match(worse.stderr, /--protocol expects json or msgpack/);
});
