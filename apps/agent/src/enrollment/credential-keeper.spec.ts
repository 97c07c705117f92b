import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { StoredCredential } from './credential-store';
import { CredentialKeeper, type EnrollmentApi, EnrollmentFatalError } from './credential-keeper';
import { EnrollmentRefusedError } from './enrollment-client';
import { FileCredentialStore } from './file-credential-store';

const hour = 3_600_000;
const grant = (credential: string, lifetimeMs = 24 * hour, cluster = 'dev-east'): StoredCredential => ({
  credential,
  cluster,
  issuedAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + lifetimeMs).toISOString(),
});

class FakeBroker implements EnrollmentApi {
  joins: string[] = [];
  rotations: string[] = [];
  joinAnswer: () => Promise<StoredCredential> = async () => grant('tac_joined');
  rotateAnswer: () => Promise<StoredCredential> = async () => grant('tac_rotated', 48 * hour);
  join(joinToken: string): Promise<StoredCredential> {
    this.joins.push(joinToken);
    return this.joinAnswer();
  }
  rotate(credential: string): Promise<StoredCredential> {
    this.rotations.push(credential);
    return this.rotateAnswer();
  }
}

describe('CredentialKeeper', () => {
  let dir: string;
  let broker: FakeBroker;
  const keepers: CredentialKeeper[] = [];
  const keeper = (joinTokenFile?: string) => {
    const k = new CredentialKeeper({
      cluster: 'dev-east',
      store: new FileCredentialStore(join(dir, 'state', 'credential.json')),
      api: broker,
      joinTokenFile,
      logger: pino({ level: 'silent' }),
      retry: { baseMs: 5, maxMs: 20 },
    });
    keepers.push(k);
    return k;
  };
  const tokenFile = (token: string) => {
    const path = join(dir, 'join-token');
    writeFileSync(path, `${token}\n`);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tether-keeper-'));
    broker = new FakeBroker();
  });
  afterEach(() => {
    for (const k of keepers.splice(0)) k.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins once, stores the credential privately, and a restarted agent uses the stored one', async () => {
    const first = keeper(tokenFile('tjt_one'));
    await first.start();
    expect(broker.joins).toEqual(['tjt_one']);
    expect(await first.header()).toBe('Bearer tac_joined');
    const file = join(dir, 'state', 'credential.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      credential: 'tac_joined',
      cluster: 'dev-east',
    });

    const restarted = keeper(tokenFile('tjt_one'));
    await restarted.start();
    expect(broker.joins).toEqual(['tjt_one']);
    expect(await restarted.header()).toBe('Bearer tac_joined');
  });

  it('a refused join token is fatal, naming the command that gives a new one', async () => {
    broker.joinAnswer = () =>
      Promise.reject(
        new EnrollmentRefusedError(
          401,
          'join_token_used',
          'this join token was already used; an admin can run: tether cluster rotate dev-east',
        ),
      );
    const error = await keeper(tokenFile('tjt_used'))
      .start()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnrollmentFatalError);
    expect((error as Error).message).toMatch(/join_token_used.*tether cluster rotate dev-east.*helm upgrade/);
  });

  it('a replica whose sibling just used the shared join token takes the credential the sibling stored', async () => {
    const path = tokenFile('tjt_shared');
    const sibling = keeper(path);
    const replica = keeper(path);
    // This replica is refused (the sibling won the race) and the sibling stores its credential just after.
    broker.joinAnswer = async () => {
      broker.joinAnswer = async () => grant('tac_sibling');
      setTimeout(() => void sibling.start(), 1);
      throw new EnrollmentRefusedError(401, 'join_token_used', 'already used');
    };
    await replica.start();
    expect(await replica.header()).toBe('Bearer tac_sibling');
  });

  it('without a stored credential or a join token it says how to enroll', async () => {
    await expect(keeper().start()).rejects.toThrow(
      /no agent credential in file .*`tether cluster add dev-east`/,
    );
  });

  it('retries a broker that cannot be reached instead of giving up', async () => {
    let calls = 0;
    broker.joinAnswer = async () => {
      if (++calls < 3) throw new Error('connect ECONNREFUSED');
      return grant('tac_late');
    };
    const k = keeper(tokenFile('tjt_retry'));
    await k.start();
    expect(calls).toBe(3);
    expect(await k.header()).toBe('Bearer tac_late');
  });

  it('rotates: stores the new credential before using it', async () => {
    const k = keeper(tokenFile('tjt_rot'));
    await k.start();
    await k.rotate();
    expect(broker.rotations).toEqual(['tac_joined']);
    expect(await k.header()).toBe('Bearer tac_rotated');
    const stored = JSON.parse(
      readFileSync(join(dir, 'state', 'credential.json'), 'utf8'),
    ) as StoredCredential;
    expect(stored.credential).toBe('tac_rotated');
  });

  it('adopts a credential another replica already rotated instead of rotating again', async () => {
    const k = keeper(tokenFile('tjt_rep'));
    await k.start();
    await new FileCredentialStore(join(dir, 'state', 'credential.json')).write(grant('tac_other', 72 * hour));
    await k.rotate();
    expect(broker.rotations).toEqual([]);
    expect(await k.header()).toBe('Bearer tac_other');
  });

  it('after a refusal, joins again with a newly mounted join token', async () => {
    const path = tokenFile('tjt_first');
    const k = keeper(path);
    await k.start();
    k.noteRefused('credential revoked');
    expect(await k.header()).toBe('Bearer tac_joined');
    expect(broker.joins).toEqual(['tjt_first']); // the used token is not tried again

    writeFileSync(path, 'tjt_second');
    broker.joinAnswer = async () => grant('tac_rejoined');
    k.noteRefused('credential revoked');
    expect(await k.header()).toBe('Bearer tac_rejoined');
    expect(broker.joins).toEqual(['tjt_first', 'tjt_second']);
  });

  it('rotates at two thirds of the lifetime on its own', async () => {
    broker.joinAnswer = async () => grant('tac_short', 7_500);
    const k = keeper(tokenFile('tjt_timer'));
    await k.start();
    const deadline = Date.now() + 15_000;
    while (broker.rotations.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(broker.rotations).toEqual(['tac_short']);
  }, 20_000);
});
