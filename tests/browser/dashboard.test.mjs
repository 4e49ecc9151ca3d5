// The dashboard in headless Chromium against a simulating node: every panel
// shows live data, the 390 px phone layout does not scroll sideways, the
// channel toggles persist. Saves docs/screenshots/{desktop,phone}.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TidewireClient } from '../../web/client/tidewire.js';
import { startNode, removeDir, binaryAvailable, BIN } from '../js/helpers/node.mjs';
import { launchBrowser, newPage, until, waitForLivePanels, prerequisites, contiguous, SCREENSHOTS } from './helpers.mjs';

let node;
let browser;

test.before(async () => {
  assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`);
  assert.deepEqual(prerequisites(), [], 'browser test prerequisites');
  node = await startNode({ simulate: true });
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
  await node?.stop('SIGKILL');
  if (node) await removeDir(node.dataDir);
});

test('the page loads and all five panels show live data', async (t) => {
  const page = await newPage(browser.context, { width: 1280, height: 900 });
  await page.goto(`${node.url}/`);
  await waitForLivePanels(page);

  // The node badge names the node the page is connected to, with quorum
  // (a single node is its own majority).
  await until(page, () => {
    const el = document.getElementById('cluster');
    return !el.hidden && el.dataset.quorum === 'true';
  }, null, 10000);
  const badge = await page.evaluate(() => document.getElementById('cluster').textContent);
  const { node: nodeName } = await (await fetch(`${node.url}/api/v1/cluster`)).json();
  assert.equal(badge, `Node ${nodeName}`);

  // Alerts come from thresholds in the simulator; publish one if none came yet.
  const alertShown = () => until(page, () => document.querySelectorAll('#alerts-list li').length > 0 && window.tidewireDebug.panel('alerts') === 'live', null, 12000);
  try {
    await alertShown();
  } catch {
    t.diagnostic('no simulated alert within 12 s; publishing one over HTTP');
    await node.publish('alerts', { id: 'test-1', severity: 'warning', message: 'Test alert from the browser suite', symbol: 'ACME', ts: Date.now() });
    await alertShown();
  }

  const text = await page.evaluate(() => Object.fromEntries(
    ['total-value', 'daily-pnl', 'open-positions', 'win-rate'].map((id) => [id, document.getElementById(id).textContent]),
  ));
  assert.match(text['total-value'], /^\$[\d,]+\.\d\d$/);
  assert.match(text['daily-pnl'], /^[+-]?\$[\d,]+\.\d\d$/);
  assert.match(text['open-positions'], /^\d+$/);
  assert.match(text['win-rate'], /^\d+(\.\d)?%$/);
  const chart = await page.evaluate(() => !!document.querySelector('#panel-performance .chart canvas'));
  assert.ok(chart, 'the uPlot chart is drawn');
  const severities = await page.evaluate(() => [...document.querySelectorAll('#alerts-list li')].map((li) => li.className));
  assert.ok(severities.every((c) => /alert (info|warning|critical)/.test(c)), severities.join());
  const conn = await page.evaluate(() => document.querySelector('#connection').dataset.state);
  assert.equal(conn, 'connected');

  // A fuller blotter and curve for the screenshot, then no uncaught errors.
  await until(page, () => document.querySelectorAll('#trades-body tr').length >= 16
    && Number(document.querySelector('#panel-performance .chart').dataset.points) >= 8, null, 40000);
  await page.screenshot({ path: join(SCREENSHOTS, 'desktop.png'), fullPage: true, animations: 'disabled' });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a 390 px wide phone screen renders without horizontal scrolling', async () => {
  const page = await newPage(browser.context, { width: 390, height: 844 });
  await page.goto(`${node.url}/`);
  await waitForLivePanels(page);
  await until(page, () => document.querySelectorAll('#trades-body tr').length >= 8, null, 30000);
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
  assert.ok(widths.doc <= 390, `document scrollWidth ${widths.doc}`);
  assert.ok(widths.body <= 390, `body scrollWidth ${widths.body}`);
  await page.screenshot({ path: join(SCREENSHOTS, 'phone.png'), fullPage: true, animations: 'disabled' });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('per-channel toggles unsubscribe, and persist across a reload', async () => {
  const page = await newPage(browser.context, { width: 1280, height: 900 });
  await page.goto(`${node.url}/`);
  await until(page, () => window.tidewireDebug?.state === 'connected');
  await page.uncheck('#toggles input[data-channel="trades"]');
  await until(page, () => window.tidewireDebug.panel('trades') === 'paused' && !window.tidewireDebug.client.subscriptions().includes('trades'));
  const countWhenPaused = await page.evaluate(() => window.tidewireDebug.appliedSeqs.trades.length);

  await page.reload();
  await until(page, () => window.tidewireDebug?.state === 'connected' && window.tidewireDebug.panel('dashboard') === 'live');
  assert.equal(await page.isChecked('#toggles input[data-channel="trades"]'), false, 'the toggle persisted');
  assert.equal(await page.evaluate(() => window.tidewireDebug.panel('trades')), 'paused');
  assert.equal(await page.evaluate(() => window.tidewireDebug.client.subscriptions().includes('trades')), false);
  assert.ok(countWhenPaused >= 0);

  await page.check('#toggles input[data-channel="trades"]');
  await until(page, () => window.tidewireDebug.panel('trades') === 'live' && window.tidewireDebug.appliedSeqs.trades.length > 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a burst of 2000 trades: every seq applied, the blotter stays at 200 rows', async () => {
  const page = await newPage(browser.context, { width: 1280, height: 900 });
  await page.goto(`${node.url}/`);
  await until(page, () => window.tidewireDebug?.state === 'connected' && window.tidewireDebug.panel('trades') === 'live');

  const publisher = new TidewireClient({ urls: [node.wsUrl], WebSocket });
  const acks = [];
  try {
    const total = 2000;
    const inFlight = 100;
    for (let start = 0; start < total; start += inFlight) {
      const batch = [];
      for (let i = start; i < Math.min(total, start + inFlight); i++) {
        batch.push(publisher.publish('trades', { id: `burst-${i}`, symbol: 'BURST', side: i % 2 ? 'buy' : 'sell', qty: 1, price: 100 + (i % 10), ts: Date.now(), realized_pnl: 0 }));
      }
      for (const ack of await Promise.all(batch)) acks.push(ack.seq);
    }
  } finally {
    publisher.close();
  }
  const last = Math.max(...acks);
  await until(page, (l) => window.tidewireDebug.appliedSeqs.trades.at(-1) >= l, last, 60000);
  const result = await page.evaluate((seqs) => {
    const applied = new Set(window.tidewireDebug.appliedSeqs.trades);
    return {
      missing: seqs.filter((s) => !applied.has(s)).length,
      rows: document.querySelectorAll('#trades-body tr').length,
      seqs: window.tidewireDebug.appliedSeqs.trades,
    };
  }, acks);
  assert.equal(result.missing, 0, 'every published seq was applied');
  assert.deepEqual(contiguous(result.seqs), { ok: true });
  // The DOM is updated once per frame; wait for the frame after the last trade.
  await until(page, () => document.querySelectorAll('#trades-body tr').length === 200, null, 10000);
  const top = await page.evaluate(() => Number(document.querySelector('#trades-body tr').dataset.seq));
  assert.ok(top >= last, 'the newest trade is on top');
  assert.deepEqual(page.errors, []);
  await page.close();
});
