// Unit: the client's protocol handling against a scripted fake socket and a
// manual clock: seq tracking, gaps, resets, snapshots + patches, heartbeat,
// publish acks, close codes and the connection states. Handlers that call
// close() or connect() in the middle of the client's own sequences are in
// client-reentrancy.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TidewireClient } from '../../web/client/tidewire.js';
import { FakeClock, fakeWebSocketClass } from './helpers/fakes.mjs';
import { setup, subscribedReply } from './helpers/client_env.mjs';

test('connects, subscribes after welcome, and emits stream updates under both names', (t) => {
  const { client, ws, states } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  assert.equal(client.state, 'connecting');
  assert.equal(ws().sent.length, 0, 'nothing is sent before welcome');
  ws().welcome();
  assert.equal(client.state, 'connected');
  const sub = subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  assert.equal(sub.since, undefined);
  const bare = [];
  const suffixed = [];
  client.on('trades', (d, meta) => bare.push([d.id, meta.seq]));
  client.on('trades_update', (d) => suffixed.push(d.id));
  ws().deliver([
    { type: 'update', channel: 'trades', seq: 1, ts: 5, data: { id: 'a' } },
    { type: 'update', channel: 'trades', seq: 2, ts: 6, data: { id: 'b' } },
  ]);
  ws().deliver({ type: 'update', channel: 'trades', seq: 3, ts: 7, data: { id: 'c' } });
  assert.deepEqual(bare, [['a', 1], ['b', 2], ['c', 3]]);
  assert.deepEqual(suffixed, ['a', 'b', 'c']);
  assert.deepEqual(states, ['connecting', 'connected']);
});

test('duplicates and old seqs are dropped', (t) => {
  const { client, ws } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  const seen = [];
  client.on('trades', (_d, m) => seen.push(m.seq));
  for (const seq of [1, 2, 2, 1, 3, 3]) ws().deliver({ type: 'update', channel: 'trades', seq, data: {} });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(client.stats.duplicates, 3);
});

test('a skipped seq is never shown: the client re-subscribes from its last seq', (t) => {
  const { client, ws } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  const seen = [];
  const gaps = [];
  client.on('trades', (_d, m) => seen.push(m.seq));
  client.on('gap', (g) => gaps.push(g));
  ws().deliver({ type: 'update', channel: 'trades', seq: 1, data: {} });
  ws().deliver({ type: 'update', channel: 'trades', seq: 3, data: {} });
  assert.deepEqual(gaps, [{ channel: 'trades', expected: 2, got: 3 }]);
  const unsub = ws().sentOfType('unsubscribe').at(-1);
  assert.equal(unsub.channel, 'trades');
  const resub = ws().sentOfType('subscribe').at(-1);
  assert.deepEqual({ since: resub.since, epoch: resub.epoch }, { since: 1, epoch: 'e1' });
  // Live updates of the old subscription still in flight are not shown.
  ws().deliver({ type: 'update', channel: 'trades', seq: 4, data: {} });
  ws().deliver({ type: 'unsubscribed', id: unsub.id, channel: 'trades' });
  ws().deliver({ type: 'subscribed', id: resub.id, channel: 'trades', kind: 'stream', epoch: 'e1', seq: 4, recovered: true });
  for (const seq of [2, 3, 4, 5]) ws().deliver({ type: 'update', channel: 'trades', seq, data: {} });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(ws().sentOfType('subscribe').length, 2, 'no further re-subscribe');
});

