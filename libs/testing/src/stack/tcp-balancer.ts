import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP load balancer in front of broker replicas, as a cloud one would be (TLS passes through):
 * each connection goes to the next backend in turn; a backend that refuses is skipped.
 */
export class TcpBalancer {
  private turn = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly backends: () => number[],
  ) {}

  /** `backends`: the ports to spread connections over, asked on every connection. */
  static async start(backends: () => number[], port = 0): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server, backends);
    server.on('connection', (socket) => balancer.accept(socket));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return balancer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const ports = this.backends();
    const start = this.turn++;
    const attempt = (tried: number): void => {
      if (tried >= ports.length) {
        client.destroy();
        return;
      }
      const port = ports[(start + tried) % ports.length] as number;
      const upstream = connect(port, '127.0.0.1');
      let connected = false;
      let failed = false;
      upstream.on('error', () => {
        upstream.destroy();
        if (connected) client.destroy();
        else if (!failed) {
          failed = true;
          attempt(tried + 1);
        }
      });
      upstream.once('connect', () => {
        connected = true;
        this.sockets.add(upstream);
        upstream.once('close', () => {
          this.sockets.delete(upstream);
          client.destroy();
        });
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }
}
