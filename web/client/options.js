// The client's tunables and their defaults, in one place (the table in
// docs/client.md, "Options"). A timing comes from the explicit option, else
// from what the node announced in `welcome`, else from the default here.
//
// The functions take the options object itself, not a copy, and are called
// each time a value is needed: a second `welcome` (after `auth`) may change
// what the node announced.

import { DEFAULT_RECONNECT } from './backoff.js';

export const DEFAULTS = Object.freeze({
  heartbeatMs: 15000, // until a welcome announces heartbeat_ms
  connectTimeoutMs: 10000, // a floor: never below deadAfterMs
  publishTimeoutMs: 10000,
  offlineAfterAttempts: 5,
  giveUpResumeAfter: 3,
});

// undefined unless `n` is a usable duration (not 0, negative, NaN or a
// string), so that `??` falls through to the next source.
export function positive(n) {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

export function heartbeatMs(options, welcome) {
  return positive(options.heartbeatMs) ?? positive(welcome?.heartbeat_ms) ?? DEFAULTS.heartbeatMs;
}

export function deadAfterMs(options, welcome) {
  return positive(options.deadAfterMs) ?? 2 * heartbeatMs(options, welcome);
}

export function reconnectLimits(options, welcome) {
  const o = options.reconnect ?? {};
  const w = welcome?.reconnect ?? {};
  const baseMs = positive(o.baseMs) ?? positive(w.base_ms) ?? DEFAULT_RECONNECT.baseMs;
  const maxMs = positive(o.maxMs) ?? positive(w.max_ms) ?? DEFAULT_RECONNECT.maxMs;
  return { baseMs, maxMs: Math.max(baseMs, maxMs) };
}

// Never shorter than deadAfterMs: a new attempt gets at least the patience
// an established connection gets.
export function connectTimeoutMs(options, welcome) {
  return positive(options.connectTimeoutMs) ?? Math.max(DEFAULTS.connectTimeoutMs, deadAfterMs(options, welcome));
}

export function publishTimeoutMs(options, perCall) {
  return positive(perCall) ?? positive(options.publishTimeoutMs) ?? DEFAULTS.publishTimeoutMs;
}

// Counts, not durations: 0 is meaningful (giveUpResumeAfter 0 = never).
export function offlineAfterAttempts(options) {
  return options.offlineAfterAttempts ?? DEFAULTS.offlineAfterAttempts;
}

export function giveUpResumeAfter(options) {
  return options.giveUpResumeAfter ?? DEFAULTS.giveUpResumeAfter;
}

// The subprotocols offered at the handshake: `protocol: 'msgpack'` puts
// tidewire.v1.msgpack first (the node takes the client's first choice it
// speaks); `protocols` adds others. undefined: none (the node's JSON).
export function subprotocols(options) {
  const extra = options.protocols === undefined ? []
    : Array.isArray(options.protocols) ? options.protocols : [options.protocols];
  if (options.protocol === 'msgpack') {
    return ['tidewire.v1.msgpack', ...extra.filter((p) => p !== 'tidewire.v1.msgpack')];
  }
  if (options.protocol !== undefined && options.protocol !== 'json') {
    throw new TypeError(`protocol must be 'json' or 'msgpack', not ${JSON.stringify(options.protocol)}`);
  }
  return extra.length > 0 ? extra : undefined;
}
