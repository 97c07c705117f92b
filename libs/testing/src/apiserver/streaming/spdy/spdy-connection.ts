import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeFrame, SpdyFrameParser } from './spdy-frame-codec.js';
import {
  DEFAULT_WINDOW_SIZE,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  GoAwayStatus,
  RstStatus,
  SETTINGS_INITIAL_WINDOW_SIZE,
  type SpdyFrame,
} from './spdy-frame.js';
import { SpdyHeaderCodec } from './spdy-header-compression.js';
import { connectionClosedError, SpdyFrameWriter } from './spdy-frame-writer.js';
import { SpdyStream, type SpdyStreamHost } from './spdy-stream.js';

export interface SpdyConnectionOptions {
  /** Called for every stream the peer opens; call `stream.accept()` or `stream.reset(...)`. */
  onStream: (stream: SpdyStream) => void;
  /** Bytes that arrived together with the upgrade request. */
  initialData?: Buffer;
  maxConcurrentStreams?: number;
}

/** Frames parsed but not yet handled before the transport is paused. */
const INBOUND_HIGH_WATER = 256 * 1024;
const MAX_DATA_CHUNK = 32 * 1024;

/**
 * The server side of a SPDY/3.1 session over any Duplex (a TLS socket after an upgrade, or a
 * WebSocket carrying SPDY for port-forward). Only the peer opens streams, as with kubectl.
 * Flow control: reading pauses while any stream's consumer is behind (spdystream does not send
 * WINDOW_UPDATE); our send windows are enforced once the peer shows it speaks 3.1 flow control.
 * Emits 'close' once, after the transport is gone.
 */
export class SpdyConnection extends EventEmitter implements SpdyStreamHost {
  private readonly parser = new SpdyFrameParser();
  private readonly headers = new SpdyHeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly blocked = new Set<SpdyStream>();
  private readonly inbound: Array<{ frame: SpdyFrame; size: number }> = [];
  private inboundBytes = 0;
  private handling = false;
  private readonly writer: SpdyFrameWriter;
  private lastPeerStreamId = 0;
  private goneAway = false;
  private closed = false;
  private flowControlEnforced = false;
  private peerInitialWindow = DEFAULT_WINDOW_SIZE;
  private sessionSendWindow = DEFAULT_WINDOW_SIZE;
  private windowWaiters: Array<() => void> = [];
  private readonly maxConcurrentStreams: number;

  constructor(
    private readonly transport: Duplex,
    private readonly options: SpdyConnectionOptions,
  ) {
    super();
    this.maxConcurrentStreams = options.maxConcurrentStreams ?? 1000;
    this.writer = new SpdyFrameWriter(transport, () => this.destroy());
    transport.on('data', (chunk: Buffer) => this.onTransportData(chunk));
    transport.on('error', () => this.destroy());
    transport.on('end', () => this.destroy());
    transport.on('close', () => this.destroy());
    if (options.initialData !== undefined && options.initialData.length > 0)
      this.onTransportData(options.initialData);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends GOAWAY and ends the transport once everything queued is written. */
  end(): void {
    if (this.closed) return;
    this.goneAway = true;
    this.sendFrame({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status: GoAwayStatus.Ok })
      .then(() => this.transport.end())
      .catch(() => this.destroy());
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [...this.streams.values()]) stream.remoteReset();
    this.streams.clear();
    this.headers.close();
    this.writer.close();
    this.wakeWindowWaiters();
    this.transport.destroy();
    this.emit('close');
  }

  // --- SpdyStreamHost -------------------------------------------------------------------------

  accept(stream: SpdyStream): void {
    const reply = this.headers
      .encode(new Map())
      .then((headerBlock) => encodeFrame({ type: 'syn_reply', streamId: stream.id, flags: 0, headerBlock }));
    this.writer.send(reply).catch(() => this.destroy());
  }

  reset(stream: SpdyStream, status: number): void {
    if (this.closed) return;
    this.sendFrame({ type: 'rst_stream', streamId: stream.id, status }).catch(() => undefined);
  }

  async writeData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void> {
    let offset = 0;
    do {
      let size = Math.min(data.length - offset, MAX_DATA_CHUNK);
      if (size > 0 && this.flowControlEnforced) {
        await this.waitForWindow(stream);
        size = Math.min(size, stream.sendWindow, this.sessionSendWindow);
        stream.sendWindow -= size;
        this.sessionSendWindow -= size;
      }
      const last = offset + size >= data.length;
      const chunk = data.subarray(offset, offset + size);
      await this.sendFrame({
        type: 'data',
        streamId: stream.id,
        flags: fin && last ? FLAG_FIN : 0,
        data: chunk,
      });
      offset += size;
    } while (offset < data.length);
  }

  consumed(stream: SpdyStream, bytes: number): void {
    if (this.closed) return;
    this.sendFrame({ type: 'window_update', streamId: stream.id, delta: bytes }).catch(() => undefined);
    this.sendFrame({ type: 'window_update', streamId: 0, delta: bytes }).catch(() => undefined);
  }

  released(stream: SpdyStream): void {
    if (!this.blocked.delete(stream)) return;
    this.updateFlow();
    void this.handleInbound();
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    if (this.blocked.delete(stream)) {
      this.updateFlow();
      void this.handleInbound();
    }
  }

  // --- inbound --------------------------------------------------------------------------------

