import { TunnelProtocolError } from './errors.js';
import { ReceiveWindow, SendWindow, WindowBudget } from './flow-control.js';

describe('SendWindow', () => {
  it('never lets more bytes go out than were granted', () => {
    const window = new SendWindow(100);
    window.consume(60);
    expect(window.available).toBe(40);
    expect(() => window.consume(41)).toThrow(RangeError);
    window.grant(10);
    expect(window.available).toBe(50);
  });

  it('treats a grant past 2^31-1 as a protocol error', () => {
    const window = new SendWindow(2 ** 31 - 10);
    expect(() => window.grant(100)).toThrow(TunnelProtocolError);
  });
});

describe('ReceiveWindow', () => {
  it('detects a peer sending beyond its credit', () => {
    const window = new ReceiveWindow(1000);
    expect(window.receive(1000)).toBe(true);
    expect(window.receive(1)).toBe(false);
  });

  it('grants credit back only as the reader takes data, in batches of at least half a window', () => {
    const window = new ReceiveWindow(1000);
    window.receive(1000);
    expect(window.consume(300)).toBe(0);
    expect(window.consume(200)).toBe(500);
    expect(window.bufferedBytes).toBe(500);
    // Received plus granted never exceeds the window.
    expect(window.receive(501)).toBe(false);
    expect(window.receive(500)).toBe(true);
  });

  it('keeps buffered bytes bounded by the window however the peer splits its frames', () => {
    const window = new ReceiveWindow(4096);
    let accepted = 0;
    while (window.receive(7)) accepted += 7;
    expect(accepted).toBeLessThanOrEqual(4096);
    expect(window.bufferedBytes).toBe(accepted);
  });
});

describe('window auto-tuning', () => {
  function fastReader(budget: WindowBudget, clock: { now: number }, msPerWindow = 1) {
    const window = new ReceiveWindow(1000, budget, () => clock.now);
    const drainOnce = (): number => {
      window.receive(window.size - window.bufferedBytes);
      clock.now += msPerWindow;
      return window.consume(window.bufferedBytes);
    };
    return { window, drainOnce };
  }

  it('doubles the window of a reader that drains it within a few round trips, up to the maximum', () => {
    const budget = new WindowBudget(8000, 1_000_000);
    budget.rttMs = 10;
    const clock = { now: 0 };
    const { window, drainOnce } = fastReader(budget, clock);
    const sizes = [1, 2, 3, 4, 5].map(() => (drainOnce(), window.size));
    expect(sizes).toEqual([2000, 4000, 8000, 8000, 8000]);
  });

  it('does not grow before the round trip is known, nor for a reader slower than a few round trips', () => {
    const budget = new WindowBudget(8000, 1_000_000);
    const clock = { now: 0 };
    const { window, drainOnce } = fastReader(budget, clock, 50);
    drainOnce();
    expect(window.size).toBe(1000);
    budget.rttMs = 10;
    drainOnce();
    expect(window.size).toBe(1000);
    // A sub-millisecond ping on an idle link does not count as the credit loop's round trip.
    budget.rttMs = 0.01;
    const quick = fastReader(budget, clock, 10);
    quick.drainOnce();
    expect(quick.window.size).toBe(1000);
  });

  it('shares one budget across streams and gets it back when a stream ends', () => {
    const budget = new WindowBudget(1_000_000, 3000);
    budget.rttMs = 10;
    const clock = { now: 0 };
    const first = fastReader(budget, clock);
    const second = fastReader(budget, clock);
    for (let i = 0; i < 5; i++) first.drainOnce();
    expect(first.window.size).toBe(4000);
    second.drainOnce();
    expect(second.window.size).toBe(1000);
    first.window.release();
    expect(budget.remaining).toBe(3000);
    second.drainOnce();
    expect(second.window.size).toBe(2000);
  });
});
