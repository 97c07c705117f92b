import { createServer } from 'node:net';

// Below Linux's ephemeral range (32768–60999): the kernel never gives these to an outgoing connection or
// a listener on port 0, which could otherwise take a port between this check and the child's bind.
const FIRST = 20_000;
const LAST = 32_767;
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port that was free a moment ago on 127.0.0.1, for processes that need it before they start: picked
 * at random (test processes running side by side rarely pick alike) and never twice in this process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${FIRST} and ${LAST} on 127.0.0.1 after 100 tries`);
}
