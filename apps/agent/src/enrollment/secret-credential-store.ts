import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { type CredentialStore, parseStoredCredential, type StoredCredential } from './credential-store';

const KEYS = ['credential', 'cluster', 'issuedAt', 'expiresAt'] as const;

/** Another replica of the agent wrote the Secret first: read it again instead of overwriting it. */
export class CredentialStoreConflictError extends Error {
  readonly code = 'CREDENTIAL_STORE_CONFLICT';
}

/**
 * The credential in a Secret the Helm chart creates empty, so the agent needs only get and update on
 * that one Secret. Updates carry the resourceVersion last read: of two agent replicas writing at once,
 * one gets a conflict and re-reads the other's credential.
 */
export class SecretCredentialStore implements CredentialStore {
  readonly description: string;
  private readonly api: CoreV1Api;
  private resourceVersion: string | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.description = `secret ${namespace}/${name}`;
  }

  async read(): Promise<StoredCredential | undefined> {
    const secret = await this.call('read', () =>
      this.api.readNamespacedSecret({ name: this.name, namespace: this.namespace }),
    );
    this.resourceVersion = secret.metadata?.resourceVersion;
    const data = secret.data ?? {};
    const decoded: Record<string, string> = {};
    for (const key of KEYS) {
      if (data[key] !== undefined) decoded[key] = Buffer.from(data[key], 'base64').toString('utf8');
    }
    return parseStoredCredential(decoded);
  }

  async write(credential: StoredCredential): Promise<void> {
    if (this.resourceVersion === undefined) await this.read();
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: this.resourceVersion },
      type: 'Opaque',
      data: Object.fromEntries(KEYS.map((key) => [key, Buffer.from(credential[key]).toString('base64')])),
    };
    const written = await this.call('update', () =>
      this.api.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body }),
    );
    this.resourceVersion = written.metadata?.resourceVersion;
  }

  private async call<T>(verb: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      if (status === 409) {
        this.resourceVersion = undefined;
        throw new CredentialStoreConflictError(`${this.description} was changed by someone else`, {
          cause: error,
        });
      }
      if (status === 404)
        throw new Error(
          `${this.description} does not exist: the Helm chart creates it empty; create it or reinstall`,
          { cause: error },
        );
      if (status === 403)
        throw new Error(
          `the agent may not ${verb} ${this.description}: its Role needs get and update on it`,
          {
            cause: error,
          },
        );
      throw new Error(`could not ${verb} ${this.description}: ${(error as Error).message}`, { cause: error });
    }
  }
}
