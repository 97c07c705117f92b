import type { IncomingMessage } from 'node:http';

/** Every comma-separated token of a header, across all of its lines, in order. */
export function headerTokens(req: IncomingMessage, name: string): string[] {
  const lines = req.headersDistinct[name.toLowerCase()] ?? [];
  return lines.flatMap((line) =>
    line
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== ''),
  );
}

function hasToken(req: IncomingMessage, name: string, token: string): boolean {
  return headerTokens(req, name).some((value) => value.toLowerCase() === token);
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return hasToken(req, 'upgrade', 'websocket');
}

/** Connection: Upgrade plus Upgrade: SPDY/3.1, as apimachinery's spdy.UpgradeResponse requires. */
export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return hasToken(req, 'connection', 'upgrade') && hasToken(req, 'upgrade', 'spdy/3.1');
}
