import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditorConfigSchema, brokerConfigSchema, envWithPrefix, loadConfig } from '@tether/config';
import { environmentOf, fileSource, podSpecOf, type PodSpec, testPodIp } from './container-env.js';
import { chartPath, helm, lint, render, repoRoot, type Rendered } from './helm-chart.js';

// The broker chart (with the auditor) as helm renders it, for minimal and for non-default values.
const release = { name: 'tether-broker', namespace: 'tether' };
const minimal = {
  publicUrl: 'https://tether.example.com',
  tls: { secretName: 'tether-tls' },
  database: { url: 'postgres://tether@db.internal:5432/tether' },
  kafka: { brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'] },
};
const demoPolicy = readFileSync(join(repoRoot, 'deploy', 'policy', 'demo-policy.yaml'), 'utf8');
const existingSecrets = {
  ...minimal,
  replicaCount: 2,
  database: { existingSecret: 'tether-db', existingSecretKey: 'dsn' },
  oidc: {
    issuer: 'https://login.example.com',
    clientId: 'tether',
    existingSecret: 'tether-oidc',
    groupsPrefix: 'oidc:',
    groupsMap: { '8c1f-object-id': 'platform-admins' },
    allowedEmailDomains: ['example.com', 'example.org'],
  },
  signingKeys: { existingSecret: 'tether-signing-keys' },
  policy: demoPolicy,
  ingress: {
    enabled: true,
    className: 'nginx',
    annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' },
    tlsSecretName: 'tether-public-tls',
  },
  audit: { spool: { fullPolicy: 'fail-open', persistence: { enabled: true, size: '5Gi' } } },
  telemetry: { otlpEndpoint: 'http://otel-collector.monitoring:4318' },
  auditor: {
    readerGroups: ['security'],
    database: { existingSecret: 'audit-db' },
    publicUrl: 'https://audit.tether.example.com',
  },
};

const secretValues: Record<string, string> = {
  'tether-broker-database/url': minimal.database.url,
  'tether-db/dsn': 'postgres://tether@db.internal/tether',
  'tether-oidc/client-secret': 'oidc-client-secret',
};

function broker(rendered: Rendered, kind = 'Deployment'): { pod: PodSpec; env: Record<string, string> } {
  const pod = podSpecOf(rendered.one(kind, 'tether-broker'));
  const [container] = pod.containers;
  if (!container) throw new Error('no broker container');
  const env = environmentOf(container, {
    namespace: release.namespace,
    secretValue: (name, key) => {
      const value = secretValues[`${name}/${key}`];
      if (value === undefined) throw new Error(`the test has no value for Secret ${name} key ${key}`);
      return value;
    },
  });
  return { pod, env };
}

describe('tether-broker chart', () => {
  let defaults: Rendered;
  let custom: Rendered;

  beforeAll(async () => {
    [defaults, custom] = await Promise.all([
      render('tether-broker', minimal, release),
      render('tether-broker', existingSecrets, release),
    ]);
  });

  it('passes helm lint --strict with the minimal values and with every option on', async () => {
    for (const values of [minimal, existingSecrets]) {
      const result = await lint('tether-broker', values);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.code).toBe(0);
    }
  });

  it('renders three broker replicas, the auditor, their Services and disruption budgets', () => {
    expect(defaults.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/tether-broker',
      'Deployment/tether-broker-auditor',
      'PodDisruptionBudget/tether-broker',
      'PodDisruptionBudget/tether-broker-auditor',
      'Secret/tether-broker-database',
      'Secret/tether-broker-signing-keys',
      'Service/tether-broker',
      'Service/tether-broker-auditor',
      'Service/tether-broker-peers',
      'ServiceAccount/tether-broker',
    ]);
    const deployment = defaults.one<{ spec: { replicas: number } }>('Deployment', 'tether-broker');
    expect(deployment.spec.replicas).toBe(3);
    expect(defaults.one<{ spec: unknown }>('PodDisruptionBudget', 'tether-broker').spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'tether-broker',
          'app.kubernetes.io/instance': 'tether-broker',
          'app.kubernetes.io/component': 'broker',
        },
      },
    });
  });

  it('spreads replicas over nodes by preference, and can require it', async () => {
    expect(broker(defaults).pod.affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: 'kubernetes.io/hostname',
              labelSelector: {
                matchLabels: {
                  'app.kubernetes.io/name': 'tether-broker',
                  'app.kubernetes.io/instance': 'tether-broker',
                  'app.kubernetes.io/component': 'broker',
                },
              },
            },
          },
        ],
      },
    });
    const hard = await render('tether-broker', { ...minimal, podAntiAffinity: 'hard' }, release);
    expect(Object.keys(broker(hard).pod.affinity?.podAntiAffinity ?? {})).toEqual([
      'requiredDuringSchedulingIgnoredDuringExecution',
    ]);
  });

  it('has each replica advertise its pod IP for the agents’ per-replica tunnels, or a URL given', async () => {
    const { env } = broker(defaults);
    expect(env.TETHER_BROKER_ADVERTISE_URL).toBe(`https://${testPodIp}:8443`);
    const config = loadConfig(brokerConfigSchema, envWithPrefix(env, 'TETHER_BROKER_'));
    expect(config.ADVERTISE_URL).toBe(`https://${testPodIp}:8443`);
    expect(config.REPLICA_HEARTBEAT_SECONDS).toBe(5);
    expect(config.PUBLIC_URL).toBe('https://tether.example.com');

    const named = await render(
      'tether-broker',
      {
        ...minimal,
        port: 9443,
        peers: { advertiseUrl: 'https://$(TETHER_POD_NAME).brokers.internal:9443', heartbeatSeconds: 2 },
      },
      release,
    );
    const namedConfig = loadConfig(brokerConfigSchema, envWithPrefix(broker(named).env, 'TETHER_BROKER_'));
    expect(namedConfig.ADVERTISE_URL).toBe('https://pod-0.brokers.internal:9443');
    expect(namedConfig.REPLICA_HEARTBEAT_SECONDS).toBe(2);
    const portOnly = await render('tether-broker', { ...minimal, port: 9443 }, release);
    expect(broker(portOnly).env.TETHER_BROKER_ADVERTISE_URL).toBe(`https://${testPodIp}:9443`);
  });

  it('runs hardened, probes over HTTPS and never mounts a Kubernetes token', () => {
    const { pod } = broker(defaults);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const [container] = pod.containers;
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(container?.resources?.limits).toMatchObject({ memory: '1Gi' });
    expect(container?.image).toBe('ghcr.io/tether-dev/tether-broker:0.1.0');
  });

  it('gives the broker an environment its own config schema accepts, with every file in the pod', () => {
    for (const rendered of [defaults, custom]) {
      const kind = rendered === custom ? 'StatefulSet' : 'Deployment';
      const { pod, env } = broker(rendered, kind);
      const config = loadConfig(brokerConfigSchema, envWithPrefix(env, 'TETHER_BROKER_'));
      expect(config.HOST).toBe('0.0.0.0');
      expect(config.DEV_MODE).toBe(false);
      expect(env.TETHER_BROKER_DEV_MODE).toBeUndefined();
      const container = pod.containers[0];
      if (!container) throw new Error('no container');
      for (const file of [
        config.TLS_CERT_FILE,
        config.TLS_KEY_FILE,
        config.SESSION_KEY_FILE,
        config.DECISION_KEY_FILE,
      ]) {
        expect(() => fileSource(pod, container, file ?? '')).not.toThrow();
      }
    }
    const { env } = broker(defaults);
    expect(env).toMatchObject({
      TETHER_BROKER_PUBLIC_URL: 'https://tether.example.com',
      TETHER_BROKER_DATABASE_URL: minimal.database.url,
      TETHER_BROKER_KAFKA_BROKERS: 'kafka-0.kafka:9092,kafka-1.kafka:9092',
      TETHER_BROKER_AUDIT_SPOOL_DIR: '/var/lib/tether/spool',
      TETHER_BROKER_AUDIT_SPOOL_MAX_BYTES: '1073741824',
      TETHER_BROKER_AUDIT_SPOOL_FULL_POLICY: 'fail-closed',
    });
    expect(env.TETHER_BROKER_METRICS_PORT).toBe('9090');
    // Out of the load balancer (two failed 5 s probes) before it stops accepting; the kubelet waits for both.
    expect(env).toMatchObject({
      TETHER_BROKER_SHUTDOWN_READINESS_DELAY_SECONDS: '15',
      TETHER_BROKER_SHUTDOWN_DEADLINE_SECONDS: '20',
      TETHER_BROKER_STARTUP_READINESS_TIMEOUT_SECONDS: '30',
    });
    expect(broker(defaults).pod.terminationGracePeriodSeconds).toBe(45);
    expect(broker(defaults).pod.containers[0]?.ports).toEqual([
      { name: 'https', containerPort: 8443, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(env.TETHER_BROKER_OTLP_ENDPOINT).toBeUndefined();
    expect(env.TETHER_BROKER_POLICY_FILE).toBeUndefined();
    expect(env.TETHER_BROKER_OIDC_ISSUER).toBeUndefined();
  });

  it('generates two distinct Ed25519 signing keys the broker can load, kept after uninstall', () => {
    const secret = defaults.one<{
      data: Record<string, string>;
      metadata: { annotations: Record<string, string> };
    }>('Secret', 'tether-broker-signing-keys');
    expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    const pems = ['session.pem', 'decision.pem'].map((key) => Buffer.from(secret.data[key] ?? '', 'base64'));
    for (const pem of pems) expect(createPrivateKey(pem).asymmetricKeyType).toBe('ed25519');
    expect(pems[0]?.equals(pems[1] ?? Buffer.alloc(0))).toBe(false);
  });

  it('takes OIDC, database, signing keys and the audit store from existing Secrets', () => {
    expect(custom.ofKind('Secret')).toEqual([]);
    const { pod, env } = broker(custom, 'StatefulSet');
    expect(env).toMatchObject({
      TETHER_BROKER_OIDC_ISSUER: 'https://login.example.com',
      TETHER_BROKER_OIDC_CLIENT_ID: 'tether',
      TETHER_BROKER_OIDC_CLIENT_SECRET: 'oidc-client-secret',
      TETHER_BROKER_OIDC_GROUPS_PREFIX: 'oidc:',
      TETHER_BROKER_OIDC_GROUPS_MAP: '{"8c1f-object-id":"platform-admins"}',
      TETHER_BROKER_OIDC_ALLOWED_EMAIL_DOMAINS: 'example.com,example.org',
      TETHER_BROKER_DATABASE_URL: 'postgres://tether@db.internal/tether',
      TETHER_BROKER_AUDIT_SPOOL_FULL_POLICY: 'fail-open',
      TETHER_BROKER_INSTANCE: 'pod-0',
      TETHER_BROKER_AUDITOR_URL: 'https://audit.tether.example.com',
    });
    expect(broker(defaults).env.TETHER_BROKER_AUDITOR_URL).toBeUndefined();
    const config = loadConfig(brokerConfigSchema, envWithPrefix(env, 'TETHER_BROKER_'));
    expect(config.OIDC_GROUPS_MAP).toEqual({ '8c1f-object-id': 'platform-admins' });
    expect(config.OIDC_ALLOWED_EMAIL_DOMAINS).toEqual(['example.com', 'example.org']);
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({
        name: 'signing-keys',
        secret: expect.objectContaining({ secretName: 'tether-signing-keys' }),
      }),
    );
    const auditor = podSpecOf(custom.one('Deployment', 'tether-broker-auditor')).containers[0];
    expect(auditor?.env).toContainEqual({
      name: 'TETHER_AUDITOR_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'audit-db', key: 'url' } },
    });
  });

  it('mounts the policy from its ConfigMap as a folder, so the broker sees edits and reloads', () => {
    const configMap = custom.one<{ data: Record<string, string> }>('ConfigMap', 'tether-broker-policy');
    expect(configMap.data['policy.yaml']).toBe(demoPolicy);
    const { pod, env } = broker(custom, 'StatefulSet');
    const container = pod.containers[0];
    if (!container) throw new Error('no container');
    expect(fileSource(pod, container, env.TETHER_BROKER_POLICY_FILE ?? '')).toEqual({
      volume: 'policy',
      key: 'policy.yaml',
    });
    expect(container.volumeMounts?.find((m) => m.name === 'policy')).not.toHaveProperty('subPath');
  });

  it('keeps the spool on a PVC per replica (a StatefulSet) when persistence is on, else on an emptyDir', () => {
    const statefulSet = custom.one<{
      spec: {
        serviceName: string;
        volumeClaimTemplates: Array<{ metadata: { name: string }; spec: unknown }>;
      };
    }>('StatefulSet');
    expect(statefulSet.spec.serviceName).toBe('tether-broker-peers');
    expect(statefulSet.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'spool' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
      },
    ]);
    expect(broker(custom, 'StatefulSet').pod.volumes?.some((v) => v.name === 'spool')).toBe(false);
    expect(broker(defaults).pod.volumes).toContainEqual({ name: 'spool', emptyDir: { sizeLimit: '2Gi' } });
  });

  it('routes the public host through an Ingress to the HTTPS port', () => {
    const ingress = custom.one<{ spec: Record<string, unknown> }>('Ingress');
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['tether.example.com'], secretName: 'tether-public-tls' }],
      rules: [
        {
          host: 'tether.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'tether-broker', port: { name: 'https' } } },
              },
            ],
          },
        },
      ],
    });
  });

  it('renders a Gateway API HTTPRoute with a BackendTLSPolicy instead, when asked', async () => {
    const rendered = await render(
      'tether-broker',
      {
        ...minimal,
        httpRoute: {
          enabled: true,
          parentRefs: [{ name: 'public', namespace: 'gateways' }],
          backendTLS: { enabled: true, caConfigMap: 'tether-ca' },
        },
      },
      release,
    );
    expect(rendered.ofKind('Ingress')).toEqual([]);
    expect(rendered.one<{ spec: unknown }>('HTTPRoute').spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways' }],
      hostnames: ['tether.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'tether-broker', port: 443 }],
        },
      ],
    });
    expect(rendered.one<{ spec: unknown }>('BackendTLSPolicy').spec).toEqual({
      targetRefs: [{ group: '', kind: 'Service', name: 'tether-broker', sectionName: 'https' }],
      validation: {
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'tether-ca' }],
        hostname: 'tether.example.com',
      },
    });
  });

  it('points the auditor at Kafka, its database and the broker JWKS', () => {
    const auditor = podSpecOf(defaults.one('Deployment', 'tether-broker-auditor'));
    const [container] = auditor.containers;
    if (!container) throw new Error('no auditor container');
    expect(
      environmentOf(container, { namespace: release.namespace, secretValue: (n, k) => `${n}/${k}` }),
    ).toEqual({
      TETHER_AUDITOR_HOST: '0.0.0.0',
      TETHER_AUDITOR_PORT: '8080',
      TETHER_AUDITOR_LOG_LEVEL: 'info',
      TETHER_AUDITOR_KAFKA_BROKERS: 'kafka-0.kafka:9092,kafka-1.kafka:9092',
      TETHER_AUDITOR_DATABASE_URL: 'tether-broker-database/url',
      TETHER_AUDITOR_BROKER_ISSUER: 'https://tether.example.com',
      TETHER_AUDITOR_BROKER_JWKS_URL: 'https://tether.example.com/.well-known/jwks.json',
      TETHER_AUDITOR_READER_GROUPS: '',
    });
    const customAuditor = podSpecOf(custom.one('Deployment', 'tether-broker-auditor')).containers[0];
    if (!customAuditor) throw new Error('no auditor container');
    const auditorEnv = environmentOf(customAuditor, {
      namespace: release.namespace,
      secretValue: () => 'postgres://audit@db.internal/audit',
    });
    const config = loadConfig(auditorConfigSchema, envWithPrefix(auditorEnv, 'TETHER_AUDITOR_'));
    expect(config).toMatchObject({
      BROKER_ISSUER: 'https://tether.example.com',
      READER_GROUPS: ['security'],
      OTLP_ENDPOINT: 'http://otel-collector.monitoring:4318',
    });
    expect(broker(custom, 'StatefulSet').env.TETHER_BROKER_OTLP_ENDPOINT).toBe(
      'http://otel-collector.monitoring:4318',
    );
    expect(container.image).toBe('ghcr.io/tether-dev/tether-auditor:0.1.0');
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
  });

  it('runs a single replica without PostgreSQL on an embedded database, and without a PDB', async () => {
    const single = await render(
      'tether-broker',
      {
        publicUrl: 'https://tether.example.com',
        tls: { secretName: 'tls' },
        replicaCount: 1,
        auditor: { enabled: false },
      },
      release,
    );
    expect(single.ofKind('PodDisruptionBudget')).toEqual([]);
    expect(single.ofKind('Deployment').map((d) => d.metadata.name)).toEqual(['tether-broker']);
    expect(broker(single).env.TETHER_BROKER_DATA_DIR).toBe('/var/lib/tether/data');
    expect(broker(single).env.TETHER_BROKER_DATABASE_URL).toBeUndefined();
  });

  async function installNotes(values: unknown): Promise<string> {
    const result = await helm(
      ['install', release.name, chartPath('tether-broker'), '-n', release.namespace, '--dry-run=client'],
      values,
    );
    expect(result.code).toBe(0);
    return result.stdout.slice(result.stdout.indexOf('\nNOTES:\n'));
  }

  it('tells the operator to enroll a cluster next, and how to check the replicas and their agents', async () => {
    const notes = await installNotes(existingSecrets);
    expect(notes).toContain(
      'Tether broker: 2 replica(s) in namespace tether, at https://tether.example.com, with the auditor (2 replica(s)).',
    );
    expect(notes).toContain('kubectl -n tether rollout status statefulset/tether-broker');
    expect(notes).toContain(
      'Every agent keeps a tunnel to each of the 2 replicas, so any replica serves any',
    );
    expect(notes).toMatch(/tether_broker_replicas +should be 2 on every replica/);
    expect(notes).toContain('tether_broker_tunnels_connected');
    expect(notes).toContain('1. tether login --broker https://tether.example.com');
    expect(notes).toContain('(as a member of platform-admins;');
    expect(notes).toContain('2. tether cluster add <cluster>');
    expect(notes).toContain('the helm install line of the tether-agent chart');
    expect(notes).toContain('3. tether cluster ls');
    // Replicas route through every agent's tunnel to each of them; no request gets a 503 for it.
    expect(notes).not.toContain('503');
    expect(notes).not.toContain('No policy was given');
    expect(notes).not.toContain('No OpenID Connect issuer');

    const single = await installNotes({
      publicUrl: 'https://tether.example.com',
      tls: { secretName: 'tls' },
      replicaCount: 1,
      auditor: { enabled: false },
    });
    expect(single).toContain(
      'Tether broker: 1 replica(s) in namespace tether, at https://tether.example.com.',
    );
    expect(single).toContain('kubectl -n tether rollout status deploy/tether-broker');
    expect(single).not.toContain('tether_broker_replicas');
    expect(single).toContain('No policy was given');
    expect(single).toContain('No OpenID Connect issuer (oidc.issuer): nobody can sign in yet.');
    expect(single).toContain('2. tether cluster add <cluster>');
  });
});

