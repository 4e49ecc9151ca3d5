// Messages that reach the node together (one TCP write) are read in one
// pass of the connection and their publishes go to the session together;
// every per-message rule still holds: the order of replies, the rate limit
// per message, protocol errors, control frames, invalid UTF-8, the message
// size limit, MessagePack frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startNode } from './node_process.mjs';
import { Client, MSGPACK, getJson, packMsg, unpackMsg } from './client.mjs';
import { RawWs } from './security_helpers.mjs';

// One masked client frame (`fin` false: a fragment).
function frame(opcode, payload, { fin = true } = {}) {
  const data = Buffer.from(payload);
  const mask = crypto.randomBytes(4);
  let head;
  if (data.length < 126) head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]);
  else { head = Buffer.alloc(4); head[0] = (fin ? 0x80 : 0) | opcode; head[1] = 0x80 | 126; head.writeUInt16BE(data.length, 2); }
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i % 4];
  return Buffer.concat([head, mask, masked]);
}
const text = (msg) => frame(1, typeof msg === 'string' ? msg : JSON.stringify(msg));
const publish = (id, channel = 'trades') => text({ type: 'publish', channel, id, data: { n: id } });

// The JSON messages of the text frames received so far (arrays flattened).
async function messages(ws, n) {
  const out = [];
  while (out.length < n) {
    const f = await ws.next((x) => x.opcode === 1);
    const parsed = JSON.parse(f.payload.toString('utf8'));
    out.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  return out;
}

// Connects and publishes once, so the session knows the channel before a
// burst (publishes waiting for the directory's answer would be dropped by a
// close in the burst).
async function openRaw(node) {
  const ws = await RawWs.connect(node.port);
  assert.equal((await messages(ws, 1))[0].type, 'welcome');
  ws.sock.write(publish('first'));
  assert.equal((await messages(ws, 1))[0].type, 'published');
  return ws;
}

// Every update of trades after the first publish, by data.n.
async function stored(node) {
  const h = await getJson(`${node.url}/api/v1/channels/trades/history?limit=1000`);
  assert.equal(h.status, 200);
  return h.body.updates.map((u) => u.data.n).filter((n) => n !== 'first');
}

// Every frame until the server ends the connection.
async function untilEnd(ws) {
  await ws.socketClosed();
  return ws.frames;
}

// Replies to publishes come when the channel answers, other replies at once:
// acks keep their order among themselves, and each request is answered once.
function checkReplies(replies, ids, others) {
  const acks = replies.filter((m) => m.type === 'published');
  assert.deepEqual(acks.map((m) => m.id), ids);
  assert.deepEqual(acks.map((m) => m.seq), acks.map((_, k) => acks[0].seq + k));
  assert.deepEqual(replies.filter((m) => m.type !== 'published').map((m) => [m.type, m.id ?? null]).sort(),
    others.sort());
}

test('a burst of messages: every request answered, acks and updates in order', async (t) => {
  const node = await startNode({ args: ['--durability=none'] });
  t.after(() => node.stop());
  const sub = await Client.open(node.wsUrl);
  t.after(() => sub.close());
  const s = await sub.request({ type: 'subscribe', channel: 'trades' });
  assert.equal(s.type, 'subscribed');
  const ws = await openRaw(node);
  t.after(() => ws.destroy());

  // 60 messages in one write: publishes, a ping request, a malformed
  // message and a message with two publishes in between.
  const burst = [];
  const ids = [];
  for (let i = 0; i < 60; i++) {
    if (i === 20) { burst.push(text({ type: 'ping', id: i })); continue; }
    if (i === 30) { burst.push(text('{"type":')); continue; }
    if (i === 40) {
      burst.push(text([{ type: 'publish', channel: 'trades', id: 'a', data: { n: 'a' } },
        { type: 'publish', channel: 'trades', id: 'b', data: { n: 'b' } }]));
      ids.push('a', 'b');
      continue;
    }
    burst.push(publish(i));
    ids.push(i);
  }
  ws.sock.write(Buffer.concat(burst));
  const replies = await messages(ws, ids.length + 2);
  checkReplies(replies, ids, [['pong', 20], ['error', null]]);
  const got = [];
  while (got.length < ids.length + 1) got.push((await sub.next((m) => m.type === 'update')).data.n);
  assert.deepEqual(got, ['first', ...ids]);
});

test('a burst with a ping frame, a fragmented message and a close frame', async (t) => {
  const node = await startNode({ args: ['--durability=none'] });
  t.after(() => node.stop());
  const ws = await openRaw(node);
  t.after(() => ws.destroy());
  const fragmented = JSON.stringify({ type: 'publish', channel: 'trades', id: 3, data: { n: 3 } });
  ws.sock.write(Buffer.concat([
    publish(1), publish(2), frame(9, 'are you there'),
    frame(1, fragmented.slice(0, 10), { fin: false }), frame(0, fragmented.slice(10)),
    publish(4), frame(8, Buffer.from([0x03, 0xe8])), publish(5),
  ]));
  // A closing connection drops replies not yet written; what was read
  // before the close frame is stored, nothing after it.
  const frames = await untilEnd(ws);
  const pongs = frames.filter((f) => f.opcode === 10);
  assert.deepEqual(pongs.map((f) => f.payload.toString()), ['are you there']);
  assert.equal(await ws.closeCode(), 1000);
  assert.deepEqual(await stored(node), [1, 2, 3, 4]);
});

// Sends publishes 1 and 2, `bad`, then publish 3 in one write to a node
// started with `args`: the connection is closed with `code` and only the
// publishes before `bad` are stored.
async function burstClosedAt(t, args, bad, code) {
  const node = await startNode({ args: ['--durability=none', ...args] });
  t.after(() => node.stop());
  const ws = await openRaw(node);
  t.after(() => ws.destroy());
  ws.sock.write(Buffer.concat([publish(1), publish(2), bad, publish(3)]));
  await untilEnd(ws);
  assert.equal(await ws.closeCode(), code);
  assert.deepEqual(await stored(node), [1, 2]);
}

test('a burst with invalid UTF-8: the messages before it are taken, then 1007', async (t) => {
  await burstClosedAt(t, [], frame(1, Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), 1007);
});

test('a burst with a message over --max-frame: the ones before it are taken, then 1009', async (t) => {
  const big = { type: 'publish', channel: 'trades', id: 9, data: { p: 'x'.repeat(1200) } };
  await burstClosedAt(t, ['--max-frame=1000'], text(big), 1009);
});

test('a burst past --max-messages-per-s: each message takes a token', async (t) => {
  const node = await startNode({ args: ['--durability=none', '--max-messages-per-s=5'] });
  t.after(() => node.stop());
  const ws = await openRaw(node);
  t.after(() => ws.destroy());
  // The bucket holds two seconds' worth (10); the first publish took one.
  ws.sock.write(Buffer.concat(Array.from({ length: 13 }, (_, i) => publish(i))));
  const replies = await messages(ws, 13);
  const acked = replies.filter((m) => m.type === 'published').map((m) => m.id);
  const limited = replies.filter((m) => m.type === 'error' && m.code === 'rate_limited');
  assert.deepEqual(acked, [...Array(9).keys()]);
  assert.equal(limited.length, 4);
});

test('a burst of MessagePack frames: every request answered, acks in order', async (t) => {
  const node = await startNode({ args: ['--durability=none'] });
  t.after(() => node.stop());
  const ws = await RawWs.connect(node.port, { headers: { 'Sec-WebSocket-Protocol': MSGPACK } });
  t.after(() => ws.destroy());
  const unpack = async () => {
    const f = await ws.next((x) => x.opcode === 2);
    const m = unpackMsg(f.payload);
    return Array.isArray(m) ? m : [m];
  };
  assert.equal((await unpack())[0].type, 'welcome');
  const burst = [];
  for (let i = 0; i < 30; i++) burst.push(frame(2, packMsg({ type: 'publish', channel: 'trades', id: i, data: { n: i } })));
  burst.splice(15, 0, frame(1, JSON.stringify({ type: 'ping', id: 'text' })));
  ws.sock.write(Buffer.concat(burst));
  const replies = [];
  while (replies.length < 31) replies.push(...await unpack());
  checkReplies(replies, [...Array(30).keys()], [['error', null]]);
});
