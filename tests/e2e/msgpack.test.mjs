// The tidewire.v1.msgpack subprotocol against the real node: negotiation,
// round trips (subscribe, publish, resume, state snapshot and patch) with
// data that must come back exactly, and every bad input with the same codes
// as JSON. Messages are packed and unpacked by the npm package
// @msgpack/msgpack, independent of the node's codec.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { startNode } from './node_process.mjs';
import { Client, ExactNumber, MSGPACK, getJson, packMsg, postJson } from './client.mjs';

let node;
before(async () => { node = await startNode({ args: ['--max-frame=65536'] }); });
after(async () => { await node?.stop(); });

const openMsgpack = (opts = {}) => Client.open(node.wsUrl, { protocols: [MSGPACK], ...opts });

async function stillWorks(c) {
  const pong = await c.request({ type: 'ping' });
  assert.equal(pong.type, 'pong');
}

// Sends raw bytes as one binary frame; returns the error it gets.
async function expectError(c, bytes, code, { id, mentions } = {}) {
  const err = await c.errorAfter(bytes, { binary: true });
  assert.equal(err.code, code, `${Buffer.from(bytes).toString('hex').slice(0, 60)} -> ${JSON.stringify(err)}`);
  assert.equal(typeof err.message, 'string');
  if (id !== undefined) assert.equal(err.id, id);
  if (mentions) assert.match(err.message, mentions);
  await stillWorks(c);
}

test('negotiated at the handshake; welcome has the JSON fields in a binary frame', async () => {
  const m = await openMsgpack();
  const j = await Client.open(node.wsUrl);
  const both = await Client.open(node.wsUrl, { protocols: [MSGPACK, 'tidewire.v1.json'] });
  try {
    assert.equal(m.ws.protocol, MSGPACK);
    assert.equal(both.ws.protocol, MSGPACK, "the client's first choice");
    assert.equal(m.binaryFrames, 1);
    assert.equal(m.textFrames, 0);
    assert.deepEqual(Object.keys(m.welcome).sort(), Object.keys(j.welcome).sort());
    assert.equal(m.welcome.type, 'welcome');
    assert.equal(m.welcome.protocol, 1);
    assert.deepEqual(m.welcome.reconnect, j.welcome.reconnect);
    assert.equal(j.textFrames, 1);
    await stillWorks(m);
    assert.equal(m.textFrames, 0, 'every server frame is binary');
  } finally {
    m.close(); j.close(); both.close();
  }
});

test('publish and subscribe: data comes back exactly, to MessagePack and JSON subscribers', async () => {
  const sub = await openMsgpack();
  const jsonSub = await Client.open(node.wsUrl);
  const pub = await openMsgpack();
  try {
    for (const c of [sub, jsonSub]) {
      const s = await c.request({ type: 'subscribe', channel: 'trades' });
      assert.equal(s.type, 'subscribed');
      assert.equal(s.kind, 'stream');
    }
    const data = {
      sym: 'ACMÉ 😀', qty: 10, px: 12.5, tiny: 0.1, neg: -42, big: 2 ** 53 + 2,
      none: null, ok: true, list: [1, [2, { deep: 'x' }], 'three'], empty: {}, nothing: [],
      exact: new ExactNumber('123456789012345678901234567890'),
      precise: new ExactNumber('0.1000000000000000055511151231257827'),
    };
    const ack = await pub.request({ type: 'publish', channel: 'trades', data, key: 'mp-1' });
    assert.equal(ack.type, 'published');
    assert.equal(typeof ack.seq, 'number');
    const got = await sub.next((m) => m.type === 'update' && m.seq === ack.seq);
    assert.equal(got.channel, 'trades');
    assert.equal(typeof got.ts, 'number');
    assert.deepEqual(got.data, data);
    const gotJson = await jsonSub.next((m) => m.type === 'update' && m.seq === ack.seq);
    assert.equal(gotJson.data.sym, data.sym);
    assert.equal(gotJson.data.px, 12.5);
    // The stored text keeps the exact numbers (JSON subscribers and HTTP).
    const h = await fetch(`${node.url}/api/v1/channels/trades/history?since=${ack.seq - 1}&limit=1`);
    const text = await h.text();
    assert.match(text, /"exact":123456789012345678901234567890,"precise":0\.1000000000000000055511151231257827/);
    // 2 ** 53 + 2 is no safe integer: @msgpack/msgpack sends a float 64, kept a float.
    assert.match(text, /"px":12\.5,"tiny":0\.1,"neg":-42,"big":9007199254740994\.0,/);
    // The same key again: the first publish's seq, nothing stored.
    const again = await pub.request({ type: 'publish', channel: 'trades', data, key: 'mp-1' });
    assert.equal(again.seq, ack.seq);
  } finally {
    sub.close(); jsonSub.close(); pub.close();
  }
});

