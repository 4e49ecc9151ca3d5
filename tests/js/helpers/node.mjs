// Starts a real tidewire node for a test and stops it again.
//
// The binary comes from TIDEWIRE_BIN (ctest sets it) or <repo>/build/tools/tidewire.
// The node is ready when it prints `tidewire listening on http://HOST:PORT`;
// with --port=0 that line carries the bound port, which a restart reuses.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
function defaultBin() {
  const candidates = [join(REPO, 'build/tools/tidewire'), join(REPO, 'build/tools/node/tidewire')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}
export const BIN = process.env.TIDEWIRE_BIN || defaultBin();
const READY = /tidewire listening on http:\/\/([^\s:]+):(\d+)/;

const running = new Set();
process.on('exit', () => {
  for (const proc of running) {
    try { proc.kill('SIGKILL'); } catch { /* gone */ }
  }
});

export function binaryAvailable() {
  return existsSync(BIN);
}

export async function tempDir(prefix = 'tidewire-test-') {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir) {
  await rm(dir, { recursive: true, force: true });
}

function launch({ port, dataDir, simulate, args, readyTimeoutMs }) {
  const argv = [
    '--host=127.0.0.1', `--port=${port}`, `--data-dir=${dataDir}`,
    `--web-root=${join(REPO, 'web')}`, `--simulate=${simulate}`, ...args,
  ];
  const proc = spawn(BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  const log = [];
  const keep = (chunk) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  proc.stderr.on('data', keep);
  const exited = new Promise((res) => proc.once('exit', (code, signal) => {
    running.delete(proc);
    res({ code, signal });
  }));
  const ready = new Promise((res, rej) => {
    let buffer = '';
    const timer = setTimeout(() => rej(new Error(`tidewire not ready within ${readyTimeoutMs} ms\n${log.join('')}`)), readyTimeoutMs);
    proc.stdout.on('data', (chunk) => {
      keep(chunk);
      buffer += chunk.toString();
      const m = READY.exec(buffer);
      if (m) {
        clearTimeout(timer);
        res({ host: m[1], port: Number(m[2]) });
        buffer = '';
      }
    });
    proc.once('error', (err) => { clearTimeout(timer); rej(err); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`tidewire exited (code ${code}, signal ${signal}) before ready\n${log.join('')}`));
    });
  });
  return { proc, ready, exited, log };
}

/**
 * Starts a node. Options: port (0 = any), dataDir (default: a new temp dir),
 * simulate (default false), args (extra flags). Retries a few times when the
 * port of a just-killed node is not free yet.
 */
export async function startNode({ port = 0, dataDir, simulate = false, args = [], readyTimeoutMs = 20000 } = {}) {
  dataDir ??= await tempDir();
  let lastError;
  for (let attempt = 0; attempt < 10; attempt++) {
    const l = launch({ port, dataDir, simulate, args, readyTimeoutMs });
    try {
      const { host, port: bound } = await l.ready;
      return new NodeProcess(l, { host, port: bound, dataDir, simulate, args });
    } catch (err) {
      lastError = err;
      l.proc.kill('SIGKILL');
      await l.exited;
      if (port === 0 || !/in use|EADDRINUSE|bind/i.test(String(err.message))) break;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  throw lastError;
}

export class NodeProcess {
  constructor(l, { host, port, dataDir, simulate, args }) {
    this.proc = l.proc;
    this.exited = l.exited;
    this.log = l.log;
    this.host = host;
    this.port = port;
    this.dataDir = dataDir;
    this.simulate = simulate;
    this.args = args;
    this.url = `http://${host}:${port}`;
    this.wsUrl = `ws://${host}:${port}/ws`;
  }

  /** Sends `signal` and waits for the exit ({code, signal}); SIGKILL after timeoutMs. */
  async stop(signal = 'SIGTERM', timeoutMs = 10000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** A new node on the same port and data directory (after stop()). */
  restart(overrides = {}) {
    return startNode({ port: this.port, dataDir: this.dataDir, simulate: this.simulate, args: this.args, ...overrides });
  }

  async publish(channel, data) {
    const res = await fetch(`${this.url}/api/v1/channels/${encodeURIComponent(channel)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`publish ${channel}: HTTP ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async getJson(path) {
    const res = await fetch(`${this.url}${path}`);
    return { status: res.status, body: await res.json().catch(() => null) };
  }
}
