/** A stand-in for the dev IdP's headless API (`POST /dev/login`, `/dev/device`), for CLI unit tests only. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeDevIdp {
  issuer = '';
  readonly approvedDevices: { userCode: string; username: string }[] = [];
  brokerUrl = '';
  private readonly server = createServer((req, res) => void this.handle(req, res));

  static async start(users = ['alice', 'bob']): Promise<FakeDevIdp> {
    const idp = new FakeDevIdp(users);
    await new Promise<void>((resolve) => idp.server.listen(0, '127.0.0.1', resolve));
    idp.issuer = `http://127.0.0.1:${(idp.server.address() as AddressInfo).port}`;
    return idp;
  }

  private constructor(private readonly users: string[]) {}

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
    const send = (status: number, value: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (!this.users.includes(body.username ?? '')) {
      return send(404, { error: 'unknown_user', error_description: `no demo user "${body.username}"` });
    }
    if (req.url === '/dev/login') {
      const state = new URL(body.authorization_url ?? '').searchParams.get('state') ?? '';
      const callback = `${this.brokerUrl}/auth/callback?state=${state}&user=${body.username}`;
      return send(200, { redirect_to: callback });
    }
    if (req.url === '/dev/device') {
      this.approvedDevices.push({ userCode: body.user_code ?? '', username: body.username ?? '' });
      return send(200, { approved: true });
    }
    send(404, { error: 'not_found' });
  }
}
