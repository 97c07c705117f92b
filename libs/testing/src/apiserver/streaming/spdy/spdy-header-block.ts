// The uncompressed name/value header block of SPDY/3 (§2.6.10): a 32-bit count, then per pair a
// 32-bit length and the lower-case name, a 32-bit length and the values joined by NUL.
import { SpdyProtocolError } from './spdy-protocol-error.js';

/** Header names are lower-case; a name may carry several values. */
export type SpdyHeaders = Map<string, string[]>;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    const nameBytes = Buffer.from(name.toLowerCase(), 'utf8');
    const valueBytes = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(nameBytes.length), nameBytes, u32(valueBytes.length), valueBytes);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let offset = 0;
  const read = (length: number): Buffer => {
    if (offset + length > block.length) throw invalid('header block is truncated');
    const slice = block.subarray(offset, offset + length);
    offset += length;
    return slice;
  };
  const count = read(4).readUInt32BE(0);
  // Each pair needs at least 8 bytes, so a huge count in a small block is a lie.
  if (count > (block.length - 4) / 8) throw invalid(`header block claims ${count} pairs`);
  for (let index = 0; index < count; index++) {
    const name = read(read(4).readUInt32BE(0)).toString('utf8').toLowerCase();
    if (name === '') throw invalid('empty header name');
    const values = read(read(4).readUInt32BE(0)).toString('utf8').split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  if (offset !== block.length) throw invalid('trailing bytes after header block');
  return headers;
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function invalid(message: string): SpdyProtocolError {
  return new SpdyProtocolError('SPDY_PROTOCOL_ERROR', message);
}
