import { FLAG_DEFERRED, FLAG_FIN, FrameType, decodeMessage, encodeReset } from './frame.js';
import type { Frame, FrameHeader } from './frame.js';
import { FairScheduler } from './scheduler.js';
import type { FrameSource, OutboundFrame } from './scheduler.js';

/** A stream with `bytes` to send and unlimited credit. */
class FakeSource implements FrameSource {
  constructor(
    readonly id: number,
    private remaining: number,
    private fin = false,
  ) {}

  hasFrameReady(): boolean {
    return this.remaining > 0 || this.fin;
  }

  takeFrame(maxPayload: number): OutboundFrame | undefined {
    if (this.remaining > 0) {
      const size = Math.min(maxPayload, this.remaining);
      this.remaining -= size;
      return { payload: Buffer.alloc(size, this.id), fin: false };
    }
    if (this.fin) {
      this.fin = false;
      return { payload: Buffer.alloc(0), fin: true };
    }
    return undefined;
  }
}

function harness(options: { highWaterMark?: number; autoFlush?: boolean } = {}) {
  const sent: Frame[][] = [];
  const pending: Array<() => void> = [];
  const deferred: FrameHeader[] = [];
  const scheduler = new FairScheduler(
    (message, done) => {
      // Decode as the receiving session does: deferred payloads arrive as messages of their own.
      const header = deferred.shift();
      if (header) {
        sent.push([{ ...header, payload: message }]);
      } else {
        const decoded = decodeMessage(message, 1 << 20);
        sent.push(decoded.frames);
        deferred.push(...decoded.deferred);
      }
      if (options.autoFlush === false) pending.push(done);
      else done();
    },
    { batchBytes: 64 * 1024, highWaterMark: options.highWaterMark ?? 1 << 20, maxFramePayload: 16 * 1024 },
  );
  const frames = () => sent.flat();
  return { scheduler, sent, pending, frames };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FairScheduler', () => {
  it('interleaves streams frame by frame, so a bulk stream cannot starve a small one', async () => {
    const { scheduler, frames } = harness();
    scheduler.markReady(new FakeSource(1, 1024 * 1024));
    scheduler.markReady(new FakeSource(3, 40 * 1024, true));
    await tick();
    const order = frames().map((frame) => frame.streamId);
    const smallDone = order.lastIndexOf(3);
    // The small stream (3 frames + FIN) finishes within the first few frames, not after the 64 bulk frames.
    expect(smallDone).toBeLessThan(8);
    expect(order.filter((id) => id === 1)).toHaveLength(64);
    const fin = frames().find((frame) => frame.flags & FLAG_FIN)!;
    expect(fin.streamId).toBe(3);
  });

  it('sends large payloads uncopied as messages of their own, after their headers, in order', async () => {
    const { scheduler, sent } = harness();
    scheduler.markReady(new FakeSource(1, 40 * 1024, true));
    scheduler.markReady(new FakeSource(3, 100));
    await tick();
    const frames = sent.flat();
    expect(frames.map((frame) => [frame.streamId, frame.payload.length, frame.flags])).toEqual([
      [3, 100, 0],
      [1, 16 * 1024, FLAG_DEFERRED],
      [1, 16 * 1024, FLAG_DEFERRED],
      [1, 8 * 1024, FLAG_DEFERRED],
      // Once a stream defers, its later frames in the batch do too, so the FIN cannot overtake its data.
      [1, 0, FLAG_DEFERRED | FLAG_FIN],
    ]);
  });

  it('sends control frames ahead of queued data', async () => {
    const { scheduler, frames } = harness();
    scheduler.markReady(new FakeSource(1, 200 * 1024));
    scheduler.grantCredit(5, 1000);
    scheduler.grantCredit(5, 500);
    scheduler.sendControl(encodeReset(7, 'CANCEL', 'gone'));
    await tick();
    const types = frames().map((frame) => frame.type);
    expect(types.slice(0, 2)).toEqual([FrameType.Reset, FrameType.WindowUpdate]);
    // Credit granted in the same tick goes out as one WINDOW_UPDATE.
    expect(frames()[1].payload.readUInt32BE(0)).toBe(1500);
  });

  it('batches small frames of many streams into one WebSocket message', async () => {
    const { scheduler, sent } = harness();
    for (let id = 1; id < 200; id += 2) scheduler.markReady(new FakeSource(id, 100, true));
    await tick();
    expect(sent.flat()).toHaveLength(200);
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('stops sending data while the socket holds the high-water mark, but still sends control frames', async () => {
    const { scheduler, frames, pending } = harness({ highWaterMark: 100 * 1024, autoFlush: false });
    scheduler.markReady(new FakeSource(1, 10 * 1024 * 1024));
    await tick();
    const dataBytes = () =>
      frames()
        .filter((frame) => frame.type === FrameType.Data)
        .reduce((sum, frame) => sum + frame.payload.length, 0);
    const before = dataBytes();
    expect(before).toBeLessThan(200 * 1024);
    expect(scheduler.bufferedBytes).toBeGreaterThanOrEqual(100 * 1024);
    scheduler.grantCredit(9, 1);
    await tick();
    expect(frames().at(-1)!.type).toBe(FrameType.WindowUpdate);
    expect(dataBytes()).toBe(before);
    // Once the socket drains, data resumes.
    for (const done of pending.splice(0)) done();
    await tick();
    expect(dataBytes()).toBeGreaterThan(before);
  });
});
