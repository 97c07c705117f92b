/**
 * The streams of one session and the rules for their ids: the WebSocket client opens odd ids, the
 * server even ones, each side's ids strictly increase and are never reused on a connection.
 */
import { TunnelProtocolError } from './errors.js';
import type { TunnelStream } from './stream.js';

const MAX_STREAM_ID = 0xffff_ffff;

export class StreamTable {
  private readonly streams = new Map<number, TunnelStream>();
  private nextLocalId: number;
  private highestLocalId = 0;
  private highestPeerId = 0;
  private remoteStreams = 0;

  constructor(private readonly role: 'client' | 'server') {
    this.nextLocalId = role === 'client' ? 1 : 2;
  }

  get size(): number {
    return this.streams.size;
  }

  /** Open streams the peer initiated. */
  get remoteCount(): number {
    return this.remoteStreams;
  }

  /** The id for the next stream this side opens; undefined once the id space is used up. */
  allocateLocalId(): number | undefined {
    const id = this.nextLocalId;
    if (id > MAX_STREAM_ID) return undefined;
    this.nextLocalId += 2;
    this.highestLocalId = id;
    return id;
  }

  /** Checks the id of a stream the peer opens; throws TunnelProtocolError for a wrong or reused one. */
  acceptPeerId(id: number): void {
    if (this.isLocal(id))
      throw new TunnelProtocolError(`peer opened stream ${id}, an id reserved for this side`);
    if (id <= this.highestPeerId) throw new TunnelProtocolError(`peer reused stream id ${id}`);
    this.highestPeerId = id;
  }

  add(stream: TunnelStream): void {
    this.streams.set(stream.id, stream);
    if (stream.initiator === 'remote') this.remoteStreams++;
  }

  /** Returns false if the stream was not in the table. */
  remove(stream: TunnelStream): boolean {
    if (this.streams.get(stream.id) !== stream) return false;
    this.streams.delete(stream.id);
    if (stream.initiator === 'remote') this.remoteStreams--;
    return true;
  }

  /**
   * The live stream a frame is for; undefined when it already finished (frames that crossed our FIN or
   * RESET on the wire are normal); throws TunnelProtocolError for an id never opened.
   */
  target(id: number, frame: string): TunnelStream | undefined {
    const stream = this.streams.get(id);
    if (stream) return stream;
    const opened = this.isLocal(id) ? id <= this.highestLocalId : id <= this.highestPeerId;
    if (opened) return undefined;
    throw new TunnelProtocolError(`${frame} for unknown stream ${id}`);
  }

  values(): TunnelStream[] {
    return [...this.streams.values()];
  }

  /** Empties the table, returning what was in it. */
  clear(): TunnelStream[] {
    const streams = this.values();
    this.streams.clear();
    this.remoteStreams = 0;
    return streams;
  }

  private isLocal(id: number): boolean {
    return id % 2 === (this.role === 'client' ? 1 : 0);
  }
}
