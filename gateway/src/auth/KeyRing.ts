import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PublicJwk, toPublicJwk, VerificationKeys } from '@driftway/common';
import { calculateJwkThumbprint } from 'jose';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../GatewayContext.js';

export const GENERATED_KEYS_FILE = 'jwt-keys.json';

interface SigningKey {
  kid: string;
  key: KeyObject;
}

/**
 * The gateway's JWT keys. The first key signs; every key verifies, so a rotation publishes the new
 * key second, waits for caches of the JWKS, then swaps the order, and finally drops the old one.
 */
export class KeyRing {
  readonly verificationKeys: VerificationKeys;

  private constructor(
    readonly signing: SigningKey,
    readonly publicJwks: PublicJwk[],
  ) {
    this.verificationKeys = new VerificationKeys(publicJwks as unknown as Record<string, unknown>[]);
  }

  static fromPrivateJwks(jwks: Record<string, unknown>[]): KeyRing {
    if (jwks.length === 0) throw new Error('invalid configuration: JWT_PRIVATE_KEYS has no key');
    const publicJwks: PublicJwk[] = [];
    let signing: SigningKey | null = null;
    for (const jwk of jwks) {
      let pub: PublicJwk;
      let key: KeyObject;
      try {
        pub = toPublicJwk(jwk);
        if (typeof jwk.d !== 'string') throw new TypeError('a key has no private part (d)');
        key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pub.x, d: jwk.d }, format: 'jwk' });
      } catch (err) {
        throw new Error(`invalid configuration: JWT_PRIVATE_KEYS ${(err as Error).message}`, { cause: err });
      }
      if (publicJwks.some((k) => k.kid === pub.kid))
        throw new Error(`invalid configuration: JWT_PRIVATE_KEYS repeats kid ${pub.kid}`);
      publicJwks.push(pub);
      signing ??= { kid: pub.kid, key };
    }
    return new KeyRing(signing as SigningKey, publicJwks);
  }

  /**
   * Configured keys, or in embedded mode a key generated once and kept under DATA_DIR (0600) so a
   * restart does not log everybody out.
   */
  static async load(config: GatewayConfig, logger: GatewayContext['logger']): Promise<KeyRing> {
    if (config.jwt.privateKeys) return KeyRing.fromPrivateJwks(config.jwt.privateKeys);
    if (config.mode !== 'embedded') throw new Error('invalid configuration: JWT_PRIVATE_KEYS is required');
    const file = join(config.dataDir, GENERATED_KEYS_FILE);
    let stored: string | null = null;
    try {
      stored = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (stored !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(stored);
      } catch (err) {
        throw new Error(`${file} is not valid JSON; fix or delete it`, { cause: err });
      }
      return KeyRing.fromPrivateJwks(parsed as Record<string, unknown>[]);
    }
    const jwk = await generatePrivateJwk();
    await mkdir(config.dataDir, { recursive: true });
    // flag 'wx': two processes starting at once must not overwrite each other's key.
    try {
      await writeFile(file, JSON.stringify([jwk]), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return KeyRing.load(config, logger);
      throw err;
    }
    logger.info({ file, kid: jwk.kid }, 'generated a JWT signing key (embedded mode)');
    return KeyRing.fromPrivateJwks([jwk]);
  }
}

/** A new Ed25519 private JWK whose kid is its RFC 7638 thumbprint. */
export async function generatePrivateJwk(): Promise<Record<string, unknown> & { kid: string }> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x as string });
  return { ...jwk, kid };
}
