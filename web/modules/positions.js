// The positions table: one row per symbol, kept by key. A new document only
// touches the cells whose text changed (and highlights them), adds rows for
// new symbols and removes closed positions.

import { money, signedMoney, price, quantity, signClass } from './format.js';
import { setText, direction, flash } from './flash.js';

const COLUMNS = [
  ['qty', (p) => quantity(p.qty), 'num'],
  ['avg_price', (p) => price(p.avg_price), 'num opt'],
  ['last_price', (p) => price(p.last_price), 'num'],
  ['market_value', (p) => money(p.market_value), 'num opt'],
  ['unrealized_pnl', (p) => signedMoney(p.unrealized_pnl), 'num pnl'],
];

export class PositionsTable {
  constructor(tbody, emptyRow) {
    this.tbody = tbody;
    this.emptyRow = emptyRow;
    this.rows = new Map(); // symbol → {tr, cells, data}
  }

  /** Renders the whole `positions` document {positions: {SYM: {...}}}. */
  render(doc) {
    const positions = doc && typeof doc.positions === 'object' && doc.positions !== null ? doc.positions : {};
    const symbols = Object.keys(positions).filter((s) => positions[s] && typeof positions[s] === 'object').sort();
    for (const [symbol, row] of this.rows) {
      if (!(symbol in positions) || !positions[symbol]) {
        row.tr.remove();
        this.rows.delete(symbol);
      }
    }
    const initial = this.rows.size === 0; // first fill: nothing to highlight
    let before = null;
    for (let i = symbols.length - 1; i >= 0; i--) {
      const symbol = symbols[i];
      const p = positions[symbol];
      let row = this.rows.get(symbol);
      if (!row) {
        row = this.createRow(symbol);
        this.rows.set(symbol, row);
        this.tbody.insertBefore(row.tr, before);
        this.fill(row, p, true);
        if (!initial) flash(row.tr);
      } else {
        if (row.tr.nextSibling !== before) this.tbody.insertBefore(row.tr, before);
        this.fill(row, p, false);
      }
      before = row.tr;
    }
    this.emptyRow.hidden = symbols.length > 0;
  }

  createRow(symbol) {
    const tr = document.createElement('tr');
    tr.dataset.symbol = symbol;
    const sym = document.createElement('td');
    sym.className = 'sym';
    sym.textContent = symbol;
    tr.append(sym);
    const cells = COLUMNS.map(([, , cls]) => {
      const td = document.createElement('td');
      td.className = cls;
      tr.append(td);
      return td;
    });
    return { tr, cells, data: {} };
  }

  fill(row, p, fresh) {
    COLUMNS.forEach(([key, fmt], i) => {
      const td = row.cells[i];
      const text = fmt(p);
      if (fresh) td.textContent = text;
      else setText(td, text, direction(row.data[key], p[key]));
      td.dataset.filled = '1';
    });
    const pnlCell = row.cells[COLUMNS.length - 1];
    pnlCell.className = `num pnl ${signClass(p.unrealized_pnl)}`;
    row.data = p;
  }
}
