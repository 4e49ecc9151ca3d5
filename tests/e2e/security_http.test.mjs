// Strict HTTP and WebSocket framing: smuggling shapes are refused and nothing
// behind them runs; close codes outside RFC 6455 get 1002; a client repeating
// bad input does not write a log line each time; a connection closed for
// abuse is dropped, not drained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode } from './node_process.mjs';
import { getJson } from './client.mjs';
import { RawWs, rawExchange } from './security_helpers.mjs';

let node;
before(async () => {
  // A long closing-handshake timeout, so a drained connection would be seen.
  node = await startNode({ args: ['--handshake-timeout-s=30'] });
});
after(async () => { await node?.stop(); });

const smuggled = (marker) => {
  const body = JSON.stringify({ smuggled: marker });
  return `POST /api/v1/channels/alerts/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`
    + `Content-Length: ${body.length}\r\n\r\n${body}`;
};

async function alertsData() {
  const h = await getJson(`${node.url}/api/v1/channels/alerts/history?since=0&limit=1000`);
  assert.equal(h.status, 200);
  return h.body.updates.map((u) => u.data);
}

test('every smuggling shape is 400, closed, and nothing behind it is stored', async () => {
  const shapes = [
    ['Transfer-Encoding: gzip'],
    ['Transfer-Encoding: xchunked'],
    ['Transfer-Encoding: identity'],
    ['Transfer-Encoding: chunked, identity'],
    ['Transfer-Encoding: gzip, chunked'],
    ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'],
    ['Transfer-Encoding: chunked', 'Content-Length: 5'],
    ['Content-Length: 0', 'Transfer-Encoding: gzip'],
  ];
  for (const [i, headers] of shapes.entries()) {
    const front = `POST /api/v1/channels/alerts/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`
      + `${headers.join('\r\n')}\r\n\r\n`;
    const r = await rawExchange(node.port, front + smuggled(`shape-${i}`));
    assert.deepEqual(r.statuses, [400], `${headers.join(' + ')}: ${r.data.slice(0, 300)}`);
    assert.ok(r.closed, `${headers.join(' + ')}: connection closed`);
    assert.match(r.data, /Connection: close/i);
  }
  const data = await alertsData();
  assert.equal(data.filter((d) => d && d.smuggled !== undefined).length, 0, JSON.stringify(data));
});

test('a well-formed chunked publish is still accepted', async () => {
  const body = JSON.stringify({ chunked: true });
  const req = 'POST /api/v1/channels/alerts/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    + `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const r = await rawExchange(node.port, req);
  assert.deepEqual(r.statuses, [200], r.data);
  assert.ok((await alertsData()).some((d) => d && d.chunked === true));
});

test('close codes outside RFC 6455 are refused with 1002, valid ones echoed', async () => {
  for (const code of [5000, 65535, 1004, 1005, 1006, 1015, 999]) {
    const ws = await RawWs.connect(node.port);
    await ws.next((f) => f.opcode === 1); // welcome
    ws.close(code);
    assert.equal(await ws.closeCode(), 1002, `close code ${code}`);
    ws.destroy();
  }
  for (const code of [1000, 3000, 4999]) {
    const ws = await RawWs.connect(node.port);
    await ws.next((f) => f.opcode === 1);
    ws.close(code);
    assert.equal(await ws.closeCode(), code, `close code ${code}`);
    ws.destroy();
  }
});

test('invalid UTF-8 from many connections writes a bounded number of log lines', async () => {
  const before = node.stderr.split('\n').length;
  for (let i = 0; i < 40; i++) {
    const ws = await RawWs.connect(node.port);
    await ws.next((f) => f.opcode === 1);
    ws.send(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    assert.equal(await ws.closeCode(), 1007);
    ws.destroy();
  }
  const lines = node.stderr.split('\n').length - before;
  assert.ok(lines <= 6, `${lines} log lines for 40 bad connections:\n${node.stderr.slice(-2000)}`);
});

test('a connection closed for abuse (1008) is dropped at once, not drained', async () => {
  const ws = await RawWs.connect(node.port);
  await ws.next((f) => f.opcode === 1);
  // More protocol errors than a connection may make; then keep sending and
  // never answer the close: the server must not keep reading.
  for (let i = 0; i < 150; i++) ws.text('not json');
  const started = Date.now();
  assert.equal(await ws.closeCode(), 1008);
  const flood = setInterval(() => { for (let i = 0; i < 50; i++) ws.text('still sending'); }, 5);
  try {
    await ws.socketClosed(5000); // the closing handshake timeout is 30 s
  } finally {
    clearInterval(flood);
    ws.destroy();
  }
  assert.ok(Date.now() - started < 5000);
  const m = await getJson(`${node.url}/metrics`);
  assert.match(m.body, /tidewire_ws_abuse_closes_total [1-9]/);
});
