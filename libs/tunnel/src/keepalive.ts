/**
 * Dead-peer detection. A half-open TCP connection (peer gone, no FIN or RST ever arrives) looks exactly
 * like an idle one, so each side pings on an interval and gives up when nothing at all - message, ping
 * or pong - has arrived for `timeoutMs`.
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
    if (now - this.lastPing >= this.options.intervalMs) {
      this.lastPing = now;
      this.ping();
    }
  };
}
