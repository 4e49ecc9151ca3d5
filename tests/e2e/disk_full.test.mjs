// A data directory that fills up: publishes are refused (nothing is
// acknowledged that was not stored, no seq is skipped), and once space
// returns the same node accepts again, without a restart. Needs a small
// tmpfs, so it runs only where `mount -t tmpfs` is allowed (root); elsewhere
// it is skipped, saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { getJson, postJson } from './client.mjs';

function tryMount(dir, size) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const PAD = 'y'.repeat(30000);

test('a full data directory refuses publishes and accepts again when space returns', async (t) => {
  const mnt = mkdtempSync(path.join(tmpdir(), 'tidewire-full-'));
  if (!tryMount(mnt, '6m')) {
    rmSync(mnt, { recursive: true, force: true });
    t.skip('mount -t tmpfs is not permitted here (needs root)');
    return;
  }
  t.after(() => {
    try { execFileSync('umount', ['-l', mnt], { stdio: 'pipe' }); } catch { /* already */ }
    rmSync(mnt, { recursive: true, force: true });
  });
  const node = await startNode({ dataDir: path.join(mnt, 'data') });
  t.after(() => node.stop());
  const url = `${node.url}/api/v1/channels/alerts/messages`;
  const acked = [];
  let refused = null;
  for (let n = 0; n < 1000 && !refused; n++) {
    const r = await postJson(url, { n, pad: PAD });
    if (r.status === 200) acked.push({ n, seq: r.body.seq });
    else refused = r;
  }
  assert.ok(refused, 'the disk filled up before 1000 publishes of 30 KB');
  assert.equal(refused.status, 500, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'internal');
  // Still full: refused again, and the node keeps serving reads.
  const again = await postJson(url, { n: -1, pad: PAD });
  assert.notEqual(again.status, 200);
  assert.equal((await getJson(`${node.url}/healthz`)).status, 200);

  // Space returns (the tmpfs grows): the same node accepts again.
  execFileSync('mount', ['-o', 'remount,size=64m', mnt], { stdio: 'pipe' });
  let ok = null;
  for (let i = 0; i < 50 && !ok; i++) {
    const r = await postJson(url, { n: 'after', pad: 'z' });
    if (r.status === 200) ok = r;
    else await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(ok, 'publishing works again once there is space');
  assert.equal(ok.body.seq, acked.length + 1, 'refused publishes used no seq');

  // Every acknowledged publish is stored once, in order, with its data.
  const stored = [];
  let since = 0;
  for (;;) {
    const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=${since}&limit=1000`);
    if (h.body.updates.length === 0) break;
    stored.push(...h.body.updates);
    since = h.body.updates.at(-1).seq;
  }
  assert.deepEqual(stored.map((u) => u.seq), Array.from({ length: acked.length + 1 }, (_, i) => i + 1));
  for (const a of acked) assert.equal(stored[a.seq - 1].data.n, a.n);
});