test('numbers published as JSON reach a MessagePack subscriber as int, float or exact text', async () => {
  const sub = await openMsgpack();
  try {
    await sub.request({ type: 'subscribe', channel: 'trades' });
    const body = '{"i":18446744073709551615,"n":-9223372036854775808,"f":12.5,"e":1e2,'
      + '"t":123456789012345678901234567890,"p":3.141592653589793238462643383279}';
    const r = await postJson(`${node.url}/api/v1/channels/trades/messages`, body);
    assert.equal(r.status, 200);
    const u = await sub.next((m) => m.type === 'update' && m.seq === r.body.seq);
    // @msgpack/msgpack gives 64-bit integers as the nearest Number here.
    assert.equal(typeof u.data.i, 'number');
    assert.equal(u.data.f, 12.5);
    assert.equal(u.data.e, 100);
    assert.deepEqual(u.data.t, new ExactNumber('123456789012345678901234567890'));
    assert.deepEqual(u.data.p, new ExactNumber('3.141592653589793238462643383279'));
  } finally {
    sub.close();
  }
});

test('resume: catch-up after since comes as MessagePack, in order, without gaps', async () => {
  const seqs = [];
  let epoch;
  for (let i = 1; i <= 6; i++) {
    const r = await postJson(`${node.url}/api/v1/channels/alerts/messages`, { n: i, level: 'info' });
    assert.equal(r.status, 200);
    seqs.push(r.body.seq);
    epoch = r.body.epoch;
  }
  const c = await openMsgpack();
  try {
    const since = seqs[1];
    const s = await c.request({ type: 'subscribe', channel: 'alerts', since, epoch });
    assert.equal(s.type, 'subscribed');
    assert.equal(s.recovered, true);
    for (let i = 2; i < seqs.length; i++) {
      const u = await c.next((m) => m.type === 'update');
      assert.equal(u.seq, seqs[i]);
      assert.deepEqual(u.data, { n: i + 1, level: 'info' });
    }
    assert.equal(c.textFrames, 0);
  } finally {
    c.close();
  }
});

