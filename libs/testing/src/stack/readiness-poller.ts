import { request } from 'node:https';

/**
 * What a load balancer's health check does: asks a replica's /readyz every `everyMs` and remembers the
 * answer, so the test balancer sends new connections only to replicas that said they were ready.
 */
export class ReadinessPoller {
  private ready = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly caPem: string,
    private readonly everyMs = 200,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    this.ready = false;
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.probe(), this.everyMs);
    this.timer.unref();
    void this.probe();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.ready = false;
  }

  private probe(): Promise<void> {
    return new Promise((resolve) => {
      const req = request(`${this.url}/readyz`, { ca: this.caPem, agent: false, timeout: this.everyMs * 2 });
      req.on('response', (res) => {
        res.resume();
        if (this.timer) this.ready = res.statusCode === 200;
        resolve();
      });
      req.on('timeout', () => req.destroy(new Error('readiness probe timed out')));
      req.on('error', () => {
        if (this.timer) this.ready = false;
        resolve();
      });
      req.end();
    });
  }
}
