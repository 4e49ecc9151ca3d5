// The outbound path of a connection: what the node hands a connection while
// a write to it is in flight goes out together as its next WebSocket
// message, complete and in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client } from './client.mjs';

test('updates queued behind a stalled write go out coalesced, complete and in order', async (t) => {
  // A queue cap well above what is published, so the reader is never a
  // slow consumer; a write deadline longer than the stall.
  const node = await startNode({ args: ['--durability=none', '--queue-bytes=67108864', '--write-timeout-s=120'] });
  t.after(() => node.stop());
  const reader = await Client.open(node.wsUrl);
  t.after(() => reader.close());
  reader.send({ type: 'subscribe', channel: 'trades', id: 1 });
  await reader.next((m) => m.type === 'subscribed');
  // The reader stops reading: once the kernel's socket buffers are full
  // (~24 MB published, more than they hold) the node's write stays in flight.
  reader.ws._socket.pause();
  const framesBefore = reader.textFrames;

  const pub = await Client.open(node.wsUrl);
  t.after(() => pub.close());
  const count = 600;
  const pad = 'x'.repeat(40000);
  // One at a time: each publish is a batch of its own, and so a delivery
  // of its own to the reader's session.
  for (let i = 0; i < count; i++) {
    pub.send({ type: 'publish', channel: 'trades', data: { i, pad }, id: `p${i}` });
    const ack = await pub.next((m) => m.id === `p${i}`);
    assert.equal(ack.type, 'published', JSON.stringify(ack));
  }

  reader.ws._socket.resume();
  const seqs = [];
  while (seqs.length < count) {
    const u = await reader.next((m) => m.type === 'update' || m.type === 'error');
    assert.equal(u.type, 'update', JSON.stringify(u));
    assert.equal(u.data.i, seqs.length);
    seqs.push(u.seq);
  }
  assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i + 1));
  assert.equal(reader.closeInfo, null);
  // Far fewer messages than updates (deliveries) means what piled up behind
  // the stalled write went out together.
  const messages = reader.textFrames - framesBefore;
  assert.ok(messages <= count / 2, `${messages} messages for ${count} updates`);
});

test('a resume under a 4 KiB --queue-bytes gets every missed update, then live', async (t) => {
  // A resume's first catch-up chunk is sent before any demand; it once held
  // 32 KiB whatever the cap, so this prompt reader was closed with 1013.
  const node = await startNode({ args: ['--durability=none', '--queue-bytes=4096'] });
  t.after(() => node.stop());
  const pub = await Client.open(node.wsUrl);
  t.after(() => pub.close());
  for (let i = 1; i <= 110; i++) {
    pub.send({ type: 'publish', channel: 'trades', data: { i, pad: 'x'.repeat(100 + (i * 37) % 100) }, id: i });
    const ack = await pub.next((m) => m.id === i);
    assert.equal(ack.type, 'published', JSON.stringify(ack));
  }
  const reader = await Client.open(node.wsUrl);
  t.after(() => reader.close());
  reader.send({ type: 'subscribe', channel: 'trades', since: 10, id: 's' });
  const subscribed = await reader.next((m) => m.type === 'subscribed' || m.type === 'error');
  assert.equal(subscribed.type, 'subscribed', JSON.stringify(subscribed));
  assert.equal(subscribed.recovered, true);
  const seqs = [];
  while (seqs.length < 100) {
    const u = await reader.next((m) => m.type === 'update' || m.type === 'error');
    assert.equal(u.type, 'update', JSON.stringify(u));
    seqs.push(u.seq);
  }
  assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 11));
  pub.send({ type: 'publish', channel: 'trades', data: { i: 111 }, id: 111 });
  const live = await reader.next((m) => m.type === 'update' || m.type === 'error');
  assert.equal(live.seq, 111, JSON.stringify(live));
  assert.equal(reader.closeInfo, null);
});
