// A short highlight on a changed value or a new row. Uses the Web Animations
// API, which needs no class toggling or forced reflow, and caps the number of
// highlights per frame so a burst of updates stays cheap.

const MAX_PER_FRAME = 40;
let budget = MAX_PER_FRAME;
let resetScheduled = false;

const COLORS = {
  change: 'rgba(94, 162, 255, 0.32)',
  up: 'rgba(46, 204, 113, 0.3)',
  down: 'rgba(231, 76, 60, 0.3)',
};

const reducedMotion = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)');

/** Highlights `el`; `kind` is 'change' | 'up' | 'down'. */
export function flash(el, kind = 'change') {
  if (!el || typeof el.animate !== 'function' || reducedMotion?.matches) return;
  if (budget <= 0) return;
  budget -= 1;
  if (!resetScheduled) {
    resetScheduled = true;
    requestAnimationFrame(() => {
      budget = MAX_PER_FRAME;
      resetScheduled = false;
    });
  }
  el.animate([{ backgroundColor: COLORS[kind] ?? COLORS.change }, { backgroundColor: 'transparent' }], {
    duration: 900,
    easing: 'ease-out',
  });
}

/** 'up' | 'down' | 'change' from an old and a new number. */
export function direction(before, after) {
  if (typeof before !== 'number' || typeof after !== 'number') return 'change';
  return after > before ? 'up' : after < before ? 'down' : 'change';
}

/**
 * Sets the text of `el` and highlights it when it changed.
 * Returns true when it changed.
 */
export function setText(el, text, kind = 'change') {
  if (el.textContent === text) return false;
  const first = el.dataset.filled !== '1';
  el.textContent = text;
  el.dataset.filled = '1';
  if (!first) flash(el, kind);
  return true;
}
