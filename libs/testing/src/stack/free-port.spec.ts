import { createServer } from 'node:net';
import { vi } from 'vitest';
import { freePort } from './free-port';

describe('freePort', () => {
  // First, while this process has handed out no port yet.
  it('skips a port something already listens on', async () => {
    // A port bound by someone else, not handed out here; the first random pick lands on it.
    const taken = 31_000 + Math.floor(Math.random() * 700);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(taken, '127.0.0.1', () => resolve());
    });
    const pick = (port: number) => (port - 20_000) / (32_768 - 20_000);
    const random = vi
      .spyOn(Math, 'random')
      .mockReturnValueOnce(pick(taken))
      .mockReturnValueOnce(pick(taken + 1));
    try {
      expect(await freePort()).toBe(taken + 1);
      expect(random).toHaveBeenCalledTimes(2);
    } finally {
      random.mockRestore();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('hands out distinct ports below the ephemeral range, each one bindable', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(20_000);
    for (const port of ports) expect(port).toBeLessThan(32_768);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
