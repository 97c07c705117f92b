import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  it('forgets an entry at the token’s expiry or its maximum age, whichever comes first', () => {
    const cache = new VerifiedTokenCache<string>(10, 60_000);
    cache.set('short', 'a', 1_000 + 5_000, 1_000);
    cache.set('long', 'b', 1_000 + 600_000, 1_000);
    expect(cache.get('short', 5_999)).toBe('a');
    expect(cache.get('short', 6_000)).toBeUndefined();
    expect(cache.get('long', 60_999)).toBe('b');
    expect(cache.get('long', 61_000)).toBeUndefined();
  });

  it('never holds more than its bound, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache<number>(3, 60_000);
    for (let i = 0; i < 10; i++) cache.set(`t${i}`, i, 100_000, 0);
    expect(cache.size).toBe(3);
    expect(cache.get('t6', 1)).toBeUndefined();
    expect([cache.get('t7', 1), cache.get('t8', 1), cache.get('t9', 1)]).toEqual([7, 8, 9]);
  });

  it('does not store a token that is already expired', () => {
    const cache = new VerifiedTokenCache<number>(3, 60_000);
    cache.set('old', 1, 500, 1_000);
    expect(cache.size).toBe(0);
  });
});
