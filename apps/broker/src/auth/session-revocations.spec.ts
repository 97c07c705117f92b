import { SessionRevocations } from './session-revocations';

function sut(options: { ttlMs?: number; staleOnErrorMs?: number } = {}) {
  let now = 1_000_000;
  const revoked = new Set<string>();
  let reads = 0;
  let failing = false;
  let gate: Promise<void> | undefined;
  const revocations = new SessionRevocations(
    async (id) => {
      reads += 1;
      const seen = revoked.has(id);
      await gate;
      if (failing) throw new Error('database is down');
      return seen;
    },
    { ttlMs: options.ttlMs ?? 5_000, staleOnErrorMs: options.staleOnErrorMs ?? 60_000, now: () => now },
  );
  return {
    revocations,
    revoke: (id: string) => revoked.add(id),
    advance: (ms: number) => (now += ms),
    reads: () => reads,
    fail: (on: boolean) => (failing = on),
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('SessionRevocations', () => {
  it('asks the database once per session per recheck interval, and again after it', async () => {
    const s = sut();
    expect(await s.revocations.isRevoked('s1')).toBe(false);
    expect(await s.revocations.isRevoked('s1')).toBe(false);
    expect(s.reads()).toBe(1);
    s.revoke('s1');
    s.advance(5_000);
    expect(await s.revocations.isRevoked('s1')).toBe(true);
  });

  it('sees a revocation at once when the feed says forget, without waiting for the interval', async () => {
    const s = sut();
    expect(await s.revocations.isRevoked('s1')).toBe(false);
    s.revoke('s1');
    s.revocations.forget('s1');
    expect(await s.revocations.isRevoked('s1')).toBe(true);
  });

  it('drops every verdict after a gap in the feed', async () => {
    const s = sut();
    await s.revocations.isRevoked('s1');
    await s.revocations.isRevoked('s2');
    s.revoke('s1');
    s.revoke('s2');
    s.revocations.forgetAll();
    expect(await s.revocations.isRevoked('s1')).toBe(true);
    expect(await s.revocations.isRevoked('s2')).toBe(true);
  });

  it('does not cache a read that began before a revocation notice', async () => {
    const s = sut();
    const release = s.hold();
    const slow = s.revocations.isRevoked('s1');
    s.revoke('s1');
    s.revocations.forget('s1');
    release();
    expect(await slow).toBe(false);
    expect(await s.revocations.isRevoked('s1')).toBe(true);
  });

  it('shares one read between concurrent requests of a session', async () => {
    const s = sut();
    const release = s.hold();
    const answers = Promise.all([1, 2, 3].map(() => s.revocations.isRevoked('s1')));
    release();
    expect(await answers).toEqual([false, false, false]);
    expect(s.reads()).toBe(1);
  });

  it('rides out a short database outage on the last verdict, then fails closed', async () => {
    const s = sut({ ttlMs: 5_000, staleOnErrorMs: 30_000 });
    await s.revocations.isRevoked('s1');
    s.fail(true);
    s.advance(10_000);
    expect(await s.revocations.isRevoked('s1')).toBe(false);
    s.advance(25_000);
    await expect(s.revocations.isRevoked('s1')).rejects.toThrow(
      /cannot check whether the session was revoked/,
    );
    await expect(s.revocations.isRevoked('never-seen')).rejects.toThrow(/database is down/);
  });
});
