// Starts real tidewire nodes as one cluster on 127.0.0.1 and always stops
// them (shared by the cluster suites).
//
//   const cluster = await startCluster();            // a, b, c; certs made
//   t.after(() => cluster.stop());
//   await waitForView(cluster.nodes[0], (v) => v.quorum);
//   cluster.nodes[1].url, .name, .clusterPort, .child (SIGSTOP/SIGCONT)
//
// Certificates come from scripts/make-cluster-certs.sh into a temporary
// directory, removed by stop().
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { postJson } from './client.mjs';
import { repoRoot, startNode } from './node_process.mjs';

const run = promisify(execFile);

// Makes a CA in `dir` (unless one is there) and a certificate per name.
export async function makeCerts(dir, names) {
  await run('bash', [path.join(repoRoot, 'scripts', 'make-cluster-certs.sh'), dir, ...names]);
  return {
    ca: path.join(dir, 'ca.pem'),
    cert: (name) => path.join(dir, `${name}.pem`),
    key: (name) => path.join(dir, `${name}.key`),
  };
}

export function tempDir(prefix = 'tidewire-cluster-') {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// Ports nothing listens on right now (the OS picks them; a node binds them
// a moment later). Held open together so that they differ.
export async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// The flags of one member. `seeds` are the other members' cluster ports.
export function clusterArgs({ name, port, seeds, certs, certName = name, ca = certs.ca }) {
  return [
    `--node-name=${name}`,
    `--cluster-port=${port}`,
    `--seeds=${seeds.map((p) => `127.0.0.1:${p}`).join(',')}`,
    `--cluster-cert=${certs.cert(certName)}`,
    `--cluster-key=${certs.key(certName)}`,
    `--cluster-ca=${ca}`,
  ];
}

// Starts `names.length` members that list each other. Options: names
// (['a','b','c']), args (extra flags for every node), argsFor(name) (extra
// flags for one), simulate (false), only (names to start now; the others
// are configured but left to the test, see startMember).
export async function startCluster({ names = ['a', 'b', 'c'], args = [], argsFor = () => [], simulate = false, only } = {}) {
  const dir = tempDir();
  const certs = await makeCerts(dir, names);
  // Sorted as the nodes compare addresses, so names[0] has the smallest:
  // of two members the smaller address dials, and tests can rely on who
  // dials whom (a dials b and c, b dials c).
  const ports = (await freePorts(names.length))
    .sort((x, y) => (`127.0.0.1:${x}` < `127.0.0.1:${y}` ? -1 : 1));
  const cluster = {
    dir,
    certs,
    names,
    ports,
    nodes: [],
    // Starts member `name` (configured in this cluster) with extra flags
    // (extra.args), another node name or TLS files, or an existing data
    // directory (extra.dataDir).
    async startMember(name, extra = {}) {
      const i = names.indexOf(name);
      const seeds = ports.filter((_, j) => j !== i);
      const node = await startNode({
        simulate,
        dataDir: extra.dataDir, // a restart keeps its store
        args: [
          ...clusterArgs({ name: extra.nodeName ?? name, port: ports[i], seeds, certs, ...extra.tls }),
          ...args,
          ...argsFor(name),
          ...(extra.args ?? []),
        ],
      });
      node.name = extra.nodeName ?? name;
      node.clusterPort = ports[i];
      cluster.nodes.push(node);
      return node;
    },
    node(name) {
      return cluster.nodes.find((n) => n.name === name);
    },
    async stop() {
      for (const n of cluster.nodes) {
        // A frozen node ignores SIGTERM until it runs again.
        try { n.child.kill('SIGCONT'); } catch { /* gone */ }
      }
      // Running nodes first: a node killed earlier removes its data
      // directory on stop(), which a restarted member may still be using.
      const running = (n) => n.child.exitCode === null && n.child.signalCode === null;
      await Promise.all(cluster.nodes.filter(running).map((n) => n.stop()));
      await Promise.all(cluster.nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all((only ?? names).map((name) => cluster.startMember(name)));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  // Keep nodes in configured order whatever order they became ready in.
  cluster.nodes.sort((x, y) => names.indexOf(x.name) - names.indexOf(y.name));
  return cluster;
}

export async function clusterView(node) {
  const res = await fetch(`${node.url}/api/v1/cluster`);
  if (res.status !== 200) throw new Error(`GET /api/v1/cluster: ${res.status}`);
  return res.json();
}

// Polls GET /api/v1/cluster until `predicate(view)` holds; rejects with the
// last view after timeoutMs.
export async function waitForView(node, predicate, { timeoutMs = 15000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await clusterView(node);
      if (predicate(last)) return last;
    } catch (e) {
      last = String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(`${node.name ?? node.url}: view not reached in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// The view in which every member of `names` is up, with quorum.
export const allUp = (names) => (v) =>
  v.quorum === true
  && names.every((n) => v.members.some((m) => m.name === n && m.state === 'up'));

// Publishes over HTTP, retrying 503 (ownership moving, a node still
// joining) every `pauseMs` until `deadlineMs`; returns the ack body.
export async function publishRetrying(node, channel, data, { deadlineMs = 15000, pauseMs = 20 } = {}) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    let r;
    try {
      r = await postJson(`${node.url}/api/v1/channels/${channel}/messages`, data);
    } catch (e) {
      r = { status: 0, body: String(e) };
    }
    if (r.status === 200) return r.body;
    if (r.status !== 503 || Date.now() > until) {
      throw new Error(`publish to ${channel} via ${node.name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await new Promise((res) => setTimeout(res, pauseMs));
  }
}
