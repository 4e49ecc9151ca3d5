// Liveness of one connection, which may never report its own death (a
// stalled TCP path sends no close frame).
//
// A ping every heartbeatMs. The connection is dead when nothing at all has
// arrived for deadAfterMs and a ping has gone unanswered for half of that.
// Requiring an unanswered ping keeps a throttled background tab (timers
// firing late, so the silence looks long) from killing a healthy connection.
//
// Owned by Connection: start() on welcome, stop() whenever the socket goes,
// received() on every frame of the current socket.

export class Heartbeat {
  /**
   * @param {object} deps
   * @param {{setTimeout: Function, clearTimeout: Function}} deps.timers
   * @param {() => number} deps.now
   * @param {() => number} deps.heartbeatMs read at every check: a later welcome may change it
   * @param {() => number} deps.deadAfterMs likewise
   * @param {() => boolean} deps.active false once the watched connection is gone or not yet welcomed
   * @param {() => void} deps.ping
   * @param {(silentMs: number) => void} deps.dead called once; the heartbeat is stopped by then
   */
  constructor({ timers, now, heartbeatMs, deadAfterMs, active, ping, dead }) {
    this._timers = timers;
    this._now = now;
    this._heartbeatMs = heartbeatMs;
    this._deadAfterMs = deadAfterMs;
    this._active = active;
    this._ping = ping;
    this._dead = dead;
    this._timer = null;
    this._lastReceived = undefined;
    this._lastPing = undefined;
    this._firstUnanswered = null;
  }

  /** Any frame at all answers the pings: the node is there. */
  received() {
    this._lastReceived = this._now();
    this._firstUnanswered = null;
  }

  start() {
    this.stop();
    const now = this._now();
    this._lastReceived = now;
    this._lastPing = now;
    this._firstUnanswered = null;
    // Checks several times per interval so a ping is never much late; the
    // 10 ms floor keeps tiny test intervals from spinning.
    const checkMs = Math.max(10, Math.min(this._heartbeatMs(), this._deadAfterMs()) / 4);
    const tick = () => {
      this._timer = null;
      if (!this._active()) return;
      const t = this._now();
      const dead = this._deadAfterMs();
      if (this._firstUnanswered !== null && t - this._lastReceived > dead && t - this._firstUnanswered >= dead / 2) {
        this._dead(t - this._lastReceived);
        return;
      }
      if (t - this._lastPing >= this._heartbeatMs()) {
        this._lastPing = t;
        if (this._firstUnanswered === null) this._firstUnanswered = t;
        this._ping();
      }
      this._timer = this._timers.setTimeout(tick, checkMs);
    };
    this._timer = this._timers.setTimeout(tick, checkMs);
  }

  stop() {
    if (this._timer !== null && this._timer !== undefined) this._timers.clearTimeout(this._timer);
    this._timer = null;
  }
}
