import { randomUUID } from 'node:crypto';
import { AUDIT_SCHEMA_VERSION, type AuditEvent, tetherAnnotations } from '@tether/audit';
import pino from 'pino';
import { vi } from 'vitest';
import { IngestBatcher, nextOffsets, type TopicPartitionOffset } from './ingest-batcher';

const event = (): AuditEvent => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: randomUUID(),
  stage: 'ResponseComplete',
  requestURI: '/api/v1/pods',
  verb: 'list',
  user: { username: 'bob' },
  requestReceivedTimestamp: '2026-12-07T06:30:00.123000Z',
  stageTimestamp: '2026-12-07T06:30:00.123000Z',
  annotations: {
    [tetherAnnotations.schemaVersion]: AUDIT_SCHEMA_VERSION,
    [tetherAnnotations.cluster]: 'dev-east',
    [tetherAnnotations.decision]: 'allow',
  },
});

const message = (partition: number, offset: number, value: unknown = event()) => ({
  topic: 't',
  partition,
  offset: String(offset),
  value,
});

function harness(insert: (events: readonly AuditEvent[]) => Promise<number>) {
  const order: string[] = [];
  const commits: TopicPartitionOffset[][] = [];
  const batcher = new IngestBatcher(
    {
      insertBatch: async (events) => {
        const stored = await insert(events);
        order.push(`insert ${events.length}`);
        return stored;
      },
    },
    async (offsets) => {
      order.push('commit');
      commits.push(offsets);
    },
    { batchSize: 3, maxWaitMs: 10_000, maxBuffered: 100 },
    pino({ level: 'silent' }),
  );
  return { batcher, order, commits };
}

describe('IngestBatcher', () => {
  it('commits a batch’s offsets only after its rows are stored, per partition the next offset', async () => {
    const { batcher, order, commits } = harness(async (events) => events.length);
    await batcher.add(message(0, 7));
    await batcher.add(message(1, 3));
    await batcher.add(message(0, 8));
    await batcher.flush();
    expect(order).toEqual(['insert 3', 'commit']);
    expect(commits[0]).toEqual([
      { topic: 't', partition: 0, offset: '9' },
      { topic: 't', partition: 1, offset: '4' },
    ]);
  });

  it('skips and counts invalid events without blocking the partition, and commits past them', async () => {
    const { batcher, commits } = harness(async (events) => events.length);
    await batcher.add(message(0, 1, { kind: 'Event', nonsense: true }));
    await batcher.add(message(0, 2, 'not json at all'));
    await batcher.add(message(0, 3));
    await batcher.flush();
    expect(batcher.stats).toMatchObject({ stored: 1, invalid: 2 });
    expect(commits[0]).toEqual([{ topic: 't', partition: 0, offset: '4' }]);
  });

  it('retries a batch the database refused and never commits a later batch before it', async () => {
    let failures = 2;
    const { batcher, order, commits } = harness(async (events) => {
      if (failures-- > 0) throw new Error('database down');
      return events.length;
    });
    await batcher.add(message(0, 1));
    const first = batcher.flush();
    await batcher.add(message(0, 2));
    const second = batcher.flush();
    await Promise.all([first, second]);
    expect(order).toEqual(['insert 1', 'commit', 'insert 1', 'commit']);
    expect(commits.map((c) => c[0].offset)).toEqual(['2', '3']);
  });

  it('counts redelivered events as duplicates, not as stored', async () => {
    const { batcher } = harness(async () => 1);
    for (let i = 0; i < 3; i++) await batcher.add(message(0, i));
    await batcher.flush();
    expect(batcher.stats).toMatchObject({ stored: 1, duplicates: 2 });
  });

  it('sets one flush timer for a burst past the batch size, and stores the burst in one batch', async () => {
    const { batcher, order } = harness(async (events) => events.length);
    const setTimer = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (let i = 0; i < 10; i++) void batcher.add(message(0, i));
      // One timer for the batch's wait, one to flush now that it is full; none per further message.
      expect(setTimer).toHaveBeenCalledTimes(2);
    } finally {
      setTimer.mockRestore();
    }
    await vi.waitFor(() => expect(order).toEqual(['insert 10', 'commit']));
  });

  it('computes offsets with 64-bit arithmetic', () => {
    expect(nextOffsets([message(0, 0), { ...message(0, 0), offset: '9007199254740993' }])).toEqual([
      { topic: 't', partition: 0, offset: '9007199254740994' },
    ]);
  });
});
