// The dashboard metrics: total value, daily P&L, open positions, win rate.
// Element ids follow the original design (total-value, daily-pnl,
// open-positions, win-rate) so pages written against it keep working.

import { money, signedMoney, count, ratio, signClass } from './format.js';
import { setText, direction } from './flash.js';

export class MetricsPanel {
  constructor(root) {
    this.el = {
      total: root.querySelector('#total-value'),
      pnl: root.querySelector('#daily-pnl'),
      open: root.querySelector('#open-positions'),
      win: root.querySelector('#win-rate'),
      cash: root.querySelector('#cash'),
    };
    this.doc = null;
  }

  /** Renders the whole `dashboard` document. */
  render(doc) {
    const d = doc && typeof doc === 'object' ? doc : {};
    const prev = this.doc ?? {};
    this.doc = d;
    setText(this.el.total, money(d.total_value), direction(prev.total_value, d.total_value));
    setText(this.el.pnl, signedMoney(d.daily_pnl), direction(prev.daily_pnl, d.daily_pnl));
    this.el.pnl.className = `value ${signClass(d.daily_pnl)}`;
    setText(this.el.open, count(d.open_positions));
    setText(this.el.win, ratio(d.win_rate), direction(prev.win_rate, d.win_rate));
    if (this.el.cash) setText(this.el.cash, money(d.cash));
  }
}
