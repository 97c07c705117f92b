import { ExponentialBackoff } from './backoff.js';

describe('ExponentialBackoff', () => {
  it('doubles the ceiling per failure up to the cap, with the delay drawn below it', () => {
    const backoff = new ExponentialBackoff({ baseMs: 100, maxMs: 1000, random: () => 0.999 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('spreads delays between zero and the ceiling (full jitter) so agents do not reconnect in lockstep', () => {
    const backoff = new ExponentialBackoff({ baseMs: 1000, maxMs: 1000 });
    const delays = Array.from({ length: 200 }, () => backoff.next());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });

  it('starts again from the base delay after a successful connection', () => {
    const backoff = new ExponentialBackoff({ baseMs: 100, maxMs: 10_000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(50);
    expect(backoff.attempts).toBe(1);
  });
});
