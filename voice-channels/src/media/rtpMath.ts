/** Wrap-around arithmetic for RTP's 16-bit sequence numbers and 32-bit timestamps. */

/** `a - b` as a signed 16-bit distance: positive when `a` is newer than `b`. */
export function seqDistance(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

export function seqAdd(a: number, b: number): number {
  return (a + b) & 0xffff;
}

export function tsAdd(a: number, b: number): number {
  return (a + b) >>> 0;
}

export function randomSeq(): number {
  return Math.floor(Math.random() * 0x8000);
}

export function randomTimestamp(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
