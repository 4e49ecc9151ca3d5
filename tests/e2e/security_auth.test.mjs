// JWT authentication and per-channel rights against the real binary: tokens
// are signed here (node:crypto) with keys this test makes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startNode, runNode } from './node_process.mjs';
import { Client, getJson } from './client.mjs';
import { makeKeys, makeToken, nowS } from './security_helpers.mjs';

let keys;
let node;
before(async () => {
  keys = makeKeys();
  node = await startNode({
    args: ['--auth=jwt', `--jwt-secret-file=${keys.secretFile}`, '--jwt-audience=tidewire-test',
      '--jwt-issuer=tests', '--auth-timeout-s=2'],
  });
});
after(async () => {
  await node?.stop();
  if (keys) rmSync(keys.dir, { recursive: true, force: true });
});

const claims = (extra = {}) => ({
  sub: 'alice', aud: 'tidewire-test', iss: 'tests', exp: nowS() + 600,
  channels: ['trades', 'positions.*'], publish: ['alerts'], ...extra,
});
const token = (extra, opts) => makeToken(claims(extra), { key: keys.secret, ...opts });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

async function refusedAtHandshake(url, headers) {
  await assert.rejects(Client.connect(url, { headers }), (e) => e.statusCode === 401, JSON.stringify(headers));
}

test('bad tokens are refused at the handshake and over HTTP', async () => {
  const bad = {
    'bad signature': makeToken(claims(), { key: 'x'.repeat(40) }),
    'alg none': makeToken(claims(), { alg: 'none' }),
    'alg none with the real key appended': `${makeToken(claims(), { alg: 'none' })}x`,
    expired: token({ exp: nowS() - 5 }),
    'no exp': makeToken({ ...claims(), exp: undefined }, { key: keys.secret }),
    'wrong audience': token({ aud: 'someone-else' }),
    'wrong issuer': token({ iss: 'elsewhere' }),
    'not yet valid': token({ nbf: nowS() + 300 }),
    'not a JWT': 'hello',
  };
  for (const [what, t] of Object.entries(bad)) {
    await refusedAtHandshake(node.wsUrl, bearer(t));
    await refusedAtHandshake(`${node.wsUrl}?token=${encodeURIComponent(t)}`, {});
    const r = await getJson(`${node.url}/api/v1/channels/trades/history`, { headers: bearer(t) });
    assert.equal(r.status, 401, what);
    assert.equal(r.body.error.code, 'unauthorized', what);
  }
  const none = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
});

test('HS/RS confusion: a token signed with the public key as an HMAC secret is refused', async () => {
  const pem = keys.rsa.publicKey.export({ type: 'spki', format: 'pem' });
  const rsNode = await startNode({ args: ['--auth=jwt', `--jwt-public-key-file=${keys.rsaFile}`] });
  try {
    const forged = makeToken(claims(), { alg: 'HS256', key: pem });
    await refusedAtHandshake(rsNode.wsUrl, bearer(forged));
    const good = makeToken(claims(), { alg: 'RS256', key: keys.rsa.privateKey });
    const c = await Client.open(rsNode.wsUrl, { headers: bearer(good) });
    const sub = await c.request({ type: 'subscribe', channel: 'trades' });
    assert.equal(sub.type, 'subscribed');
    c.close();
  } finally {
    await rsNode.stop();
  }
});

test('ES256 public keys verify ES256 tokens', async () => {
  const esNode = await startNode({ args: ['--auth=jwt', `--jwt-public-key-file=${keys.ecFile}`] });
  try {
    const good = makeToken(claims(), { alg: 'ES256', key: keys.ec.privateKey });
    const r = await getJson(`${esNode.url}/api/v1/channels/trades/history`, { headers: bearer(good) });
    assert.equal(r.status, 200);
    const rs = makeToken(claims(), { alg: 'RS256', key: keys.rsa.privateKey });
    assert.equal((await getJson(`${esNode.url}/api/v1/channels`, { headers: bearer(rs) })).status, 401);
  } finally {
    await esNode.stop();
  }
});

