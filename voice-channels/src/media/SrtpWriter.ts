import { type Cipher, createCipheriv } from 'node:crypto';
import { HmacSha1 } from './HmacSha1.js';

/**
 * Builds outgoing SRTP packets straight from header fields and a payload: the RTP header is written
 * into the packet buffer, the payload encrypted behind it and the tag appended, with one allocation
 * for the packet. werift's sender path serialises the header through BigInt bit writers, allocates a
 * few intermediate buffers and creates cipher and HMAC objects for every packet.
 *
 * AES_CM_128_HMAC_SHA1_80 (RFC 3711): the keystream comes from one long-lived AES-ECB cipher over
 * counter blocks, the tag from a precomputed HMAC-SHA1. AEAD_AES_128_GCM (RFC 7714) needs a cipher
 * object per packet (Node cannot change a GCM cipher's IV), so the engine prefers AES-CM.
 */
export const SRTP_AES128_CM_HMAC_SHA1_80 = 0x0001;
export const SRTP_AEAD_AES_128_GCM = 0x0007;

/** Per outgoing SSRC: the rollover counter (RFC 3711 3.3.1). */
export class SrtpStream {
  roc = 0;
  lastSeq = -1;

  constructor(readonly ssrc: number) {}

  /** The rollover counter for `seq`, tracking wrap-around; older packets (retransmissions) get theirs. */
  rocFor(seq: number): number {
    if (this.lastSeq < 0) {
      this.lastSeq = seq;
      return this.roc;
    }
    const d = seq - this.lastSeq;
    if ((d > 0 && d < 0x8000) || d < -0x8000) {
      if (d < -0x8000) this.roc = (this.roc + 1) >>> 0;
      this.lastSeq = seq;
      return this.roc;
    }
    return d > 0x8000 && this.roc > 0 ? this.roc - 1 : this.roc;
  }
}

const MAX_PAYLOAD = 1_500;

export class SrtpWriter {
  private readonly ecb: Cipher | null = null;
  private readonly hmac: HmacSha1 | null = null;
  private readonly counters = Buffer.alloc(Math.ceil(MAX_PAYLOAD / 16) * 16);
  private readonly iv = new Uint8Array(14);
  private readonly tagLength: number;

  constructor(
    readonly profile: number,
    private readonly key: Buffer,
    private readonly salt: Buffer,
    authKey: Buffer,
  ) {
    if (profile === SRTP_AES128_CM_HMAC_SHA1_80) {
      const ecb = createCipheriv('aes-128-ecb', key, null);
      ecb.setAutoPadding(false);
      this.ecb = ecb;
      this.hmac = new HmacSha1(authKey);
      this.tagLength = 10;
      // The salt's first four bytes and each block's number never change.
      for (let j = 0; j < this.counters.length >>> 4; j++) {
        salt.copy(this.counters, j << 4, 0, 4);
        this.counters[(j << 4) + 14] = j >>> 8;
        this.counters[(j << 4) + 15] = j & 0xff;
      }
    } else if (profile === SRTP_AEAD_AES_128_GCM) {
      this.tagLength = 16;
    } else {
      throw new Error(`unsupported SRTP profile ${profile}`);
    }
  }