test('state channel: snapshot, then a MessagePack merge patch as an update', async () => {
  const c = await openMsgpack();
  const pub = await openMsgpack();
  try {
    await c.request({ type: 'subscribe', channel: 'dashboard' });
    const snap = await c.next((m) => m.type === 'snapshot');
    const http = await getJson(`${node.url}/api/v1/channels/dashboard/state`);
    assert.equal(snap.channel, 'dashboard');
    assert.equal(typeof snap.epoch, 'string');
    assert.deepEqual(snap.data, http.body.seq === snap.seq ? http.body.data : snap.data);
    const ack = await pub.request({ type: 'publish', channel: 'dashboard', data: { mp: { a: 1.25, b: 'x' } } });
    assert.equal(ack.type, 'published');
    const u = await c.next((m) => m.type === 'update' && m.seq === ack.seq);
    assert.deepEqual(u.data, { mp: { a: 1.25, b: 'x' } });
    const del = await pub.request({ type: 'publish', channel: 'dashboard', data: { mp: { b: null } } });
    const u2 = await c.next((m) => m.type === 'update' && m.seq === del.seq);
    assert.deepEqual(u2.data, { mp: { b: null } });
    const state = await getJson(`${node.url}/api/v1/channels/dashboard/state`);
    assert.deepEqual(state.body.data.mp, { a: 1.25 });
    // A fresh subscriber's snapshot carries the patched document.
    const late = await openMsgpack();
    await late.request({ type: 'subscribe', channel: 'dashboard' });
    const snap2 = await late.next((m) => m.type === 'snapshot');
    assert.deepEqual(snap2.data.mp, { a: 1.25 });
    late.close();
    // A state channel takes only objects, as with JSON.
    const err = await pub.request({ type: 'publish', channel: 'dashboard', data: [1, 2] });
    assert.equal(err.code, 'bad_request');
  } finally {
    c.close(); pub.close();
  }
});

test('several messages in one frame: a MessagePack array, one reply each', async () => {
  const c = await openMsgpack();
  try {
    c.sendRaw(packMsg([{ type: 'ping', id: 'a' }, { type: 'ping', id: 'b' }]), { binary: true });
    assert.equal((await c.next((m) => m.id === 'a')).type, 'pong');
    assert.equal((await c.next((m) => m.id === 'b')).type, 'pong');
    await expectError(c, packMsg([]), 'bad_request', { mentions: /empty array/ });
    await expectError(c, packMsg(Array.from({ length: 65 }, () => ({ type: 'ping' }))), 'bad_request', { mentions: /too many/ });
  } finally {
    c.close();
  }
});

test('malformed MessagePack and values JSON has no form for: bad_request', async () => {
  const c = await openMsgpack();
  try {
    await expectError(c, Buffer.from([0xc1]), 'bad_request', { mentions: /malformed MessagePack/ });
    await expectError(c, Buffer.from([0x82, 0xa4, 0x74, 0x79]), 'bad_request', { mentions: /malformed MessagePack/ });
    await expectError(c, Buffer.concat([packMsg({ type: 'ping' }), Buffer.from([0x01])]), 'bad_request', { mentions: /after the value/ });
    await expectError(c, Buffer.from([0x81, 0x01, 0xa1, 0x78]), 'bad_request', { mentions: /keys must be strings/ });
    await expectError(c, encode({ type: 'publish', channel: 'alerts', data: new Uint8Array([1, 2]) }), 'bad_request', { mentions: /bin/ });
    await expectError(c, encode({ type: 'publish', channel: 'alerts', data: NaN }), 'bad_request', { mentions: /NaN/ });
    await expectError(c, Buffer.from([0xd4, 0x07, 0x00]), 'bad_request', { mentions: /ext type 7/ });
    await expectError(c, Buffer.from([0xd5, 0x01, 0x41, 0x42]), 'bad_request', { mentions: /JSON number/ });
    // A str that is not UTF-8.
    await expectError(c, Buffer.concat([Buffer.from([0x81, 0xa4]), Buffer.from('type'), Buffer.from([0xa2, 0xc3, 0x28])]), 'bad_request', { mentions: /UTF-8/ });
    // Not a map.
    await expectError(c, packMsg(42), 'bad_request', { mentions: /object/ });
    await expectError(c, packMsg('subscribe'), 'bad_request');
    await expectError(c, packMsg(null), 'bad_request');
  } finally {
    c.close();
  }
});

