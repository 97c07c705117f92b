import { readFileSync, statSync } from 'node:fs';
import { Agent } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface ApiServerLocation {
  /** Path of a kubeconfig for running outside a cluster; in-cluster service account otherwise. */
  kubeconfigPath?: string;
  context?: string;
  /**
   * A bearer token file that rotates on disk (the projected service-account token in a cluster).
   * Re-read as soon as it changes; client-node alone would keep a rotated-out token for a minute.
   */
  tokenFile?: string;
}

export const inClusterTokenFile = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const tokenFileCheckMs = 1_000;

// Credentials from the kubeconfig (client certificates, exec plugins) are asked for again this often.
const credentialRefreshMs = 10_000;

/** Where the local API server is, how to trust it, and the agent's own current credential. */
export class ApiServerConnection {
  readonly agent: Agent;
  private authorization: { value: string | undefined; fetchedAt: number } | undefined;
  private fileToken: { value: string; modifiedMs: number; size: number; checkedAt: number } | undefined;

  private constructor(
    private readonly config: KubeConfig,
    readonly url: URL,
    tls: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer },
    private readonly tokenFile: string | undefined,
  ) {
    // One keep-alive agent for every replayed request; client-node would make a new one per call.
    this.agent = new Agent({ keepAlive: true, maxSockets: 256, ...tls });
  }

  static async open(location: ApiServerLocation): Promise<ApiServerConnection> {
    const config = new KubeConfig();
    if (location.kubeconfigPath) {
      config.loadFromFile(location.kubeconfigPath);
      if (location.context) config.setCurrentContext(location.context);
    } else {
      config.loadFromCluster();
    }
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('no API server in the kubeconfig: current context has no cluster');
    if (cluster.skipTLSVerify)
      throw new Error('the API server CA must be verified: insecure-skip-tls-verify is refused');
    const options: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = {};
    await config.applyToHTTPSOptions(options);
    const tls = {
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
    };
    const tokenFile = location.tokenFile ?? (location.kubeconfigPath ? undefined : inClusterTokenFile);
    return new ApiServerConnection(config, new URL(cluster.server), tls, tokenFile);
  }

  /** The loaded kubeconfig, for client-node API clients (the credential Secret). */
  get kubeConfig(): KubeConfig {
    return this.config;
  }

  /** The `Authorization` header value for the agent's own identity, re-read as the token rotates. */
  async authorizationHeader(now = Date.now()): Promise<string | undefined> {
    if (this.tokenFile) return `Bearer ${this.readTokenFile(this.tokenFile, now)}`;
    if (this.authorization && now - this.authorization.fetchedAt < credentialRefreshMs)
      return this.authorization.value;
    const options: { headers?: Record<string, string> } = {};
    await this.config.applyToHTTPSOptions(options);
    const value = options.headers?.Authorization ?? options.headers?.authorization;
    this.authorization = { value, fetchedAt: now };
    return value;
  }

  // A synchronous stat on every replayed request would sit on the hot path; once a second is plenty for
  // a token the kubelet rotates minutes before it expires.
  private readTokenFile(path: string, now: number): string {
    if (this.fileToken && now - this.fileToken.checkedAt < tokenFileCheckMs) return this.fileToken.value;
    const stats = statSync(path);
    if (
      !this.fileToken ||
      stats.mtimeMs !== this.fileToken.modifiedMs ||
      stats.size !== this.fileToken.size
    ) {
      this.fileToken = {
        value: readFileSync(path, 'utf8').trim(),
        modifiedMs: stats.mtimeMs,
        size: stats.size,
        checkedAt: now,
      };
    } else {
      this.fileToken.checkedAt = now;
    }
    return this.fileToken.value;
  }

  close(): void {
    this.agent.destroy();
  }
}
