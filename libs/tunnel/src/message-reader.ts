/**
 * Turns the sequence of WebSocket messages of one connection into frames. Stateful only because of
 * deferred DATA payloads: after a message ending in deferred headers, the next messages are their
 * payloads, in order.
 */
import { TunnelProtocolError } from './errors.js';
import { decodeMessage } from './frame.js';
import type { Frame, FrameHeader } from './frame.js';

export class MessageReader {
  private deferred: FrameHeader[] = [];
  private next = 0;

  constructor(private readonly maxFramePayload: number) {}

  /** The frames this message completes, in order; throws TunnelProtocolError for a malformed one. */
  read(message: Buffer): Frame[] {
    const header = this.deferred[this.next];
    if (header) {
      this.next++;
      if (message.length !== header.length) {
        throw new TunnelProtocolError(
          `deferred DATA payload is ${message.length} bytes, its header said ${header.length}`,
        );
      }
      return [{ type: header.type, flags: header.flags, streamId: header.streamId, payload: message }];
    }
    const { frames, deferred } = decodeMessage(message, this.maxFramePayload);
    this.deferred = deferred;
    this.next = 0;
    return frames;
  }
}
