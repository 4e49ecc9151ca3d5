// The node badge: which node this page's connection is on and whether that
// node sees a majority of its cluster (GET /api/v1/cluster, polled while
// connected). Without a majority the node refuses publishes.

const POLL_MS = 5000;

// ws://host:port/ws -> http://host:port
function httpBase(wsUrl) {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}

export class ClusterBadge {
  /** @param {HTMLElement} root */
  constructor(root, { pollMs = POLL_MS, getToken } = {}) {
    this.root = root;
    this.pollMs = pollMs;
    this.getToken = getToken; // a node with --auth=jwt wants a Bearer token
    this.base = null;
    this.timer = null;
    this.view = null;
  }

  /** The client connected to `wsUrl`: show that node, poll its view. */
  connected(wsUrl) {
    this.base = httpBase(wsUrl);
    this.poll();
    this.timer ??= setInterval(() => this.poll(), this.pollMs);
  }

  disconnected() {
    clearInterval(this.timer);
    this.timer = null;
    this.base = null;
    this.view = null;
    this.render();
  }

  async poll() {
    const base = this.base;
    if (!base) return;
    try {
      const headers = this.getToken ? { Authorization: `Bearer ${await this.getToken()}` } : {};
      const res = await fetch(`${base}/api/v1/cluster`, { cache: 'no-store', headers });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const view = await res.json();
      if (this.base === base) this.view = view;
    } catch {
      if (this.base === base) this.view = null;
    }
    this.render();
  }

  render() {
    const v = this.view;
    this.root.hidden = !v;
    if (!v) {
      this.root.dataset.quorum = 'unknown';
      return;
    }
    const up = v.members.filter((m) => m.state === 'up').length;
    this.root.dataset.quorum = String(v.quorum);
    let text = `Node ${v.node}`;
    if (v.members.length > 1) {
      text += v.quorum
        ? ` · cluster ${up}/${v.members.length} up`
        : ` · no quorum (${up}/${v.members.length} up): publishes refused`;
    }
    this.root.textContent = text;
    this.root.title = v.members.map((m) => `${m.name}: ${m.state}`).join('\n');
  }
}
