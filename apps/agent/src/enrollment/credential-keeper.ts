/**
 * The enrolled agent's credential over its life: taken from the store when one is there and unexpired,
 * else obtained once with the join token; rotated at about two thirds of its lifetime, stored before it
 * is used; and, when the broker refuses it, looked for again (another replica may have rotated it, an
 * operator may have mounted a new join token) while the tunnel keeps retrying.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ExponentialBackoff } from '@tether/tunnel';
import type { Logger } from 'pino';
import type { CredentialStore, StoredCredential } from './credential-store';
import { EnrollmentRefusedError } from './enrollment-client';
import { CredentialStoreConflictError } from './secret-credential-store';

export interface EnrollmentApi {
  join(joinToken: string, cluster: string): Promise<StoredCredential>;
  rotate(credential: string): Promise<StoredCredential>;
}

export interface CredentialKeeperOptions {
  cluster: string;
  store: CredentialStore;
  api: EnrollmentApi;
  joinTokenFile: string | undefined;
  logger: Logger;
  now?: () => number;
  /** Delays between retries of a failed join or rotation. Default 1 s up to 60 s. */
  retry?: { baseMs: number; maxMs: number };
}

/** The agent cannot get a credential without an operator: the message says what to run. */
export class EnrollmentFatalError extends Error {
  readonly code = 'ENROLLMENT_FATAL';
}

