// Shared by the replay suites: start the real node on port 0 with a fresh
// data dir, publish over HTTP, run tidewire-replay. Every wait is bounded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_BIN = process.env.TIDEWIRE_BIN;
export const REPLAY_BIN = process.env.TIDEWIRE_REPLAY_BIN;
export const DAMAGE_BIN = process.env.DAMAGE_BIN;
const WEB_ROOT = process.env.TIDEWIRE_WEB_ROOT
  ?? fileURLToPath(new URL('../../web', import.meta.url));

if (!NODE_BIN || !REPLAY_BIN)
  throw new Error('set TIDEWIRE_BIN and TIDEWIRE_REPLAY_BIN');

export function tempDir(t, prefix = 'tw-replay-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Starts a node on `dataDir`; resolves once it prints its URL. `config`
// (an object) is written to a file and passed with --config.
export async function startNode(t, dataDir, { config, args: extra = [] } = {}) {
  const args = ['--port=0', '--host=127.0.0.1', `--data-dir=${dataDir}`,
    '--simulate=false', `--web-root=${WEB_ROOT}`, ...extra];
  if (config) {
    const file = join(dataDir + '-config.json');
    writeFileSync(file, JSON.stringify(config));
    t.after(() => rmSync(file, { force: true }));
    args.push(`--config=${file}`);
  }
  const child = spawn(NODE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', errText = '';
  child.stderr.on('data', (d) => { errText += d; });
  const node = { child, url: null, exited: null };
  node.exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await node.exited;
    clearTimeout(timer);
  };
  node.stop = stop;
  t.after(stop);
  node.url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start: ${errText}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/tidewire listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`node exited ${code}: ${errText}`)); });
  });
  return node;
}

export async function publish(url, channel, data, key) {
  const headers = { 'content-type': 'application/json' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(`${url}/api/v1/channels/${channel}/messages`, {
    method: 'POST', headers,
    body: JSON.stringify(data), signal: AbortSignal.timeout(10000),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`publish ${channel}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

// Runs tidewire-replay; resolves {code, stdout, stderr}. Killed after
// `timeoutMs`. `stdout` is a Buffer when `binary` is set.
export function runReplay(args, { timeoutMs = 30000, binary = false, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(REPLAY_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [], err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({ code, signal, stdout: binary ? stdout : stdout.toString(),
        stderr: Buffer.concat(err).toString() });
    });
    if (onSpawn) onSpawn(child);
  });
}

export function runDamage(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(DAMAGE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('error', reject);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export function jsonl(text) {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
