// Per-channel subscribe toggles, persisted in localStorage.

const KEY = 'tidewire.channels.v1';

export function loadToggles(channels) {
  let stored = {};
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') ?? {};
  } catch {
    stored = {};
  }
  const out = {};
  for (const ch of channels) out[ch] = stored[ch] !== false;
  return out;
}

export function saveToggles(toggles) {
  try {
    localStorage.setItem(KEY, JSON.stringify(toggles));
  } catch {
    /* storage full or disabled: the toggle still works for this page */
  }
}

/**
 * Renders one checkbox per channel into `container`; `onChange(channel, on)`
 * runs after the new value is saved.
 */
export function renderToggles(container, toggles, labels, onChange) {
  for (const [channel, on] of Object.entries(toggles)) {
    const label = document.createElement('label');
    label.className = 'toggle';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.checked = on;
    input.dataset.channel = channel;
    input.addEventListener('change', () => {
      toggles[channel] = input.checked;
      saveToggles(toggles);
      onChange(channel, input.checked);
    });
    const text = document.createElement('span');
    text.textContent = labels[channel] ?? channel;
    label.append(input, text);
    container.append(label);
  }
}
