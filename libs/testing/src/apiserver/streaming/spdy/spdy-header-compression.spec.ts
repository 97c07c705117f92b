import { createHash } from 'node:crypto';
import { constants, deflateSync } from 'node:zlib';
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.js';
import { decodeHeaderBlock, encodeHeaderBlock } from './spdy-header-block.js';
import { SpdyHeaderCodec } from './spdy-header-compression.js';

describe('SPDY/3 header blocks', () => {
  it('uses the 1423-byte SPDY/3 dictionary that spdystream (and so kubectl) uses', () => {
    expect(SPDY_HEADER_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY_HEADER_DICTIONARY).digest('hex')).toBe(
      '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02',
    );
  });

  it('encodes name/value pairs with 32-bit lengths and NUL-joined values', () => {
    const block = encodeHeaderBlock(new Map([['streamtype', ['error']]]));
    expect(block.toString('latin1')).toBe('\0\0\0\x01\0\0\0\x0astreamtype\0\0\0\x05error');
    const multi = decodeHeaderBlock(encodeHeaderBlock(new Map([['a', ['1', '2']]])));
    expect(multi.get('a')).toEqual(['1', '2']);
  });

  it('lower-cases names and rejects blocks that lie about their size', () => {
    expect([...decodeHeaderBlock(encodeHeaderBlock(new Map([['StreamType', ['data']]]))).keys()]).toEqual([
      'streamtype',
    ]);
    expect(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 9]))).toThrowError(
      expect.objectContaining({ code: 'SPDY_PROTOCOL_ERROR' }),
    );
    expect(() => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]))).toThrow();
  });

  it('keeps one zlib context per direction across every block of a connection', async () => {
    const client = new SpdyHeaderCodec();
    const server = new SpdyHeaderCodec();
    const blocks = [
      new Map([['streamtype', ['error']]]),
      new Map([['streamtype', ['stdout']]]),
      new Map([
        ['streamtype', ['data']],
        ['port', ['8080']],
        ['requestid', ['0']],
      ]),
    ];
    const compressed = [];
    for (const headers of blocks) compressed.push(await client.encode(headers));
    // Later blocks reuse earlier context, so they are shorter than a fresh stream would make them.
    expect(compressed[1].length).toBeLessThan(compressed[0].length);
    for (const [index, block] of compressed.entries())
      expect(await server.decode(block)).toEqual(blocks[index]);
  });

  it('reads the first block a standard zlib writer produced with the dictionary', async () => {
    const raw = encodeHeaderBlock(new Map([['streamtype', ['stdin']]]));
    const block = deflateSync(raw, {
      dictionary: SPDY_HEADER_DICTIONARY,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    expect((await new SpdyHeaderCodec().decode(block)).get('streamtype')).toEqual(['stdin']);
  });

  it('fails on garbage and on a decompression bomb, and stays failed', async () => {
    const garbage = new SpdyHeaderCodec();
    await expect(garbage.decode(Buffer.from('not zlib at all'))).rejects.toMatchObject({
      code: 'SPDY_HEADER_COMPRESSION',
    });
    await expect(garbage.decode(Buffer.alloc(4))).rejects.toMatchObject({ code: 'SPDY_HEADER_COMPRESSION' });

    const bomb = deflateSync(Buffer.alloc(1024 * 1024), {
      dictionary: SPDY_HEADER_DICTIONARY,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    expect(bomb.length).toBeLessThan(2048);
    await expect(new SpdyHeaderCodec().decode(bomb)).rejects.toMatchObject({
      code: 'SPDY_HEADER_COMPRESSION',
    });
  });
});
