// Every channel the client wants, kept live across reconnections: one
// ChannelTracker each (channel.js decides what a message means for its seq,
// epoch and document); this file acts on the verdicts: it sends the
// subscribes, repairs gaps, and emits the channel events.
//
//   welcome ──▶ subscribeAll(): subscribe since last seq (or afresh)
//   subscribed ─▶ 'subscribed' (+ 'reset' when the resume was refused)
//   update / snapshot ─▶ '<channel>', '<channel>_update', 'update' (+ 'snapshot')
//     gap ─▶ 'gap', unsubscribe + subscribe since last applied seq
//   socket gone ──▶ every tracker idle, positions kept
//
// Unsubscribed channels are parked with their position, so that a later
// subscribe() resumes where they stopped.

import { ChannelTracker } from './channel.js';
import { giveUpResumeAfter } from './options.js';

export class Subscriptions {
  /**
   * @param {object} deps
   * @param {object} deps.options the client's options (channels, resume, giveUpResumeAfter)
   * @param {import('./requests.js').Requests} deps.requests hands out request ids
   * @param {(msg: object) => boolean} deps.send
   * @param {() => boolean} deps.isOpen
   * @param {(event: string, ...args: unknown[]) => void} deps.emit the client's emit
   * @param {object} deps.stats the client's counters (gaps, duplicates, resets)
   * @param {Set<string>} deps.reservedEvents the client's own event names
   */
  constructor({ options, requests, send, isOpen, emit, stats, reservedEvents }) {
    this._options = options;
    this._requests = requests;
    this._send = send;
    this._isOpen = isOpen;
    this._emit = emit;
    this._stats = stats;
    this._reserved = reservedEvents;
    this._channels = new Map(); // name → ChannelTracker (every wanted channel)
    this._parked = new Map(); // unsubscribed channel → its last position
    this._appliedOnConnection = 0;
    // Consecutive connections closed with 1013 before a single update was
    // applied: the node cannot even start the catch-up we ask for.
    this._stuckCloses = 0;

    for (const [name, pos] of Object.entries(options.resume ?? {})) {
      this._channels.set(name, new ChannelTracker(name, pos ?? {}));
    }
    for (const name of options.channels ?? []) {
      if (!this._channels.has(name)) this._channels.set(name, new ChannelTracker(name));
    }
  }

  // ---- the client's API -------------------------------------------------------

  subscribe(channel, resume) {
    const name = String(channel);
    let t = this._channels.get(name);
    // An explicit resume replaces the position, unless a subscribe is already
    // on its way (its answer would not match the new position).
    if (!t || (resume && t.status !== 'pending' && t.status !== 'live')) {
      t = new ChannelTracker(name, resume ?? t?.position() ?? this._parked.get(name) ?? {});
      this._channels.set(name, t);
      this._parked.delete(name);
    }
    if (this._isOpen() && t.status !== 'pending' && t.status !== 'live') this._sendSubscribe(t);
  }

  unsubscribe(channel) {
    const t = this._channels.get(channel);
    if (!t) return;
    this._channels.delete(channel);
    this._parked.set(channel, t.position());
    if (this._isOpen() && (t.status === 'pending' || t.status === 'live')) this._sendUnsubscribe(channel);
  }

  names() {
    return [...this._channels.keys()];
  }

  position(name) {
    const t = this._channels.get(name);
    if (t) return { ...t.position(), status: t.status };
    const p = this._parked.get(name);
    return p ? { ...p, status: 'unsubscribed' } : null;
  }

  // ---- connection events (Connection hooks) -----------------------------------

  /** A welcome: nothing applied on this connection yet. Before 'connected' is emitted. */
  connectionStarted() {
    this._appliedOnConnection = 0;
  }

  /** Subscribes every channel not already asked for, after 'connected'. */
  subscribeAll() {
    for (const t of this._channels.values()) {
      if (t.status !== 'pending' && t.status !== 'live') this._sendSubscribe(t);
    }
    const limit = giveUpResumeAfter(this._options);
    if (limit > 0 && this._stuckCloses >= limit) this._stuckCloses = 0; // given up once; count afresh
  }

  detachAll() {
    for (const t of this._channels.values()) t.detach();
  }

  /** A lost connection the client will retry: was it a resume the node could not deliver? */
  connectionLost(close, hadWelcome) {
    if (close.code === 1013 && hadWelcome && this._appliedOnConnection === 0) this._stuckCloses += 1;
    else if (this._appliedOnConnection > 0) this._stuckCloses = 0;
  }

  // ---- the node's messages ----------------------------------------------------

