// Unit: reconnection delays stay within their bounds, taken from `welcome`
// unless overridden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, backoffCeiling, TidewireClient } from '../../web/client/tidewire.js';
import { FakeClock, fakeWebSocketClass } from './helpers/fakes.mjs';

test('the ceiling doubles from base up to max', () => {
  const limits = { baseMs: 250, maxMs: 10000 };
  const got = [0, 1, 2, 3, 4, 5, 6, 7, 100, 5000].map((a) => backoffCeiling(a, limits));
  assert.deepEqual(got, [250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000]);
});

test('every delay is within [ceiling/2, ceiling] for any random value', () => {
  const limits = { baseMs: 100, maxMs: 3000 };
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = backoffCeiling(attempt, limits);
    for (const r of [0, 1e-9, 0.25, 0.5, 0.999999, 1, -3, 7]) {
      const d = backoffDelay(attempt, limits, () => r);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt} r ${r}: ${d} not in [${ceiling / 2}, ${ceiling}]`);
    }
  }
  assert.equal(backoffDelay(0, limits, () => 0), 50);
  assert.equal(backoffDelay(0, limits, () => 1), 100);
  assert.equal(backoffDelay(20, limits, () => 1), 3000);
});

// Drives a client whose every connection attempt fails, and returns the delays
// it waited between attempts.
function observedDelays({ options = {}, welcome, attempts = 10, random = () => 0.5 }) {
  const clock = new FakeClock();
  const WS = fakeWebSocketClass();
  const client = new TidewireClient({ urls: ['ws://a/ws', 'ws://b/ws'], WebSocket: WS, timers: clock.timerApi, now: clock.now, random, ...options });
  if (welcome) {
    WS.instances[0].welcome(welcome);
  }
  const delays = [];
  for (let i = 0; i < attempts; i++) {
    const ws = WS.instances.at(-1);
    ws.serverClose(1006);
    const info = client.stateInfo;
    delays.push(info.retryAt - clock.now());
    const before = WS.instances.length;
    clock.advance(info.retryAt - clock.now());
    assert.equal(WS.instances.length, before + 1, 'a new attempt starts when the delay is over');
  }
  client.close();
  return { delays, urls: WS.instances.map((w) => w.url) };
}

test('the client uses the welcome reconnect limits and alternates URLs', () => {
  const { delays, urls } = observedDelays({ welcome: { reconnect: { base_ms: 200, max_ms: 1600 } }, random: () => 1 });
  assert.deepEqual(delays, [200, 400, 800, 1600, 1600, 1600, 1600, 1600, 1600, 1600]);
  assert.deepEqual(urls.slice(0, 4), ['ws://a/ws', 'ws://b/ws', 'ws://a/ws', 'ws://b/ws']);
});

test('options override the welcome limits; jitter stays within bounds', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const { delays } = observedDelays({ options: { reconnect: { baseMs: 50, maxMs: 400 } }, welcome: {}, random, attempts: 30 });
  delays.forEach((d, i) => {
    const ceiling = Math.min(400, 50 * 2 ** i);
    assert.ok(d >= ceiling / 2 && d <= ceiling, `delay ${i} = ${d}`);
  });
});

test('before any welcome the defaults apply (500 ms .. 30 s)', () => {
  const { delays } = observedDelays({ random: () => 1, attempts: 8 });
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});