// A credential this close to expiry is not worth starting with.
const MIN_REMAINING_MS = 5_000;
// setTimeout overflows past ~24.8 days; long lifetimes are checked again at this interval.
const MAX_TIMER_MS = 3_600_000;
const STORE_ATTEMPTS = 4;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class CredentialKeeper {
  private current: StoredCredential | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private refused = false;
  private readonly triedJoinTokens = new Set<string>();
  private readonly now: () => number;
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly rotationBackoff: ExponentialBackoff;

  constructor(private readonly options: CredentialKeeperOptions) {
    this.now = options.now ?? Date.now;
    this.retry = options.retry ?? { baseMs: 1_000, maxMs: 60_000 };
    this.rotationBackoff = new ExponentialBackoff({ baseMs: this.retry.baseMs, maxMs: this.retry.maxMs });
  }

  /** The credential in use; `start()` must have resolved. */
  get credential(): StoredCredential {
    if (!this.current) throw new Error('the agent has no credential yet');
    return this.current;
  }

  /** Resolves with a usable credential, or rejects with EnrollmentFatalError naming the fix. */
  async start(): Promise<StoredCredential> {
    const stored = await this.readStore();
    if (stored && this.usable(stored)) {
      this.options.logger.info(
        { store: this.options.store.description, expiresAt: stored.expiresAt },
        'using the stored agent credential',
      );
      this.adopt(stored);
      return stored;
    }
    const joinToken = await this.readJoinToken();
    if (joinToken === undefined) {
      throw new EnrollmentFatalError(
        stored
          ? `the stored agent credential (${this.options.store.description}) expired at ${stored.expiresAt} and there is no join token: an admin runs \`tether cluster rotate ${this.options.cluster}\` and gives the agent the new token (helm upgrade --set joinToken=...)`
          : `no agent credential in ${this.options.store.description} and no join token (TETHER_AGENT_JOIN_TOKEN_FILE): an admin runs \`tether cluster add ${this.options.cluster}\` and installs the agent with the printed token`,
      );
    }
    const joined = await this.joinWithRetry(joinToken);
    if (joined) return joined;
    // Another replica of this agent may have joined with the same token and be storing the credential.
    for (let look = 0; look < 3; look++) {
      const winner = await this.readStore();
      if (winner && this.usable(winner)) {
        this.options.logger.info(
          'another agent replica joined with this token; using the credential it stored',
        );
        this.adopt(winner);
        return winner;
      }
      if (this.lastJoinCode !== 'join_token_used') break;
      await sleep(this.retry.baseMs * 2);
    }
    throw this.lastJoinRefusal as Error;
  }

  /** The Authorization header for the next tunnel connect; after a refusal, looks for a better credential. */
  async header(): Promise<string> {
    if (this.refused) {
      this.refused = false;
      await this.recover();
    }
    return `Bearer ${this.credential.credential}`;
  }

  /** The broker refused the credential on connect (cluster removed, credential revoked or expired). */
  noteRefused(reason: string): void {
    if (!this.refused)
      this.options.logger.error(
        { cluster: this.options.cluster, reason },
        `the broker refused this agent's credential; the agent keeps retrying. If the cluster was removed, an admin re-adds it (tether cluster add ${this.options.cluster}); if the credential was revoked or expired, an admin runs \`tether cluster rotate ${this.options.cluster}\` and the agent gets the new join token`,
      );
    this.refused = true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Rotates now (tests and the timer). */
  async rotate(): Promise<void> {
    const current = this.credential;
    const stored = await this.readStore().catch(() => undefined);
    if (stored && this.newer(stored, current)) {
      this.options.logger.info(
        { expiresAt: stored.expiresAt },
        'another agent replica rotated the credential; using it',
      );
      this.adopt(stored);
      return;
    }
    let next: StoredCredential;
    try {
      next = await this.options.api.rotate(current.credential);
    } catch (error) {
      if (error instanceof EnrollmentRefusedError && error.code === 'credential_replaced') {
        const latest = await this.readStore().catch(() => undefined);
        if (latest && this.newer(latest, current)) {
          this.adopt(latest);
          return;
        }
      }
      const retryInMs = this.rotationBackoff.next() + this.retry.baseMs;
      this.options.logger.warn(
        { reason: (error as Error).message, retryInMs, expiresAt: current.expiresAt },
        'could not rotate the agent credential; retrying',
      );
      this.schedule(retryInMs);
      return;
    }
    await this.persist(next);
    this.rotationBackoff.reset();
    this.options.logger.info({ expiresAt: next.expiresAt }, 'agent credential rotated');
    this.adopt(next);
  }

  private lastJoinRefusal: EnrollmentFatalError | undefined;
  private lastJoinCode: string | undefined;

  private async joinWithRetry(joinToken: string): Promise<StoredCredential | undefined> {
    this.triedJoinTokens.add(sha256(joinToken));
    const backoff = new ExponentialBackoff({ baseMs: this.retry.baseMs, maxMs: this.retry.maxMs });
    for (;;) {
      if (this.stopped) throw new EnrollmentFatalError('the agent stopped while joining');
      try {
        const credential = await this.options.api.join(joinToken, this.options.cluster);
        if (credential.cluster !== this.options.cluster)
          throw new EnrollmentFatalError(
            `the broker enrolled this agent as cluster ${credential.cluster}, but it is configured as ${this.options.cluster}`,
          );
        await this.persist(credential);
        this.options.logger.info(
          { store: this.options.store.description, expiresAt: credential.expiresAt },
          'joined the broker with the join token; credential stored',
        );
        this.adopt(credential);
        return credential;
      } catch (error) {
        if (error instanceof EnrollmentFatalError) throw error;
        if (error instanceof EnrollmentRefusedError) {
          this.lastJoinCode = error.code;
          this.lastJoinRefusal = new EnrollmentFatalError(
            `the broker refused the join token (${error.code}): ${error.message}; then give the agent the new token (helm upgrade --set joinToken=...)`,
          );
          return undefined;
        }
        const retryInMs = backoff.next() + this.retry.baseMs;
        this.options.logger.warn(
          { reason: (error as Error).message, retryInMs },
          'could not reach the broker to join; retrying',
        );
        await sleep(retryInMs);
      }
    }
  }

  // Stored before use: a crash right after rotation must not leave the agent with a credential nobody has.
  private async persist(credential: StoredCredential): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.store.write(credential);
        return;
      } catch (error) {
        if (error instanceof CredentialStoreConflictError) continue;
        if (attempt >= STORE_ATTEMPTS) {
          this.options.logger.error(
            { store: this.options.store.description, reason: (error as Error).message },
            'could not store the new agent credential; using it anyway (a restart will need a new join token)',
          );
          return;
        }
        await sleep(this.retry.baseMs * 2 ** attempt);
      }
    }
  }

  private async recover(): Promise<void> {
    const stored = await this.readStore().catch(() => undefined);
    if (stored && this.usable(stored) && stored.credential !== this.current?.credential) {
      this.options.logger.info('found a different credential in the store; trying it');
      this.adopt(stored);
      return;
    }
    const joinToken = await this.readJoinToken().catch(() => undefined);
    if (joinToken === undefined || this.triedJoinTokens.has(sha256(joinToken))) return;
    this.options.logger.info('a new join token is mounted; joining again');
    const joined = await this.joinWithRetry(joinToken).catch((error: unknown) => {
      this.options.logger.error({ reason: (error as Error).message }, 'joining again failed');
      return undefined;
    });
    if (!joined && this.lastJoinRefusal) this.options.logger.error(this.lastJoinRefusal.message);
  }

  private adopt(credential: StoredCredential): void {
    this.current = credential;
    const issued = Date.parse(credential.issuedAt);
    const expires = Date.parse(credential.expiresAt);
    this.scheduleAt(issued + ((expires - issued) * 2) / 3);
  }

  private scheduleAt(at: number): void {
    this.schedule(Math.max(0, at - this.now()));
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const wait = Math.min(delayMs, MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      if (wait < delayMs) this.schedule(delayMs - wait);
      else void this.rotate();
    }, wait);
    this.timer.unref();
  }

  private usable(credential: StoredCredential): boolean {
    return (
      credential.cluster === this.options.cluster &&
      Date.parse(credential.expiresAt) - this.now() > MIN_REMAINING_MS
    );
  }

  private newer(candidate: StoredCredential, than: StoredCredential): boolean {
    return (
      candidate.credential !== than.credential &&
      this.usable(candidate) &&
      Date.parse(candidate.expiresAt) > Date.parse(than.expiresAt)
    );
  }

  private async readStore(): Promise<StoredCredential | undefined> {
    return this.options.store.read();
  }

  private async readJoinToken(): Promise<string | undefined> {
    if (!this.options.joinTokenFile) return undefined;
    try {
      const token = (await readFile(this.options.joinTokenFile, 'utf8')).trim();
      return token === '' ? undefined : token;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
