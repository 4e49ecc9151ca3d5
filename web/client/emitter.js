// A minimal event emitter: on() returns its own unsubscribe function, and a
// throwing handler is reported without stopping the other handlers or the
// client that emits.

export class Emitter {
  #handlers = new Map();

  on(event, fn) {
    if (typeof fn !== 'function') throw new TypeError('handler must be a function');
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    set.add(fn);
    return () => this.off(event, fn);
  }

  once(event, fn) {
    const off = this.on(event, (...args) => {
      off();
      fn(...args);
    });
    return off;
  }

  off(event, fn) {
    const set = this.#handlers.get(event);
    if (!set) return;
    set.delete(fn);
    if (set.size === 0) this.#handlers.delete(event);
  }

  listenerCount(event) {
    return this.#handlers.get(event)?.size ?? 0;
  }

  emit(event, ...args) {
    const set = this.#handlers.get(event);
    if (!set) return false;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        console.error(`tidewire: a '${event}' handler threw`, err);
      }
    }
    return true;
  }
}
