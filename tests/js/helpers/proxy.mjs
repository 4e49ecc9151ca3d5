// A TCP proxy between a client and a node that can go silent: stall() stops
// forwarding on every open connection without closing it (no FIN, no RST,
// no close frame), like a dead NAT or Wi-Fi. Connections made afterwards are
// forwarded normally.

import net from 'node:net';

export async function startProxy(targetPort, targetHost = '127.0.0.1') {
  const pairs = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream, stalled: false };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address();
  return {
    port,
    get connections() {
      return pairs.size;
    },
    /** Stops forwarding on the current connections; returns how many. */
    stall() {
      let n = 0;
      for (const pair of pairs) {
        if (pair.stalled) continue;
        pair.stalled = true;
        pair.client.unpipe(pair.upstream);
        pair.upstream.unpipe(pair.client);
        pair.client.pause();
        pair.upstream.pause();
        n += 1;
      }
      return n;
    },
    /**
     * Stops reading from the node on the current connections (the node's
     * writes back up, as with a client too slow to read); resume() undoes it.
     */
    pauseDownstream() {
      for (const pair of pairs) {
        if (pair.stalled || pair.paused) continue;
        pair.paused = true;
        pair.upstream.unpipe(pair.client);
        pair.upstream.pause();
      }
    },
    resumeDownstream() {
      for (const pair of pairs) {
        if (!pair.paused) continue;
        pair.paused = false;
        pair.upstream.pipe(pair.client);
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise((res) => server.close(res));
    },
  };
}
