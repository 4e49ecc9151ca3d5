// The node's thread counts: the CAF scheduler's workers follow the CPUs the
// process may use unless --scheduler-threads says otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startNode } from './node_process.mjs';

// CAF 0.17 names its scheduler workers "caf.multiplexer".
function schedulerThreads(pid) {
  return readdirSync(`/proc/${pid}/task`)
    .filter((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'caf.multiplexer')
    .length;
}

test('on one core the node runs one scheduler thread', async (t) => {
  const node = await startNode({ prefix: ['taskset', '-c', '0'], args: ['--durability=none'] });
  t.after(() => node.stop());
  assert.equal(schedulerThreads(node.child.pid), 1);
  assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
});

test('--scheduler-threads overrides the choice from the cores', async (t) => {
  const node = await startNode({ prefix: ['taskset', '-c', '0'], args: ['--durability=none', '--scheduler-threads=3'] });
  t.after(() => node.stop());
  assert.equal(schedulerThreads(node.child.pid), 3);
});
