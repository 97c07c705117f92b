import type { Duplex } from 'node:stream';
import { type KubeResponseHead, ResponseHeadReader } from '@tether/kube';

/**
 * Reads the agent's framed response head from the start of a tunnel stream, then hands over the head
 * and the body bytes that came with it; the stream is paused until the handler has wired the body.
 * A malformed head destroys the stream and calls `onBroken`.
 */
export function awaitResponseHead(
  stream: Duplex,
  onHead: (head: KubeResponseHead, firstBodyBytes: Buffer) => void,
  onBroken: () => void,
): void {
  const reader = new ResponseHeadReader();
  const onData = (chunk: Buffer) => {
    let parsed;
    try {
      parsed = reader.push(chunk);
    } catch {
      stream.off('data', onData);
      stream.destroy();
      onBroken();
      return;
    }
    if (!parsed) return;
    stream.off('data', onData);
    stream.pause();
    onHead(parsed.head, parsed.rest);
    stream.resume();
  };
  stream.on('data', onData);
}
