// Unit: the client's event handlers that call close(), connect() or
// unsubscribe() in the middle of the client's own sequences (a welcome, a
// retry, a gap, a heartbeat timeout), against a scripted fake socket and a
// manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TidewireClient } from '../../web/client/tidewire.js';
import { FakeClock, fakeWebSocketClass } from './helpers/fakes.mjs';
import { setup, subscribedReply } from './helpers/client_env.mjs';

// A client live on 'trades' (epoch e1) up to seq 2.
function liveOnTrades() {
  const env = setup({ channels: ['trades'] });
  env.ws().welcome();
  subscribedReply(env.ws(), 'trades', { kind: 'stream', epoch: 'e1', seq: 0, recovered: false });
  for (const seq of [1, 2]) env.ws().deliver({ type: 'update', channel: 'trades', seq, data: {} });
  return env;
}

// The connection's events in order, 'state' as 'state:<name>'. Registered
// before the handlers under test, so that it sees each event before they act.
function logEvents(client) {
  const log = [];
  client.on('state', (s) => log.push(`state:${s.state}`));
  for (const event of ['connecting', 'connected', 'reconnecting', 'closed', 'welcome', 'disconnected']) {
    client.on(event, () => log.push(event));
  }
  return log;
}

// `sock` is not welcomed yet; its welcome must resubscribe 'trades' from `since`.
function assertResumes(client, sock, since) {
  sock.welcome();
  const sub = subscribedReply(sock, 'trades', { kind: 'stream', epoch: 'e1', seq: since + 1, recovered: true });
  assert.deepEqual([sub.since, sub.epoch], [since, 'e1']);
  assert.equal(client.channel('trades').status, 'live');
  const seen = [];
  const off = client.on('trades', (_d, m) => seen.push(m.seq));
  sock.deliver({ type: 'update', channel: 'trades', seq: since + 1, data: {} });
  off();
  assert.deepEqual(seen, [since + 1]);
}

for (const [event, isTheWelcome] of [
  ['connected', () => true],
  ['welcome', () => true],
  ['state', (s) => s.state === 'connected'],
  ['message', (m) => m.type === 'welcome'],
]) {
  test(`close() then connect() from a '${event}' handler: no stale events, every channel resumes on the new socket`, (t) => {
    const { client, ws, clock, WS } = liveOnTrades();
    t.after(() => client.close());
    ws().serverClose(1006);
    clock.advance(client.stateInfo.retryAt - clock.now());
    const log = logEvents(client);
    const off = client.on(event, (x) => {
      if (!isTheWelcome(x)) return;
      off();
      log.push('close()');
      client.close();
      client.connect();
    });
    const welcomed = ws();
    welcomed.welcome();
    assert.equal(WS.instances.length, 3);
    assert.ok(welcomed.closed, 'the welcomed socket is closed');
    assert.deepEqual(log.slice(log.indexOf('close()')), ['close()', 'state:closed', 'closed', 'state:connecting', 'connecting']);
    assert.equal(client.state, 'connecting');
    assertResumes(client, ws(), 2);
  });
}

test("close() from a 'connecting' handler: no socket is created, nothing follows 'closed'", (t) => {
  const clock = new FakeClock();
  const WS = fakeWebSocketClass();
  const client = new TidewireClient({ urls: ['ws://a/ws'], WebSocket: WS, timers: clock.timerApi, now: clock.now, autoConnect: false });
  t.after(() => client.close());
  const log = logEvents(client);
  client.once('connecting', () => client.close());
  client.connect();
  clock.advance(120_000);
  assert.equal(WS.instances.length, 0);
  assert.deepEqual(log, ['state:connecting', 'connecting', 'state:closed', 'closed']);
  assert.equal(clock.timers.size, 0, 'no timer left behind');
});

test("close() from a 'reconnecting' handler as a retry starts: no socket is created, nothing follows 'closed'", (t) => {
  const { client, ws, clock, WS } = liveOnTrades();
  t.after(() => client.close());
  ws().serverClose(1006);
  const log = logEvents(client);
  client.on('reconnecting', (s) => {
    if (s.retryAt === null) client.close(); // the attempt itself, not the wait before it
  });
  clock.advance(client.stateInfo.retryAt - clock.now());
  clock.advance(120_000);
  assert.equal(WS.instances.length, 1);
  assert.deepEqual(log, ['state:reconnecting', 'reconnecting', 'state:closed', 'closed']);
  assert.equal(clock.timers.size, 0, 'no timer left behind');
});

test("close() then connect() from a 'reconnecting' handler as a retry starts: exactly one new socket", (t) => {
  const { client, ws, clock, WS } = liveOnTrades();
  t.after(() => client.close());
  ws().serverClose(1006);
  const off = client.on('reconnecting', (s) => {
    if (s.retryAt !== null) return;
    off();
    client.close();
    client.connect();
  });
  clock.advance(client.stateInfo.retryAt - clock.now());
  assert.equal(WS.instances.length, 2);
  assert.equal(client.state, 'connecting');
  assertResumes(client, ws(), 2);
});

test("close() then connect() from a 'disconnected' handler: the lost socket schedules no retry", (t) => {
  const { client, ws, clock, WS } = liveOnTrades();
  t.after(() => client.close());
  const log = logEvents(client);
  client.once('disconnected', () => {
    log.push('close()');
    client.close();
    client.connect();
  });
  ws().serverClose(1006);
  assert.deepEqual(log, ['disconnected', 'close()', 'state:closed', 'closed', 'state:connecting', 'connecting']);
  clock.advance(5000); // well past the backoff, short of the connect timeout
  assert.equal(WS.instances.length, 2);
  assert.equal(client.state, 'connecting');
  assertResumes(client, ws(), 2);
});

test("close() then connect() from a 'gap' handler: the channel resumes from its last applied seq", (t) => {
  const { client, ws, WS } = liveOnTrades();
  t.after(() => client.close());
  client.once('gap', () => {
    client.close();
    client.connect();
  });
  ws().deliver({ type: 'update', channel: 'trades', seq: 5, data: {} });
  assert.equal(WS.instances.length, 2);
  assertResumes(client, ws(), 2);
});

test("close() then connect() from a 'heartbeat_timeout' handler: the new socket is kept", (t) => {
  const { client, ws, clock, WS } = liveOnTrades();
  t.after(() => client.close());
  client.once('heartbeat_timeout', () => {
    client.close();
    client.connect();
  });
  clock.advance(3000); // heartbeat_ms 1000: dead within 2.5 s
  assert.equal(WS.instances.length, 2);
  assert.equal(ws().closed, null, 'the new socket is not abandoned in place of the dead one');
  assert.equal(client.state, 'connecting');
  assertResumes(client, ws(), 2);
});

test("unsubscribe() from a 'gap' handler: the channel is not re-subscribed", (t) => {
  const { client, ws } = liveOnTrades();
  t.after(() => client.close());
  client.once('gap', () => client.unsubscribe('trades'));
  ws().deliver({ type: 'update', channel: 'trades', seq: 5, data: {} });
  assert.equal(ws().sentOfType('subscribe').length, 1, 'only the first subscribe');
  assert.deepEqual(client.subscriptions(), []);
  assert.equal(client.channel('trades').status, 'unsubscribed');
});