test('Bearer header, query token and auth message are all accepted', async () => {
  const viaHeader = await Client.open(node.wsUrl, { headers: bearer(token()) });
  assert.equal((await viaHeader.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
  viaHeader.close();
  const viaQuery = await Client.open(`${node.wsUrl}?token=${token()}`);
  assert.equal((await viaQuery.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
  viaQuery.close();
  const viaMessage = await Client.open(node.wsUrl);
  const before = await viaMessage.request({ type: 'subscribe', channel: 'trades' });
  assert.equal(before.code, 'unauthorized');
  assert.equal((await viaMessage.request({ type: 'ping' })).code, 'unauthorized');
  const bad = await viaMessage.request({ type: 'auth', token: token({ exp: nowS() - 1 }) });
  assert.equal(bad.code, 'unauthorized');
  viaMessage.send({ type: 'auth', token: token() });
  await viaMessage.next((m) => m.type === 'welcome');
  assert.equal((await viaMessage.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
  viaMessage.close();
});

test('without a token a connection is closed with 1008 after --auth-timeout-s', async () => {
  const c = await Client.open(node.wsUrl);
  const info = await c.closed(8000);
  assert.equal(info.code, 1008);
  assert.match(info.reason, /authentication timed out/);
});

test('subscribe and publish outside the claims are forbidden, with channel and id', async () => {
  const c = await Client.open(node.wsUrl, { headers: bearer(token()) });
  try {
    for (const channel of ['alerts', 'positions', 'dashboard']) {
      const r = await c.request({ type: 'subscribe', channel });
      assert.equal(r.code, 'forbidden', channel);
      assert.equal(r.channel, channel);
      assert.match(r.id, /^r\d+$/);
    }
    const p = await c.request({ type: 'publish', channel: 'trades', data: { x: 1 } });
    assert.equal(p.code, 'forbidden');
    assert.equal(p.channel, 'trades');
    const ok = await c.request({ type: 'publish', channel: 'alerts', data: { level: 'info' } });
    assert.equal(ok.type, 'published');
  } finally {
    c.close();
  }
});

test('HTTP: 403 without the right, 200 with it; the channel list shows only readable channels', async () => {
  const h = { ...bearer(token()), 'Content-Type': 'application/json' };
  const pub = (ch) => getJson(`${node.url}/api/v1/channels/${ch}/messages`, { method: 'POST', headers: h, body: '{"a":1}' });
  assert.equal((await pub('trades')).status, 403);
  assert.equal((await pub('alerts')).status, 200);
  assert.equal((await getJson(`${node.url}/api/v1/channels/alerts/history`, { headers: h })).status, 403);
  assert.equal((await getJson(`${node.url}/api/v1/channels/dashboard/state`, { headers: h })).status, 403);
  assert.equal((await getJson(`${node.url}/api/v1/channels/trades/history`, { headers: h })).status, 200);
  const list = await getJson(`${node.url}/api/v1/channels`, { headers: h });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.channels.map((c) => c.name).sort(), ['trades']);
});

test('HTTP takes the token as ?token= too (header first); a bad query token is 401', async () => {
  const q = (t) => `token=${encodeURIComponent(t)}`;
  const history = (query, headers = {}) => getJson(`${node.url}/api/v1/channels/trades/history?${query}`, { headers });
  assert.equal((await history('limit=1')).status, 401);
  assert.equal((await history(`limit=1&${q(token())}`)).status, 200);
  assert.equal((await history(q(token({ exp: nowS() - 5 })))).status, 401);
  assert.equal((await history(q(token({ channels: ['positions.*'] })))).status, 403);
  // The header wins over the query when both are there.
  assert.equal((await history(q('garbage'), bearer(token()))).status, 200);
  const pub = await getJson(`${node.url}/api/v1/channels/alerts/messages?${q(token())}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"level":"info"}',
  });
  assert.equal(pub.status, 200);
  const list = await getJson(`${node.url}/api/v1/channels?${q(token())}`);
  assert.equal(list.status, 200);
});

test('/livez, /readyz and /metrics stay open', async () => {
  for (const p of ['/livez', '/readyz', '/metrics']) assert.equal((await getJson(`${node.url}${p}`)).status, 200, p);
});

test('a token expiring mid-connection: auth_expiring, then 1008; a refresh keeps it open', async () => {
  const expiring = await Client.open(node.wsUrl, { headers: bearer(token({ exp: nowS() + 2 })) });
  const warn = await expiring.next((m) => m.type === 'auth_expiring');
  assert.ok(warn.in_ms > 0 && warn.in_ms <= 2000, JSON.stringify(warn));
  const info = await expiring.closed(5000);
  assert.equal(info.code, 1008);
  assert.match(info.reason, /expired/);

  const refreshed = await Client.open(node.wsUrl, { headers: bearer(token({ exp: nowS() + 2 })) });
  await refreshed.next((m) => m.type === 'auth_expiring');
  refreshed.send({ type: 'auth', token: token({ exp: nowS() + 600 }) });
  await refreshed.next((m) => m.type === 'welcome');
  // Past the first token's exp, the connection still answers.
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await refreshed.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
  assert.equal(refreshed.closeInfo, null);
  refreshed.close();
});

test('a refresh that grants less ends the subscriptions it no longer covers', async () => {
  const c = await Client.open(node.wsUrl, { headers: bearer(token({ channels: ['trades', 'positions'] })) });
  try {
    assert.equal((await c.request({ type: 'subscribe', channel: 'trades' })).type, 'subscribed');
    assert.equal((await c.request({ type: 'subscribe', channel: 'positions' })).type, 'subscribed');
    c.send({ type: 'auth', token: token({ channels: ['positions'] }) });
    const ended = await c.next((m) => m.type === 'error' && m.code === 'forbidden');
    assert.equal(ended.channel, 'trades');
    await c.next((m) => m.type === 'welcome');
    // Still subscribed to positions: unsubscribing it succeeds; trades is gone.
    assert.equal((await c.request({ type: 'unsubscribe', channel: 'positions' })).type, 'unsubscribed');
    assert.equal((await c.request({ type: 'unsubscribe', channel: 'trades' })).code, 'not_subscribed');
  } finally {
    c.close();
  }
});

test('anonymous access on a non-loopback address is refused unless allowed', async () => {
  const r = await runNode(['--host=0.0.0.0', '--port=0', '--simulate=false']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--auth=jwt.*--allow-anonymous/s);
  const weak = await runNode(['--auth=jwt', `--jwt-secret-file=${keys.rsaFile}x`, '--port=0']);
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /cannot read --jwt-secret-file/);
  const both = await runNode(['--auth=jwt', '--port=0']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /exactly one of/);
});
