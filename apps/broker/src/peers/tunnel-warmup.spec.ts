import { TunnelWarmup } from './tunnel-warmup';

function sut(elsewhere: string[], deadlineAt = 1_000) {
  const state = { elsewhere: new Set(elsewhere), here: [] as string[], now: 0 };
  const warmup = new TunnelWarmup(
    () => state.elsewhere,
    () => state.here,
    deadlineAt,
    () => state.now,
  );
  return { warmup, state };
}

describe('TunnelWarmup', () => {
  it('is ready at once when no other replica has an agent (the first replica, or a single one)', () => {
    expect(sut([]).warmup.ready).toBe(true);
  });

  it('waits until every cluster connected elsewhere is connected here too', () => {
    const { warmup, state } = sut(['dev-east', 'dev-west']);
    expect(warmup.ready).toBe(false);
    state.here = ['dev-west'];
    expect(warmup.ready).toBe(false);
    expect(warmup.waitingFor()).toEqual(['dev-east']);
    state.here = ['dev-west', 'dev-east', 'other'];
    expect(warmup.ready).toBe(true);
  });

  it('is ready at the deadline even with an agent missing', () => {
    const { warmup, state } = sut(['dev-east'], 1_000);
    state.now = 999;
    expect(warmup.ready).toBe(false);
    state.now = 1_000;
    expect(warmup.ready).toBe(true);
  });

  it('stays ready once ready, whatever agents do afterwards', () => {
    const { warmup, state } = sut(['dev-east']);
    state.here = ['dev-east'];
    expect(warmup.ready).toBe(true);
    state.here = [];
    state.elsewhere = new Set(['dev-east', 'dev-west']);
    expect(warmup.ready).toBe(true);
    expect(warmup.waitingFor()).toEqual([]);
  });
});
