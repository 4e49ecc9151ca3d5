// Cluster membership with real nodes on 127.0.0.1: forming, TLS, duplicate
// names, the raw BASP header attack and losing the majority.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { runNode, startNode } from './node_process.mjs';
import {
  allUp, clusterArgs, clusterView, freePorts, makeCerts, startCluster, tempDir, waitForView,
} from './cluster_nodes.mjs';

// Resolves once `node`'s stderr matches `re` (bounded).
async function waitForLog(node, re, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(node.stderr)) {
    if (Date.now() > deadline) throw new Error(`no log line ${re} in: ${node.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function publish(node, channel, data) {
  return fetch(`${node.url}/api/v1/channels/${channel}/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data),
  });
}

// Publishes until the answer's status is `status` (bounded): a role change
// follows a membership change by a message or two.
async function publishUntil(node, status, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await publish(node, 'trades', { probe: Date.now() });
    const body = await res.json();
    if (res.status === status) return body;
    if (Date.now() > deadline) throw new Error(`publish: ${res.status} ${JSON.stringify(body)}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

test('three nodes form a cluster: each reports all three up with quorum', async (t) => {
  const cluster = await startCluster();
  t.after(() => cluster.stop());
  for (const node of cluster.nodes) {
    const view = await waitForView(node, allUp(cluster.names));
    assert.equal(view.node, node.name);
    assert.deepEqual(view.members.map((m) => m.name), ['a', 'b', 'c']);
    assert.deepEqual(view.members.filter((m) => m.self).map((m) => m.name), [node.name]);
    const ready = await fetch(`${node.url}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    assert.match(metrics, /^tidewire_cluster_members\{state="up"\} 3$/m);
    assert.match(metrics, /^tidewire_cluster_members\{state="down"\} 0$/m);
    assert.match(metrics, /^tidewire_cluster_quorum 1$/m);
    for (const name of cluster.names) {
      assert.match(metrics, new RegExp(`^tidewire_cluster_member_up\\{member="${name}"\\} 1$`, 'm'));
    }
  }
});

test('the cluster port binds --cluster-host only', async (t) => {
  const cluster = await startCluster({ names: ['a', 'b'], only: ['a'] });
  t.after(() => cluster.stop());
  const a = cluster.node('a');
  const tryConnect = (host) => new Promise((resolve) => {
    const s = net.connect(a.clusterPort, host, () => { s.destroy(); resolve('connected'); });
    s.on('error', (e) => resolve(e.code));
  });
  assert.equal(await tryConnect('127.0.0.1'), 'connected');
  // Another loopback address of the same machine: nothing listens there.
  assert.equal(await tryConnect('127.0.0.2'), 'ECONNREFUSED');
});

test('a single node without cluster flags is its own cluster, with quorum', async (t) => {
  const node = await startNode({ args: ['--node-name=solo'] });
  t.after(() => node.stop());
  const view = await clusterView(node);
  assert.deepEqual(view, { node: 'solo', quorum: true, members: [{ name: 'solo', state: 'up', self: true }] });
  assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
  const post = await fetch(`${node.url}/api/v1/cluster`, { method: 'POST' });
  assert.equal(post.status, 405);
});

test('cluster flags: missing TLS files and other mistakes exit 2 with a message', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = await makeCerts(dir, ['a']);
  const other = await makeCerts(`${dir}/other`, ['x']);
  const base = ['--port=0', `--data-dir=${dir}/data`, '--simulate=false'];
  const tls = [`--cluster-cert=${certs.cert('a')}`, `--cluster-key=${certs.key('a')}`, `--cluster-ca=${certs.ca}`];
  const cases = [
    [['--node-name=a', '--cluster-port=7999'], /--cluster-port needs --cluster-cert, --cluster-key, --cluster-ca/],
    [['--node-name=a', '--cluster-port=7999', `--cluster-cert=${certs.cert('a')}`, `--cluster-key=${certs.key('a')}`],
      /--cluster-port needs --cluster-ca/],
    [['--cluster-port=7999', ...tls], /--cluster-port needs --node-name/],
    [['--seeds=127.0.0.1:7998'], /--seeds needs --cluster-port/],
    [['--cluster-cert=x.pem'], /--cluster-cert needs --cluster-port/],
    [['--node-name=a', '--cluster-port=7999', '--seeds=127.0.0.1', ...tls], /--seeds expects HOST:PORT/],
    [['--node-name=a', '--cluster-port=7999', '--seeds=127.0.0.1:7998,127.0.0.1:7998', ...tls], /lists 127\.0\.0\.1:7998 twice/],
    [['--node-name=a', '--cluster-port=7999', '--seeds=127.0.0.1:7999', ...tls], /own cluster port/],
    [['--node-name=a b', '--cluster-port=7999', ...tls], /--node-name expects/],
    [['--replication=later'], /--replication expects sync or async/],
    [['--node-name=a', '--cluster-port=7999', `--cluster-cert=${other.cert('x')}`, `--cluster-key=${other.key('x')}`,
      `--cluster-ca=${certs.ca}`], /does not chain to the cluster CA/],
    [['--node-name=a', '--cluster-port=7999', `--cluster-cert=${certs.cert('a')}`, `--cluster-key=${other.key('x')}`,
      `--cluster-ca=${certs.ca}`], /is not the key of/],
    [['--node-name=a', '--cluster-port=7999', `--cluster-cert=${dir}/missing.pem`, `--cluster-key=${certs.key('a')}`,
      `--cluster-ca=${certs.ca}`], /cannot read .*missing\.pem/],
  ];
  for (const [flags, message] of cases) {
    const r = await runNode([...base, ...flags]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, flags.join(' '));
    assert.doesNotMatch(r.stdout, /listening/);
  }
});

