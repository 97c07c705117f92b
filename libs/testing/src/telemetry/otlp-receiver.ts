import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type OtlpAnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };

/** One span as an OTLP/HTTP JSON export carries it, with the service and scope it came from. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  scope: string;
  attributes: Record<string, string | number | boolean | undefined>;
}

interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: OtlpAnyValue }> };
    scopeSpans: Array<{
      scope?: { name?: string };
      spans: Array<
        Omit<ReceivedSpan, 'service' | 'scope' | 'attributes'> & {
          attributes?: Array<{ key: string; value: OtlpAnyValue }>;
        }
      >;
    }>;
  }>;
}

/** A collector stand-in: what processes export to `url` (as TETHER_*_OTLP_ENDPOINT) lands in `spans`. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const receiver = new OtlpReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          receiver.take(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
        } catch {
          // a body that is no OTLP JSON carries no spans
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    return receiver;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(body: OtlpExport): void {
    for (const resource of body.resourceSpans) {
      const service = valueOf(resource.resource.attributes.find((a) => a.key === 'service.name')?.value);
      for (const scopeSpans of resource.scopeSpans)
        for (const { attributes, ...span } of scopeSpans.spans)
          this.spans.push({
            ...span,
            service: String(service ?? ''),
            scope: scopeSpans.scope?.name ?? '',
            attributes: Object.fromEntries((attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
          });
    }
  }
}

function valueOf(value: OtlpAnyValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue;
}
