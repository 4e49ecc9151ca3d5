// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// with a fresh user-data-dir per browser.

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../js/helpers/node.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO, 'docs/screenshots');
export const CHANNELS = ['dashboard', 'performance', 'positions', 'trades', 'alerts'];

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function prerequisites() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (scripts/install-deps.sh)`);
  if (!existsSync(join(REPO, 'web/vendor/uPlot.esm.js'))) missing.push('web/vendor/uPlot.esm.js (scripts/build-web.sh)');
  return missing;
}

/** A browser context with its own fresh profile; close() removes it. */
export async function launchBrowser({ viewport = { width: 1280, height: 900 } } = {}) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'tidewire-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** A page that records its uncaught errors in `page.errors`. */
export async function newPage(context, viewport) {
  const page = context.pages().find((p) => p.url() === 'about:blank') ?? (await context.newPage());
  if (viewport) await page.setViewportSize(viewport);
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  return page;
}

/** Waits until `fn(arg)` is truthy in the page; polls every 100 ms. */
export function until(page, fn, arg, timeout = 20000) {
  return page.waitForFunction(fn, arg, { timeout, polling: 100 });
}

export const debugState = (page) => page.evaluate(() => window.tidewireDebug?.state);

/** Every panel shows data from the node: the checks of "live data" per panel. */
export async function waitForLivePanels(page, timeout = 30000) {
  await until(page, (channels) => {
    const d = window.tidewireDebug;
    if (!d || d.state !== 'connected') return false;
    const filled = {
      dashboard: /^\$[\d,]+\.\d\d$/.test(document.querySelector('#total-value').textContent),
      performance: Number(document.querySelector('#panel-performance .chart').dataset.points ?? 0) > 0,
      positions: document.querySelectorAll('#positions-body tr').length > 0,
      trades: document.querySelectorAll('#trades-body tr').length > 0,
      alerts: true, // checked separately: the simulator raises alerts rarely
    };
    return channels.every((c) => filled[c] && d.panel(c) === 'live');
  }, CHANNELS, timeout);
}

/** True when `seqs` increases by exactly one at every step. */
export function contiguous(seqs) {
  for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1] + 1) return { ok: false, at: i, before: seqs[i - 1], after: seqs[i] };
  return { ok: true };
}
