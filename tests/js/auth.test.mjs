// Unit: the client authenticates with `token` or `getToken()` after the
// node's first welcome, counts as connected only at the welcome answering its
// `auth`, and refreshes by itself on `auth_expiring`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TidewireClient } from '../../web/client/tidewire.js';
import { FakeClock, fakeWebSocketClass } from './helpers/fakes.mjs';

function setup(options) {
  const clock = new FakeClock();
  const WS = fakeWebSocketClass();
  const client = new TidewireClient({
    urls: ['ws://a/ws'], WebSocket: WS, timers: clock.timerApi, now: clock.now, random: () => 0.5,
    autoConnect: false, channels: ['trades'], ...options,
  });
  client.connect();
  return { client, ws: () => WS.instances.at(-1), WS };
}

const tick = () => new Promise((r) => setImmediate(r));

test('a fixed token is sent after the first welcome; subscribing waits for the second', async (t) => {
  const { client, ws } = setup({ token: 'T1' });
  t.after(() => client.close());
  ws().welcome();
  await tick();
  assert.deepEqual(ws().sentOfType('auth').map((m) => m.token), ['T1']);
  assert.equal(ws().sentOfType('subscribe').length, 0, 'nothing but auth before the node accepts it');
  assert.notEqual(client.state, 'connected');
  ws().deliver({ type: 'welcome', node: 'n1', session: 's1', protocol: 1 });
  assert.equal(client.state, 'connected');
  assert.equal(ws().sentOfType('subscribe').length, 1);
});

test('getToken is asked on every connection and again on auth_expiring', async (t) => {
  let n = 0;
  const { client, ws, WS } = setup({ getToken: async () => `T${++n}` });
  t.after(() => client.close());
  ws().welcome();
  await tick();
  ws().deliver({ type: 'welcome', node: 'n1', session: 's1', protocol: 1 });
  assert.equal(client.state, 'connected');
  ws().deliver({ type: 'auth_expiring', in_ms: 30000 });
  await tick();
  assert.deepEqual(ws().sentOfType('auth').map((m) => m.token), ['T1', 'T2']);
  // The answer to a refresh is a welcome on a connected client: still connected, no resubscribe.
  ws().deliver({ type: 'welcome', node: 'n1', session: 's1', protocol: 1 });
  assert.equal(client.state, 'connected');
  assert.equal(ws().sentOfType('subscribe').length, 1);
  // A new socket authenticates again with a fresh token.
  ws().serverClose(1008, 'token expired');
  await new Promise((r) => setImmediate(r));
  client.reconnectNow();
  assert.equal(WS.instances.length, 2);
  ws().welcome();
  await tick();
  assert.deepEqual(ws().sentOfType('auth').map((m) => m.token), ['T3']);
});

test('a failing getToken is reported as auth_error, nothing is sent', async (t) => {
  const { client, ws } = setup({ getToken: async () => { throw new Error('login needed'); } });
  t.after(() => client.close());
  const errors = [];
  client.on('auth_error', (e) => errors.push(e.reason));
  ws().welcome();
  await tick();
  await tick();
  assert.deepEqual(errors, ['login needed']);
  assert.equal(ws().sentOfType('auth').length, 0);
});

test('without a token the first welcome connects, as before', (t) => {
  const { client, ws } = setup({});
  t.after(() => client.close());
  ws().welcome();
  assert.equal(client.state, 'connected');
  assert.equal(ws().sentOfType('auth').length, 0);
});
