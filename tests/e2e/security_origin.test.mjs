// Origin and CORS: a page on another site cannot open a WebSocket or call
// the API from a visitor's browser; listed origins and the node's own can;
// no response grants every origin; a publish must be JSON.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { Client, getJson } from './client.mjs';

const ALLOWED = 'https://dash.example.com';
let node;
before(async () => {
  node = await startNode({ args: [`--allowed-origins=${ALLOWED}, http://other.example:8443`] });
});
after(async () => { await node?.stop(); });

test('a WebSocket from a foreign Origin is refused with 403', async () => {
  for (const origin of ['https://evil.example', 'null', 'http://dash.example.com', `http://127.0.0.1:${node.port + 1}`]) {
    await assert.rejects(Client.connect(node.wsUrl, { headers: { Origin: origin } }),
      (e) => e.statusCode === 403 && /not allowed/.test(e.body), origin);
  }
});

test('the node\'s own origin, a listed one and no Origin may open a WebSocket', async () => {
  for (const headers of [{ Origin: `http://127.0.0.1:${node.port}` }, { Origin: ALLOWED }, { Origin: 'HTTP://OTHER.EXAMPLE:8443' }, {}]) {
    const c = await Client.open(node.wsUrl, { headers });
    assert.equal(c.welcome.type, 'welcome');
    c.close();
  }
});

test('API calls from a foreign Origin are 403 without a CORS grant', async () => {
  const r = await getJson(`${node.url}/api/v1/channels`, { headers: { Origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  const p = await getJson(`${node.url}/api/v1/channels/alerts/messages`, {
    method: 'POST', headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' }, body: '{"level":"critical"}',
  });
  assert.equal(p.status, 403);
  const pre = await fetch(`${node.url}/api/v1/channels/alerts/messages`, {
    method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(pre.status, 403);
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
});

test('a listed Origin gets its own origin back, never a wildcard', async () => {
  const r = await getJson(`${node.url}/api/v1/channels`, { headers: { Origin: ALLOWED } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), ALLOWED);
  assert.match(r.headers.get('vary') ?? '', /Origin/);
  const pre = await fetch(`${node.url}/api/v1/channels/alerts/messages`, {
    method: 'OPTIONS', headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), ALLOWED);
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
  const plain = await getJson(`${node.url}/api/v1/channels`);
  assert.equal(plain.headers.get('access-control-allow-origin'), null);
});

test('an HTTP publish must be application/json (415 otherwise) and stores nothing', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', null]) {
    const headers = type ? { 'Content-Type': type } : {};
    const r = await getJson(`${node.url}/api/v1/channels/alerts/messages`, {
      method: 'POST', headers, body: type ? '{"form":true}' : undefined,
    });
    assert.equal(r.status, 415, `${type}`);
    assert.equal(r.body.error.code, 'unsupported_media_type');
  }
  const ok = await getJson(`${node.url}/api/v1/channels/alerts/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"json":true}',
  });
  assert.equal(ok.status, 200);
  const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=0`);
  assert.deepEqual(h.body.updates.map((u) => u.data), [{ json: true }]);
});

test('a malformed --allowed-origins is refused at start', async () => {
  const { runNode } = await import('./node_process.mjs');
  for (const bad of ['*', 'dash.example.com', 'https://a.example/path']) {
    const r = await runNode(['--port=0', '--simulate=false', `--allowed-origins=${bad}`]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /--allowed-origins/);
  }
});
