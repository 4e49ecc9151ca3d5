// The client's MessagePack option: its codec against an independent one
// (@msgpack/msgpack from npm), then the whole client with
// `protocol: 'msgpack'` against a real node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import * as reference from '@msgpack/msgpack';
import { TidewireClient, ExactNumber, encodeMsgpack, decodeMsgpack } from '../../web/client/tidewire.js';
import { startNode, removeDir, binaryAvailable, BIN } from './helpers/node.mjs';
import { waitForEvent } from './helpers/wait.mjs';

const samples = [
  null, true, false, 0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1,
  -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1),
  0.5, -12.25, 1e300, 5e-324, '', 'a', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(300), 'x'.repeat(70000),
  'ÄÖÜ 😀 ✓', [], [1, [2, [3]]], Array.from({ length: 20 }, (_, i) => i), Array.from({ length: 70000 }, () => 0),
  {}, { a: 1, b: { c: [null, 'd'] } }, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
];

test('encode: what the reference decoder reads back equal', () => {
  for (const v of samples) assert.deepEqual(reference.decode(encodeMsgpack(v)), v, JSON.stringify(v)?.slice(0, 60));
});

test('decode: what the reference encoder wrote comes back equal', () => {
  for (const v of samples) assert.deepEqual(decodeMsgpack(reference.encode(v)), v, JSON.stringify(v)?.slice(0, 60));
  // float 32, and 64-bit integers
  assert.equal(decodeMsgpack(Uint8Array.from([0xca, 0x3f, 0xc0, 0, 0])), 1.5);
  assert.equal(decodeMsgpack(reference.encode(2n ** 60n, { useBigInt64: true })), 2 ** 60);
  assert.equal(decodeMsgpack(reference.encode(2n ** 60n, { useBigInt64: true }), { exactNumbers: true }), 2n ** 60n);
});

test('JSON mapping: undefined and functions left out, toJSON used, -0 and NaN as JSON.stringify would not break', () => {
  assert.deepEqual(decodeMsgpack(encodeMsgpack({ a: undefined, f() {}, d: new Date(0) })), { d: '1970-01-01T00:00:00.000Z' });
  assert.deepEqual(decodeMsgpack(encodeMsgpack([undefined, NaN])), [null, null]);
  assert.ok(Object.is(decodeMsgpack(encodeMsgpack(-0)), -0));
  const proto = decodeMsgpack(encodeMsgpack(JSON.parse('{"__proto__":{"x":1}}')));
  assert.deepEqual(Object.keys(proto), ['__proto__']);
  assert.equal({}.x, undefined);
});

test('exact numbers: ext 1 carries the JSON text both ways', () => {
  const text = '123456789012345678901234567890';
  const bytes = encodeMsgpack({ n: new ExactNumber(text), b: 2n ** 70n });
  const ext = reference.decode(bytes, {
    extensionCodec: (() => { const c = new reference.ExtensionCodec(); c.register({ type: 1, encode: () => null, decode: (d) => `ext1:${new TextDecoder().decode(d)}` }); return c; })(),
  });
  assert.deepEqual(ext, { n: `ext1:${text}`, b: `ext1:${2n ** 70n}` });
  assert.deepEqual(decodeMsgpack(bytes), { n: Number(text), b: Number(2n ** 70n) });
  const exact = decodeMsgpack(bytes, { exactNumbers: true });
  assert.ok(exact.n instanceof ExactNumber);
  assert.equal(exact.n.text, text);
});

test('malformed input throws', () => {
  for (const bad of [[], [0xc1], [0x92, 0x01], [0xa3, 0x61], [0x01, 0x02], [0xa2, 0xc3, 0x28], [0xd4, 0x05, 0x00], [0x81, 0x01, 0x02]]) {
    assert.throws(() => decodeMsgpack(Uint8Array.from(bad)), undefined, JSON.stringify(bad));
  }
});

test('an unknown protocol option is refused at construction', () => {
  assert.throws(() => new TidewireClient({ url: 'ws://127.0.0.1:1/ws', WebSocket, autoConnect: false, protocol: 'cbor' }), TypeError);
});

test('against a node: protocol msgpack subscribes, publishes and keeps state', { skip: !binaryAvailable() && `no binary at ${BIN}` }, async (t) => {
  const node = await startNode();
  const client = new TidewireClient({
    urls: [node.wsUrl], WebSocket, autoConnect: false, protocol: 'msgpack', exactNumbers: true, channels: ['positions', 'trades'],
  });
  t.after(async () => {
    client.close();
    await node.stop('SIGKILL');
    await removeDir(node.dataDir);
  });
  const subscribed = waitForEvent(client, 'subscribed', (s) => s.channel === 'positions');
  client.connect();
  await subscribed;
  assert.equal(client._connection._socket.protocol, 'tidewire.v1.msgpack');

  // Stream: a publish acked by id, its update received with the data intact.
  const update = waitForEvent(client, 'trades_update', (v) => v?.sym === 'MP');
  const ack = await client.publish('trades', { sym: 'MP', px: 12.5, qty: 3, big: new ExactNumber('123456789012345678901234567890') });
  assert.equal(ack.channel, 'trades');
  const [value, meta] = await update;
  assert.equal(meta.seq, ack.seq);
  assert.equal(value.px, 12.5);
  assert.equal(value.big.text, '123456789012345678901234567890');
  const history = await node.getJson(`/api/v1/channels/trades/history?since=${ack.seq - 1}&limit=1`);
  assert.equal(history.status, 200);

  // State: merge patches applied to the snapshot equal the node's document.
  const patched = waitForEvent(client, 'positions_update', (doc) => doc?.mp?.qty === 7);
  await client.publish('positions', { mp: { qty: 7, px: 0.1 } });
  const [doc] = await patched;
  const state = await node.getJson('/api/v1/channels/positions/state');
  assert.deepEqual(doc, state.body.data);

  // A node error comes back as a rejection with its code, as with JSON.
  await assert.rejects(client.publish('bad name!', { x: 1 }), { code: 'invalid_channel' });
});
