// How the audit spool frames one record on disk: 4-byte length, 4-byte CRC32 of the payload (both
// big-endian), then the payload. A scan stops at the first frame that is not whole and intact.
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;
/** Larger frames are refused on append and read as corruption: no audit event comes near this. */
export const MAX_FRAME_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** Writes the header of `frame` (8 header bytes, then its payload) for the payload already in place. */
export function sealFrame(frame: Buffer): void {
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(crc32(payload), 4);
}

export type FrameScanStop =
  /** The buffer ends inside a frame (or right after the last whole one, with `end` equal to its length). */
  | 'incomplete'
  /** A header with an impossible length (zero, or beyond the maximum), or a payload whose CRC differs. */
  | 'corrupt';

export interface FrameScan {
  /** Payloads of the whole, intact frames, in order (views into the scanned buffer). */
  payloads: Buffer[];
  /** Bytes from the start of the buffer up to the end of the last whole frame. */
  end: number;
  /** Why the scan stopped before the buffer's end; undefined when it consumed it all. */
  stop?: FrameScanStop;
}

/**
 * Reads whole frames from `buffer` starting at 0, at most `maxFrames`. A zero length counts as corrupt:
 * a file system may leave a zero-filled tail after a crash, and CRC32 of nothing is zero too.
 */
export function scanFrames(buffer: Buffer, maxFrames = Number.POSITIVE_INFINITY): FrameScan {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (payloads.length < maxFrames) {
    if (offset === buffer.length) return { payloads, end: offset };
    if (buffer.length - offset < FRAME_HEADER_BYTES) return { payloads, end: offset, stop: 'incomplete' };
    const length = buffer.readUInt32BE(offset);
    if (length === 0 || length > MAX_FRAME_PAYLOAD_BYTES) return { payloads, end: offset, stop: 'corrupt' };
    const payloadStart = offset + FRAME_HEADER_BYTES;
    if (buffer.length - payloadStart < length) return { payloads, end: offset, stop: 'incomplete' };
    const payload = buffer.subarray(payloadStart, payloadStart + length);
    if (crc32(payload) !== buffer.readUInt32BE(offset + 4)) return { payloads, end: offset, stop: 'corrupt' };
    payloads.push(payload);
    offset = payloadStart + length;
  }
  return { payloads, end: offset };
}

/** The payload length a frame header announces, or undefined when fewer than 8 bytes are there. */
export function announcedPayloadLength(buffer: Buffer): number | undefined {
  return buffer.length < FRAME_HEADER_BYTES ? undefined : buffer.readUInt32BE(0);
}
