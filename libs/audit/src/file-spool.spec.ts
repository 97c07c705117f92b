import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import pino from 'pino';
import { FileSpool, type FileSpoolOptions } from './file-spool';

/** A pino logger whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) },
  );
  return { logger, lines, warnings: () => lines.filter((line) => line.level === 40) };
}

const record = (i: number) => Buffer.from(`{"event":${i},"pad":"${'x'.repeat(i % 7)}"}`);
const texts = (records: Buffer[]) => records.map((r) => r.toString());

describe('FileSpool', () => {
  let dir: string;
  let log: ReturnType<typeof capturingLogger>;
  const spools: FileSpool[] = [];
  const openSpool = async (options: Partial<FileSpoolOptions> = {}) => {
    const spool = await FileSpool.open({ dir, maxBytes: 1024 * 1024, logger: log.logger, ...options });
    spools.push(spool);
    return spool;
  };
  const segmentFiles = async () => (await readdir(dir)).filter((name) => name.startsWith('segment-')).sort();
  const readAll = async (spool: FileSpool) => {
    const out: string[] = [];
    for (;;) {
      const batch = await spool.readBatch({ maxRecords: 1000, maxBytes: 1024 * 1024 });
      if (batch.records.length === 0) return out;
      out.push(...texts(batch.records));
      spool.acknowledge(batch.end);
    }
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tether-spool-'));
    log = capturingLogger();
  });

  afterEach(async () => {
    for (const spool of spools.splice(0)) await spool.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('frames each record as length, CRC32 and payload, and reads them back in order', async () => {
    const spool = await openSpool();
    for (let i = 0; i < 3; i++) expect(spool.append(record(i))).toBe(true);
    await spool.flush();

    const [file] = await segmentFiles();
    const bytes = await readFile(join(dir, file!));
    const first = record(0);
    expect(bytes.readUInt32BE(0)).toBe(first.length);
    expect(bytes.readUInt32BE(4)).toBe(crc32(first));
    expect(bytes.subarray(8, 8 + first.length).toString()).toBe(first.toString());
    expect(bytes.length).toBe([0, 1, 2].reduce((sum, i) => sum + 8 + record(i).length, 0));

    const batch = await spool.readBatch({ maxRecords: 10, maxBytes: 4096 });
    expect(texts(batch.records)).toEqual([0, 1, 2].map((i) => record(i).toString()));
    expect(spool.pendingRecords).toBe(3);
    spool.acknowledge(batch.end);
    expect(spool.pendingRecords).toBe(0);
    expect(spool.pendingBytes).toBe(0);
  });

  it('keeps appends in memory until the group fsync, then makes them readable together', async () => {
    const spool = await openSpool({ syncIntervalMs: 60_000, syncBytes: 10 * 1024 * 1024 });
    for (let i = 0; i < 50; i++) spool.append(record(i));
    expect(await segmentFiles()).toEqual([]);
    expect((await spool.readBatch({ maxRecords: 100, maxBytes: 65536 })).records).toEqual([]);
    expect(spool.pendingRecords).toBe(50);

    await spool.flush();
    expect((await spool.readBatch({ maxRecords: 100, maxBytes: 65536 })).records).toHaveLength(50);
  });

  it('syncs as soon as the buffered bytes reach syncBytes, without waiting for the interval', async () => {
    const spool = await openSpool({ syncIntervalMs: 600_000, syncBytes: 256 });
    const readable = spool.whenReadable();
    for (let i = 0; i < 20; i++) spool.append(record(i));
    await readable;
    expect((await spool.readBatch({ maxRecords: 100, maxBytes: 65536 })).records.length).toBeGreaterThan(0);
  });

  it('syncs on its interval when nobody calls flush', async () => {
    const spool = await openSpool({ syncIntervalMs: 5 });
    const readable = spool.whenReadable();
    spool.append(record(1));
    await readable;
    expect(texts((await spool.readBatch({ maxRecords: 10, maxBytes: 4096 })).records)).toEqual([
      record(1).toString(),
    ]);
  });

  it('resumes after a restart from the checkpoint: delivered records are not read again', async () => {
    const first = await openSpool();
    for (let i = 0; i < 10; i++) first.append(record(i));
    await first.flush();
    const batch = await first.readBatch({ maxRecords: 4, maxBytes: 65536 });
    expect(batch.records).toHaveLength(4);
    first.acknowledge(batch.end);
    await first.close();
    const checkpoint = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as {
      offset: number;
    };
    expect(checkpoint.offset).toBe(batch.end.offset);

    const second = await openSpool();
    expect(second.pendingRecords).toBe(6);
    second.append(record(10));
    await second.flush();
    expect(await readAll(second)).toEqual([4, 5, 6, 7, 8, 9, 10].map((i) => record(i).toString()));
  });

  it('writes the checkpoint by rename, leaving no temporary file behind', async () => {
    const spool = await openSpool();
    spool.append(record(1));
    await spool.flush();
    spool.acknowledge((await spool.readBatch({ maxRecords: 1, maxBytes: 4096 })).end);
    await spool.checkpointDurable();
    expect((await readdir(dir)).filter((name) => name.startsWith('checkpoint'))).toEqual(['checkpoint.json']);
  });

  it('rolls segments and deletes each one once everything in it is delivered', async () => {
    const spool = await openSpool({ segmentBytes: 200 });
    for (let i = 0; i < 40; i++) spool.append(record(i));
    await spool.flush();
    expect((await segmentFiles()).length).toBeGreaterThan(5);

    expect(await readAll(spool)).toEqual(Array.from({ length: 40 }, (_, i) => record(i).toString()));
    await spool.checkpointDurable();
    const left = await segmentFiles();
    expect(left).toHaveLength(1);
    // Appends continue after the deletions, and a restart reads nothing twice.
    spool.append(record(40));
    await spool.close();
    const again = await openSpool({ segmentBytes: 200 });
    expect(await readAll(again)).toEqual([record(40).toString()]);
  });

  it('reports full when an append would pass maxBytes, and takes appends again once delivered', async () => {
    const frame = 8 + record(0).length;
    const spool = await openSpool({ maxBytes: frame * 3 });
    expect([0, 0, 0, 0].map(() => spool.append(record(0)))).toEqual([true, true, true, false]);
    expect(spool.pendingBytes).toBe(frame * 3);
    expect(spool.freeBytes).toBe(0);

    await spool.flush();
    const batch = await spool.readBatch({ maxRecords: 2, maxBytes: 4096 });
    spool.acknowledge(batch.end);
    expect(spool.freeBytes).toBe(frame * 2);
    expect(spool.append(record(0))).toBe(true);
  });

  it('returns one record larger than the batch byte limit alone rather than never', async () => {
    const spool = await openSpool();
    const big = Buffer.from('y'.repeat(10_000));
    spool.append(big);
    spool.append(record(1));
    await spool.flush();
    const batch = await spool.readBatch({ maxRecords: 10, maxBytes: 100 });
    expect(texts(batch.records)).toEqual([big.toString()]);
  });

  describe('recovery from a torn or corrupt tail', () => {
    const writeThree = async () => {
      const spool = await openSpool();
      for (let i = 0; i < 3; i++) spool.append(record(i));
      await spool.close();
      const [file] = await segmentFiles();
      return join(dir, file!);
    };

    it('cuts a partial frame (a torn write) and warns, keeping every whole record', async () => {
      const file = await writeThree();
      const whole = (await stat(file)).size;
      const torn = Buffer.alloc(8 + 100);
      torn.writeUInt32BE(100, 0);
      torn.writeUInt32BE(12345, 4);
      await appendFile(file, torn.subarray(0, 8 + 37));

      const spool = await openSpool();
      expect(spool.pendingRecords).toBe(3);
      expect((await stat(file)).size).toBe(whole);
      expect(log.warnings()).toEqual([
        expect.objectContaining({ reason: 'partial frame', discardedBytes: 45, offset: whole }),
      ]);
      spool.append(record(3));
      await spool.flush();
      expect(await readAll(spool)).toEqual([0, 1, 2, 3].map((i) => record(i).toString()));
    });

    it('cuts a header torn before its 8 bytes were written', async () => {
      const file = await writeThree();
      await appendFile(file, Buffer.from([0, 0, 1]));
      const spool = await openSpool();
      expect(await readAll(spool)).toEqual([0, 1, 2].map((i) => record(i).toString()));
      expect(log.warnings()).toHaveLength(1);
    });

    it('cuts a last record whose CRC does not match its payload', async () => {
      const file = await writeThree();
      const bytes = await readFile(file);
      bytes[bytes.length - 2] ^= 0xff;
      await writeFile(file, bytes);

      const spool = await openSpool();
      expect(await readAll(spool)).toEqual([0, 1].map((i) => record(i).toString()));
      expect(log.warnings()).toEqual([expect.objectContaining({ reason: 'bad length or CRC' })]);
    });

    it('cuts a zero-filled tail (what a crash can leave), though CRC32 of nothing is zero', async () => {
      const file = await writeThree();
      await appendFile(file, Buffer.alloc(4096));
      const spool = await openSpool();
      expect(await readAll(spool)).toEqual([0, 1, 2].map((i) => record(i).toString()));
      expect(log.warnings()).toHaveLength(1);
    });

    it('redelivers everything when the checkpoint cannot be read: duplicates, never a loss', async () => {
      const first = await openSpool();
      for (let i = 0; i < 3; i++) first.append(record(i));
      await first.flush();
      first.acknowledge((await first.readBatch({ maxRecords: 2, maxBytes: 4096 })).end);
      await first.close();
      await writeFile(join(dir, 'checkpoint.json'), '{"segm');

      const spool = await openSpool();
      expect(await readAll(spool)).toEqual([0, 1, 2].map((i) => record(i).toString()));
      expect(log.warnings().map((line) => line.msg)).toEqual([
        expect.stringMatching(/checkpoint unreadable/),
      ]);
    });
  });

  it('tells the age of the oldest undelivered record, and 0 when all are delivered', async () => {
    const spool = await openSpool();
    const appendedAt = Date.now();
    spool.append(record(1));
    await spool.flush();
    expect(spool.oldestPendingAgeMs(appendedAt + 5_000)).toBeGreaterThanOrEqual(4_900);
    spool.acknowledge((await spool.readBatch({ maxRecords: 1, maxBytes: 4096 })).end);
    expect(spool.oldestPendingAgeMs(appendedAt + 5_000)).toBe(0);
  });
});
