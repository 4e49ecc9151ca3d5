// The dashboard when its node goes away, in headless Chromium: killing the
// node turns the indicator to reconnecting/offline and marks every panel
// stale; a restart brings it back with no missing trade seq; a reload while
// the node is down shows the cached data (IndexedDB, page files from the
// service worker) marked stale, then resumes from the cached seqs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, removeDir, binaryAvailable, BIN } from '../js/helpers/node.mjs';
import { launchBrowser, newPage, until, waitForLivePanels, prerequisites, contiguous, CHANNELS } from './helpers.mjs';

let node;
let browser;
let page;

test.before(async () => {
  assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`);
  assert.deepEqual(prerequisites(), [], 'browser test prerequisites');
  node = await startNode({ simulate: true });
  browser = await launchBrowser();
  page = await newPage(browser.context, { width: 1280, height: 900 });
});

test.after(async () => {
  await browser?.close();
  await node?.stop('SIGKILL');
  if (node) await removeDir(node.dataDir);
});

const LIVE_CHANNELS = CHANNELS.filter((c) => c !== 'alerts');

function lastTradeSeq() {
  return page.evaluate(() => window.tidewireDebug.appliedSeqs.trades.at(-1));
}

test('killing the node marks the page stale; a restart resumes with no missing trade seq', async () => {
  await page.goto(`${node.url}/`);
  await waitForLivePanels(page);
  await until(page, () => window.tidewireDebug.appliedSeqs.trades.length >= 5 && window.tidewireDebug.offlineReady);
  const before = await lastTradeSeq();

  await node.stop('SIGKILL');
  await until(page, () => ['reconnecting', 'offline'].includes(window.tidewireDebug.state));
  const indicator = await page.evaluate(() => ({
    state: document.querySelector('#connection').dataset.state,
    text: document.querySelector('#connection .conn-text').textContent,
  }));
  assert.ok(['reconnecting', 'offline'].includes(indicator.state), JSON.stringify(indicator));
  assert.match(indicator.text, /Reconnecting|Offline/);
  await until(page, (chs) => chs.every((c) => window.tidewireDebug.panel(c) === 'stale'), LIVE_CHANNELS);
  const label = await page.evaluate(() => document.querySelector('#panel-trades [data-age]').textContent);
  assert.match(label, /^Stale · updated /);
  // A countdown to the next attempt is shown at some point while waiting.
  await until(page, () => /in \d+ s/.test(document.querySelector('#connection .conn-text').textContent), null, 15000);

  node = await node.restart();
  await until(page, (b) => window.tidewireDebug.state === 'connected' && window.tidewireDebug.appliedSeqs.trades.at(-1) >= b + 5, before, 30000);
  await waitForLivePanels(page);
  const { seqs, resets, gaps } = await page.evaluate(() => ({
    seqs: window.tidewireDebug.appliedSeqs.trades, resets: window.tidewireDebug.resets, gaps: window.tidewireDebug.gaps,
  }));
  assert.deepEqual(contiguous(seqs), { ok: true }, 'no missing or repeated trade seq');
  assert.ok(seqs.includes(before) && seqs.includes(before + 1), 'the seqs around the outage are there');
  assert.deepEqual(resets, [], 'the node recovered every subscription');
  assert.deepEqual(page.errors, []);
  void gaps;
});

test('a reload while the node is down shows cached data marked stale, then resumes from the cached seqs', async () => {
  await node.stop('SIGTERM');
  await until(page, () => window.tidewireDebug.state !== 'connected');
  // Wait until the cache holds what the page last applied (written at most once a second).
  await until(page, (chs) => chs.every((c) => {
    const d = window.tidewireDebug;
    const last = d.appliedSeqs[c].at(-1);
    return last === undefined || d.cache.saved[c] === last;
  }), CHANNELS, 10000);
  const before = await page.evaluate(() => ({
    trades: window.tidewireDebug.appliedSeqs.trades.at(-1),
    dashboard: window.tidewireDebug.appliedSeqs.dashboard.at(-1),
    totalValue: document.querySelector('#total-value').textContent,
    rows: document.querySelectorAll('#trades-body tr').length,
  }));

  await page.reload();
  await until(page, () => window.tidewireDebug && Object.keys(window.tidewireDebug.cache.loaded).length > 0, null, 15000);
  const shown = await page.evaluate(() => ({
    state: window.tidewireDebug.state,
    loaded: window.tidewireDebug.cache.loaded,
    totalValue: document.querySelector('#total-value').textContent,
    rows: document.querySelectorAll('#trades-body tr').length,
    panels: Object.fromEntries(['dashboard', 'performance', 'positions', 'trades'].map((c) => [c, window.tidewireDebug.panel(c)])),
    label: document.querySelector('#panel-dashboard [data-age]').textContent,
  }));
  assert.notEqual(shown.state, 'connected');
  assert.equal(shown.loaded.trades.seq, before.trades, 'the cache holds the last applied trade');
  assert.equal(shown.loaded.dashboard.seq, before.dashboard);
  assert.equal(shown.totalValue, before.totalValue, 'the cached dashboard is shown');
  assert.ok(shown.rows > 0 && shown.rows === Math.min(before.rows, 200), `cached trades shown (${shown.rows})`);
  for (const [c, fresh] of Object.entries(shown.panels)) assert.equal(fresh, 'stale', `${c} is marked stale`);
  assert.match(shown.label, /^Stale · updated (just now|\d+ s ago)$/);

  node = await node.restart();
  await until(page, (b) => window.tidewireDebug.state === 'connected' && window.tidewireDebug.appliedSeqs.trades.at(-1) >= b + 3, before.trades, 30000);
  await waitForLivePanels(page);
  const after = await page.evaluate(() => ({
    trades: window.tidewireDebug.appliedSeqs.trades,
    dashboard: window.tidewireDebug.appliedSeqs.dashboard,
    resets: window.tidewireDebug.resets,
  }));
  assert.equal(after.trades[0], before.trades + 1, 'resumed right after the cached trade seq');
  assert.deepEqual(contiguous(after.trades), { ok: true });
  assert.equal(after.dashboard[0], before.dashboard + 1, 'the dashboard resumed from its cached seq with patches');
  assert.deepEqual(after.resets, []);
  assert.deepEqual(page.errors, []);
});