  private onTransportData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const parsed of this.parser.push(chunk)) {
        this.inbound.push(parsed);
        this.inboundBytes += parsed.size;
      }
    } catch {
      this.protocolFailure();
      return;
    }
    this.updateFlow();
    void this.handleInbound();
  }

  private updateFlow(): void {
    if (this.closed) return;
    if (this.blocked.size > 0 || this.inboundBytes > INBOUND_HIGH_WATER) this.transport.pause();
    else this.transport.resume();
  }

  private async handleInbound(): Promise<void> {
    if (this.handling) return;
    this.handling = true;
    try {
      while (!this.closed && this.blocked.size === 0 && this.inbound.length > 0) {
        const { frame, size } = this.inbound.shift()!;
        this.inboundBytes -= size;
        await this.handleFrame(frame);
      }
    } catch {
      this.protocolFailure();
    } finally {
      this.handling = false;
    }
    this.updateFlow();
  }

  private async handleFrame(frame: SpdyFrame): Promise<void> {
    switch (frame.type) {
      case 'syn_stream':
        return this.onSynStream(frame);
      case 'data':
        return this.onData(frame.streamId, frame.flags, frame.data);
      case 'headers':
        // Trailing headers carry nothing for Kubernetes, but they advance the shared zlib state.
        await this.headers.decode(frame.headerBlock);
        if ((frame.flags & FLAG_FIN) !== 0) this.onData(frame.streamId, FLAG_FIN, Buffer.alloc(0));
        return;
      case 'syn_reply':
        // We never open streams, so a reply is meaningless; decode to keep the zlib state in step.
        await this.headers.decode(frame.headerBlock);
        return;
      case 'rst_stream':
        this.streams.get(frame.streamId)?.remoteReset();
        return;
      case 'settings':
        return this.onSettings(frame.entries);
      case 'ping':
        // Odd ids come from the client side; even ids would be answers to pings we never send.
        if (frame.id % 2 === 1) this.sendFrame({ type: 'ping', id: frame.id }).catch(() => undefined);
        return;
      case 'goaway':
        this.goneAway = true;
        return;
      case 'window_update':
        return this.onWindowUpdate(frame.streamId, frame.delta);
      case 'unknown':
        return;
    }
  }

  private async onSynStream(frame: Extract<SpdyFrame, { type: 'syn_stream' }>): Promise<void> {
    const headers = await this.headers.decode(frame.headerBlock);
    const id = frame.streamId;
    if (id === 0 || id % 2 === 0 || id <= this.lastPeerStreamId) {
      await this.sendFrame({ type: 'rst_stream', streamId: id, status: RstStatus.ProtocolError });
      return;
    }
    this.lastPeerStreamId = id;
    if (this.goneAway || this.streams.size >= this.maxConcurrentStreams) {
      await this.sendFrame({ type: 'rst_stream', streamId: id, status: RstStatus.RefusedStream });
      return;
    }
    const stream = new SpdyStream(this, id, headers, this.peerInitialWindow);
    this.streams.set(id, stream);
    if ((frame.flags & FLAG_UNIDIRECTIONAL) !== 0) stream.end();
    if ((frame.flags & FLAG_FIN) !== 0) stream.deliverEnd();
    this.options.onStream(stream);
  }

  private onData(streamId: number, flags: number, data: Buffer): void {
    const stream = this.streams.get(streamId);
    // Frames for streams already gone are dropped, as spdystream does.
    if (stream === undefined) return;
    if (data.length > 0 && !stream.deliver(data)) this.blocked.add(stream);
    if ((flags & FLAG_FIN) !== 0) stream.deliverEnd();
  }

  private onSettings(entries: Array<{ id: number; value: number }>): void {
    for (const entry of entries) {
      if (entry.id !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
      const delta = entry.value - this.peerInitialWindow;
      this.peerInitialWindow = entry.value;
      for (const stream of this.streams.values()) stream.sendWindow += delta;
      this.flowControlEnforced = true;
    }
    this.wakeWindowWaiters();
  }

  private onWindowUpdate(streamId: number, delta: number): void {
    this.flowControlEnforced = true;
    if (streamId === 0) this.sessionSendWindow += delta;
    else {
      const stream = this.streams.get(streamId);
      if (stream !== undefined) stream.sendWindow += delta;
    }
    this.wakeWindowWaiters();
  }

  private async waitForWindow(stream: SpdyStream): Promise<void> {
    while (!this.closed && !stream.destroyed && (stream.sendWindow <= 0 || this.sessionSendWindow <= 0)) {
      await new Promise<void>((resolve) => this.windowWaiters.push(resolve));
    }
    if (this.closed || stream.destroyed) throw connectionClosedError();
  }

  private wakeWindowWaiters(): void {
    for (const wake of this.windowWaiters.splice(0)) wake();
  }

  private protocolFailure(): void {
    if (this.closed) return;
    this.goneAway = true;
    // Best effort: tell the peer why, then drop the connection.
    const goAway = encodeFrame({
      type: 'goaway',
      lastGoodStreamId: this.lastPeerStreamId,
      status: GoAwayStatus.ProtocolError,
    });
    this.transport.write(goAway, () => this.destroy());
    setTimeout(() => this.destroy(), 1000).unref();
  }

  private sendFrame(frame: SpdyFrame): Promise<void> {
    return this.writer.send(encodeFrame(frame));
  }
}
