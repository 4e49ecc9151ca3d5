// A publisher sends a few thousand updates at a steady rate while a client
// drops its connection abruptly 20 times and resumes from its last seq: the
// client must end with every seq exactly once, in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, removeDir } from '../js/helpers/node.mjs';
import { connect, subscribe, publishHttp } from './ws_client.mjs';

const TOTAL = 3000;
const PUBLISHERS = 4;
const DROPS = 20;

test('resume after 20 abrupt disconnects under load loses and repeats nothing', { timeout: 240000 }, async () => {
  const node = await startNode();
  try {
    const seen = [];
    let epoch;
    // Random drop points, spread over the run.
    const dropAt = new Set();
    while (dropAt.size < DROPS) dropAt.add(50 + Math.floor(Math.random() * (TOTAL - 100)));

    let published = 0;
    const publisher = async () => {
      while (published < TOTAL) {
        const n = ++published;
        await publishHttp(node.url, 'trades', { n });
        // A steady pace: a short pause every few publishes.
        if (n % 25 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    };
    const publishing = Promise.all(Array.from({ length: PUBLISHERS }, publisher));

    let drops = 0;
    const deadline = Date.now() + 200000;
    while (Date.now() < deadline) {
      const conn = await connect(node.wsUrl);
      const last = seen.length ? seen.at(-1) : undefined;
      const sub = await subscribe(conn, 'trades', last ?? 0, epoch);
      if (epoch !== undefined) assert.equal(sub.epoch, epoch, 'the epoch stays the same');
      assert.equal(sub.recovered, true, `resume from ${last} is recovered`);
      epoch = sub.epoch;
      const finished = await new Promise((resolve) => {
        const onMessage = (msg) => {
          if (msg.type !== 'update' || msg.channel !== 'trades') return;
          seen.push(msg.seq);
          if (drops < DROPS && dropAt.has(msg.seq)) {
            conn.listeners.delete(onMessage);
            drops++;
            conn.ws.terminate(); // abrupt: no close frame
            resolve(false);
          } else if (seen.length >= TOTAL) {
            conn.listeners.delete(onMessage);
            conn.ws.terminate();
            resolve(true);
          }
        };
        // Updates may already be in conn.messages (batched with `subscribed`).
        const already = conn.messages.filter((m) => m.type === 'update');
        conn.listeners.add(onMessage);
        for (const m of already) onMessage(m);
      });
      if (finished) break;
    }
    await publishing;
    assert.equal(drops, DROPS, 'the client dropped its connection 20 times');
    assert.equal(seen.length, TOTAL, 'every update arrived once');
    for (let i = 0; i < seen.length; i++) assert.equal(seen[i], i + 1, `seq at position ${i}`);
  } finally {
    await node.stop('SIGKILL');
    await removeDir(node.dataDir);
  }
});
