import type { Logger, Storage } from '@driftway/common';
import { CloseCode } from '../protocol.js';
import type { Session } from '../Session.js';
import type { SessionRegistry } from '../SessionRegistry.js';
import type { GatewayAuthenticator } from './GatewayAuthenticator.js';

export interface CredentialGuardOptions {
  registry: SessionRegistry;
  auth: GatewayAuthenticator;
  accounts: Storage;
  logger: Logger;
  close: (session: Session, code: number) => void;
}

/** Closes live sessions (4004) whose credential was revoked after they identified. */
export class CredentialGuard {
  constructor(private readonly options: CredentialGuardOptions) {}

  /** A revocation arrived (logout, refresh-token reuse, bot token revoked or reset). */
  revoked(kind: 'user' | 'bot', credentialId: string): void {
    for (const session of this.options.registry.withCredential(credentialId)) {
      if (session.credential?.kind !== kind) continue;
      this.options.logger.info({ session: session.logId, kind }, 'credential revoked: closing session');
      this.options.close(session, CloseCode.AUTHENTICATION_FAILED);
    }
  }

  /**
   * After a revocation resync, and periodically: user sessions against the revocation registry,
   * bot sessions against the accounts store — which also catches bot key revocations that the
   * embedded gateway (another process, no shared bus) could not deliver here.
   */
  async recheck(): Promise<void> {
    const { registry, auth, accounts, close } = this.options;
    const botTokens = new Map<string, Session[]>();
    for (const session of [...registry.identified()]) {
      const credential = session.credential;
      if (!credential) continue;
      if (credential.kind === 'user') {
        if (auth.isRevoked(credential)) close(session, CloseCode.AUTHENTICATION_FAILED);
        continue;
      }
      const list = botTokens.get(credential.credentialId) ?? [];
      list.push(session);
      botTokens.set(credential.credentialId, list);
    }
    for (const [tokenId, sessions] of botTokens) {
      let live: boolean;
      try {
        const record = await accounts.botTokens.getById(tokenId);
        live = record !== null && record.revokedAt === null;
      } catch (err) {
        this.options.logger.warn({ err }, 'bot token re-check failed');
        return;
      }
      if (live && !auth.isRevoked({ kind: 'bot', credentialId: tokenId })) continue;
      for (const session of sessions) close(session, CloseCode.AUTHENTICATION_FAILED);
    }
  }
}
