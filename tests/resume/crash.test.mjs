// With --durability=sync, a node killed with SIGKILL in the middle of a
// publish burst keeps every acknowledged update, continues its seqs without
// reuse, and serves a resume from before the kill.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, removeDir } from '../js/helpers/node.mjs';
import { connect, subscribe, publishHttp } from './ws_client.mjs';

test('kill -9 during a burst loses no acknowledged update', { timeout: 120000 }, async () => {
  let node = await startNode({ args: ['--durability=sync'] });
  try {
    const acked = new Map(); // seq -> payload
    let epoch;
    let stop = false;
    let sent = 0;
    const burst = async (worker) => {
      while (!stop && sent < 20000) {
        const data = { worker, n: ++sent };
        try {
          const ack = await publishHttp(node.url, 'trades', data);
          acked.set(ack.seq, data);
          epoch = ack.epoch;
        } catch {
          return; // the node is gone
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, i) => burst(i));
    // Kill once a few hundred publishes are acknowledged, while more are in flight.
    const deadline = Date.now() + 60000;
    while (acked.size < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(acked.size >= 300, 'the burst got going');
    await node.stop('SIGKILL');
    stop = true;
    await Promise.all(workers);

    node = await node.restart();
    const maxAcked = Math.max(...acked.keys());
    const head = (await node.getJson('/api/v1/channels')).body.channels.find((c) => c.name === 'trades');
    assert.equal(head.epoch, epoch, 'same epoch after the crash');
    assert.ok(head.head >= maxAcked, `head ${head.head} covers every ack (max ${maxAcked})`);

    // Every acknowledged update is in the history, unchanged.
    const history = [];
    for (let since = 0; since < head.head;) {
      const page = (await node.getJson(`/api/v1/channels/trades/history?since=${since}&limit=1000`)).body;
      if (page.updates.length === 0) break;
      history.push(...page.updates);
      since = page.updates.at(-1).seq;
    }
    const bySeq = new Map(history.map((u) => [u.seq, u.data]));
    for (const [seq, data] of acked) assert.deepEqual(bySeq.get(seq), data, `acknowledged seq ${seq}`);
    history.forEach((u, i) => assert.equal(u.seq, i + 1, 'history has no gap'));

    // Seqs continue without reuse.
    const next = await publishHttp(node.url, 'trades', { after: 'restart' });
    assert.equal(next.seq, head.head + 1);
    assert.equal(next.epoch, epoch);

    // A client that last saw seq 10 before the kill resumes with everything after it.
    const conn = await connect(node.wsUrl);
    const sub = await subscribe(conn, 'trades', 10, epoch);
    assert.equal(sub.recovered, true);
    const want = next.seq - 10;
    const deadline2 = Date.now() + 20000;
    while (conn.messages.filter((m) => m.type === 'update').length < want && Date.now() < deadline2) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const seqs = conn.messages.filter((m) => m.type === 'update').map((m) => m.seq);
    assert.deepEqual(seqs, Array.from({ length: want }, (_, i) => 11 + i));
    conn.ws.terminate();
  } finally {
    await node.stop('SIGKILL');
    await removeDir(node.dataDir);
  }
});
