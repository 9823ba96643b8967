/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 2 ** 32;

/**
 * Wall-clock milliseconds for a `performance.now()` reading. The sender reports take their NTP time
 * from here rather than Date.now(): it has sub-millisecond resolution and never steps, so it stays
 * consistent with the packet send times (also performance.now()) the RTP timestamp is extrapolated
 * from, and a round-trip time computed from an echoed LSR does not jump when the system clock is
 * adjusted.
 */
export function wallClockMs(now: number): number {
  return performance.timeOrigin + now;
}

/** The 64-bit NTP timestamp (RFC 3550 §4: seconds since 1900 and a 32-bit binary fraction). */
export function ntpTimestamp(wallMs: number): bigint {
  const seconds = Math.floor(wallMs / 1_000);
  const fraction = Math.floor((wallMs - seconds * 1_000) * (TWO_32 / 1_000));
  // The seconds wrap modulo 2^32 (NTP era 1 begins in 2036), as RFC 3550 expects.
  return (BigInt((seconds + NTP_UNIX_OFFSET_S) % TWO_32) << 32n) | BigInt(fraction);
}

/** The middle 32 bits of the NTP timestamp: the units of LSR and DLSR in report blocks (1/65536 s). */
export function compactNtp(wallMs: number): number {
  const seconds = Math.floor(wallMs / 1_000);
  const fraction = Math.floor((wallMs - seconds * 1_000) * (TWO_32 / 1_000));
  return (((seconds + NTP_UNIX_OFFSET_S) & 0xffff) * 0x10000 + (fraction >>> 16)) >>> 0;
}

/** Wall-clock milliseconds of a 64-bit NTP timestamp (for tests and diagnostics; era 0). */
export function ntpToWallMs(ntp: bigint): number {
  const seconds = Number(ntp >> 32n);
  const fraction = Number(ntp & 0xffffffffn);
  return (seconds - NTP_UNIX_OFFSET_S) * 1_000 + (fraction * 1_000) / TWO_32;
}
