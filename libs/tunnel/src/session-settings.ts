/** Limits and timings of a session, with their production defaults. */

export interface SessionSettings {
  /** Receive window granted per stream; bounds buffered bytes per stream. Default 256 KiB. */
  initialWindow?: number;
  /** A stream whose reader keeps up may have its window doubled up to this. Default 4 MiB. */
  maxWindow?: number;
  /** How much all stream windows of the session may grow past initialWindow together. Default 64 MiB. */
  windowGrowthBudget?: number;
  /** Largest frame payload accepted. Default 32 KiB. */
  maxFramePayload?: number;
  /** Streams the peer may have open towards this side. Default 4096. */
  maxConcurrentStreams?: number;
  /** WebSocket ping interval. Default 5 s. */
  keepaliveIntervalMs?: number;
  /** Peer declared dead after this long without any traffic. Default 15 s. */
  keepaliveTimeoutMs?: number;
  /** Peer's HELLO must arrive within this. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** No more data frames while this many bytes wait in the socket. Default 1 MiB. */
  socketHighWaterMark?: number;
  /** Frames are batched into WebSocket messages of about this size. Default 64 KiB. */
  batchBytes?: number;
}

export const defaultSessionSettings: Readonly<Required<SessionSettings>> = {
  initialWindow: 256 * 1024,
  maxWindow: 4 * 1024 * 1024,
  windowGrowthBudget: 64 * 1024 * 1024,
  maxFramePayload: 32 * 1024,
  maxConcurrentStreams: 4096,
  keepaliveIntervalMs: 5_000,
  keepaliveTimeoutMs: 15_000,
  handshakeTimeoutMs: 10_000,
  socketHighWaterMark: 1024 * 1024,
  batchBytes: 64 * 1024,
};

/** The defaults with every setting `options` gives (undefined means "use the default"). */
export function resolveSessionSettings(options: SessionSettings): Required<SessionSettings> {
  const settings = { ...defaultSessionSettings };
  for (const key of Object.keys(settings) as Array<keyof SessionSettings>) {
    const value = options[key];
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}
