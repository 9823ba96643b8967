/** Digits reserved for `s` (Number.MAX_SAFE_INTEGER has 16). */
const MAX_DIGITS = 16;

/**
 * One dispatch frame as UTF-8 bytes, `{"op":0,"t":"…","s":` + s + `,"d":…}`, renumbered in place
 * for each session: the payload is encoded once, and a session's frame costs writing the digits
 * of its `s` (the head moves only when the digit count changes). What `bytes()` returns is a view
 * of this one buffer, valid until the next call: ws.send copies it, anything that keeps it (a
 * deflate stream) must copy it first.
 *
 * Layout: [ head | digits | tail ], the tail fixed at `tailAt`, digits right-aligned against it.
 */
export class NumberedFrame {
  private readonly buf: Buffer;
  private readonly head: Buffer;
  private readonly tailAt: number;
  private readonly end: number;
  /** Views by digit count, made once. */
  private readonly views: (Buffer | undefined)[] = [];
  private digits = 0;

  constructor(head: string, tail: string) {
    this.head = Buffer.from(head);
    const tailLength = Buffer.byteLength(tail);
    this.tailAt = this.head.length + MAX_DIGITS;
    this.end = this.tailAt + tailLength;
    this.buf = Buffer.allocUnsafe(this.end);
    this.buf.write(tail, this.tailAt, 'utf8');
  }

  bytes(s: number): Buffer {
    const buf = this.buf;
    let at = this.tailAt;
    if (s < 10) {
      buf[--at] = 48 + s;
    } else {
      for (let n = s; n > 0; n = Math.floor(n / 10)) buf[--at] = 48 + (n % 10);
    }
    const digits = this.tailAt - at;
    let view = this.views[digits];
    if (this.digits !== digits) {
      this.digits = digits;
      this.head.copy(buf, at - this.head.length);
    }
    if (!view) {
      view = buf.subarray(at - this.head.length, this.end);
      this.views[digits] = view;
    }
    return view;
  }
}
