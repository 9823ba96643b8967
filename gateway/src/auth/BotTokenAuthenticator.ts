import {
  commonErrors,
  DriftwayError,
  type Identity,
  LruCache,
  type RevocationRegistry,
  type Storage,
} from '@driftway/common';
import { BOT_TOKEN_SHAPE, sha256Hex } from './opaqueTokens.js';

export type BotAuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' }
  | { ok: false; reason: 'unavailable'; error: DriftwayError };

export interface BotTokenAuthenticatorOptions {
  storage: Storage;
  registry: RevocationRegistry;
  now: () => number;
  /** Safety net only: revocations reach the cache through the registry well before this. */
  cacheTtlMs?: number;
  cacheSize?: number;
}

interface CacheEntry {
  identity: Identity;
  tokenId: string;
  expiresAt: number;
}

/**
 * `Authorization: Bot <token>`: looks the token up by hash and caches the identity briefly. Every
 * hit is checked against the registry's revoked ids, so a revocation on any instance wins over
 * the cache as soon as its broadcast arrives; after a resync (messages may have been missed) the
 * cache is dropped.
 */
export class BotTokenAuthenticator {
  private readonly cache: LruCache<string, CacheEntry>;
  private readonly cacheTtlMs: number;

  constructor(private readonly options: BotTokenAuthenticatorOptions) {
    this.cache = new LruCache(options.cacheSize ?? 10_000);
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    options.registry.onResynced(() => this.cache.clear());
  }

  async authenticate(token: string): Promise<BotAuthResult> {
    if (!BOT_TOKEN_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
    const { registry, storage, now } = this.options;
    const hash = sha256Hex(token);
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > now()) {
      if (registry.isBotTokenRevoked(hit.tokenId)) {
        this.cache.delete(hash);
        return { ok: false, reason: 'revoked' };
      }
      return { ok: true, identity: hit.identity };
    }

    let record: Awaited<ReturnType<Storage['botTokens']['getByHash']>>;
    try {
      record = await storage.botTokens.getByHash(hash);
    } catch (err) {
      const error =
        err instanceof DriftwayError ? err : commonErrors.create('STORE_UNAVAILABLE', { cause: err });
      return { ok: false, reason: 'unavailable', error };
    }
    if (!record) return { ok: false, reason: 'unknown' };
    // The registry also covers a revocation that landed while this lookup was in flight.
    if (record.revokedAt !== null || registry.isBotTokenRevoked(record.id))
      return { ok: false, reason: 'revoked' };
    const identity: Identity = Object.freeze({
      kind: 'bot',
      userId: record.botUserId,
      scopes: Object.freeze([...record.scopes]) as string[],
      sessionId: record.id,
      applicationId: record.applicationId,
    });
    this.cache.set(hash, { identity, tokenId: record.id, expiresAt: now() + this.cacheTtlMs });
    return { ok: true, identity };
  }
}
