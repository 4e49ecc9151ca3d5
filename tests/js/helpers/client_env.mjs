// A client under test over the fakes: a manual clock, a scripted socket
// class, and the states it went through.
import assert from 'node:assert/strict';
import { TidewireClient } from '../../../web/client/tidewire.js';
import { FakeClock, fakeWebSocketClass } from './fakes.mjs';

export function setup(options = {}) {
  const clock = new FakeClock();
  const WS = fakeWebSocketClass();
  const states = [];
  const client = new TidewireClient({
    urls: ['ws://a/ws'], WebSocket: WS, timers: clock.timerApi, now: clock.now, random: () => 0.5, autoConnect: false, ...options,
  });
  client.on('state', (s) => states.push(s.state));
  client.connect();
  const ws = () => WS.instances.at(-1);
  return { clock, WS, client, states, ws };
}

// Answers the last subscribe sent for `channel` with `subscribed` and `fields`;
// returns that subscribe.
export function subscribedReply(ws, channel, fields) {
  const sub = ws.sentOfType('subscribe').filter((m) => m.channel === channel).at(-1);
  assert.ok(sub, `a subscribe for ${channel} was sent`);
  ws.deliver({ type: 'subscribed', id: sub.id, channel, ...fields });
  return sub;
}
