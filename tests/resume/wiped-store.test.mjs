// A node restarted on a wiped data directory starts a new history: the epoch
// changes and a client resuming with the old epoch gets `recovered: false`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startNode, removeDir } from '../js/helpers/node.mjs';
import { connect, subscribe, publishHttp, waitFor } from './ws_client.mjs';

test('a wiped store changes the epoch and a resume is not recovered', { timeout: 60000 }, async () => {
  let node = await startNode();
  try {
    let ack;
    for (let i = 1; i <= 5; i++) ack = await publishHttp(node.url, 'trades', { i });
    const oldEpoch = ack.epoch;
    await node.stop('SIGTERM');
    await rm(node.dataDir, { recursive: true, force: true });
    node = await node.restart();
    await publishHttp(node.url, 'trades', { fresh: 1 });

    const conn = await connect(node.wsUrl);
    const sub = await subscribe(conn, 'trades', 5, oldEpoch);
    assert.equal(sub.recovered, false);
    assert.notEqual(sub.epoch, oldEpoch);
    assert.equal(sub.seq, 1);
    // A stream channel then gets the latest retained updates of the new history.
    const update = await waitFor(conn, (m) => m.type === 'update');
    assert.equal(update.seq, 1);
    assert.deepEqual(update.data, { fresh: 1 });

    // A state channel answers an unrecoverable resume with a snapshot.
    await publishHttp(node.url, 'dashboard', { total_value: 1 });
    const state = await subscribe(conn, 'dashboard', 3, oldEpoch);
    assert.equal(state.recovered, false);
    const snap = await waitFor(conn, (m) => m.type === 'snapshot' && m.channel === 'dashboard');
    assert.deepEqual(snap.data, { total_value: 1 });
    conn.ws.terminate();
  } finally {
    await node.stop('SIGKILL');
    await removeDir(node.dataDir);
  }
});