test('a catch-up overtaken by retention: a second subscribed names the missing seqs and is a reset', (t) => {
  const { client, ws } = setup({ resume: { trades: { kind: 'stream', epoch: 'e1', seq: 10 } } });
  t.after(() => client.close());
  ws().welcome();
  const sub = ws().sentOfType('subscribe').at(-1);
  assert.equal(sub.since, 10);
  const seen = [];
  const resets = [];
  const gaps = [];
  client.on('trades', (_d, m) => seen.push(m.seq));
  client.on('reset', (r) => resets.push(r));
  client.on('gap', (g) => gaps.push(g));
  ws().deliver({ type: 'subscribed', id: sub.id, channel: 'trades', kind: 'stream', epoch: 'e1', seq: 100, recovered: true });
  ws().deliver([11, 12].map((seq) => ({ type: 'update', channel: 'trades', seq, data: {} })));
  ws().deliver({ type: 'subscribed', id: sub.id, channel: 'trades', kind: 'stream', epoch: 'e1', seq: 100, recovered: false, reason: 'trimmed', missing: { from: 13, to: 40 } });
  ws().deliver([41, 42].map((seq) => ({ type: 'update', channel: 'trades', seq, data: {} })));
  assert.deepEqual(seen, [11, 12, 41, 42]);
  assert.equal(gaps.length, 0, 'announced, not a gap to repair');
  assert.equal(resets.length, 1);
  assert.equal(resets[0].reason, 'trimmed');
  assert.deepEqual(resets[0].missing, { from: 13, to: 40 });
  assert.equal(resets[0].previousSeq, 12);
  assert.equal(ws().sentOfType('subscribe').length, 1, 'nothing to re-subscribe');
});

test('an error naming a live channel drops it; the next connection subscribes again from its seq', (t) => {
  const { client, ws, clock } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  ws().welcome();
  const sub = ws().sentOfType('subscribe').at(-1);
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  ws().deliver({ type: 'update', channel: 'trades', seq: 1, data: {} });
  const errors = [];
  client.on('server_error', (e) => errors.push(e));
  ws().deliver({ type: 'error', id: sub.id, channel: 'trades', code: 'unavailable', message: 'channel trades stopped' });
  assert.equal(errors.length, 1);
  assert.equal(errors[0].channel, 'trades');
  assert.equal(client.channel('trades').status, 'error');
  ws().serverClose(1006);
  clock.advance(client.stateInfo.retryAt - clock.now());
  ws().welcome();
  assert.equal(ws().sentOfType('subscribe').at(-1).since, 1);
});

test('an unsubscribe applied after the re-subscribe is repaired', (t) => {
  const { client, ws } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  ws().deliver({ type: 'update', channel: 'trades', seq: 1, data: {} });
  ws().deliver({ type: 'update', channel: 'trades', seq: 5, data: {} });
  const resub = ws().sentOfType('subscribe').at(-1);
  ws().deliver({ type: 'subscribed', id: resub.id, channel: 'trades', kind: 'stream', epoch: 'e1', seq: 5, recovered: true });
  ws().deliver({ type: 'unsubscribed', channel: 'trades' });
  assert.equal(ws().sentOfType('subscribe').length, 3);
  assert.equal(ws().sentOfType('subscribe').at(-1).since, 1);
});

