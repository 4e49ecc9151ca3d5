// The dashboard's node badge in headless Chromium against a cluster: it
// names the node the page is on and shows when that node has no quorum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitForView } from '../e2e/cluster_nodes.mjs';
import { launchBrowser, newPage, until, prerequisites } from './helpers.mjs';

test('the badge shows the node and whether its cluster has quorum', async (t) => {
  assert.deepEqual(prerequisites(), [], 'browser test prerequisites');
  // Three configured members, one running: a sees no majority.
  const cluster = await startCluster({ only: ['a'], simulate: true });
  t.after(() => cluster.stop());
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const a = cluster.node('a');
  const page = await newPage(browser.context, { width: 1280, height: 900 });
  await page.goto(`${a.url}/`);
  const badge = () => page.evaluate(() => {
    const el = document.getElementById('cluster');
    return { hidden: el.hidden, quorum: el.dataset.quorum, text: el.textContent };
  });
  await until(page, () => document.getElementById('cluster').dataset.quorum === 'false', null, 15000);
  const lost = await badge();
  assert.equal(lost.hidden, false);
  assert.equal(lost.text, 'Node a · no quorum (1/3 up): publishes refused');
  // b joins: a has a majority again and the badge says so at its next poll.
  await cluster.startMember('b');
  await waitForView(a, (v) => v.quorum);
  await until(page, () => document.getElementById('cluster').dataset.quorum === 'true', null, 15000);
  assert.equal((await badge()).text, 'Node a · cluster 2/3 up');
  assert.deepEqual(page.errors, []);
});
