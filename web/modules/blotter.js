// The trades blotter, newest first. The model keeps the last `limit` trades
// (also what the offline cache stores); the DOM is updated at most once per
// animation frame, inserting only the new rows and trimming the oldest, so an
// hour at 100 trades/s costs the same as a minute.

import { clock, price, quantity, signedMoney, signClass } from './format.js';
import { flash } from './flash.js';

export class Blotter {
  constructor(tbody, { limit = 200 } = {}) {
    this.tbody = tbody;
    this.limit = limit;
    this.rows = []; // [{seq, data}], oldest first, at most `limit`
    this.pending = []; // arrived since the last frame, oldest first
    this.rebuild = false;
    this.frame = null;
  }

  /** Replaces everything (cache load, a reset of the channel). */
  replace(rows) {
    this.rows = rows.slice(-this.limit);
    this.pending = [];
    this.rebuild = true;
    this.schedule();
  }

  clear() {
    this.replace([]);
  }

  add(seq, data) {
    this.rows.push({ seq, data });
    if (this.rows.length > this.limit * 1.5) this.rows.splice(0, this.rows.length - this.limit);
    if (!this.rebuild) {
      this.pending.push({ seq, data });
      if (this.pending.length > this.limit) this.rebuild = true;
    }
    this.schedule();
  }

  /** The newest `limit` rows (for the cache). */
  snapshot() {
    return this.rows.slice(-this.limit);
  }

  schedule() {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.flush();
    });
  }

  flush() {
    if (this.rebuild) {
      this.rebuild = false;
      this.pending = [];
      const frag = document.createDocumentFragment();
      const rows = this.snapshot();
      for (let i = rows.length - 1; i >= 0; i--) frag.append(this.row(rows[i]));
      this.tbody.replaceChildren(frag);
      return;
    }
    if (this.pending.length === 0) return;
    const frag = document.createDocumentFragment();
    const fresh = [];
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const tr = this.row(this.pending[i]);
      fresh.push(tr);
      frag.append(tr);
    }
    this.pending = [];
    this.tbody.insertBefore(frag, this.tbody.firstChild);
    while (this.tbody.childElementCount > this.limit) this.tbody.lastElementChild.remove();
    for (const tr of fresh.slice(0, 20)) flash(tr);
  }

  row({ seq, data }) {
    const t = data && typeof data === 'object' ? data : {};
    const tr = document.createElement('tr');
    tr.dataset.seq = String(seq);
    const side = t.side === 'buy' || t.side === 'sell' ? t.side : '';
    const cells = [
      [clock(t.ts), 'time'],
      [String(t.symbol ?? '—'), 'sym'],
      [side ? side.toUpperCase() : '—', `side ${side}`],
      [quantity(t.qty), 'num qty'],
      [price(t.price), 'num'],
      [typeof t.realized_pnl === 'number' ? signedMoney(t.realized_pnl) : '—', `num pnl ${signClass(t.realized_pnl)}`],
    ];
    for (const [text, cls] of cells) {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }
}
