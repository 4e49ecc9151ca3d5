// A data directory whose disk fills up while a producer publishes: publishes
// are refused (storage_full: HTTP 507, WebSocket error with channel and id),
// nothing is acknowledged that was not stored, subscribers and history go on
// being served, and once space returns the same process accepts again (no
// restart). Every acknowledged publish is then in history exactly once, and
// a live subscriber got each once, in order.
//
// The disk is a small tmpfs: mounted directly (root, as here and on CI), or
// else inside a user and mount namespace (`unshare -rm`) in which the node
// runs, the filler then reaching it through /proc/PID/root. When neither
// works the test is skipped, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson } from './client.mjs';

const SIZE_MB = 24;

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: 'pipe', timeout: 10000 });
}

// How this process can give the node a small disk: 'mount', 'unshare' or a
// reason why neither works.
function mountMethod(dir) {
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir]);
    run('umount', [dir]);
    return 'mount';
  } catch (e) {
    try {
      run('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=${SIZE_MB}m tmpfs '${dir}'`]);
      return 'unshare';
    } catch (e2) {
      return `mount failed (${String(e.stderr ?? e.message).trim()}) and unshare -rm failed (${String(e2.stderr ?? e2.message).trim()})`;
    }
  }
}

// Starts a node whose data directory is on a fresh SIZE_MB tmpfs at `mnt`.
// Returns { node, root }: `root` is where the test sees the tmpfs.
async function startOnTmpfs(t, mnt, method, args) {
  const dataDir = path.join(mnt, 'data');
  if (method === 'mount') {
    run('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', mnt]);
    // Unmounted whatever happens (registered first, so it runs after stop).
    t.after(() => {
      try { run('umount', ['-l', mnt]); } catch { /* not mounted */ }
      rmSync(mnt, { recursive: true, force: true });
    });
    const node = await startNode({ dataDir, args });
    t.after(() => node.stop());
    return { node, root: mnt };
  }
  // The namespace (and its mount) ends with the node.
  t.after(() => rmSync(mnt, { recursive: true, force: true }));
  const node = await startNode({
    dataDir,
    args,
    prefix: ['unshare', '-rm', 'sh', '-c',
      `mount -t tmpfs -o size=${SIZE_MB}m tmpfs '${mnt}' && exec "$0" "$@"`],
  });
  t.after(() => node.stop());
  return { node, root: path.join(`/proc/${node.child.pid}/root`, mnt) };
}

