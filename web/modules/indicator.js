// The connection indicator: the client's state in words, with a countdown
// while a reconnection is scheduled.

const CLOSE_REASONS = {
  1001: 'node shutting down',
  1006: 'connection lost',
  1008: 'policy violation',
  1009: 'message too large',
  1011: 'server error',
  1013: 'too far behind',
  4000: 'no heartbeat',
};

function describeClose(close) {
  if (!close || close.code == null) return '';
  return CLOSE_REASONS[close.code] ?? `closed ${close.code}`;
}

export class ConnectionIndicator {
  /** @param {HTMLElement} root  @param {{onRetry: () => void}} actions */
  constructor(root, { onRetry }) {
    this.root = root;
    this.text = root.querySelector('.conn-text');
    this.retry = root.querySelector('.conn-retry');
    this.retry.addEventListener('click', onRetry);
    this.info = { state: 'connecting' };
    this.timer = null;
  }

  update(info) {
    this.info = info;
    this.root.dataset.state = info.state;
    this.render();
    const counting = info.retryAt != null && info.state !== 'connected';
    if (counting && this.timer === null) this.timer = setInterval(() => this.render(), 250);
    if (!counting && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  render() {
    const { state, retryAt, attempt, close, node } = this.info;
    const secs = retryAt != null ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) : null;
    const countdown = secs === null ? '' : secs > 0 ? ` in ${secs} s` : ' now';
    const why = describeClose(close);
    let text;
    switch (state) {
      case 'connected': text = node ? `Live · ${node}` : 'Live'; break;
      case 'connecting': text = 'Connecting…'; break;
      case 'reconnecting': text = secs === null ? 'Reconnecting…' : `Reconnecting${countdown}`; break;
      case 'offline': text = secs === null ? 'Offline · retrying…' : `Offline · retry${countdown}`; break;
      case 'error': text = `Error${why ? ` (${why})` : ''}${secs === null ? ' · retrying…' : ` · retry${countdown}`}`; break;
      default: text = state;
    }
    if (state !== 'connected' && state !== 'connecting' && attempt > 1) text += ` · attempt ${attempt}`;
    if (this.text.textContent !== text) this.text.textContent = text;
    this.root.title = why ? `Last disconnect: ${why}` : '';
    this.retry.hidden = retryAt == null || state === 'connected';
  }
}
