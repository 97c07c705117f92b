import type { RenderedObject } from './helm-chart.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}

export interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: { httpGet: { path: string; port: string | number; scheme?: string } };
  readinessProbe?: { httpGet: { path: string; port: string | number; scheme?: string } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
  containers: Container[];
  volumes?: Array<{ name: string; [source: string]: unknown }>;
  affinity?: Record<string, unknown>;
}

export function podSpecOf(workload: RenderedObject): PodSpec {
  return (workload as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

/** The pod IP the downward API gives in these tests. */
export const testPodIp = '10.0.0.5';

/**
 * The environment a container would see, as the kubelet fills it in: literal values with `$(NAME)` of
 * earlier variables expanded, the namespace, pod name and IP from the downward API (the pod named
 * `<workload>-0`, at testPodIp), and Secret or ConfigMap references as `secretValue(ref)`.
 */
export function environmentOf(
  container: Container,
  { namespace, secretValue }: { namespace: string; secretValue: (name: string, key: string) => string },
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined)
      env[variable.name] = variable.value.replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (reference, name: string) => (name in env ? (env[name] as string) : reference),
      );
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[variable.name] = namespace;
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[variable.name] = 'pod-0';
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[variable.name] = testPodIp;
    else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      env[variable.name] = secretValue(ref.name, ref.key);
    } else throw new Error(`environment variable ${variable.name}: source not understood by the test`);
  }
  return env;
}

/**
 * Where a file path inside the container comes from: the volume mounted at its folder and the key that
 * volume projects to its name. Throws when the path would not exist in the pod.
 */
export function fileSource(
  pod: PodSpec,
  container: Container,
  path: string,
): { volume: string; key: string } {
  const folder = path.slice(0, path.lastIndexOf('/'));
  const file = path.slice(path.lastIndexOf('/') + 1);
  const mount = container.volumeMounts?.find((m) => m.mountPath === folder);
  if (!mount) throw new Error(`${path}: nothing is mounted at ${folder}`);
  const volume = pod.volumes?.find((v) => v.name === mount.name);
  const source = (volume?.secret ?? volume?.configMap) as
    { items?: Array<{ key: string; path: string }> } | undefined;
  const item = source?.items?.find((i) => i.path === file);
  if (!item) throw new Error(`${path}: volume ${mount.name} does not project ${file}`);
  return { volume: mount.name, key: item.key };
}
