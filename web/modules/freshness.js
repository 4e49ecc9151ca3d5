// Per-panel freshness: "Live · 3 s ago", or a stale warning when the panel
// shows data that is not confirmed by a live subscription (cached data, a lost
// connection), or when a channel that should tick has been quiet too long.
//
// One timer refreshes every panel's age label once a second.

import { age } from './format.js';

export class Freshness {
  constructor() {
    this.panels = new Map();
    this.timer = setInterval(() => this.renderAll(), 1000);
  }

  /**
   * @param {string} channel
   * @param {HTMLElement} panel gets data-fresh = waiting | live | stale | paused
   * @param {{quietAfterMs?: number}} [opts] stale when live but silent this long
   */
  add(channel, panel, { quietAfterMs } = {}) {
    this.panels.set(channel, {
      panel,
      label: panel.querySelector('[data-age]'),
      updatedAt: null,
      live: false,
      paused: false,
      quietAfterMs,
    });
  }

  /** New data arrived for `channel` at `at` (ms); `live` when from the node. */
  touch(channel, at, live = true) {
    const p = this.panels.get(channel);
    if (!p) return;
    p.updatedAt = at;
    if (live) p.live = true;
    this.render(p);
  }

  setLive(channel, live) {
    const p = this.panels.get(channel);
    if (!p || p.live === live) return;
    p.live = live;
    this.render(p);
  }

  setAllLive(live) {
    for (const channel of this.panels.keys()) this.setLive(channel, live);
  }

  setPaused(channel, paused) {
    const p = this.panels.get(channel);
    if (!p) return;
    p.paused = paused;
    if (paused) p.live = false;
    this.render(p);
  }

  status(channel) {
    return this.panels.get(channel)?.panel.dataset.fresh ?? null;
  }

  renderAll() {
    for (const p of this.panels.values()) this.render(p);
  }

  render(p) {
    const now = Date.now();
    const ageMs = p.updatedAt === null ? null : now - p.updatedAt;
    let fresh;
    let text;
    if (p.paused) {
      fresh = 'paused';
      text = p.updatedAt === null ? 'Paused' : `Paused · ${age(ageMs)}`;
    } else if (p.updatedAt === null) {
      fresh = p.live ? 'live' : 'waiting';
      text = p.live ? 'Live · no updates yet' : 'Waiting for data…';
    } else if (!p.live) {
      fresh = 'stale';
      text = `Stale · updated ${age(ageMs)}`;
    } else if (p.quietAfterMs && ageMs > p.quietAfterMs) {
      fresh = 'stale';
      text = `Stale · last update ${age(ageMs)}`;
    } else {
      fresh = 'live';
      text = `Live · ${age(ageMs)}`;
    }
    if (p.panel.dataset.fresh !== fresh) p.panel.dataset.fresh = fresh;
    if (p.label && p.label.textContent !== text) p.label.textContent = text;
  }
}
