/**
 * HMAC-SHA1 for SRTP authentication tags, in plain JS with the key's inner and outer pad states
 * computed once. Node's createHmac costs an object, a key schedule and a digest buffer per call;
 * forwarding authenticates every packet for every consumer, so this keeps the per-packet work to the
 * compressions themselves and writes the (truncated) tag straight into the packet.
 */
const W = new Int32Array(80);
const BLOCK = new Uint8Array(64);

function compress(state: Int32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] =
      ((block[j] as number) << 24) |
      ((block[j + 1] as number) << 16) |
      ((block[j + 2] as number) << 8) |
      (block[j + 3] as number);
  }
  for (let i = 16; i < 80; i++) {
    const x = (W[i - 3] as number) ^ (W[i - 8] as number) ^ (W[i - 14] as number) ^ (W[i - 16] as number);
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + (W[i] as number)) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
}

const INITIAL = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);

export class HmacSha1 {
  private readonly innerPad = new Int32Array(5);
  private readonly outerPad = new Int32Array(5);
  private readonly state = new Int32Array(5);
  private readonly innerDigest = new Uint8Array(20);

  constructor(key: Uint8Array) {
    if (key.length > 64) throw new Error('HMAC keys longer than a block are not supported');
    const pad = new Uint8Array(64);
    this.innerPad.set(INITIAL);
    pad.fill(0x36);
    for (let i = 0; i < key.length; i++) pad[i] = (pad[i] as number) ^ (key[i] as number);
    compress(this.innerPad, pad, 0);
    this.outerPad.set(INITIAL);
    pad.fill(0x5c);
    for (let i = 0; i < key.length; i++) pad[i] = (pad[i] as number) ^ (key[i] as number);
    compress(this.outerPad, pad, 0);
  }

  /** Writes the first `tagLength` bytes of HMAC(key, data[start..end)) to out[outOffset..]. */
  sign(
    data: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    outOffset: number,
    tagLength: number,
  ): void {
    const state = this.state;
    state.set(this.innerPad);
    this.hash(state, data, start, end, 64);
    const inner = this.innerDigest;
    for (let i = 0; i < 5; i++) {
      const w = state[i] as number;
      inner[i * 4] = w >>> 24;
      inner[i * 4 + 1] = (w >>> 16) & 0xff;
      inner[i * 4 + 2] = (w >>> 8) & 0xff;
      inner[i * 4 + 3] = w & 0xff;
    }
    state.set(this.outerPad);
    this.hash(state, inner, 0, 20, 64);
    for (let i = 0; i < tagLength; i++) {
      const w = state[i >> 2] as number;
      out[outOffset + i] = (w >>> (24 - (i & 3) * 8)) & 0xff;
    }
  }

  /** Hashes data[start..end) on top of `state`, which has already absorbed `prefix` bytes, and pads. */
  private hash(state: Int32Array, data: Uint8Array, start: number, end: number, prefix: number): void {
    let offset = start;
    while (end - offset >= 64) {
      compress(state, data, offset);
      offset += 64;
    }
    const rest = end - offset;
    const block = BLOCK;
    block.fill(0);
    for (let i = 0; i < rest; i++) block[i] = data[offset + i] as number;
    block[rest] = 0x80;
    if (rest >= 56) {
      compress(state, block, 0);
      block.fill(0);
    }
    const bits = (prefix + end - start) * 8;
    block[60] = (bits >>> 24) & 0xff;
    block[61] = (bits >>> 16) & 0xff;
    block[62] = (bits >>> 8) & 0xff;
    block[63] = bits & 0xff;
    compress(state, block, 0);
  }
}
