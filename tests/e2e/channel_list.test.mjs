// The channel list is paged: `limit` (default 1000, at most 10000) channels
// a page in name order, `next` names where the following page starts
// (`after`), null on the last page; bad paging parameters are 400.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { getJson, listChannels, postJson } from './client.mjs';

// More than one default page.
const COUNT = 1234;

test('the channel list pages in name order and bad paging is refused', { timeout: 90000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-list-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ channels: [{ pattern: 'page.*' }, { pattern: 'solo' }] }));
  const node = await startNode({ dataDir: path.join(dir, 'data'), args: [`--config=${config}`] });
  t.after(() => node.stop());

  // The built-in channels, and `solo`, declared exactly.
  const builtIn = (await listChannels(node.url)).map((c) => c.name);
  assert.ok(builtIn.includes('solo'));
  // Created in an order unlike the names' order; each publish makes one.
  const names = Array.from({ length: COUNT }, (_, i) => `page.${(i * 7919) % COUNT}`);
  for (let i = 0; i < names.length; i += 50) {
    const acks = await Promise.all(names.slice(i, i + 50).map((n) => postJson(`${node.url}/api/v1/channels/${n}/messages`, { i })));
    for (const a of acks) assert.equal(a.status, 200, JSON.stringify(a.body));
  }
  const expected = [...names, ...builtIn].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  // The default page: 1000 channels, the first ones by name, and a cursor.
  const first = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(first.status, 200);
  assert.equal(first.body.channels.length, 1000);
  assert.deepEqual(first.body.channels.map((c) => c.name), expected.slice(0, 1000));
  assert.equal(first.body.next, expected[999]);
  const one = first.body.channels.find((c) => c.name === 'page.0');
  assert.equal(one.head, 1);
  assert.equal(one.kind, 'stream');
  const second = await getJson(`${node.url}/api/v1/channels?after=${first.body.next}`);
  assert.deepEqual(second.body.channels.map((c) => c.name), expected.slice(1000));
  assert.equal(second.body.next, null);

  // Small pages followed to the end: every channel once, in order.
  let pages = 0;
  let after = '';
  const walked = [];
  for (;;) {
    const r = await getJson(`${node.url}/api/v1/channels?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assert.equal(r.status, 200);
    assert.ok(r.body.channels.length <= 100);
    walked.push(...r.body.channels.map((c) => c.name));
    pages++;
    if (r.body.next === null) break;
    after = r.body.next;
  }
  assert.equal(pages, Math.ceil(expected.length / 100));
  assert.deepEqual(walked, expected);
  assert.deepEqual((await listChannels(node.url, { query: 'limit=333' })).map((c) => c.name), expected);

  // A cursor that names no channel (say a retired one) places the page by name.
  assert.ok(!expected.includes('page.10a'));
  const between = await getJson(`${node.url}/api/v1/channels?limit=2&after=page.10a`);
  assert.deepEqual(between.body.channels.map((c) => c.name), expected.filter((n) => n > 'page.10a').slice(0, 2));
  assert.equal(between.body.next, between.body.channels[1].name);
  // Past the last name: an empty last page.
  const past = await getJson(`${node.url}/api/v1/channels?after=zzz`);
  assert.deepEqual(past.body, { channels: [], next: null });
  // A limit above the maximum is capped, not refused.
  const big = await getJson(`${node.url}/api/v1/channels?limit=1000000`);
  assert.equal(big.status, 200);
  assert.equal(big.body.channels.length, expected.length);
  assert.equal(big.body.next, null);

  for (const q of ['limit=0', 'limit=-1', 'limit=abc', 'limit=', 'limit=2.5', 'limit=99999999999999999999999',
    'after=', 'after=a%20b', 'after=x*', `after=${'x'.repeat(129)}`, 'after=%zz', 'limit=%']) {
    const r = await getJson(`${node.url}/api/v1/channels?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'bad_request', q);
    assert.ok(r.body.error.message.length > 0, q);
  }
  // The node still answers after them.
  assert.equal((await getJson(`${node.url}/api/v1/channels?limit=1`)).body.channels.length, 1);
});
