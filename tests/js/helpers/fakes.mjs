// Deterministic stand-ins for unit tests of the client: a manual clock with
// timers, and a WebSocket whose server side the test plays.

export class FakeClock {
  constructor(start = 1_000_000) {
    this.t = start;
    this.timers = new Map();
    this.nextId = 1;
    this.now = () => this.t;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.t + Math.max(0, ms), fn, id });
      return id;
    };
    this.clearTimeout = (id) => this.timers.delete(id);
  }

  get timerApi() {
    return { setTimeout: this.setTimeout, clearTimeout: this.clearTimeout };
  }

  /** Runs every timer due within `ms`, in time order, advancing the clock. */
  advance(ms) {
    const end = this.t + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      let next = null;
      for (const timer of this.timers.values()) {
        if (timer.at <= end && (next === null || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer;
      }
      if (next === null) break;
      this.timers.delete(next.id);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

/** Build with `fakeWebSocketClass()`; `.instances` lists every socket made. */
export function fakeWebSocketClass() {
  const instances = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closed = null;
      this.terminated = false;
      this.readyState = 0; // CONNECTING until the test calls open()
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      instances.push(this);
    }
    send(text) {
      // As in a browser: a frame sent before the socket opens is refused, not queued.
      if (this.readyState === 0) throw new Error('InvalidStateError: still connecting');
      if (this.closed) throw new Error('socket closed');
      this.sent.push(JSON.parse(text));
    }
    close(code = 1000, reason = '') {
      this.readyState = 3;
      this.closed = { code, reason };
    }
    terminate() {
      this.readyState = 3;
      this.terminated = true;
      this.closed = { code: 1006, reason: '' };
    }
    // ---- the server side, driven by the test ----
    open() {
      this.readyState = 1;
      this.onopen?.({});
    }
    deliver(msgOrArray) {
      this.onmessage?.({ data: JSON.stringify(msgOrArray) });
    }
    serverClose(code = 1006, reason = '') {
      this.readyState = 3;
      this.closed = { code, reason };
      this.onclose?.({ code, reason });
    }
    sentOfType(type) {
      return this.sent.filter((m) => m.type === type);
    }
    welcome(extra = {}) {
      this.open();
      this.deliver({ type: 'welcome', node: 'n1', session: 's1', protocol: 1, heartbeat_ms: 1000, reconnect: { base_ms: 100, max_ms: 2000 }, ...extra });
    }
  }
  FakeWebSocket.instances = instances;
  return FakeWebSocket;
}
