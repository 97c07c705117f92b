import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeProxy } from './kube-proxy';

/** Hands /k8s/* requests to the kube proxy untouched: no body parsing, no Nest routing. */
@Injectable()
export class KubeProxyMiddleware implements NestMiddleware {
  constructor(private readonly proxy: KubeProxy) {}

  use(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse): void {
    // Express strips the mount path from req.url; the proxy reads the whole target once.
    if (req.originalUrl !== undefined) req.url = req.originalUrl;
    void this.proxy.handleRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  }
}