describe('tether-broker values schema and checks', () => {
  const rejected = async (values: unknown): Promise<string> => {
    const result = await helm(['template', 'tether', chartPath('tether-broker')], values);
    expect(result.code).not.toBe(0);
    return result.stderr;
  };

  it('requires the public URL and the TLS Secret', async () => {
    const stderr = await rejected({});
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toContain("missing property 'publicUrl'");
    expect(stderr).toContain("at '/tls/secretName'");
  });

  it('refuses plain http, an unknown spool policy, a bad Kafka address and unknown keys', async () => {
    const stderr = await rejected({
      ...minimal,
      publicUrl: 'http://tether.example.com',
      audit: { spool: { fullPolicy: 'drop' } },
      kafka: { brokers: ['kafka'] },
      peers: { advertiseUrl: 'http://10.0.0.5:8443' },
      replicas: 3,
    });
    expect(stderr).toContain("at '/peers/advertiseUrl'");
    expect(stderr).toMatch(/at '\/publicUrl': 'http:\/\/tether.example.com' does not match pattern/);
    expect(stderr).toContain("at '/audit/spool/fullPolicy'");
    expect(stderr).toContain("at '/kafka/brokers/0'");
    expect(stderr).toContain("additional properties 'replicas' not allowed");
  });

  it('refuses several replicas without PostgreSQL and the auditor without Kafka, saying what to set', async () => {
    const base = { publicUrl: 'https://tether.example.com', tls: { secretName: 'tls' } };
    expect(await rejected(base)).toContain(
      'replicaCount > 1 needs PostgreSQL shared by every replica: set database.url or database.existingSecret',
    );
    expect(await rejected({ ...base, database: minimal.database })).toContain(
      'the auditor reads the audit stream from Kafka: set kafka.brokers, or auditor.enabled: false',
    );
    expect(await rejected({ ...minimal, oidc: { issuer: 'https://login.example.com' } })).toContain(
      'oidc.clientId is required when oidc.issuer is set',
    );
  });
});