test('a taken cluster port: exit 1 with a readable message', async (t) => {
  const cluster = await startCluster({ names: ['a', 'b'], only: ['a'] });
  t.after(() => cluster.stop());
  const a = cluster.node('a');
  const r = await runNode([
    '--port=0', `--data-dir=${cluster.dir}/data-b`, '--simulate=false',
    ...clusterArgs({ name: 'b', port: a.clusterPort, seeds: [cluster.ports[1]], certs: cluster.certs }),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot listen on cluster port 127\\.0\\.0\\.1:${a.clusterPort}`));
});

test('a duplicate node name is refused on both sides', async (t) => {
  const cluster = await startCluster({ only: ['a', 'b'] });
  t.after(() => cluster.stop());
  const [a, b] = [cluster.node('a'), cluster.node('b')];
  await waitForView(a, (v) => v.members.some((m) => m.name === 'b' && m.state === 'up'));
  // The third configured member comes up calling itself b.
  const dup = await cluster.startMember('c', { nodeName: 'b', tls: { certName: 'c' } });
  const unique = /node names must be unique/;
  await waitForLog(dup, unique);
  await waitForLog(a, unique);
  await waitForLog(b, unique);
  // a dials c's port and is answered "b" while the real b is up.
  assert.match(a.stderr, new RegExp(`refused b: it is called b, which the member at 127\\.0\\.0\\.1:${b.clusterPort} already is`));
  const view = await clusterView(a);
  assert.deepEqual(view.members.map((m) => [m.name, m.state]),
    [[`127.0.0.1:${dup.clusterPort}`, 'down'], ['a', 'up'], ['b', 'up']]);
  assert.equal(view.quorum, true);
  const dupView = await waitForView(dup, (v) => v.members.filter((m) => m.state === 'up').length === 1);
  assert.equal(dupView.quorum, false);
});

test('a node with a certificate from another CA is refused, logged and never a member', async (t) => {
  const cluster = await startCluster({ only: ['a', 'b'] });
  t.after(() => cluster.stop());
  const [a, b] = [cluster.node('a'), cluster.node('b')];
  await waitForView(a, (v) => v.members.some((m) => m.name === 'b' && m.state === 'up'));
  const other = await makeCerts(`${cluster.dir}/other`, ['c']);
  // Its own CA vouches for it; the cluster's does not. a and b dial it.
  const intruder = await cluster.startMember('c', { tls: { certs: other, ca: other.ca } });
  const refused = new RegExp(`cannot join 127\\.0\\.0\\.1:${intruder.clusterPort}: the connection closed during the handshake: TLS refused`);
  await waitForLog(a, refused);
  await waitForLog(b, refused);
  // ... and say why, from the TLS layer.
  for (const node of [a, b]) {
    await waitForLog(node, new RegExp(`TLS with 127\\.0\\.0\\.1:${intruder.clusterPort} \\(dialling\\) failed: .*certificate verify failed`));
  }
  // Failed handshakes must not cut the healthy link (caf::openssl's error
  // queue bug, see tools/node/tls_hooks.cpp): a and b stay up while
  // they keep redialling c (backoff up to 2 s). An absence is observed over
  // a window; without the workaround the link flapped within it.
  await new Promise((r) => setTimeout(r, 5000));
  for (const node of [a, b]) {
    const view = await clusterView(node);
    assert.deepEqual(view.members.map((m) => [m.name, m.state]),
      [[`127.0.0.1:${intruder.clusterPort}`, 'down'], ['a', 'up'], ['b', 'up']]);
  }
  const iv = await clusterView(intruder);
  assert.equal(iv.quorum, false);
  assert.deepEqual(iv.members.filter((m) => m.state === 'up').map((m) => m.name), ['c']);
  assert.doesNotMatch(a.stderr, /b \(127\.0\.0\.1:\d+\) is down/);
  assert.doesNotMatch(b.stderr, /a \(127\.0\.0\.1:\d+\) is down/);
});

test('a node with a certificate from another CA that dials is refused by the accepting side', async (t) => {
  // a has the smallest address, so it dials b and c: their TLS servers must
  // refuse its client certificate.
  const cluster = await startCluster({ only: ['b', 'c'] });
  t.after(() => cluster.stop());
  const [b, c] = [cluster.node('b'), cluster.node('c')];
  await waitForView(b, (v) => v.members.some((m) => m.name === 'c' && m.state === 'up'));
  const other = await makeCerts(`${cluster.dir}/other`, ['a']);
  const intruder = await cluster.startMember('a', { tls: { certs: other, ca: other.ca } });
  // Both of its dials were answered with a failed handshake.
  for (const node of [b, c]) {
    await waitForLog(intruder, new RegExp(`cannot join 127\\.0\\.0\\.1:${node.clusterPort}: the connection closed during the handshake: TLS refused`));
  }
  for (const node of [b, c]) {
    // The accepting side logs the refused handshake too.
    await waitForLog(node, /TLS with 127\.0\.0\.1:\d+ \(accepting\) failed: /);
    const view = await clusterView(node);
    assert.deepEqual(view.members.map((m) => [m.name, m.state]),
      [[`127.0.0.1:${intruder.clusterPort}`, 'down'], ['b', 'up'], ['c', 'up']]);
    assert.doesNotMatch(node.stderr, /\ba \(127/);
  }
  assert.equal((await clusterView(intruder)).quorum, false);
});

// Connects with TLS as a client presenting `cert`/`key` (or none) and
// resolves with what the cluster port sent before it closed or 3 s passed.
function tlsProbe(port, { cert, key } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    const s = tls.connect({
      host: '127.0.0.1', port, rejectUnauthorized: false,
      ...(cert ? { cert: readFileSync(cert), key: readFileSync(key) } : {}),
    });
    const done = () => { clearTimeout(timer); s.destroy(); resolve(Buffer.concat(chunks)); };
    const timer = setTimeout(done, 3000);
    s.on('data', (d) => { chunks.push(d); });
    s.on('error', () => {});
    s.on('close', done);
  });
}

test('the cluster port sends BASP only to a client with a cluster certificate', async (t) => {
  const cluster = await startCluster({ names: ['a', 'b'], only: ['a'] });
  t.after(() => cluster.stop());
  const a = cluster.node('a');
  const other = await makeCerts(`${cluster.dir}/other`, ['x']);
  // Without a certificate and with one from another CA: nothing, closed.
  assert.equal((await tlsProbe(a.clusterPort)).length, 0);
  await waitForLog(a, /\(accepting\) failed: .*peer did not return a certificate/);
  assert.equal((await tlsProbe(a.clusterPort, { cert: other.cert('x'), key: other.key('x') })).length, 0);
  await waitForLog(a, /\(accepting\) failed: .*certificate verify failed \(unable to get local issuer certificate\)/);
  // With the cluster CA's certificate the BASP server handshake arrives
  // (the control: the probe does see an open port), naming tidewire's
  // application identifier.
  const ok = await tlsProbe(a.clusterPort, { cert: cluster.certs.cert('b'), key: cluster.certs.key('b') });
  assert.ok(ok.length >= 32, `expected a BASP handshake, got ${ok.length} bytes`);
  assert.ok(ok.includes('tidewire-1'), 'the handshake carries middleman.app-identifiers');
});

test('a raw BASP header with a 4 GB payload length leaves memory flat and the node serving', async (t) => {
  const cluster = await startCluster({ names: ['a', 'b'] });
  t.after(() => cluster.stop());
  const [a, b] = cluster.nodes;
  await waitForView(a, allUp(['a', 'b']));
  const before = rssKb(a.child.pid);
  // CAF 0.17 BASP header, network byte order: operation, 2 padding bytes,
  // flags, payload length, operation data, source and destination actor.
  const header = Buffer.alloc(32);
  header.writeUInt8(0, 0); // server_handshake
  header.writeUInt32BE(0xffffffff, 4);
  header.writeBigUInt64BE(1n, 8);
  const attacks = Array.from({ length: 20 }, () => new Promise((resolve, reject) => {
    const s = net.connect(a.clusterPort, '127.0.0.1', () => s.write(header));
    s.setTimeout(10000, () => reject(new Error('connection left open')));
    s.on('error', () => {}); // a reset is the expected answer
    s.on('close', resolve);
  }));
  await Promise.all(attacks);
  const after = rssKb(a.child.pid);
  t.diagnostic(`RSS ${before} kB before, ${after} kB after 20 headers`);
  assert.ok(after - before < 20 * 1024, `RSS grew from ${before} kB to ${after} kB`);
  assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
  await waitForLog(a, /\(accepting\) failed: .*wrong version number/);
  const view = await clusterView(a);
  assert.equal(view.quorum, true);
  assert.doesNotMatch(a.stderr, /is down/);
  assert.doesNotMatch(b.stderr, /is down/);
});

test('a peer that never finishes its TLS handshake is dropped within seconds and holds no memory', async (t) => {
  const cluster = await startCluster({ names: ['a', 'b'] });
  t.after(() => cluster.stop());
  const [a, b] = cluster.nodes;
  await waitForView(a, allUp(['a', 'b']));
  const before = rssKb(a.child.pid);
  // Half a ClientHello: a TLS handshake record header announcing 512 bytes
  // and the first few of them.
  const partial = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
  const openedAt = Date.now();
  const idle = (send) => new Promise((resolve, reject) => {
    const s = net.connect(a.clusterPort, '127.0.0.1', () => { if (send) s.write(send); });
    s.setTimeout(15000, () => { s.destroy(); reject(new Error('connection left open')); });
    s.on('error', () => {}); // a reset is an answer too
    s.on('close', () => resolve(Date.now() - openedAt));
  });
  const closed = await Promise.all([
    ...Array.from({ length: 10 }, () => idle(null)),
    ...Array.from({ length: 10 }, () => idle(partial)),
  ]);
  t.diagnostic(`closed after ${Math.min(...closed)}-${Math.max(...closed)} ms`);
  // Held until the timeout (about 5 s), then dropped: not at once (that
  // would be some other refusal) and not left open.
  assert.ok(Math.min(...closed) >= 4000, `closed after ${Math.min(...closed)} ms`);
  const after = rssKb(a.child.pid);
  t.diagnostic(`RSS ${before} kB before, ${after} kB after 20 stalled handshakes`);
  assert.ok(after - before < 20 * 1024, `RSS grew from ${before} kB to ${after} kB`);
  await waitForLog(a, /TLS with 127\.0\.0\.1:\d+ \(accepting\) unfinished after 5000 ms; closed/);
  // Members' own links, whose handshakes finished long ago, are untouched.
  const view = await clusterView(a);
  assert.equal(view.quorum, true);
  assert.doesNotMatch(a.stderr, /is down/);
  assert.doesNotMatch(b.stderr, /is down/);
});

test('minority: two of three frozen, the third loses quorum within seconds and regains it', async (t) => {
  const cluster = await startCluster();
  t.after(() => cluster.stop());
  const [a, b, c] = cluster.nodes;
  for (const node of cluster.nodes) await waitForView(node, allUp(cluster.names));
  const frozenAt = Date.now();
  a.child.kill('SIGSTOP');
  b.child.kill('SIGSTOP');
  const lost = await waitForView(c, (v) => v.quorum === false, { timeoutMs: 10000 });
  const detectMs = Date.now() - frozenAt;
  t.diagnostic(`quorum lost ${detectMs} ms after SIGSTOP`);
  assert.deepEqual(lost.members.map((m) => [m.name, m.state]), [['a', 'down'], ['b', 'down'], ['c', 'up']]);
  const ready = await fetch(`${c.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.deepEqual(await ready.json(), { status: 'no_quorum' });
  const metrics = await (await fetch(`${c.url}/metrics`)).text();
  assert.match(metrics, /^tidewire_cluster_quorum 0$/m);
  // Without a majority the node refuses publishes.
  const refused = await publishUntil(c, 503, 5000);
  assert.equal(refused.error.code, 'unavailable');
  assert.match(metrics, /^tidewire_cluster_members\{state="down"\} 2$/m);
  const resumedAt = Date.now();
  a.child.kill('SIGCONT');
  b.child.kill('SIGCONT');
  for (const node of cluster.nodes) await waitForView(node, allUp(cluster.names), { timeoutMs: 15000 });
  t.diagnostic(`all up again ${Date.now() - resumedAt} ms after SIGCONT`);
  assert.equal((await fetch(`${c.url}/readyz`)).status, 200);
  // ... and takes them again once it has one (after ownership settles).
  const accepted = await publishUntil(c, 200, 15000);
  assert.equal(accepted.channel, 'trades');
});
