// Minimal MessagePack decoder for the tests: maps, strings, integers, nil,
// booleans, arrays - what a stored record {seq, ts, data} uses.
export function decodeMulti(buf) {
  let pos = 0;
  const u8 = () => buf[pos++];
  const be = (n) => { let v = 0n; for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[pos++]); return v; };
  const num = (v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v);
  const str = (n) => { const s = buf.subarray(pos, pos + n).toString('utf8'); pos += n; return s; };
  const map = (n) => { const o = {}; for (let i = 0; i < n; i++) { const k = one(); o[k] = one(); } return o; };
  const arr = (n) => { const a = []; for (let i = 0; i < n; i++) a.push(one()); return a; };
  const signed = (n) => { const v = be(n); const bits = BigInt(n * 8); return num(v >= (1n << (bits - 1n)) ? v - (1n << bits) : v); };
  function one() {
    const b = u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x80) return map(b & 0x0f);
    if ((b & 0xf0) === 0x90) return arr(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return str(b & 0x1f);
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xcc: return num(be(1));
      case 0xcd: return num(be(2));
      case 0xce: return num(be(4));
      case 0xcf: return num(be(8));
      case 0xd0: return signed(1);
      case 0xd1: return signed(2);
      case 0xd2: return signed(4);
      case 0xd3: return signed(8);
      case 0xd9: return str(Number(be(1)));
      case 0xda: return str(Number(be(2)));
      case 0xdb: return str(Number(be(4)));
      case 0xdc: return arr(Number(be(2)));
      case 0xdd: return arr(Number(be(4)));
      case 0xde: return map(Number(be(2)));
      case 0xdf: return map(Number(be(4)));
      default: throw new Error(`msgpack type 0x${b.toString(16)} not supported`);
    }
  }
  const out = [];
  while (pos < buf.length) out.push(one());
  return out;
}
