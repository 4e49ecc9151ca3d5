// The sequencing state of one subscribed channel: last applied seq, epoch,
// kind and, for state channels, the current document.
//
// It is a pure state machine: the client feeds it the server's messages and
// acts on the verdict it returns (emit, drop, or re-subscribe after a gap).
// It never touches the socket, so it can be tested alone.
//
//   idle ──subscribeRequest()──▶ pending ──subscribed──▶ live
//     ▲                            ▲                      │ gap: resync()
//     └──── connection lost ───────┴──────────────────────┘

import { applyMergePatch } from './merge-patch.js';

export class ChannelTracker {
  /**
   * @param {string} name
   * @param {{kind?: string, epoch?: string, seq?: number, doc?: unknown}} [resume]
   *   where a previous session (or a cache) left off
   */
  constructor(name, resume = {}) {
    this.name = name;
    this.kind = resume.kind ?? (resume.doc !== undefined ? 'state' : null);
    this.epoch = resume.epoch ?? null;
    this.seq = Number.isSafeInteger(resume.seq) && resume.seq >= 0 ? resume.seq : null;
    this.doc = resume.doc;
    this.status = 'idle'; // idle | pending | live | error
    this.awaitingSnapshot = false;
    this.requestedSince = null;
  }

  /** True when a subscribe may ask to resume from this.seq. */
  canResume() {
    if (this.seq === null) return false;
    // Patches can only be applied to the document they were computed against.
    if (this.kind === 'state' && this.doc === undefined) return false;
    return true;
  }

  /**
   * The subscribe message to send now; the tracker becomes pending.
   * `giveUpResume` subscribes afresh although a resume would be possible
   * (the node cannot deliver the catch-up); the `subscribed` then reports a
   * reset like a refused resume.
   */
  subscribeRequest({ giveUpResume = false } = {}) {
    const msg = { type: 'subscribe', channel: this.name };
    this.gaveUpResume = false;
    if (this.canResume()) {
      if (giveUpResume) {
        this.gaveUpResume = true;
      } else {
        msg.since = this.seq;
        if (this.epoch) msg.epoch = this.epoch;
      }
    }
    this.requestedSince = msg.since ?? null;
    this.status = 'pending';
    this.awaitingSnapshot = false;
    return msg;
  }

  /** The connection is gone: wait for the next subscribe. */
  detach() {
    if (this.status !== 'error') this.status = 'idle';
    this.awaitingSnapshot = false;
  }

  /** The position to resume from, for callers that persist it. */
  position() {
    return { kind: this.kind, epoch: this.epoch, seq: this.seq, doc: this.doc };
  }

  /**
   * Handles `subscribed`. Returns
   *   { ignore: true }                    not waiting for one
   *   { resubscribe: true }               resumed a state channel without its document
   *   { recovered: true }                 updates since+1… follow
   *   { recovered: false, reset, previous } a fresh start; reset when a resume was refused
   */
  onSubscribed(msg) {
    // A live subscription gets a second `subscribed` (recovered: false, with
    // a `reason`) when the node could not finish its catch-up: retention
    // trimmed the seqs in `missing`. It starts afresh like a refused resume.
    const restarted = this.status === 'live' && msg.recovered === false && typeof msg.reason === 'string';
    if (this.status !== 'pending' && !restarted) return { ignore: true };
    if (restarted) this.requestedSince = this.requestedSince ?? this.seq;
    if (typeof msg.kind === 'string') this.kind = msg.kind;
    const resumed = this.requestedSince !== null || this.gaveUpResume;
    if (msg.recovered === true && this.requestedSince !== null) {
      if (this.kind === 'state' && this.doc === undefined) {
        this.seq = null;
        this.status = 'idle';
        return { resubscribe: true };
      }
      if (typeof msg.epoch === 'string') this.epoch = msg.epoch;
      this.status = 'live';
      return { recovered: true };
    }
    const previous = { epoch: this.epoch, seq: this.seq };
    this.epoch = typeof msg.epoch === 'string' ? msg.epoch : null;
    this.status = 'live';
    this.seq = null;
    const head = Number.isSafeInteger(msg.seq) ? msg.seq : null;
    if (this.kind === 'state') {
      if (head === 0) {
        // An empty channel: no snapshot is needed to apply patch 1.
        this.doc = {};
        this.seq = 0;
      } else {
        // Keep showing the old document until the snapshot replaces it.
        this.awaitingSnapshot = true;
      }
    }
    return { recovered: false, reset: resumed, previous, head };
  }

  /**
   * Handles `update`. Returns
   *   { drop: reason }                    duplicate, old, or not expected now
   *   { gap: true, expected, got }        a seq was skipped: re-subscribe
   *   { apply: true, value, patch }       value is the event, or the whole document
   */
  onUpdate(msg) {
    if (this.status !== 'live') return { drop: 'not_live' };
    const seq = msg.seq;
    if (!Number.isSafeInteger(seq)) return { drop: 'bad_seq' };
    if (this.awaitingSnapshot) return { drop: 'awaiting_snapshot' };
    if (this.seq !== null) {
      if (seq <= this.seq) return { drop: 'duplicate' };
      // A slow client's state patches may come conflated: one update whose
      // data is the composition of every patch up to its seq (protocol.md).
      const conflated = msg.conflated === true && this.kind === 'state';
      if (seq > this.seq + 1 && !conflated) return { gap: true, expected: this.seq + 1, got: seq };
    }
    this.seq = seq;
    if (this.kind === 'state') {
      this.doc = applyMergePatch(this.doc, msg.data);
      return { apply: true, value: this.doc, patch: msg.data };
    }
    return { apply: true, value: msg.data };
  }

  /** Handles `snapshot`: { drop } or { apply, value }. */
  onSnapshot(msg) {
    if (this.status !== 'live') return { drop: 'not_live' };
    if (!Number.isSafeInteger(msg.seq)) return { drop: 'bad_seq' };
    const newEpoch = typeof msg.epoch === 'string' && msg.epoch !== this.epoch;
    if (!newEpoch && !this.awaitingSnapshot && this.seq !== null && msg.seq < this.seq) {
      return { drop: 'stale_snapshot' };
    }
    this.kind = 'state';
    if (typeof msg.epoch === 'string') this.epoch = msg.epoch;
    this.seq = msg.seq;
    this.doc = msg.data ?? {};
    this.awaitingSnapshot = false;
    return { apply: true, value: this.doc };
  }
}
