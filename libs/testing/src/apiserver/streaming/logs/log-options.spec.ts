import { parseLogOptions } from './log-options.js';

const now = Date.parse('2026-01-02T03:04:05Z');

describe('log query options', () => {
  it('reads the options kubectl logs sends', () => {
    const query = new URLSearchParams(
      'container=api&follow=true&tailLines=10&timestamps=true&sinceSeconds=60&limitBytes=500',
    );
    expect(parseLogOptions(query, now)).toEqual({
      ok: true,
      options: {
        follow: true,
        timestamps: true,
        previous: false,
        tailLines: 10,
        since: now - 60_000,
        limitBytes: 500,
      },
    });
    expect(parseLogOptions(new URLSearchParams('sinceTime=2026-01-02T03:00:00Z'), now)).toMatchObject({
      options: { since: Date.parse('2026-01-02T03:00:00Z') },
    });
  });

  it('rejects values the API server would reject', () => {
    for (const bad of [
      'tailLines=-1',
      'tailLines=ten',
      'limitBytes=0',
      'sinceSeconds=0',
      'follow=maybe',
      'sinceTime=yesterday',
    ]) {
      expect(parseLogOptions(new URLSearchParams(bad), now)).toMatchObject({ ok: false });
    }
    expect(
      parseLogOptions(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-02T03:00:00Z'), now),
    ).toEqual({
      ok: false,
      message: 'at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  });
});