// Fills the tmpfs to the last byte; returns the filler's path.
function fill(root) {
  const file = path.join(root, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (let i = 0; i < (SIZE_MB + 1) * 4; i++) writeSync(fd, chunk);
    throw new Error(`${SIZE_MB + 1} MiB fitted on a ${SIZE_MB} MiB tmpfs`);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
    // The last bytes, smaller than a chunk.
    for (let size = chunk.length / 2; size >= 1; size = Math.floor(size / 2)) {
      try { writeSync(fd, chunk.subarray(0, size)); } catch { /* full at this size */ }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

async function history(node, channel) {
  const out = [];
  let since = 0;
  for (let page = 0; page < 100; page++) {
    const h = await getJson(`${node.url}/api/v1/channels/${channel}/history?since=${since}&limit=1000`);
    assert.equal(h.status, 200, JSON.stringify(h.body));
    if (h.body.updates.length === 0) return out;
    out.push(...h.body.updates);
    since = h.body.updates.at(-1).seq;
  }
  throw new Error('history did not end within 100 pages');
}

const PAD = 'x'.repeat(2000);

for (const { name, minFree } of [
  { name: 'a write failing for lack of space (RocksDB ENOSPC, then resume)', minFree: 0 },
  { name: 'free space below --min-free-mb', minFree: 2 },
]) {
  test(`full disk: ${name}: refused, nothing unstored acknowledged, accepted again without a restart`, { timeout: 60000 }, async (t) => {
    const mnt = mkdtempSync(path.join(tmpdir(), 'tidewire-full-'));
    const method = mountMethod(mnt);
    if (method !== 'mount' && method !== 'unshare') {
      rmSync(mnt, { recursive: true, force: true });
      t.skip(`no small disk for the node: ${method}`);
      return;
    }
    t.diagnostic(`tmpfs via ${method}`);
    const { node, root } = await startOnTmpfs(t, mnt, method, [`--min-free-mb=${minFree}`]);
    const url = `${node.url}/api/v1/channels/trades/messages`;

    const live = await Client.open(node.wsUrl);
    t.after(() => live.close());
    assert.equal((await live.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
    const producer = await Client.open(node.wsUrl);
    t.after(() => producer.close());

    const acked = new Map(); // seq -> n
    const refusedNs = [];
    let n = 0;
    const publish = async () => {
      const mine = n++;
      const r = await postJson(url, { n: mine, pad: PAD });
      if (r.status === 200) {
        assert.ok(!acked.has(r.body.seq), `seq ${r.body.seq} acknowledged twice`);
        acked.set(r.body.seq, mine);
      } else {
        refusedNs.push(mine);
      }
      return r;
    };

    // Some publishes land, then the disk fills while the producer goes on.
    for (let i = 0; i < 20; i++) assert.equal((await publish()).status, 200);
    const filler = fill(root);
    let refusal = null;
    for (let i = 0; i < 2000 && !refusal; i++) {
      const r = await publish();
      if (r.status !== 200) refusal = r;
    }
    assert.ok(refusal, 'a full disk refused a publish within 2000 publishes');
    assert.equal(refusal.status, 507, JSON.stringify(refusal.body));
    assert.equal(refusal.body.error.code, 'storage_full');
    // Still full: refused again, over HTTP and over WebSocket (with id).
    assert.equal((await publish()).status, 507);
    const wsRefused = await producer.request({ type: 'publish', channel: 'trades', data: { n: -1 } });
    assert.equal(wsRefused.type, 'error', JSON.stringify(wsRefused));
    assert.equal(wsRefused.code, 'storage_full');

    // Reads go on from what is stored: health, history, a new subscriber
    // resuming from the start (a catch-up read from the store).
    assert.equal((await getJson(`${node.url}/healthz`)).status, 200);
    const whileFull = await history(node, 'trades');
    assert.deepEqual(whileFull.map((u) => u.seq), [...acked.keys()].sort((a, b) => a - b));
    const resumer = await Client.open(node.wsUrl);
    t.after(() => resumer.close());
    const sub = await resumer.request({ type: 'subscribe', channel: 'trades', since: 0 });
    assert.equal(sub.type, 'subscribed');
    for (let seq = 1; seq <= acked.size; seq++) {
      const u = await resumer.next((m) => m.type === 'update');
      assert.equal(u.seq, seq);
    }

    // Space returns: the same process accepts again.
    unlinkSync(filler);
    let accepted = null;
    for (let i = 0; i < 100 && !accepted; i++) {
      const r = await publish();
      if (r.status === 200) accepted = r;
      else {
        assert.equal(r.status, 507, JSON.stringify(r.body));
        await new Promise((res) => setTimeout(res, 100)); // the store retries every 500 ms
      }
    }
    assert.ok(accepted, `publishes are accepted again within 10 s of space returning; node stderr: ${node.stderr.slice(-2000)}`);
    for (let i = 0; i < 10; i++) assert.equal((await publish()).status, 200);
    assert.equal(node.child.exitCode, null, 'the node never restarted');

    // Every acknowledged publish is stored exactly once, in order, with its
    // data; no refused publish is stored; no seq was skipped.
    const stored = await history(node, 'trades');
    const seqs = stored.map((u) => u.seq);
    assert.deepEqual(seqs, Array.from({ length: acked.size }, (_, i) => i + 1));
    for (const u of stored) assert.equal(u.data.n, acked.get(u.seq), `seq ${u.seq}`);
    const storedNs = new Set(stored.map((u) => u.data.n));
    for (const r of refusedNs) assert.ok(!storedNs.has(r), `refused publish ${r} is stored`);
    // The subscriber that stayed live saw each once, in order.
    for (let seq = 1; seq <= acked.size; seq++) {
      const u = await live.next((m) => m.type === 'update');
      assert.equal(u.seq, seq);
      assert.equal(u.data.n, acked.get(seq));
    }
    t.diagnostic(`${acked.size} acknowledged, ${refusedNs.length} refused, accepted again after ${refusedNs.length} refusals`);
    if (minFree === 0) {
      // The failed write stopped the store, which resumed by itself.
      assert.match(node.stderr, /store: writes stopped/);
      assert.match(node.stderr, /store: writes resumed/);
    }
  });
}