  onSubscribed(msg) {
    this._requests.forget(msg.id);
    const t = this._channels.get(msg.channel);
    if (!t) return;
    const since = t.requestedSince;
    const gaveUp = t.gaveUpResume;
    const v = t.onSubscribed(msg);
    if (v.ignore) return;
    if (v.resubscribe) {
      this._sendSubscribe(t);
      return;
    }
    this._emit('subscribed', {
      channel: t.name, kind: t.kind, epoch: t.epoch, seq: msg.seq, recovered: msg.recovered === true, since,
    });
    if (v.reset) {
      this._stats.resets += 1;
      this._emit('reset', {
        channel: t.name, kind: t.kind, epoch: t.epoch, head: v.head ?? null,
        previousEpoch: v.previous.epoch, previousSeq: v.previous.seq,
        reason: gaveUp ? 'too_far_behind'
          : typeof msg.reason === 'string' ? msg.reason
            : v.previous.epoch && t.epoch && v.previous.epoch !== t.epoch ? 'epoch_changed' : 'not_retained',
        missing: msg.missing ?? null,
      });
    }
  }

  onUpdate(msg) {
    const t = this._channels.get(msg.channel);
    if (!t) return;
    const v = t.onUpdate(msg);
    if (v.drop) {
      if (v.drop === 'duplicate') this._stats.duplicates += 1;
      return;
    }
    if (v.gap) {
      this._stats.gaps += 1;
      this._emit('gap', { channel: t.name, expected: v.expected, got: v.got });
      // A handler may have unsubscribed (nothing left to repair) or closed the
      // connection: a subscribe sent now would be lost and leave the channel
      // pending, while the next welcome resumes it from the last applied seq.
      if (this._channels.get(t.name) === t && this._isOpen()) this._resync(t);
      return;
    }
    this._deliver(t, v.value, { channel: t.name, kind: t.kind ?? 'stream', seq: msg.seq, ts: msg.ts, epoch: t.epoch, patch: v.patch, snapshot: false, conflated: msg.conflated === true });
  }

  onSnapshot(msg) {
    const t = this._channels.get(msg.channel);
    if (!t) return;
    const v = t.onSnapshot(msg);
    if (v.drop) return;
    const meta = { channel: t.name, kind: 'state', seq: msg.seq, ts: msg.ts, epoch: t.epoch, patch: undefined, snapshot: true };
    this._emit('snapshot', v.value, meta);
    this._deliver(t, v.value, meta);
  }

  onUnsubscribed(msg) {
    this._requests.forget(msg.id);
    const name = msg.channel;
    const t = this._channels.get(name);
    if (!t) {
      this._emit('unsubscribed', { channel: name });
      return;
    }
    // Our own unsubscribe (a resync, or unsubscribe() then subscribe()) comes
    // back before the new `subscribed`. Had the node applied it after that
    // subscribe (the tracker is live again), or did the node drop a
    // subscription on its own, the subscription is gone: renew it.
    if (t.status === 'live') this._sendSubscribe(t);
  }

  /**
   * The node dropped a subscription it had accepted (an `error` naming the
   * channel: the channel stopped, or its history could not be read). It is
   * asked for again, from the last applied seq, at the next connection.
   */
  onDropped(channel) {
    const t = this._channels.get(channel);
    if (t && t.status === 'live') t.status = 'error';
  }

  /** The node refused a subscribe (an `error` answering it). */
  onRefused(channel) {
    const t = this._channels.get(channel);
    if (t && t.status === 'pending') t.status = 'error';
  }

  // ---- sending ----------------------------------------------------------------

  _sendSubscribe(t) {
    // A resume the node keeps failing to deliver (closed as a slow consumer
    // before any update, again and again) would loop forever: start afresh
    // instead, reported as a `reset` (reason 'too_far_behind').
    const limit = giveUpResumeAfter(this._options);
    const msg = t.subscribeRequest({ giveUpResume: limit > 0 && this._stuckCloses >= limit });
    msg.id = this._requests.track('subscribe', t.name);
    this._send(msg);
  }

  _sendUnsubscribe(channel) {
    const id = this._requests.track('unsubscribe', channel);
    this._send({ type: 'unsubscribe', channel, id });
  }

  // A live update skipped a seq: ask again from the last applied one. Updates
  // are dropped until the new `subscribed` arrives; the catch-up fills the gap.
  _resync(t) {
    this._sendUnsubscribe(t.name);
    this._sendSubscribe(t);
  }

  // A channel named like one of the client's own events is delivered only as
  // '<channel>_update': its data must never reach that event's handlers.
  _deliver(t, value, meta) {
    this._appliedOnConnection += 1;
    this._emit('update', value, meta);
    if (!this._reserved.has(t.name)) this._emit(t.name, value, meta);
    this._emit(`${t.name}_update`, value, meta);
  }
}
