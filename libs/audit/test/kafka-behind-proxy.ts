/**
 * A private single-node Kafka whose only advertised address is a TCP proxy in this process, so a
 * client knows nothing but the proxy: kafkajs learns broker addresses from Metadata, and a proxy in
 * front of a Kafka advertising its own port would be bypassed after the first request. Cutting the
 * proxy (dropping every connection and refusing new ones) is a real outage for every client, while
 * Kafka itself keeps running and keeps what it already acknowledged. Kafka can also be stopped and
 * restarted on the same data behind the same address.
 *
 * It reuses deploy/kafka's configuration and jar resolution (the jars are cached by `npm run
 * kafka:start`), with `advertised.listeners` pointing at the proxy.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, freePort } from '@tether/testing';
import { Kafka, logLevel } from 'kafkajs';

const HOST = '127.0.0.1';

interface KafkaScripts {
  serverProperties(o: { host: string; dataDir: string; port: number; controllerPort: number }): string;
  LOG4J2_PROPERTIES: string;
  newClusterId(): string;
  jvmArgs(dataDir: string, jars: string[], heap: string): string[];
  resolveClasspath(cacheFile: string, log: (message: string) => void): string[];
  javaBinary(): string;
}

async function kafkaScripts(repoRoot: string): Promise<KafkaScripts> {
  // Plain ESM scripts without types: imported by path, so TypeScript does not look for declarations.
  const config = join(repoRoot, 'deploy', 'kafka', 'kafka-config.mjs');
  const jars = join(repoRoot, 'deploy', 'kafka', 'kafka-jars.mjs');
  return { ...((await import(config)) as object), ...((await import(jars)) as object) } as KafkaScripts;
}

/** A TCP relay to `target` that can be cut (every connection dropped, new ones refused) and restored. */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(port: number, targetPort: number): Promise<CuttableProxy> {
    const proxy: CuttableProxy = new CuttableProxy(
      createServer((client) => proxy.relay(client, targetPort)),
      port,
    );
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(port, HOST, resolve);
    });
    return proxy;
  }

  get isCut(): boolean {
    return this.cut;
  }

  cutOff(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.cutOff();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: Socket, targetPort: number): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: HOST, port: targetPort });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

export class KafkaBehindProxy {
  private constructor(
    private child: ChildProcess,
    private readonly dataDir: string,
    private readonly launch: () => ChildProcess,
    readonly proxy: CuttableProxy,
  ) {}

  /** The only address clients get: the proxy's. */
  get brokers(): string[] {
    return [`${HOST}:${this.proxy.port}`];
  }

  static async start(timeoutMs = 150_000): Promise<KafkaBehindProxy> {
    const repoRoot = findRepoRoot(__dirname);
    const scripts = await kafkaScripts(repoRoot);
    const jars = scripts.resolveClasspath(join(repoRoot, '.kafka', 'classpath.json'), (message) =>
      process.stderr.write(`kafka-behind-proxy: ${message}\n`),
    );
    const [port, controllerPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'tether-audit-kafka-'));
    const properties = scripts
      .serverProperties({ host: HOST, dataDir, port, controllerPort })
      .replace(/^advertised\.listeners=.*$/m, `advertised.listeners=PLAINTEXT://${HOST}:${proxyPort}`);
    writeFileSync(join(dataDir, 'server.properties'), properties);
    writeFileSync(join(dataDir, 'log4j2.properties'), scripts.LOG4J2_PROPERTIES);
    const format = spawnSync(
      scripts.javaBinary(),
      [
        ...scripts.jvmArgs(dataDir, jars, '256m'),
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        'kafka.tools.StorageTool',
        'format',
        '-t',
        scripts.newClusterId(),
        '-c',
        join(dataDir, 'server.properties'),
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (format.status !== 0)
      throw new Error(`formatting Kafka storage failed: ${format.stdout}${format.stderr}`);

    const launch = () => {
      const out = openSync(join(dataDir, 'kafka.log'), 'a');
      const child = spawn(
        scripts.javaBinary(),
        [
          ...scripts.jvmArgs(dataDir, jars, '384m'),
          '-Xms128m',
          '-XX:+UseG1GC',
          '-XX:+ExitOnOutOfMemoryError',
          'kafka.Kafka',
          join(dataDir, 'server.properties'),
        ],
        { detached: true, stdio: ['ignore', out, out] },
      );
      closeSync(out);
      return child;
    };
    const proxy = await CuttableProxy.start(proxyPort, port);
    const kafka = new KafkaBehindProxy(launch(), dataDir, launch, proxy);
    try {
      await kafka.waitReady(timeoutMs);
    } catch (error) {
      await kafka.stop();
      throw error;
    }
    return kafka;
  }

  /**
   * Stops the Kafka process itself (SIGTERM, as an operator would; SIGKILL if it lingers), keeping its
   * data for `restartKafka`. The proxy stays up and refuses nothing, but has nothing to relay to.
   */
  async stopKafka(): Promise<void> {
    await this.signalAndWait('SIGTERM', 30_000);
  }

  /** Starts Kafka again on the same data, ports and advertised address, and waits until it answers. */
  async restartKafka(timeoutMs = 150_000): Promise<void> {
    if (!this.exited()) throw new Error('Kafka is still running');
    this.child = this.launch();
    await this.waitReady(timeoutMs);
  }

  async stop(): Promise<void> {
    await this.proxy.close().catch(() => undefined);
    await this.signalAndWait('SIGKILL', 30_000);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  private async signalAndWait(signal: NodeJS.Signals, killAfterMs: number): Promise<void> {
    if (this.exited()) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const send = (s: NodeJS.Signals) => {
      try {
        process.kill(-this.child.pid!, s);
      } catch {
        // already gone
      }
    };
    send(signal);
    const timer = setTimeout(() => send('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const logFile = join(this.dataDir, 'kafka.log');
    const deadline = Date.now() + timeoutMs;
    const admin = new Kafka({
      clientId: 'kafka-behind-proxy',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2_000,
    }).admin();
    for (;;) {
      if (this.exited()) {
        throw new Error(
          `Kafka exited (${this.child.exitCode}):\n${readFileSync(logFile, 'utf8').slice(-4000)}`,
        );
      }
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        await admin.disconnect();
        if (cluster.brokers.some((broker) => broker.port === this.proxy.port)) return;
      } catch {
        await admin.disconnect().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `Kafka did not answer within ${timeoutMs} ms:\n${readFileSync(logFile, 'utf8').slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
