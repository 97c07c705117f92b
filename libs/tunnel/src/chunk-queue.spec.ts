import { ChunkQueue } from './chunk-queue.js';

describe('ChunkQueue', () => {
  it('returns bytes in order across take() boundaries', () => {
    const queue = new ChunkQueue();
    queue.push(Buffer.from('abc'));
    queue.push(Buffer.from('defgh'));
    queue.push(Buffer.from('ij'));
    expect(queue.take(2).toString()).toBe('ab');
    expect(queue.take(4).toString()).toBe('cdef');
    expect(queue.byteLength).toBe(4);
    expect(queue.shift()!.toString()).toBe('gh');
    expect(queue.take(2).toString()).toBe('ij');
    expect(queue.isEmpty).toBe(true);
  });

  it('packs a flood of tiny received payloads into a few blocks instead of one object each', () => {
    const queue = new ChunkQueue();
    for (let i = 0; i < 100_000; i++) queue.pushReceived(Buffer.from([i & 0xff]));
    expect(queue.byteLength).toBe(100_000);
    let chunks = 0;
    let expected = 0;
    let intact = true;
    for (let chunk = queue.shift(); chunk; chunk = queue.shift()) {
      chunks++;
      for (const byte of chunk) intact &&= byte === (expected++ & 0xff);
    }
    expect(intact).toBe(true);
    expect(chunks).toBeLessThan(10);
  });

  it('does not let a small slice pin a large socket buffer', () => {
    const socketBuffer = Buffer.alloc(64 * 1024, 1);
    const queue = new ChunkQueue();
    queue.pushReceived(socketBuffer.subarray(0, 2000));
    const chunk = queue.shift()!;
    expect(chunk.buffer).not.toBe(socketBuffer.buffer);
    expect(chunk.equals(Buffer.alloc(2000, 1))).toBe(true);
  });

  it('never changes bytes already taken when later tiny payloads are packed', () => {
    const queue = new ChunkQueue();
    queue.pushReceived(Buffer.from('ab'));
    const first = queue.take(1);
    queue.pushReceived(Buffer.from('cd'));
    expect(first.toString()).toBe('a');
    expect(queue.take(3).toString()).toBe('bcd');
  });
});
