import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and ~50-100 ms per hash: above OWASP's floor without starving a small host. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Bounds for params read back from the database: a tampered row must not make us allocate gigabytes.
const MAX_N = 2 ** 20;
const MAX_RP = 64;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * scrypt password hashes stored as `scrypt$N$r$p$salt$hash` (base64url), so parameters can be raised
 * later without invalidating existing hashes. Runs on libuv's thread pool: never blocks the loop.
 */
export class PasswordHasher {
  private dummyHash: string | null = null;

  constructor(private readonly params: ScryptParams = DEFAULT_SCRYPT_PARAMS) {}

  /** Computes the dummy hash up front, so the first unknown-user login is not the slow one. */
  async prepare(): Promise<void> {
    this.dummyHash ??= await this.hash(randomBytes(16).toString('base64url'));
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await scryptAsync(password, salt, this.params);
    const { N, r, p } = this.params;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** False for a wrong password and for a stored string we cannot parse. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const key = await scryptAsync(password, parsed.salt, parsed.params);
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  }

  /**
   * Spends the same time as verify() against a real account, for logins naming no account: the
   * response time must not tell an attacker which usernames exist.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= await this.hash(randomBytes(16).toString('base64url'));
    await this.verify(password, this.dummyHash);
    return false;
  }
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const valid =
    Number.isInteger(N) &&
    N > 1 &&
    N <= MAX_N &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= MAX_RP &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= MAX_RP;
  if (!valid) return null;
  const salt = Buffer.from(parts[4] as string, 'base64url');
  const key = Buffer.from(parts[5] as string, 'base64url');
  if (salt.length === 0 || key.length === 0) return null;
  return { params: { N, r, p }, salt, key };
}
