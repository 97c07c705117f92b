import { parseRequestDuration } from './request-duration';

describe('parseRequestDuration', () => {
  it.each([
    ['30m', 1800],
    ['1h30m', 5400],
    ['45s', 45],
    ['2h', 7200],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseRequestDuration(text)).toBe(seconds);
  });

  it.each(['', '0m', '30', 'soon', '1d', '-5m'])('rejects %j', (text) => {
    expect(parseRequestDuration(text)).toBeUndefined();
  });
});
