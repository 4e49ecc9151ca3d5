// Start-up failures: a readable message and a non-zero exit, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runNode, startNode } from './node_process.mjs';

function tempDir() {
  return mkdtempSync(path.join(tmpdir(), 'tidewire-e2e-cli-'));
}

test('an unknown flag: non-zero exit and a message naming it', async () => {
  const r = await runNode(['--no-such-flag=1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no-such-flag/);
});

test('a malformed value: non-zero exit and a message', async () => {
  for (const flag of [
    '--port=abc', '--port=70000', '--durability=sometimes', '--simulate=maybe',
    '--idle-timeout-s=0', '--handshake-timeout-s=abc', '--http-body-limit=12',
    '--max-publishes-in-flight=0', '--max-pending-publishes=-1',
    '--max-subscriptions=0', '--max-channels=lots', '--scheduler-threads=0',
    '--scheduler-throughput=x', '--scheduler-polls=ten', '--scheduler-polls=10,x',
  ]) {
    const r = await runNode([flag]);
    assert.notEqual(r.code, 0, flag);
    assert.match(r.stderr, new RegExp(flag.slice(2, flag.indexOf('='))), flag);
  }
});

test('a taken port: non-zero exit with a readable message', async (t) => {
  const first = await startNode();
  t.after(() => first.stop());
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runNode([
    '--host=127.0.0.1', `--port=${first.port}`, `--data-dir=${dir}`, '--simulate=false',
  ]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
  assert.doesNotMatch(r.stdout, /listening/);
});

test('an invalid listen address: non-zero exit with a readable message', async () => {
  const dir = tempDir();
  try {
    const r = await runNode(['--host=256.1.2.3.4', '--allow-anonymous', '--port=0', `--data-dir=${dir}`, '--simulate=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot listen on 256\.1\.2\.3\.4/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
