// The service worker's offline shell lists every script the page can import:
// one missing module makes a reload while the node is down fail to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

function shellList() {
  const text = readFileSync(join(web, 'sw.js'), 'utf8');
  const block = text.match(/const SHELL = \[([\s\S]*?)\];/);
  assert.ok(block, 'sw.js declares its SHELL list');
  return [...block[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

test('every client and page module is in the offline shell', () => {
  const shell = new Set(shellList());
  const scripts = ['client', 'modules'].flatMap((dir) =>
    readdirSync(join(web, dir)).filter((f) => f.endsWith('.js')).map((f) => `${dir}/${f}`));
  assert.ok(scripts.length > 10, `found ${scripts.length} scripts`);
  assert.deepEqual(scripts.filter((s) => !shell.has(s)), []);
});

test('the shell names no file that does not exist (vendor/ is built, not stored)', () => {
  const present = (path) => {
    try { readFileSync(join(web, path)); return true; } catch { return false; }
  };
  const missing = shellList().filter((p) => p !== './' && !p.startsWith('vendor/') && !present(p));
  assert.deepEqual(missing, []);
});
