// The alerts list, newest first, capped. Severity is shown as a badge and a
// coloured edge (info, warning, critical).

import { clock } from './format.js';
import { flash } from './flash.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

export class AlertsList {
  constructor(list, emptyItem, { limit = 100 } = {}) {
    this.list = list;
    this.emptyItem = emptyItem;
    this.limit = limit;
    this.rows = []; // [{seq, data}] oldest first
  }

  replace(rows) {
    this.rows = rows.slice(-this.limit);
    const frag = document.createDocumentFragment();
    for (let i = this.rows.length - 1; i >= 0; i--) frag.append(this.item(this.rows[i]));
    this.list.replaceChildren(frag);
    this.emptyItem.hidden = this.rows.length > 0;
  }

  clear() {
    this.replace([]);
  }

  add(seq, data) {
    this.rows.push({ seq, data });
    if (this.rows.length > this.limit) this.rows.shift();
    const li = this.item({ seq, data });
    this.list.insertBefore(li, this.list.firstChild);
    while (this.list.childElementCount > this.limit) this.list.lastElementChild.remove();
    this.emptyItem.hidden = true;
    flash(li);
  }

  snapshot() {
    return this.rows.slice();
  }

  item({ seq, data }) {
    const a = data && typeof data === 'object' ? data : {};
    const severity = SEVERITIES.has(a.severity) ? a.severity : 'info';
    const li = document.createElement('li');
    li.className = `alert ${severity}`;
    li.dataset.seq = String(seq);
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = severity;
    const msg = document.createElement('span');
    msg.className = 'msg';
    msg.textContent = typeof a.message === 'string' ? a.message : JSON.stringify(a);
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = [a.symbol, clock(a.ts)].filter((x) => x && x !== '—').join(' · ');
    li.append(badge, msg, meta);
    return li;
  }
}
