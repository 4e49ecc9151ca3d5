// SIGTERM: every client is closed with 1001, then the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import WebSocket from 'ws';
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

// Connections opened in a tight loop while SIGTERM arrives: whichever moment
// a connection reaches (handshake read, accept, admission, actor spawned),
// the shutdown sweep reaches it, and the process exits 0 within a bound.
test('SIGTERM while connections keep opening exits 0 within 8 s, every round', async (t) => {
  const rounds = 6;
  const openers = 24;
  for (let round = 0; round < rounds; round++) {
    const node = await startNode({
      args: ['--max-connections-per-ip=100000', '--max-connections=100000'],
    });
    t.after(() => node.stop());
    let stop = false;
    let opened = 0;
    const open = () => new Promise((resolve) => {
      const ws = new WebSocket(node.wsUrl);
      const done = () => { ws.removeAllListeners('open'); resolve(); };
      ws.on('open', () => {
        opened++;
        ws.send(JSON.stringify({ type: 'subscribe', channel: 'trades', id: 1 }));
        // Most go at once (the sweep also races the close), some stay open.
        if (opened % 3 !== 0) ws.terminate();
        done();
      });
      ws.on('error', done);
      ws.on('unexpected-response', done);
      ws.on('close', done);
    });
    const loops = Array.from({ length: openers }, async () => {
      // Bounded: at most 400 attempts per opener and round.
      for (let i = 0; i < 400 && !stop; i++) await open();
    });
    // SIGTERM once connections are flowing (an event, not a sleep).
    const deadline = Date.now() + 10000;
    while (opened < 40 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.ok(opened >= 40, `connections were opening (${opened})`);
    const started = Date.now();
    node.kill('SIGTERM');
    const { code, signal } = await node.waitExit(8000);
    stop = true;
    await Promise.all(loops);
    assert.equal(signal, null, `round ${round}`);
    assert.equal(code, 0, `round ${round}: ${node.stderr.slice(-500)}`);
    t.diagnostic(`round ${round}: ${opened} connections, exit after ${Date.now() - started} ms`);
  }
});
