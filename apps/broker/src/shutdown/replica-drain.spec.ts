import pino from 'pino';
import { type DrainSteps, ReplicaDrain } from './replica-drain';

const logger = pino({ level: 'silent' });

function sut(times: { readinessDelayMs?: number; deadlineMs?: number } = {}) {
  const log: string[] = [];
  let finishTunnels!: () => void;
  const tunnelsDone = new Promise<void>((resolve) => (finishTunnels = resolve));
  const steps: DrainSteps = {
    leaveRegistry: async () => {
      log.push(`leave registry (ready: ${drain.ready}, refusing: ${drain.refusing})`);
    },
    stopAccepting: async () => {
      log.push(`stop accepting (refusing: ${drain.refusing})`);
    },
    drainTunnels: async (deadlineMs) => {
      log.push(`goaway, deadline ${deadlineMs}`);
      await tunnelsDone;
    },
    dropConnections: () => log.push('drop connections'),
  };
  const drain = new ReplicaDrain(
    steps,
    { readinessDelayMs: times.readinessDelayMs ?? 0, deadlineMs: times.deadlineMs ?? 60_000 },
    logger,
  );
  return { drain, log, finishTunnels };
}

describe('ReplicaDrain', () => {
  it('is ready and accepting until the drain begins', () => {
    const { drain } = sut();
    expect(drain.ready).toBe(true);
    expect(drain.refusing).toBe(false);
  });

  it('goes unready and leaves the registry first, still serving; refuses only once it stops accepting', async () => {
    const { drain, log, finishTunnels } = sut({ readinessDelayMs: 50 });
    const done = drain.drain();
    expect(drain.ready).toBe(false);
    expect(drain.refusing).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(drain.phase).toBe('closing');
    finishTunnels();
    await done;
    expect(log).toEqual([
      'leave registry (ready: false, refusing: false)',
      'stop accepting (refusing: true)',
      'goaway, deadline 60000',
      'drop connections',
    ]);
    expect(drain.phase).toBe('closed');
  });

  it('waits for in-flight streams, and no longer than the deadline', async () => {
    const { drain, log } = sut({ deadlineMs: 100 });
    await drain.drain();
    expect(log.at(-1)).toBe('drop connections');
    expect(drain.phase).toBe('closed');
  });

  it('drains once however often it is asked', async () => {
    const { drain, log, finishTunnels } = sut();
    const first = drain.drain();
    const second = drain.drain();
    finishTunnels();
    await Promise.all([first, second]);
    expect(log.filter((line) => line.startsWith('leave registry'))).toHaveLength(1);
  });
});
