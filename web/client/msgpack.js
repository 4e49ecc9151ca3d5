// MessagePack for the `tidewire.v1.msgpack` subprotocol (docs/protocol.md):
// just what the protocol's messages need, so the client stays free of
// dependencies and runs in browsers unbundled.
//
// Values map as JSON.parse/JSON.stringify map them: null, booleans, numbers,
// strings, arrays, plain objects (undefined and function members are left
// out, toJSON() is honoured). The node sends a number that neither an
// integer nor a float 64 holds exactly (123456789012345678901234567890) as
// ext type 1 with the number's JSON text: it is read as Number(text), as
// JSON.parse would, or, with `exactNumbers`, as an ExactNumber keeping the
// text. An ExactNumber or a BigInt outside 64 bits is sent the same way.

export const NUMBER_EXT = 1;

/** A JSON number kept as its text (no rounding). */
export class ExactNumber {
  constructor(text) { this.text = String(text); }
  valueOf() { return Number(this.text); }
  toString() { return this.text; }
  toJSON() { return this.text; }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

class Writer {
  constructor() {
    this.buf = new Uint8Array(256);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
  }

  room(n) {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v) { this.room(1); this.buf[this.pos++] = v; }
  u16(v) { this.room(2); this.view.setUint16(this.pos, v); this.pos += 2; }
  u32(v) { this.room(4); this.view.setUint32(this.pos, v); this.pos += 4; }
  bytes(b) { this.room(b.length); this.buf.set(b, this.pos); this.pos += b.length; }

  // A header: fix form when `n` fits under `fixLimit`, else 8/16/32-bit lengths.
  header(n, fixBase, fixLimit, op8, op16, op32) {
    if (n < fixLimit) this.u8(fixBase | n);
    else if (op8 !== null && n < 0x100) { this.u8(op8); this.u8(n); }
    else if (n < 0x10000) { this.u8(op16); this.u16(n); }
    else { this.u8(op32); this.u32(n); }
  }

  text(s) {
    const b = encoder.encode(s);
    this.header(b.length, 0xa0, 32, 0xd9, 0xda, 0xdb);
    this.bytes(b);
  }

  numberText(text) {
    const b = encoder.encode(text);
    if (b.length < 0x100) { this.u8(0xc7); this.u8(b.length); }
    else { this.u8(0xc8); this.u16(b.length); }
    this.u8(NUMBER_EXT);
    this.bytes(b);
  }

  bigint(v) {
    if (v >= 0n && v < 2n ** 64n) { this.u8(0xcf); this.room(8); this.view.setBigUint64(this.pos, v); this.pos += 8; return; }
    if (v < 0n && v >= -(2n ** 63n)) { this.u8(0xd3); this.room(8); this.view.setBigInt64(this.pos, v); this.pos += 8; return; }
    this.numberText(v.toString());
  }

  number(v) {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
      if (v >= 0) {
        if (v < 0x80) this.u8(v);
        else if (v < 0x100) { this.u8(0xcc); this.u8(v); }
        else if (v < 0x10000) { this.u8(0xcd); this.u16(v); }
        else if (v < 0x100000000) { this.u8(0xce); this.u32(v); }
        else this.bigint(BigInt(v));
      } else if (v >= -32) this.u8(v & 0xff);
      else if (v >= -0x80) { this.u8(0xd0); this.u8(v & 0xff); }
      else if (v >= -0x8000) { this.u8(0xd1); this.u16(v & 0xffff); }
      else if (v >= -0x80000000) { this.u8(0xd2); this.u32(v >>> 0); }
      else this.bigint(BigInt(v));
      return;
    }
    if (!Number.isFinite(v)) { this.u8(0xc0); return; } // as JSON.stringify: null
    this.u8(0xcb);
    this.room(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  value(v) {
    if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function' && !(v instanceof ExactNumber)) v = v.toJSON();
    switch (typeof v) {
      case 'string': return this.text(v);
      case 'number': return this.number(v);
      case 'boolean': return this.u8(v ? 0xc3 : 0xc2);
      case 'bigint': return this.bigint(v);
      default: break;
    }
    if (v === null || v === undefined || typeof v !== 'object') return this.u8(0xc0);
    if (v instanceof ExactNumber) return this.numberText(v.text);
    if (Array.isArray(v)) {
      this.header(v.length, 0x90, 16, null, 0xdc, 0xdd);
      for (const item of v) this.value(item === undefined || typeof item === 'function' ? null : item);
      return undefined;
    }
    const keys = Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function');
    this.header(keys.length, 0x80, 16, null, 0xde, 0xdf);
    for (const k of keys) {
      this.text(k);
      this.value(v[k]);
    }
    return undefined;
  }
}

/** MessagePack bytes of `value`. */
export function encode(value) {
  const w = new Writer();
  w.value(value);
  return w.buf.subarray(0, w.pos);
}

class Reader {
  constructor(bytes, exactNumbers) {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.exact = exactNumbers;
  }

