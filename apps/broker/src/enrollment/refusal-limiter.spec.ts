import { RefusalLimiter } from './refusal-limiter';

describe('RefusalLimiter', () => {
  it('refuses an address after too many refusals, until the window has passed', () => {
    let now = 0;
    const sut = new RefusalLimiter(3, 60_000, 100, () => now);
    for (let i = 0; i < 3; i++) {
      sut.check('10.0.0.1');
      sut.refused('10.0.0.1');
    }
    expect(() => sut.check('10.0.0.1')).toThrow(/too many refused enrollment attempts/);
    expect(() => sut.check('10.0.0.2')).not.toThrow();
    now = 60_000;
    expect(() => sut.check('10.0.0.1')).not.toThrow();
  });

  it('keeps at most maxAddresses entries, forgetting the oldest', () => {
    const sut = new RefusalLimiter(1, 60_000, 2, () => 0);
    sut.refused('a');
    sut.refused('b');
    sut.refused('c');
    expect(() => sut.check('a')).not.toThrow();
    expect(() => sut.check('c')).toThrow();
  });
});
