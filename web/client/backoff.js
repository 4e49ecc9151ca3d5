// Reconnection delays: exponential backoff with "equal jitter".
//
// The ceiling doubles per failed attempt from baseMs up to maxMs; the delay is
// drawn uniformly from [ceiling/2, ceiling]. Half of it is random, so clients
// dropped together by a node restart do not come back in one burst, and it is
// never below half the ceiling, so a dead node is not hammered.

export const DEFAULT_RECONNECT = Object.freeze({ baseMs: 500, maxMs: 30000 });

/** The ceiling of the delay before attempt `attempt` (0 = first retry). */
export function backoffCeiling(attempt, { baseMs, maxMs }) {
  const n = Math.max(0, Math.min(Math.floor(attempt), 52));
  return Math.min(maxMs, baseMs * 2 ** n);
}

/**
 * The delay in milliseconds before reconnection attempt `attempt`.
 * @param {number} attempt 0 for the first retry after a loss
 * @param {{baseMs:number, maxMs:number}} limits
 * @param {() => number} random a uniform [0, 1) source (injectable for tests)
 */
export function backoffDelay(attempt, limits, random = Math.random) {
  const ceiling = backoffCeiling(attempt, limits);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + r * (ceiling / 2));
}
