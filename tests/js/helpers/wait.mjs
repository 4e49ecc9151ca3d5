// Awaiting client events with a deadline: no sleeps as synchronisation.

/** Resolves with the first `event` payload matching `pred`; rejects after timeoutMs. */
export function waitForEvent(emitter, event, pred = () => true, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    const off = emitter.on(event, (...args) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args.length > 1 ? args : args[0]);
    });
  });
}

/** Resolves once `cond()` holds, re-checked whenever one of `events` fires. */
export function waitUntil(emitter, events, cond, timeoutMs = 15000, what = 'condition') {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offs = [];
    const done = (err) => {
      clearTimeout(timer);
      for (const off of offs) off();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    for (const ev of events) offs.push(emitter.on(ev, () => { if (cond()) done(); }));
  });
}

/** Records every delivery of a stream channel: seqs and payloads, in order. */
export function recordChannel(client, channel) {
  const rec = { seqs: [], data: [] };
  client.on(`${channel}_update`, (data, meta) => {
    rec.seqs.push(meta.seq);
    rec.data.push(data);
  });
  rec.has = (seq) => rec.seqs.includes(seq);
  rec.waitForData = (pred, timeoutMs = 20000) => waitUntil(client, [`${channel}_update`], () => rec.data.some(pred), timeoutMs, `${channel} data`);
  rec.waitFor = (seq, timeoutMs = 20000) => waitUntil(client, [`${channel}_update`], () => rec.seqs.at(-1) >= seq, timeoutMs, `${channel} seq ${seq}`);
  return rec;
}