  need(n) {
    if (this.pos + n > this.buf.length) throw new Error('truncated MessagePack');
  }

  u8() { this.need(1); return this.buf[this.pos++]; }
  u16() { this.need(2); const v = this.view.getUint16(this.pos); this.pos += 2; return v; }
  u32() { this.need(4); const v = this.view.getUint32(this.pos); this.pos += 4; return v; }

  take(n) {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  big(signed) {
    this.need(8);
    const v = signed ? this.view.getBigInt64(this.pos) : this.view.getBigUint64(this.pos);
    this.pos += 8;
    const n = Number(v);
    if (Number.isSafeInteger(n) || !this.exact) return n;
    return v;
  }

  ext(n) {
    const type = this.view.getInt8((this.need(1), this.pos++));
    const body = this.take(n);
    if (type !== NUMBER_EXT) throw new Error(`unknown MessagePack ext type ${type}`);
    const text = decoder.decode(body);
    return this.exact ? new ExactNumber(text) : Number(text);
  }

  array(n) {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  map(n) {
    const out = {};
    for (let i = 0; i < n; i++) {
      const k = this.value();
      if (typeof k !== 'string') throw new Error('a MessagePack map key is not a string');
      // Defined as own data properties: a key "__proto__" stays a plain key.
      Object.defineProperty(out, k, { value: this.value(), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  value() {
    const op = this.u8();
    if (op < 0x80) return op;
    if (op >= 0xe0) return op - 0x100;
    if (op <= 0x8f) return this.map(op & 0x0f);
    if (op <= 0x9f) return this.array(op & 0x0f);
    if (op <= 0xbf) return decoder.decode(this.take(op & 0x1f));
    switch (op) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.take(this.u8()).slice();
      case 0xc5: return this.take(this.u16()).slice();
      case 0xc6: return this.take(this.u32()).slice();
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xca: { this.need(4); const v = this.view.getFloat32(this.pos); this.pos += 4; return v; }
      case 0xcb: { this.need(8); const v = this.view.getFloat64(this.pos); this.pos += 8; return v; }
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return this.big(false);
      case 0xd0: return this.view.getInt8((this.need(1), this.pos++));
      case 0xd1: { const v = this.u16(); return v >= 0x8000 ? v - 0x10000 : v; }
      case 0xd2: { const v = this.u32(); return v | 0; }
      case 0xd3: return this.big(true);
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xd9: return decoder.decode(this.take(this.u8()));
      case 0xda: return decoder.decode(this.take(this.u16()));
      case 0xdb: return decoder.decode(this.take(this.u32()));
      case 0xdc: return this.array(this.u16());
      case 0xdd: return this.array(this.u32());
      case 0xde: return this.map(this.u16());
      case 0xdf: return this.map(this.u32());
      default: throw new Error(`invalid MessagePack byte 0x${op.toString(16)}`);
    }
  }
}

/**
 * The value in `bytes` (Uint8Array or ArrayBuffer); throws on malformed or
 * trailing bytes. `exactNumbers`: ext 1 and integers beyond 2^53 keep every
 * digit (ExactNumber, BigInt) instead of becoming the nearest Number.
 */
export function decode(bytes, { exactNumbers = false } = {}) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const r = new Reader(view, exactNumbers);
  const v = r.value();
  if (r.pos !== view.length) throw new Error('bytes after the MessagePack value');
  return v;
}
