// Clear messages and exit codes: 2 for usage, 1 for runtime problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startNode, publish, runReplay, tempDir, jsonl, sleep } from './helpers.mjs';

const commands = ['channels', 'show', 'tail', 'stats', 'verify', 'export', 'import', 'replay'];

test('--help for every subcommand, usage errors exit 2', async () => {
  const top = await runReplay(['--help']);
  assert.equal(top.code, 0);
  for (const c of commands) assert.match(top.stdout, new RegExp(`^  ${c}\\s`, 'm'));
  for (const c of commands) {
    const r = await runReplay([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: tidewire-replay ${c}`), c);
    assert.match(r.stdout, /--data-dir=DIR/, c);
  }
  const none = await runReplay([]);
  assert.equal(none.code, 2);
  const unknown = await runReplay(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const flag = await runReplay(['show', 'trades', '--bogus=1']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option --bogus=1/);
  const noChannel = await runReplay(['show']);
  assert.equal(noChannel.code, 2);
  assert.match(noChannel.stderr, /show takes exactly one CHANNEL/);
  const badNum = await runReplay(['show', 'trades', '--from', 'ten']);
  assert.equal(badNum.code, 2);
  assert.match(badNum.stderr, /--from expects a non-negative number, got 'ten'/);
  const noValue = await runReplay(['show', 'trades', '--limit']);
  assert.equal(noValue.code, 2);
  assert.match(noValue.stderr, /--limit needs a value/);
  const badFormat = await runReplay(['show', 'trades', '--format=xml']);
  assert.equal(badFormat.code, 2);
  const noTarget = await runReplay(['replay', 'trades']);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /--to=http:\/\/HOST:PORT/);
  const badSpeed = await runReplay(['replay', 'trades', '--to=http://127.0.0.1:9', '--speed=fast']);
  assert.equal(badSpeed.code, 2);
  assert.match(badSpeed.stderr, /--speed expects a positive factor or max/);
});

test('missing and non-tidewire data directories', async (t) => {
  const dir = tempDir(t);
  const missing = await runReplay(['channels', `--data-dir=${dir}/nope`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^tidewire-replay channels: data directory .*\/nope does not exist/);
  const foreign = `${dir}/foreign`;
  mkdirSync(foreign);
  writeFileSync(`${foreign}/notes.txt`, 'hello');
  const f = await runReplay(['verify', `--data-dir=${foreign}`]);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /is not a tidewire store: the directory holds other files/);
  const empty = `${dir}/empty`;
  mkdirSync(empty);
  const e = await runReplay(['show', 'trades', '--data-dir', empty]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /is not a tidewire store: the directory is empty/);
});

test('unknown channel, empty and out-of-retention ranges, malformed times, trimmed state', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data, {
    config: { channels: [{ pattern: 'trim.*', kind: 'state', retention_count: 3 }] },
    // Retention never trims past a state channel's last stored document.
    args: ['--state-snapshot-every=2'],
  });
  for (let i = 1; i <= 5; i++) await publish(node.url, 'trades', { n: i });
  for (let i = 1; i <= 6; i++) await publish(node.url, 'trim.state', { ['k' + i]: i });
  const D = `--data-dir=${data}`;

  const unknown = await runReplay(['show', 'nosuch', D]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown channel 'nosuch' \(this store has: alerts, dashboard, performance, positions, trades, trim\.state\)/);

  const beyond = await runReplay(['show', 'trades', '--from=6', D]);
  assert.equal(beyond.code, 1);
  assert.match(beyond.stderr, /seqs 6\.\.5 are outside retention: channel trades retains seqs 1\.\.5/);
  const reversed = await runReplay(['show', 'trades', '--from=4', '--to=2', D]);
  assert.equal(reversed.code, 2);
  const emptyChannel = await runReplay(['show', 'alerts', D]);
  assert.equal(emptyChannel.code, 1);
  assert.match(emptyChannel.stderr, /channel alerts has no retained records/);
  const future = await runReplay(['show', 'trades', '--since=2100-01-01T00:00:00Z', D]);
  assert.equal(future.code, 1);
  assert.match(future.stderr, /no records of trades match the selection/);

  // Retention (3 records) trimmed the start of trim.state.
  let first = 1;
  for (let i = 0; i < 50 && first === 1; i++) {
    const rows = jsonl((await runReplay(['channels', '--format=jsonl', D])).stdout);
    first = rows.find((r) => r.channel === 'trim.state').first;
    if (first === 1) await sleep(100);
  }
  assert.ok(first > 1 && first <= 4, `first ${first}`);
  const trimmed = await runReplay(['show', 'trim.state', `--to=${first - 1}`, D]);
  assert.equal(trimmed.code, 1);
  assert.match(trimmed.stderr, new RegExp(`outside retention: channel trim\\.state retains seqs ${first}\\.\\.6`));
  const stateAt = await runReplay(['show', 'trim.state', '--state-at=5', D]);
  assert.equal(stateAt.code, 1);
  assert.match(stateAt.stderr, new RegExp(`cannot rebuild trim\\.state at seq 5 exactly: history before seq ${first} was trimmed`));
  const v = await runReplay(['verify', D]);
  assert.equal(v.code, 0, v.stdout);

  for (const bad of ['2026-13-01T00:00:00Z', 'yesterday', '2026-11-25T25:00:00Z', '2026-11-25T14:02:00Q']) {
    const r = await runReplay(['show', 'trades', `--since=${bad}`, D]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /--since expects an ISO-8601 UTC time such as 2026-11-25T14:02:00Z or epoch milliseconds/);
  }
  const ok = await runReplay(['show', 'trades', '--since=2020-01-01T00:00:00Z', '--until', String(Date.now() + 60000), D]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(jsonl(ok.stdout).length, 5);
});

test('unreachable target node', async (t) => {
  const data = `${tempDir(t)}/data`;
  const node = await startNode(t, data);
  await publish(node.url, 'trades', { n: 1 });
  // A port that was just free: bind, close, then use it.
  const net = await import('node:net');
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const r = await runReplay(['replay', 'trades', `--to=http://127.0.0.1:${port}`, '--speed=max', `--data-dir=${data}`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot reach node at http://127\\.0\\.0\\.1:${port}: Connection refused`));
  const bad = await runReplay(['replay', 'trades', '--to=ftp://x', `--data-dir=${data}`]);
  assert.equal(bad.code, 2);
});
