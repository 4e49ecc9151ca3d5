// Human formatting of the demo numbers. Every formatter accepts anything and
// answers '—' for a missing or non-numeric value (the feed may omit fields).

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const usdCompact = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const usdWhole = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const DASH = '—';

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function money(v) {
  const n = num(v);
  return n === null ? DASH : usd.format(n);
}

export function moneyCompact(v) {
  const n = num(v);
  return n === null ? DASH : usdCompact.format(n);
}

/** "$99,950": whole dollars (chart axes). */
export function moneyWhole(v) {
  const n = num(v);
  return n === null ? DASH : usdWhole.format(n);
}

/** "+$1,200.00" / "-$35.10": a signed amount (profit and loss). */
export function signedMoney(v) {
  const n = num(v);
  if (n === null) return DASH;
  const s = usd.format(Math.abs(n));
  if (s === usd.format(0)) return s; // no "-$0.00"
  return n > 0 ? `+${s}` : `-${s}`;
}

export function count(v) {
  const n = num(v);
  return n === null ? DASH : integer.format(n);
}

export function quantity(v) {
  const n = num(v);
  return n === null ? DASH : plain.format(n);
}

export function price(v) {
  const n = num(v);
  if (n === null) return DASH;
  return n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 4 : 2 });
}

/** A ratio (0.583) as "58.3%". */
export function ratio(v) {
  const n = num(v);
  return n === null ? DASH : percent.format(n);
}

/** A signed ratio: "+2.4%". */
export function signedRatio(v) {
  const n = num(v);
  if (n === null) return DASH;
  const s = percent.format(Math.abs(n));
  if (s === percent.format(0)) return s; // no "-0.0%"
  return n > 0 ? `+${s}` : `-${s}`;
}

/** 'pos' | 'neg' | '' for colouring a signed value. */
export function signClass(v) {
  const n = num(v);
  return n === null || n === 0 ? '' : n > 0 ? 'pos' : 'neg';
}

const pad = (n) => String(n).padStart(2, '0');

/** Local wall-clock time "14:03:59" of a ms timestamp. */
export function clock(ms) {
  const n = num(ms);
  if (n === null) return DASH;
  const d = new Date(n);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function age(ms) {
  const n = num(ms);
  if (n === null) return DASH;
  const s = Math.max(0, Math.floor(n / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}
