// Retention trimming under a resumer (issue: a catch-up silently skipped
// what a trim removed). A channel keeps 5000 updates; a client resumes near
// the oldest retained one with a small outbound queue, stops reading for a
// while, and a producer keeps publishing 2 KB updates through HTTP, so
// retention trims past the client's position. The client must then get
// every seq once, in order, or a second `subscribed` (recovered: false,
// reason "trimmed") whose `missing` range is exactly the seqs it skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { Client, getJson, postJson } from './client.mjs';

const RETENTION = 5000;
const PAD = 'x'.repeat(2000);

async function publishMany(url, count, from) {
  let next = from;
  const end = from + count;
  // Eight keep-alive connections publishing as fast as they are answered.
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < end) {
      const n = next++;
      const r = await postJson(`${url}/api/v1/channels/race/messages`, { n, pad: PAD });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  }));
  return end;
}

// Reads `c` until seq `head`; checks every step of the sequence.
async function readTo(c, since, head) {
  let last = since;
  let gaps = 0;
  while (last < head) {
    const m = await c.next((x) => x.type === 'update' || x.type === 'subscribed' || x.type === 'error', 20000);
    if (m.type === 'error') assert.fail(`error during catch-up: ${JSON.stringify(m)}`);
    if (m.type === 'subscribed') {
      assert.equal(m.recovered, false);
      assert.equal(m.reason, 'trimmed');
      assert.equal(m.missing.from, last + 1, 'the missing range starts right after the last update');
      gaps += 1;
      console.log("gap", JSON.stringify(m.missing));
      const u = await c.next((x) => x.type === 'update', 20000);
      assert.equal(u.seq, m.missing.to + 1, 'the next update follows the missing range');
      last = u.seq;
      continue;
    }
    assert.equal(m.seq, last + 1, `seq ${m.seq} after ${last} without a trimmed notice`);
    last = m.seq;
  }
  return gaps;
}

test('a resumer overtaken by retention is told exactly what is missing', async (t) => {
  const cfgDir = mkdtempSync(path.join(tmpdir(), 'tidewire-trim-'));
  t.after(() => rmSync(cfgDir, { recursive: true, force: true }));
  const cfg = path.join(cfgDir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ channels: [{ pattern: 'race', kind: 'stream', retention_count: RETENTION }] }));
  const node = await startNode({ args: [`--config=${cfg}`, '--queue-bytes=65536'] });
  t.after(() => node.stop());

  let next = await publishMany(node.url, RETENTION + 100, 1);
  let gapsSeen = 0;
  // Round 0 reads steadily (the race as first reported); rounds 1-3 stop
  // reading for a while, which lets retention overtake the client surely.
  for (let round = 0; round < 4; round++) {
    const info = await getJson(`${node.url}/api/v1/channels/race/history?since=0&limit=1`);
    const since = info.body.first + 20;
    const c = await Client.open(node.wsUrl);
    if (round > 0) c.ws._socket.pause();
    c.send({ type: 'subscribe', channel: 'race', since, epoch: info.body.epoch, id: `s${round}` });
    const producing = publishMany(node.url, round > 0 ? 3000 : 1500, next);
    if (round > 0) {
      await producing;
      c.ws._socket.resume();
    }
    const first = await c.next((x) => x.type === 'subscribed');
    assert.equal(first.recovered, true);
    next = await producing;
    const head = next - 1;
    gapsSeen += await readTo(c, since, head);
    c.close();
  }
  assert.ok(gapsSeen >= 1, 'retention overtook a paused resumer at least once');
});
