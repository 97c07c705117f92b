import { createServer, type Server } from 'node:https';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CertificateAuthority } from '@tether/pki';
import { TokenAuthenticator, type TokenEntry } from './authentication.js';
import { bootstrapCluster } from './cluster-bootstrap.js';
import { DeploymentController } from './controllers/deployment-controller.js';
import { EventRecorder } from './controllers/event-recorder.js';
import { KubeletEvents } from './controllers/kubelet-events.js';
import { NamespaceController } from './controllers/namespace-controller.js';
import { ReplicaSetController } from './controllers/replica-set-controller.js';
import type { ServerParts } from './handlers/request-context.js';
import { renderKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import type { KubeObject } from './kube-object.js';
import { applyManifests } from './manifests.js';
import { ObjectStore } from './object-store.js';
import { RbacAuthorizer, type RbacResource } from './rbac/index.js';
import { RequestRecorder, type RecordedRequest } from './request-recorder.js';
import { Router } from './router.js';

export interface ApiServerSimulatorOptions {
  clusterName: string;
  tokens: TokenEntry[];
  /** YAML documents (multi-document allowed) applied at start, after the bootstrap objects. */
  manifests?: string[];
  ca?: CertificateAuthority;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Interval between lines of a followed log; default 1000 ms. */
  logIntervalMs?: number;
  /** Treat requests without credentials as system:anonymous instead of answering 401. Default false. */
  anonymous?: boolean;
  /** How many changes the watch history keeps before older resourceVersions get 410 Gone. Default 1000. */
  watchHistoryLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 5000 ms. */
  bookmarkIntervalMs?: number;
}

/** Lets the controllers' queued work run so `start()` returns a settled cluster. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * An in-process Kubernetes API server for tests and the embedded stack: HTTPS with its own CA, token
 * authentication, impersonation, RBAC, discovery, openapi, CRUD/watch of the served kinds and pod streams.
 */
export class ApiServerSimulator {
  private readonly streams = new Set<() => void>();
  private readonly sockets = new Set<Socket | Duplex>();
  private readonly closing = new AbortController();
  private readonly stopControllers: Array<() => void> = [];

  private constructor(
    readonly clusterName: string,
    readonly caPem: string,
    readonly store: ObjectStore,
    private readonly authenticator: TokenAuthenticator,
    private readonly recorder: RequestRecorder,
    private readonly server: Server,
  ) {}

  static async start(options: ApiServerSimulatorOptions): Promise<ApiServerSimulator> {
    const host = options.host ?? '127.0.0.1';
    const ca = options.ca ?? (await CertificateAuthority.create(`${options.clusterName}-ca`));
    const certificate = await ca.issueServerCertificate({
      commonName: 'kube-apiserver',
      dnsNames: [
        'localhost',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        ...(isIP(host) ? [] : [host]),
      ],
      ipAddresses: ['127.0.0.1', '10.96.0.1', ...(isIP(host) && host !== '127.0.0.1' ? [host] : [])],
    });
    const store = new ObjectStore({
      nodeName: `${options.clusterName}-control-plane`,
      historyLimit: options.watchHistoryLimit,
    });
    const authenticator = new TokenAuthenticator(options.tokens, options.anonymous ?? false);
    const recorder = new RequestRecorder();
    const server = createServer({ cert: certificate.certPem, key: certificate.keyPem });
    const sim = new ApiServerSimulator(
      options.clusterName,
      ca.certPem,
      store,
      authenticator,
      recorder,
      server,
    );
    sim.wire(options);
    bootstrapCluster(store);
    for (const text of options.manifests ?? []) applyManifests(store, text);
    await settle();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    return sim;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `https://${host}:${address.port}`;
  }

  /** Every request received so far, in order. */
  get requests(): RecordedRequest[] {
    return this.recorder.requests;
  }

  kubeconfig(options: KubeconfigOptions): string {
    return renderKubeconfig({ name: this.clusterName, url: this.url, caPem: this.caPem }, options);
  }

  addToken(entry: TokenEntry): void {
    this.authenticator.add(entry);
  }

  removeToken(token: string): void {
    this.authenticator.remove(token);
  }

  /** Applies YAML manifests as the cluster's own state (no authorization), then lets controllers run. */
  async applyManifests(text: string): Promise<KubeObject[]> {
    const objects = applyManifests(this.store, text);
    await settle();
    return objects;
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    for (const stop of this.stopControllers) stop();
    for (const stop of [...this.streams]) stop();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private wire(options: ApiServerSimulatorOptions): void {
    const store = this.store;
    // A real API server answers RBAC from an informer cache; listing (deep-copying) every role and
    // binding per check made impersonated requests ~5x slower than plain ones. Any change clears it.
    const rbacCache = new Map<string, KubeObject[]>();
    store.subscribe(() => rbacCache.clear());
    const authorizer = new RbacAuthorizer({
      list: (resource: RbacResource, namespace?: string) => {
        const key = `${resource}/${namespace ?? ''}`;
        let objects = rbacCache.get(key);
        if (!objects) {
          objects = store.list(`${resource}.rbac.authorization.k8s.io`, { namespace });
          rbacCache.set(key, objects);
        }
        return objects;
      },
    });
    const parts: ServerParts = {
      store,
      authorizer,
      get serverAddress() {
        return serverAddress;
      },
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
      logIntervalMs: options.logIntervalMs ?? 1000,
      trackStream: (stop) => {
        this.streams.add(stop);
        return () => this.streams.delete(stop);
      },
      closing: this.closing.signal,
    };
    let serverAddress = '';
    this.server.on('listening', () => (serverAddress = new URL(this.url).host));
    const router = new Router(parts, this.authenticator, this.recorder);
    this.server.on('request', (req, res) => router.handleRequest(req, res));
    this.server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      router.handleUpgrade(req, socket, head);
    });
    this.server.on('tlsClientError', () => {});
    this.server.on('clientError', (_error, socket) => socket.destroy());

    const events = new EventRecorder(store);
    const namespaces = new NamespaceController(store, this.caPem);
    const controllers = [
      namespaces,
      new DeploymentController(store, events),
      new ReplicaSetController(store, events),
    ];
    const kubelet = new KubeletEvents(events);
    const unsubscribe = store.subscribe((change) => {
      for (const controller of controllers) controller.onChange(change);
      kubelet.onChange(change);
    });
    this.stopControllers.push(unsubscribe, ...controllers.map((controller) => () => controller.stop()));
  }
}
