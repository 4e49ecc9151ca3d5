// The performance panel: the equity curve (uPlot, vendored into web/vendor/
// by scripts/build-web.sh) and the headline figures. The chart library is
// loaded lazily; without it the figures still render.

import { moneyCompact, moneyWhole, signedMoney, signedRatio, ratio, count, signClass } from './format.js';
import { setText, direction } from './flash.js';

let uPlotPromise = null;
function loadUPlot() {
  uPlotPromise ??= import('../vendor/uPlot.esm.js').then((m) => m.default).catch(() => null);
  return uPlotPromise;
}

export class PerformancePanel {
  constructor(root) {
    this.chartBox = root.querySelector('.chart');
    this.el = {
      realized: root.querySelector('#realized-pnl'),
      unrealized: root.querySelector('#unrealized-pnl'),
      ret: root.querySelector('#total-return'),
      win: root.querySelector('#perf-win-rate'),
      trades: root.querySelector('#trade-count'),
    };
    this.doc = {};
    this.plot = null;
    this.data = [[], []];
    this.creating = false;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.chartBox);
  }

  render(doc) {
    const d = doc && typeof doc === 'object' ? doc : {};
    const prev = this.doc;
    this.doc = d;
    setText(this.el.realized, signedMoney(d.realized_pnl), direction(prev.realized_pnl, d.realized_pnl));
    this.el.realized.className = `value ${signClass(d.realized_pnl)}`;
    setText(this.el.unrealized, signedMoney(d.unrealized_pnl), direction(prev.unrealized_pnl, d.unrealized_pnl));
    this.el.unrealized.className = `value ${signClass(d.unrealized_pnl)}`;
    setText(this.el.ret, signedRatio(d.total_return), direction(prev.total_return, d.total_return));
    this.el.ret.className = `value ${signClass(d.total_return)}`;
    setText(this.el.win, ratio(d.win_rate));
    setText(this.el.trades, count(d.trades));
    if (d.equity_curve_tail !== prev.equity_curve_tail) this.renderCurve(d.equity_curve_tail);
  }

  renderCurve(tail) {
    const points = Array.isArray(tail) ? tail.filter((p) => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number') : [];
    points.sort((a, b) => a[0] - b[0]);
    this.data = [points.map((p) => p[0] / 1000), points.map((p) => p[1])];
    this.chartBox.dataset.points = String(points.length);
    if (this.plot) this.plot.setData(this.data);
    else this.createPlot();
  }

  size() {
    const width = Math.max(200, Math.floor(this.chartBox.clientWidth));
    return { width, height: width < 500 ? 180 : 240 };
  }

  async createPlot() {
    if (this.creating || this.data[0].length === 0) return;
    this.creating = true;
    const uPlot = await loadUPlot();
    if (!uPlot) {
      this.chartBox.dataset.unavailable = '1';
      this.chartBox.textContent = 'Chart unavailable (run scripts/build-web.sh to vendor uPlot).';
      return;
    }
    const axis = { stroke: '#8a94a6', grid: { stroke: 'rgba(138,148,166,0.15)' }, ticks: { stroke: 'rgba(138,148,166,0.3)' } };
    const opts = {
      ...this.size(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      series: [
        {},
        { label: 'Equity', stroke: '#5ea2ff', width: 2, fill: 'rgba(94,162,255,0.12)', value: (_u, v) => moneyWhole(v) },
      ],
      axes: [axis, { ...axis, size: 76, values: (_u, vals) => vals.map((v) => (Math.abs(v) >= 1e7 ? moneyCompact(v) : moneyWhole(v))) }],
    };
    this.chartBox.replaceChildren();
    this.plot = new uPlot(opts, this.data, this.chartBox);
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }
}
