/**
 * Dead-peer detection. A half-open TCP connection (peer gone, no FIN or RST ever arrives) looks exactly
 * like an idle one, so each side pings on an interval and gives up when nothing at all - message, ping
 * or pong - has arrived for `timeoutMs`. The pongs also give the round-trip time.
 */
import { performance } from 'node:perf_hooks';

export interface KeepaliveOptions {
  /** How often to send a WebSocket ping. */
  intervalMs: number;
  /** Declare the peer dead after this long without hearing anything from it. */
  timeoutMs: number;
}

export class Keepalive {
  private lastHeard = performance.now();
  private lastPing = performance.now();
  private pingSentAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: KeepaliveOptions,
    private readonly ping: () => void,
    private readonly onDead: (silentMs: number) => void,
  ) {}

  /** Milliseconds since the peer was last heard from. */
  get silentMs(): number {
    return performance.now() - this.lastHeard;
  }

  start(): void {
    const tick = Math.max(5, Math.min(this.options.intervalMs, this.options.timeoutMs / 4));
    this.timer = setInterval(this.check, tick);
    this.timer.unref();
  }

  /** Call for everything received from the peer. */
  touch(): void {
    this.lastHeard = performance.now();
  }

  /** Sends a ping now (and times it). */
  pingNow(): void {
    this.lastPing = performance.now();
    // With several pings out, the first pong answers the oldest.
    this.pingSentAt ??= this.lastPing;
    this.ping();
  }

  /** Call for each pong; returns the round-trip time it measured, if it answered a timed ping. */
  pong(): number | undefined {
    this.touch();
    if (this.pingSentAt === undefined) return undefined;
    const rtt = this.lastHeard - this.pingSentAt;
    this.pingSentAt = undefined;
    return rtt;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly check = (): void => {
    const now = performance.now();
    if (now - this.lastHeard >= this.options.timeoutMs) {
      // Timers run before I/O in a loop turn: after a long pause of our own, bytes from the peer may be
      // waiting unread. Look again once the pending I/O has been processed before calling it dead.
      setImmediate(() => {
        const silent = this.silentMs;
        if (this.timer && silent >= this.options.timeoutMs) {
          this.stop();
          this.onDead(silent);
        }
      });
      return;
    }
    if (now - this.lastPing >= this.options.intervalMs) this.pingNow();
  };
}