  /**
   * One SRTP packet. `level` is the one-byte RFC 6464 element sent with extension id `levelId`
   * (one-byte header extension form); 0 or undefined sends none.
   */
  write(
    stream: SrtpStream,
    payloadType: number,
    seq: number,
    timestamp: number,
    marker: boolean,
    levelId: number,
    level: Buffer | undefined,
    payload: Buffer,
  ): Buffer {
    const withLevel = levelId !== 0 && level !== undefined && level.length === 1;
    const headerLength = withLevel ? 20 : 12;
    const length = headerLength + payload.length;
    const out = Buffer.allocUnsafe(length + this.tagLength);
    out[0] = withLevel ? 0x90 : 0x80;
    out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
    out[2] = seq >>> 8;
    out[3] = seq & 0xff;
    out[4] = timestamp >>> 24;
    out[5] = (timestamp >>> 16) & 0xff;
    out[6] = (timestamp >>> 8) & 0xff;
    out[7] = timestamp & 0xff;
    const ssrc = stream.ssrc;
    out[8] = ssrc >>> 24;
    out[9] = (ssrc >>> 16) & 0xff;
    out[10] = (ssrc >>> 8) & 0xff;
    out[11] = ssrc & 0xff;
    if (withLevel) {
      // 0xBEDE, one 32-bit word: the element (id, length-1 = 0, value) and two bytes of padding.
      out[12] = 0xbe;
      out[13] = 0xde;
      out[14] = 0;
      out[15] = 1;
      out[16] = levelId << 4;
      out[17] = level[0] as number;
      out[18] = 0;
      out[19] = 0;
    }
    const roc = stream.rocFor(seq);
    if (this.ecb && this.hmac) this.cm(out, headerLength, payload, stream.ssrc, roc, seq);
    else this.gcm(out, headerLength, payload, stream.ssrc, roc, seq);
    return out;
  }

  private cm(
    out: Buffer,
    headerLength: number,
    payload: Buffer,
    ssrc: number,
    roc: number,
    seq: number,
  ): void {
    // Counter block = (salt << 16) XOR (SSRC << 64) XOR (index << 16), block number j in the low
    // 16 bits (preset in `counters`); only bytes 4..13 depend on the packet.
    const salt = this.salt;
    const iv = this.iv;
    iv[4] = (salt[4] as number) ^ (ssrc >>> 24);
    iv[5] = (salt[5] as number) ^ ((ssrc >>> 16) & 0xff);
    iv[6] = (salt[6] as number) ^ ((ssrc >>> 8) & 0xff);
    iv[7] = (salt[7] as number) ^ (ssrc & 0xff);
    iv[8] = (salt[8] as number) ^ (roc >>> 24);
    iv[9] = (salt[9] as number) ^ ((roc >>> 16) & 0xff);
    iv[10] = (salt[10] as number) ^ ((roc >>> 8) & 0xff);
    iv[11] = (salt[11] as number) ^ (roc & 0xff);
    iv[12] = (salt[12] as number) ^ (seq >>> 8);
    iv[13] = (salt[13] as number) ^ (seq & 0xff);
    const blocks = (payload.length + 15) >>> 4;
    const counters = this.counters;
    for (let j = 0; j < blocks; j++) {
      const base = j << 4;
      for (let k = 4; k < 14; k++) counters[base + k] = iv[k] as number;
    }
    const keystream = (this.ecb as Cipher).update(counters.subarray(0, blocks << 4));
    for (let i = 0; i < payload.length; i++) {
      out[headerLength + i] = (payload[i] as number) ^ (keystream[i] as number);
    }
    // The tag covers the packet and the rollover counter, written for a moment where the tag goes.
    const end = headerLength + payload.length;
    out[end] = roc >>> 24;
    out[end + 1] = (roc >>> 16) & 0xff;
    out[end + 2] = (roc >>> 8) & 0xff;
    out[end + 3] = roc & 0xff;
    (this.hmac as HmacSha1).sign(out, 0, end + 4, out, end, 10);
  }

  private gcm(
    out: Buffer,
    headerLength: number,
    payload: Buffer,
    ssrc: number,
    roc: number,
    seq: number,
  ): void {
    const iv = Buffer.allocUnsafe(12);
    iv[0] = 0;
    iv[1] = 0;
    iv.writeUInt32BE(ssrc >>> 0, 2);
    iv.writeUInt32BE(roc >>> 0, 6);
    iv[10] = seq >>> 8;
    iv[11] = seq & 0xff;
    for (let i = 0; i < 12; i++) iv[i] = (iv[i] as number) ^ (this.salt[i] as number);
    const cipher = createCipheriv('aes-128-gcm', this.key, iv);
    cipher.setAAD(out.subarray(0, headerLength));
    const encrypted = cipher.update(payload);
    cipher.final();
    encrypted.copy(out, headerLength);
    cipher.getAuthTag().copy(out, headerLength + payload.length);
  }
}
