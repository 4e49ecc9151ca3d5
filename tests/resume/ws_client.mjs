// A minimal protocol-level WebSocket client for the resume suites: speaks
// protocol v1 directly (no client library), so these tests check the node.

import WebSocket from 'ws';

/** Opens a connection and resolves once `welcome` arrived. */
export function connect(wsUrl, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'tidewire.v1.json');
    const conn = { ws, messages: [], listeners: new Set() };
    const timer = setTimeout(() => reject(new Error('no welcome')), timeoutMs);
    ws.on('message', (raw) => {
      const parsed = JSON.parse(raw.toString());
      for (const msg of Array.isArray(parsed) ? parsed : [parsed]) {
        conn.messages.push(msg);
        if (msg.type === 'welcome') {
          clearTimeout(timer);
          resolve(conn);
        }
        for (const fn of conn.listeners) fn(msg);
      }
    });
    ws.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

export function send(conn, msg) {
  conn.ws.send(JSON.stringify(msg));
}

/** Resolves with the first message (already received or future) matching pred. */
export function waitFor(conn, pred, timeoutMs = 15000, what = 'message') {
  const seen = conn.messages.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.listeners.delete(fn);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const fn = (msg) => {
      if (!pred(msg)) return;
      clearTimeout(timer);
      conn.listeners.delete(fn);
      resolve(msg);
    };
    conn.listeners.add(fn);
  });
}

export async function subscribe(conn, channel, since, epoch) {
  const msg = { type: 'subscribe', channel, id: `sub-${channel}` };
  if (since !== undefined) msg.since = since;
  if (epoch !== undefined) msg.epoch = epoch;
  const before = conn.messages.length;
  send(conn, msg);
  return waitFor({ ...conn, messages: conn.messages.slice(before) },
    (m) => m.type === 'subscribed' && m.channel === channel, 15000, `subscribed ${channel}`);
}

export async function publishHttp(url, channel, data) {
  const res = await fetch(`${url}/api/v1/channels/${channel}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`publish: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