test('missing and mistyped fields, unknown types and channels: the JSON codes', async () => {
  const c = await openMsgpack();
  const bad = (msg, code, opts) => expectError(c, packMsg(msg), code, opts);
  try {
    await bad({ channel: 'alerts', id: 'a' }, 'bad_request', { id: 'a', mentions: /'type'/ });
    await bad({ type: 7, id: 'b' }, 'bad_request', { id: 'b', mentions: /'type'/ });
    await bad({ type: 'subscribez', id: 3 }, 'unknown_type', { id: 3 });
    await bad({ type: 'subscribe', id: 1 }, 'bad_request', { id: 1, mentions: /'channel'/ });
    await bad({ type: 'subscribe', channel: 5, id: 2 }, 'bad_request', { id: 2, mentions: /'channel'/ });
    await bad({ type: 'subscribe', channel: 'alerts', since: -1 }, 'bad_request', { mentions: /'since'/ });
    await bad({ type: 'subscribe', channel: 'alerts', since: '4' }, 'bad_request', { mentions: /'since'/ });
    await bad({ type: 'subscribe', channel: 'alerts', since: 1.5 }, 'bad_request', { mentions: /'since'/ });
    await bad({ type: 'subscribe', channel: 'alerts', epoch: 9 }, 'bad_request', { mentions: /'epoch'/ });
    await bad({ type: 'publish', channel: 'alerts', id: 'p' }, 'bad_request', { id: 'p', mentions: /'data'/ });
    await bad({ type: 'publish', channel: 'alerts', data: 1, key: 'k'.repeat(129) }, 'bad_request', { mentions: /'key'/ });
    await bad({ type: 'ping', id: 1.5 }, 'bad_request', { mentions: /'id'/ });
    await bad({ type: 'ping', id: { x: 1 } }, 'bad_request', { mentions: /'id'/ });
    await bad({ type: 'auth' }, 'bad_request', { mentions: /'token'/ });
    await bad({ type: 'subscribe', channel: 'bad name', id: 1 }, 'invalid_channel', { id: 1 });
    await bad({ type: 'subscribe', channel: 'no-such-channel', id: 2 }, 'unknown_channel', { id: 2 });
    await bad({ type: 'unsubscribe', channel: 'alerts', id: 'u' }, 'not_subscribed', { id: 'u' });
  } finally {
    c.close();
  }
});

test('too deep and too large: bad_request, too_large and close 1009 as with JSON', async () => {
  const c = await openMsgpack();
  try {
    let deep = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    await expectError(c, packMsg({ type: 'publish', channel: 'alerts', data: deep }), 'bad_request', { mentions: /deeper than 64/ });
    // Fits the frame limit as MessagePack, not as JSON text: too_large.
    const floats = Array.from({ length: 7000 }, (_, i) => Math.PI * (i + 1)); // ~18 bytes each as text, 9 packed
    const bytes = packMsg({ type: 'publish', channel: 'alerts', data: floats, id: 'big' });
    assert.ok(bytes.length < 65536);
    await expectError(c, bytes, 'too_large', { id: 'big' });
  } finally {
    c.close();
  }
  const over = await openMsgpack();
  over.sendRaw(packMsg({ type: 'publish', channel: 'alerts', data: 'x'.repeat(70 * 1024) }), { binary: true });
  assert.equal((await over.closed()).code, 1009);
  const fresh = await openMsgpack();
  try { await stillWorks(fresh); } finally { fresh.close(); }
});

test('a text frame on a MessagePack connection is refused clearly; the connection stays', async () => {
  const c = await openMsgpack();
  try {
    const err = await c.errorAfter(JSON.stringify({ type: 'ping' }));
    assert.equal(err.code, 'bad_request');
    assert.match(err.message, /text frames are not accepted on tidewire\.v1\.msgpack/);
    await stillWorks(c);
  } finally {
    c.close();
  }
});

test('too many protocol errors: close 1008, as with JSON', async () => {
  const c = await openMsgpack();
  for (let i = 0; i < 100; i++) c.sendRaw(Buffer.from([0xc1]), { binary: true });
  let errors = 0;
  while (errors < 100) {
    const m = await c.next(() => true);
    if (m.type === 'error') errors++;
  }
  c.sendRaw(Buffer.from([0xc1]), { binary: true });
  assert.equal((await c.closed()).code, 1008);
});