test('state channels: snapshot then merge patches; handlers see whole documents', (t) => {
  const { client, ws } = setup({ channels: ['dashboard', 'positions'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'dashboard', { kind: 'state', epoch: 'd1', seq: 7, recovered: false });
  const docs = [];
  const legacy = [];
  client.on('dashboard', (doc, meta) => docs.push([structuredClone(doc), meta.seq, meta.snapshot]));
  client.on('dashboard_update', (data) => legacy.push(data.total_value));
  ws().deliver({ type: 'update', channel: 'dashboard', seq: 7, data: { total_value: 1 } });
  assert.equal(docs.length, 0, 'updates before the snapshot are not applied');
  ws().deliver([
    { type: 'snapshot', channel: 'dashboard', seq: 7, epoch: 'd1', data: { total_value: 100, daily_pnl: 5, open_positions: 2 } },
    { type: 'update', channel: 'dashboard', seq: 8, data: { total_value: 101, open_positions: null } },
  ]);
  assert.deepEqual(docs, [
    [{ total_value: 100, daily_pnl: 5, open_positions: 2 }, 7, true],
    [{ total_value: 101, daily_pnl: 5 }, 8, false],
  ]);
  assert.deepEqual(legacy, [100, 101]);
  assert.deepEqual(client.channel('dashboard').doc, { total_value: 101, daily_pnl: 5 });

  // An empty state channel needs no snapshot to apply patch 1.
  subscribedReply(ws(), 'positions', { kind: 'state', epoch: 'p1', seq: 0, recovered: false });
  const pos = [];
  client.on('positions', (doc) => pos.push(doc));
  ws().deliver({ type: 'update', channel: 'positions', seq: 1, data: { positions: { ACME: { qty: 1 } } } });
  ws().deliver({ type: 'update', channel: 'positions', seq: 2, data: { positions: { ACME: null, BOLT: { qty: 2 } } } });
  assert.deepEqual(pos.at(-1), { positions: { BOLT: { qty: 2 } } });
});

test('state channels: a conflated update may jump seqs; a plain one may not, nor may a stream', (t) => {
  const { client, ws } = setup({ channels: ['dashboard', 'trades'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'dashboard', { kind: 'state', epoch: 'd1', seq: 3, recovered: false });
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 't1', seq: 3, recovered: false });
  const docs = [];
  const gaps = [];
  client.on('dashboard', (doc, meta) => docs.push([structuredClone(doc), meta.seq, meta.conflated]));
  client.on('gap', (g) => gaps.push(g));
  ws().deliver({ type: 'snapshot', channel: 'dashboard', seq: 3, epoch: 'd1', data: { a: 1, b: { c: 1, d: 2 } } });
  // Patches 4..9 composed into one, carrying seq 9.
  ws().deliver({ type: 'update', channel: 'dashboard', seq: 9, conflated: true, data: { a: null, b: { d: 5 } } });
  assert.deepEqual(docs.at(-1), [{ b: { c: 1, d: 5 } }, 9, true]);
  assert.equal(gaps.length, 0);
  ws().deliver({ type: 'update', channel: 'dashboard', seq: 10, data: { e: 1 } });
  assert.deepEqual(docs.at(-1), [{ b: { c: 1, d: 5 }, e: 1 }, 10, false]);
  // Without the flag a jump is a gap, as before.
  ws().deliver({ type: 'update', channel: 'dashboard', seq: 12, data: { f: 1 } });
  assert.equal(gaps.length, 1);
  assert.equal(client.channel('dashboard').seq, 10);
  // The flag means nothing on a stream: a jump is a gap.
  ws().deliver({ type: 'update', channel: 'trades', seq: 4, data: 1 });
  ws().deliver({ type: 'update', channel: 'trades', seq: 7, conflated: true, data: 2 });
  assert.equal(gaps.length, 2);
  assert.equal(client.channel('trades').seq, 4);
});

test('reconnect resumes every channel from its seq and epoch (1001, 1013, abnormal)', (t) => {
  const { client, ws, clock, WS, states } = setup({ channels: ['trades', 'dashboard'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  subscribedReply(ws(), 'dashboard', { kind: 'state', epoch: 'd1', seq: 3, recovered: false });
  ws().deliver({ type: 'snapshot', channel: 'dashboard', seq: 3, epoch: 'd1', data: { a: 1 } });
  ws().deliver({ type: 'update', channel: 'trades', seq: 1, data: {} });
  ws().deliver({ type: 'update', channel: 'trades', seq: 2, data: {} });
  const seen = [];
  client.on('trades', (_d, m) => seen.push(m.seq));
  let expectedSince = 2;
  for (const code of [1001, 1013, 1006]) {
    const before = WS.instances.length;
    ws().serverClose(code);
    assert.equal(client.state, 'reconnecting', `after close ${code}`);
    clock.advance(client.stateInfo.retryAt - clock.now());
    assert.equal(WS.instances.length, before + 1);
    ws().welcome();
    const tr = subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: expectedSince + 1, recovered: true });
    const db = subscribedReply(ws(), 'dashboard', { kind: 'state', epoch: 'd1', seq: 3, recovered: true });
    assert.deepEqual([tr.since, tr.epoch], [expectedSince, 'e1']);
    assert.deepEqual([db.since, db.epoch], [3, 'd1']);
    ws().deliver({ type: 'update', channel: 'trades', seq: expectedSince + 1, data: {} });
    expectedSince += 1;
  }
  assert.deepEqual(seen, [3, 4, 5]);
  assert.deepEqual(states.filter((s, i) => s !== states[i - 1]), ['connecting', 'connected', 'reconnecting', 'connected', 'reconnecting', 'connected', 'reconnecting', 'connected']);
});

test('recovered: false on a resume is an explicit reset event', (t) => {
  const { client, ws } = setup({ resume: { trades: { seq: 40, epoch: 'old' }, dashboard: { seq: 9, epoch: 'old', doc: { x: 1 } } } });
  t.after(() => client.close());
  const resets = [];
  client.on('reset', (r) => resets.push(r));
  ws().welcome();
  const tr = subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'new', seq: 3, recovered: false });
  assert.deepEqual([tr.since, tr.epoch], [40, 'old']);
  const db = subscribedReply(ws(), 'dashboard', { kind: 'state', epoch: 'new', seq: 2, recovered: false });
  assert.deepEqual([db.since, db.epoch], [9, 'old']);
  assert.deepEqual(resets.map((r) => [r.channel, r.previousSeq, r.previousEpoch, r.epoch, r.reason]), [
    ['trades', 40, 'old', 'new', 'epoch_changed'],
    ['dashboard', 9, 'old', 'new', 'epoch_changed'],
  ]);
  const seen = [];
  client.on('trades', (_d, m) => seen.push(m.seq));
  for (const seq of [2, 3, 4]) ws().deliver({ type: 'update', channel: 'trades', seq, data: {} });
  assert.deepEqual(seen, [2, 3, 4], 'the new history is accepted from its first update');
  const docs = [];
  client.on('dashboard', (d) => docs.push(d));
  ws().deliver({ type: 'snapshot', channel: 'dashboard', seq: 2, epoch: 'new', data: { y: 2 } });
  assert.deepEqual(docs, [{ y: 2 }]);
});

test('a state channel resumed without its document asks for a snapshot', (t) => {
  const { client, ws } = setup({ resume: { dashboard: { seq: 9, epoch: 'e', kind: 'state' } } });
  t.after(() => client.close());
  ws().welcome();
  const sub = ws().sentOfType('subscribe').at(-1);
  assert.equal(sub.since, undefined);
});

test('heartbeat: pings every heartbeat_ms; silence kills the connection without a close frame', (t) => {
  const { client, ws, clock, WS } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  const timeouts = [];
  client.on('heartbeat_timeout', (x) => timeouts.push(x));
  ws().welcome({ heartbeat_ms: 1000 });
  const first = ws();
  clock.advance(1000);
  assert.equal(first.sentOfType('ping').length, 1);
  first.deliver({ type: 'pong' });
  clock.advance(1000);
  first.deliver({ type: 'pong' });
  assert.equal(timeouts.length, 0);
  // Stall: nothing arrives any more.
  clock.advance(1900);
  assert.equal(timeouts.length, 0, 'not before 2 x heartbeat');
  clock.advance(700);
  assert.equal(timeouts.length, 1, 'dead within ~2.5 x heartbeat');
  assert.ok(first.terminated, 'the stalled socket is dropped');
  assert.equal(client.state, 'reconnecting');
  clock.advance(client.stateInfo.retryAt - clock.now());
  assert.equal(WS.instances.length, 2);
});

test('heartbeat: late timers (a throttled tab) do not kill a healthy connection', (t) => {
  const clock = new FakeClock();
  const WS = fakeWebSocketClass();
  // Timers that fire 5 s late, like a background tab.
  const timers = { setTimeout: (fn, ms) => clock.setTimeout(fn, ms + 5000), clearTimeout: clock.clearTimeout };
  const client = new TidewireClient({ urls: ['ws://a/ws'], WebSocket: WS, timers, now: clock.now, heartbeatMs: 1000 });
  t.after(() => client.close());
  WS.instances[0].welcome();
  let timeouts = 0;
  client.on('heartbeat_timeout', () => timeouts++);
  // The node answers every ping within 100 ms; only our timers are late.
  let answered = 0;
  for (let i = 0; i < 600; i++) {
    clock.advance(100);
    const pings = WS.instances[0].sentOfType('ping').length;
    for (; answered < pings; answered++) WS.instances[0].deliver({ type: 'pong' });
  }
  assert.ok(answered >= 10, `pings were sent (${answered})`);
  assert.equal(timeouts, 0);
  assert.equal(client.state, 'connected');
});

test('heartbeat and dead-after timings are overridable', (t) => {
  const { client, ws, clock } = setup({ heartbeatMs: 100, deadAfterMs: 300 });
  t.after(() => client.close());
  ws().welcome({ heartbeat_ms: 60000 });
  assert.equal(client.heartbeatMs, 100);
  let dead = false;
  client.on('heartbeat_timeout', () => { dead = true; });
  clock.advance(290);
  assert.equal(dead, false, 'alive before deadAfterMs of silence');
  clock.advance(110);
  assert.equal(dead, true, 'dead soon after deadAfterMs of silence');
});

test('no welcome within the connect timeout: the attempt is abandoned', (t) => {
  const { client, clock, WS } = setup({ connectTimeoutMs: 2000 });
  t.after(() => client.close());
  WS.instances[0].open();
  clock.advance(1999);
  assert.equal(client.state, 'connecting');
  clock.advance(1);
  assert.equal(client.state, 'reconnecting');
  assert.ok(WS.instances[0].terminated);
});

test('publish resolves with the ack matched by id, rejects with the error code', async (t) => {
  const { client, ws } = setup();
  t.after(() => client.close());
  const early = client.publish('trades', { n: 0 }); // queued until welcome
  ws().welcome();
  const p1 = client.publish('trades', { n: 1 });
  const p2 = client.publish('no such', { n: 2 });
  const [m0, m1, m2] = ws().sentOfType('publish');
  assert.deepEqual(m0.data, { n: 0 });
  ws().deliver([
    { type: 'error', id: m2.id, code: 'invalid_channel', message: 'bad name' },
    { type: 'published', id: m1.id, channel: 'trades', seq: 11, epoch: 'e' },
    { type: 'published', id: m0.id, channel: 'trades', seq: 10, epoch: 'e' },
  ]);
  assert.deepEqual(await early, { channel: 'trades', seq: 10, epoch: 'e' });
  assert.deepEqual(await p1, { channel: 'trades', seq: 11, epoch: 'e' });
  await assert.rejects(p2, (err) => err.code === 'invalid_channel' && err.channel === 'no such');
});

test('publish: with retry off, unknown fate on disconnect and timeouts reject explicitly', async (t) => {
  const { client, ws, clock } = setup({ publishTimeoutMs: 500 });
  t.after(() => client.close());
  ws().welcome();
  const sent = client.publish('trades', {}, { retry: false });
  assert.equal(ws().sentOfType('publish')[0].key, undefined, 'no key without retry');
  ws().serverClose(1006);
  await assert.rejects(sent, { code: 'disconnected' });
  const waiting = client.publish('trades', {});
  clock.advance(500);
  await assert.rejects(waiting, { code: 'timeout' });
  client.close();
  await assert.rejects(client.publish('trades', {}), { code: 'closed' });
});

test('publish: sent with a key, sent again with the same key after a reconnection, resolved once', async (t) => {
  const { client, ws, clock } = setup({ publishTimeoutMs: 60000 });
  t.after(() => client.close());
  ws().welcome();
  const p = client.publish('trades', { n: 1 });
  const later = client.publish('trades', { n: 2 }, { key: 'mine' });
  const [first, second] = ws().sentOfType('publish');
  assert.equal(typeof first.key, 'string');
  assert.ok(first.key.length > 0 && first.key.length <= 128);
  assert.equal(second.key, 'mine');
  const before = ws();
  ws().serverClose(1006); // the acks are lost
  clock.advance(client.stateInfo.retryAt - clock.now());
  assert.notEqual(ws(), before);
  ws().welcome();
  const again = ws().sentOfType('publish');
  assert.deepEqual(again.map((m) => m.key), [first.key, 'mine'], 'same keys, same order');
  ws().deliver([
    { type: 'published', id: again[0].id, channel: 'trades', seq: 7, epoch: 'e' },
    { type: 'published', id: again[1].id, channel: 'trades', seq: 8, epoch: 'e' },
  ]);
  assert.deepEqual(await p, { channel: 'trades', seq: 7, epoch: 'e' });
  assert.deepEqual(await later, { channel: 'trades', seq: 8, epoch: 'e' });
});

test('close codes: 1008 and 1011 are errors, repeated failures become offline; both keep retrying', (t) => {
  const { client, ws, clock, WS } = setup({ offlineAfterAttempts: 3 });
  t.after(() => client.close());
  ws().welcome();
  ws().serverClose(1008, 'policy');
  assert.equal(client.state, 'error');
  clock.advance(client.stateInfo.retryAt - clock.now());
  ws().serverClose(1006);
  assert.equal(client.state, 'reconnecting');
  clock.advance(client.stateInfo.retryAt - clock.now());
  ws().serverClose(1006);
  assert.equal(client.state, 'offline');
  clock.advance(client.stateInfo.retryAt - clock.now());
  ws().serverClose(1011);
  assert.equal(client.state, 'error');
  clock.advance(client.stateInfo.retryAt - clock.now());
  ws().welcome();
  assert.equal(client.state, 'connected');
  assert.equal(WS.instances.length, 5);
});

test('unsubscribe stops delivery; a later subscribe resumes from the kept seq', (t) => {
  const { client, ws } = setup({ channels: ['alerts'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'alerts', { kind: 'stream', epoch: 'a', seq: 0, recovered: false });
  ws().deliver({ type: 'update', channel: 'alerts', seq: 1, data: {} });
  const seen = [];
  client.on('alerts', (_d, m) => seen.push(m.seq));
  client.unsubscribe('alerts');
  assert.equal(ws().sentOfType('unsubscribe').length, 1);
  ws().deliver({ type: 'update', channel: 'alerts', seq: 2, data: {} });
  ws().deliver({ type: 'unsubscribed', channel: 'alerts' });
  assert.deepEqual(seen, []);
  client.subscribe('alerts');
  const sub = ws().sentOfType('subscribe').at(-1);
  assert.deepEqual([sub.since, sub.epoch], [1, 'a']);
});

test('a server error for a subscribe is reported with its request', (t) => {
  const { client, ws } = setup({ channels: ['bad name!'] });
  t.after(() => client.close());
  const errors = [];
  client.on('server_error', (e) => errors.push(e));
  ws().welcome();
  const sub = ws().sentOfType('subscribe')[0];
  ws().deliver({ type: 'error', id: sub.id, code: 'invalid_channel', message: 'bad' });
  assert.deepEqual(errors.map((e) => [e.code, e.request]), [['invalid_channel', { type: 'subscribe', channel: 'bad name!' }]]);
  assert.equal(client.channel('bad name!').status, 'error');
});

test('a resume the node keeps closing with 1013 before any update is given up, as a reset', (t) => {
  const { client, ws, clock } = setup({ channels: ['trades'] });
  t.after(() => client.close());
  ws().welcome();
  subscribedReply(ws(), 'trades', { kind: 'stream', epoch: 'e', seq: 0, recovered: false });
  ws().deliver({ type: 'update', channel: 'trades', seq: 1, data: {} });
  const resets = [];
  client.on('reset', (r) => resets.push(r));
  const sinces = [];
  for (let i = 0; i < 4; i++) {
    ws().serverClose(1013, 'slow consumer');
    clock.advance(client.stateInfo.retryAt - clock.now());
    ws().welcome();
    const sub = ws().sentOfType('subscribe').at(-1);
    sinces.push(sub.since ?? null);
    if (sub.since === undefined) {
      ws().deliver({ type: 'subscribed', id: sub.id, channel: 'trades', kind: 'stream', epoch: 'e', seq: 900, recovered: false });
    } else {
      ws().deliver({ type: 'subscribed', id: sub.id, channel: 'trades', kind: 'stream', epoch: 'e', seq: 900, recovered: true });
    }
  }
  assert.deepEqual(sinces, [1, 1, 1, null], 'three stuck resumes, then a fresh subscribe');
  assert.deepEqual(resets.map((r) => [r.reason, r.previousSeq]), [['too_far_behind', 1]]);
  // The next gap on that connection is repaired with a resume again.
  ws().deliver({ type: 'update', channel: 'trades', seq: 800, data: {} });
  ws().deliver({ type: 'update', channel: 'trades', seq: 802, data: {} });
  assert.equal(ws().sentOfType('subscribe').at(-1).since, 800);
});
