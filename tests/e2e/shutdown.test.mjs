// SIGTERM: every client is closed with 1001, then the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client, getJson } from './client.mjs';

for (const durability of ['wal', 'none']) {
  test(`SIGTERM closes clients with 1001 and exits 0 (durability ${durability})`, async (t) => {
    const node = await startNode({ simulate: true, args: [`--durability=${durability}`] });
    t.after(() => node.stop());
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = await Client.open(node.wsUrl);
      assert.equal((await c.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
      clients.push(c);
    }
    assert.equal((await getJson(`${node.url}/readyz`)).status, 200);
    const closes = clients.map((c) => c.closed(10000));
    node.kill('SIGTERM');
    for (const closed of await Promise.all(closes)) {
      assert.equal(closed.code, 1001);
      assert.match(closed.reason, /shutting down/);
    }
    const { code, signal } = await node.waitExit(10000);
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
}
