import type { Provider } from '@nestjs/common';
import type { BrokerConfig } from '@tether/config';
import { loadOrGenerateEd25519 } from '../broker-keys';
import { brokerIssuer, keyIdOf, sessionAudience } from '../broker-core.providers';
import { BROKER_CONFIG } from '../broker-config.provider';
import { ChangeFeed } from '../change-feed/change-feed';
import { BrokerDatabase } from '../database/broker-database';
import { SessionRevocations } from './session-revocations';
import { SessionStore } from './session-store';
import { SessionTokens } from './session-tokens';

/**
 * Without the change feed, a revocation on another replica shows here within this long. With it,
 * at once; this bounds the damage of a lost notification at one database read per session per 5 s.
 */
export const REVOCATION_RECHECK_MS = 5_000;
/** A database outage shorter than this does not lock everyone out; a longer one fails closed. */
export const REVOCATION_STALE_ON_ERROR_MS = 60_000;

/** Sessions in the shared database, their revocation check, and the tokens that carry them. */
export const sessionProviders: Provider[] = [
  {
    provide: SessionStore,
    useFactory: async (config: BrokerConfig, database: BrokerDatabase, feed: ChangeFeed) => {
      const store = new SessionStore(database.client, {
        refreshTtlMs: config.REFRESH_TOKEN_TTL_SECONDS * 1000,
        onRevoked: (sessionId) => feed.publish({ type: 'session-revoked', sessionId }),
      });
      await store.migrate();
      return store;
    },
    inject: [BROKER_CONFIG, BrokerDatabase, ChangeFeed],
  },
  {
    provide: SessionRevocations,
    useFactory: (sessions: SessionStore, feed: ChangeFeed) => {
      const revocations = new SessionRevocations((sessionId) => sessions.isRevoked(sessionId), {
        ttlMs: REVOCATION_RECHECK_MS,
        staleOnErrorMs: REVOCATION_STALE_ON_ERROR_MS,
      });
      feed.on('session-revoked', ({ sessionId }) => revocations.forget(sessionId));
      feed.onResync(() => revocations.forgetAll());
      return revocations;
    },
    inject: [SessionStore, ChangeFeed],
  },
  {
    provide: SessionTokens,
    // Every replica given the same key file signs with the same key and kid, so any one verifies.
    useFactory: (config: BrokerConfig, revocations: SessionRevocations) => {
      const keys = loadOrGenerateEd25519(config.SESSION_KEY_FILE);
      return new SessionTokens({
        issuer: brokerIssuer(config),
        audience: sessionAudience,
        keyId: keyIdOf(keys.publicKey.export({ format: 'der', type: 'spki' })),
        ...keys,
        isRevoked: (sessionId) => revocations.isRevoked(sessionId),
      });
    },
    inject: [BROKER_CONFIG, SessionRevocations],
  },
];
