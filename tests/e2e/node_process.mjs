// Starts a real tidewire node for an end-to-end test and always stops it.
//
//   const node = await startNode({ simulate: false });
//   t.after(() => node.stop());          // kill + wait, also on failure
//   fetch(`${node.url}/healthz`); new WebSocket(node.wsUrl);
//
// The binary comes from $TIDEWIRE_BIN (ctest sets it), else the usual build
// locations. Each node gets a fresh data directory, removed by stop().
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function binaryPath() {
  if (process.env.TIDEWIRE_BIN) return process.env.TIDEWIRE_BIN;
  const candidates = [
    path.join(repoRoot, 'build', 'tools', 'tidewire'),
    path.join(repoRoot, 'build', 'tools', 'node', 'tidewire'),
  ];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

const READY_LINE = /^tidewire listening on (https?):\/\/(\S+):(\d+)\s*$/m;
const live = new Set();

// Whatever happens to the test process, no node outlives it.
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Runs the binary with `args` and resolves once it exits (for flag tests).
export async function runNode(args, { timeoutMs = 15000 } = {}) {
  const child = spawn(binaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  try {
    const { code, signal } = await withTimeout(exited, timeoutMs, `${binaryPath()} ${args.join(' ')}`);
    return { code, signal, stdout, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    live.delete(child);
  }
}

// Starts a node on an ephemeral port and waits (bounded) for its ready line.
// Options: simulate (false), args (extra flags), dataDir (reuse one),
// readyTimeoutMs, prefix (a command the binary runs under, e.g.
// ['prlimit', '--nofile=64:64']), env (extra environment variables).
export async function startNode({ simulate = false, args = [], dataDir, readyTimeoutMs = 20000, prefix = [], env } = {}) {
  const ownDir = !dataDir;
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'tidewire-e2e-'));
  const argv = [
    '--host=127.0.0.1',
    '--port=0',
    `--data-dir=${dir}`,
    `--web-root=${path.join(repoRoot, 'web')}`,
    `--simulate=${simulate}`,
    ...args,
  ];
  const spawnOpts = {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  };
  const child = prefix.length
    ? spawn(prefix[0], [...prefix.slice(1), binaryPath(), ...argv], spawnOpts)
    : spawn(binaryPath(), argv, spawnOpts);
  live.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const ready = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = READY_LINE.exec(stdout);
      if (m) resolve({ scheme: m[1], host: m[2], port: Number(m[3]) });
    });
    child.stderr.on('data', (d) => { stderr += d; });
    exited.then(({ code, signal }) =>
      reject(new Error(`node exited before ready (code ${code}, signal ${signal}): ${stderr}`)));
  });

  const node = {
    child,
    dataDir: dir,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    url: '',
    wsUrl: '',
    port: 0,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    // Resolves with {code, signal}; rejects after timeoutMs.
    waitExit(timeoutMs = 10000) {
      return withTimeout(exited, timeoutMs, 'node exit');
    },
    // Kills (TERM, then KILL if it lingers) and removes the data directory.
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        try {
          await withTimeout(exited, 5000, 'node exit after SIGTERM');
        } catch {
          child.kill('SIGKILL');
          await exited;
        }
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const { scheme, host, port } = await withTimeout(ready, readyTimeoutMs, 'ready line');
    node.port = port;
    // With --tls-cert-file: https:// and wss://.
    node.url = `${scheme}://${host}:${port}`;
    node.wsUrl = `${scheme === 'https' ? 'wss' : 'ws'}://${host}:${port}/ws`;
  } catch (e) {
    await node.stop();
    throw e;
  }
  return node;
}
