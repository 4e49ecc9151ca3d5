// After an unclean stop, a `wal` store keeps its epochs when the machine
// kept running (same kernel boot id: the OS still had every write) and
// starts new ones after a reboot (writes it acknowledged may be lost); a
// clean stop, or `sync`, keeps them across reboots. The boot id comes from
// TIDEWIRE_BOOT_ID_FILE here, so a test can "reboot".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNode } from './node_process.mjs';
import { getJson, postJson } from './client.mjs';

async function epochOf(node) {
  const r = await getJson(`${node.url}/api/v1/channels/alerts/history?since=0`);
  assert.equal(r.status, 200);
  return { epoch: r.body.epoch, head: r.body.head };
}

async function run(durability, t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidewire-boot-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bootFile = path.join(dir, 'boot_id');
  const data = path.join(dir, 'data');
  const env = { TIDEWIRE_BOOT_ID_FILE: bootFile };
  const start = () => startNode({ dataDir: data, env, args: [`--durability=${durability}`] });
  const epochs = [];
  writeFileSync(bootFile, 'boot-a\n');
  let node = await start();
  t.after(() => node.stop());
  for (let i = 0; i < 3; i++) assert.equal((await postJson(`${node.url}/api/v1/channels/alerts/messages`, { i })).status, 200);
  epochs.push(await epochOf(node));

  // kill -9, same boot: only the process died.
  node.kill('SIGKILL');
  await node.waitExit();
  node = await start();
  epochs.push(await epochOf(node));
  assert.equal(node.stderr.includes('new epoch'), false);

  // kill -9, then a "reboot".
  node.kill('SIGKILL');
  await node.waitExit();
  writeFileSync(bootFile, 'boot-b\n');
  node = await start();
  epochs.push(await epochOf(node));
  const renewedStderr = node.stderr;

  // A clean stop, then a reboot.
  node.kill('SIGTERM');
  assert.equal((await node.waitExit()).code, 0);
  writeFileSync(bootFile, 'boot-c\n');
  node = await start();
  epochs.push(await epochOf(node));
  return { epochs, renewedStderr };
}

test('wal: same boot keeps the epoch, a reboot after an unclean stop renews it, a clean stop keeps it', async (t) => {
  const { epochs, renewedStderr } = await run('wal', t);
  assert.equal(epochs[0].head, 3);
  assert.equal(epochs[1].epoch, epochs[0].epoch, 'kill -9, same boot: same epoch');
  assert.equal(epochs[1].head, 3);
  assert.notEqual(epochs[2].epoch, epochs[1].epoch, 'kill -9 and a reboot: new epoch');
  assert.match(renewedStderr, /new epoch/);
  assert.equal(epochs[3].epoch, epochs[2].epoch, 'clean stop, reboot: same epoch');
});

test('sync: the epoch survives an unclean stop and a reboot', async (t) => {
  const { epochs } = await run('sync', t);
  assert.equal(epochs[0].head, 3);
  for (const e of epochs) assert.equal(e.epoch, epochs[0].epoch);
  for (const e of epochs) assert.equal(e.head, 3);
});
