// The dashboard against a node with --auth=jwt: the page takes its token from
// the URL fragment, authenticates, shows live data on every panel and the
// node badge (an authorised /api/ call); without a token it shows none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, removeDir, binaryAvailable, BIN } from '../js/helpers/node.mjs';
import { launchBrowser, newPage, until, waitForLivePanels, prerequisites } from './helpers.mjs';

const secret = crypto.randomBytes(32).toString('hex');
function token(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

let node;
let browser;
let keyDir;

test.before(async () => {
  assert.ok(binaryAvailable(), `tidewire binary not found at ${BIN} (set TIDEWIRE_BIN)`);
  assert.deepEqual(prerequisites(), [], 'browser test prerequisites');
  keyDir = mkdtempSync(join(tmpdir(), 'tidewire-browser-keys-'));
  writeFileSync(join(keyDir, 'secret'), secret);
  node = await startNode({ simulate: true, args: ['--auth=jwt', `--jwt-secret-file=${join(keyDir, 'secret')}`, '--auth-timeout-s=3'] });
  browser = await launchBrowser();
});

test.after(async () => {
  await browser?.close();
  await node?.stop('SIGKILL');
  if (node) await removeDir(node.dataDir);
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

test('with a token in the fragment every panel goes live and the badge shows', async () => {
  const t = token({ sub: 'viewer', exp: Math.floor(Date.now() / 1000) + 600, channels: ['*'] });
  const page = await newPage(browser.context, { width: 1280, height: 900 });
  await page.goto(`${node.url}/#token=${t}`);
  await waitForLivePanels(page);
  await until(page, () => !document.getElementById('cluster').hidden, null, 10000);
  // The token left the address bar (it stays in localStorage for reloads).
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.equal(await page.evaluate(() => window.tidewireDebug.client.state), 'connected');
  await page.close();
});

test('without a token the node refuses the page its data', async () => {
  const fresh = await launchBrowser(); // a fresh profile: no stored token
  try {
    const page = await newPage(fresh.context, { width: 1280, height: 900 });
    const refused = new Promise((resolve) => {
      page.on('console', (m) => { if (/unauthorized/.test(m.text())) resolve(m.text()); });
    });
    await page.goto(`${node.url}/`);
    await refused; // the page's subscribes were answered `unauthorized`
    const panels = await page.evaluate(() => ['dashboard', 'trades', 'alerts'].map((c) => window.tidewireDebug.panel(c)));
    assert.ok(!panels.includes('live'), JSON.stringify(panels));
  } finally {
    await fresh.close();
  }
});
