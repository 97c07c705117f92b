import { agentConfigSchema, envWithPrefix, loadConfig } from '@tether/config';
import { environmentOf, fileSource, podSpecOf } from './container-env.js';
import { helm, chartPath, lint, render, type Rendered } from './helm-chart.js';

// The agent chart as helm renders it, for the values an operator is likely to set.
const required = { clusterName: 'dev-east', broker: { url: 'https://tether.example.com' } };
const release = { name: 'tether-agent', namespace: 'tether-system' };
const caPem = '-----BEGIN CERTIFICATE-----\nMIIBdemo\n-----END CERTIFICATE-----\n';

const everything = {
  ...required,
  broker: { url: 'https://tether.example.com', caCert: caPem },
  joinToken: 'tjt_0123456789abcdef',
  replicaCount: 2,
  logLevel: 'debug',
  telemetry: { otlpEndpoint: 'http://otel-collector.monitoring:4318' },
  rbac: {
    impersonateServiceAccounts: true,
    impersonateExtras: ['tether.dev/request-id', 'acme.com/project'],
  },
  image: { digest: `sha256:${'a'.repeat(64)}` },
  networkPolicy: {
    enabled: true,
    broker: { cidrs: ['203.0.113.10/32'], port: 443 },
    apiServer: { cidrs: ['10.0.0.0/28'] },
    metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  },
};

interface ClusterRole {
  rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }>;
}

function environment(rendered: Rendered): Record<string, string> {
  const [container] = podSpecOf(rendered.one('Deployment')).containers;
  if (!container) throw new Error('no container');
  return environmentOf(container, { namespace: release.namespace, secretValue: () => 'from-a-secret' });
}

describe('tether-agent chart', () => {
  let defaults: Rendered;
  let full: Rendered;
  let staticToken: Rendered;

  beforeAll(async () => {
    [defaults, full, staticToken] = await Promise.all([
      render('tether-agent', required, release),
      render('tether-agent', everything, release),
      render('tether-agent', { ...required, existingTokenSecret: 'agent-token' }, release),
    ]);
  });

  it('passes helm lint --strict with the required values and with every option on', async () => {
    for (const values of [required, everything]) {
      const result = await lint('tether-agent', values);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(result.code).toBe(0);
    }
  });

  it('renders exactly the objects an enrolling agent needs by default', () => {
    expect(defaults.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/tether-system-tether-agent-impersonator',
      'ClusterRoleBinding/tether-system-tether-agent-impersonator',
      'Deployment/tether-agent',
      'Role/tether-agent-credential',
      'RoleBinding/tether-agent-credential',
      'Secret/tether-agent-credential',
      'ServiceAccount/tether-agent',
    ]);
    expect(defaults.one<{ data?: unknown }>('Secret').data).toBeUndefined();
  });

  it('grants impersonation of users, groups, uids and the request-id extra, and nothing more', () => {
    expect(defaults.one<ClusterRole>('ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] },
      {
        apiGroups: ['authentication.k8s.io'],
        resources: ['uids', 'userextras/tether.dev/request-id'],
        verbs: ['impersonate'],
      },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
    ]);
    expect(defaults.one<ClusterRole>('Role').rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['tether-agent-credential'],
        verbs: ['get', 'update', 'patch'],
      },
    ]);
  });

  it('adds service accounts and each configured extra key when asked', () => {
    const [core, authentication] = full.one<ClusterRole>('ClusterRole').rules;
    expect(core?.resources).toEqual(['users', 'groups', 'serviceaccounts']);
    expect(authentication?.resources).toEqual([
      'uids',
      'userextras/tether.dev/request-id',
      'userextras/acme.com/project',
    ]);
  });

  it('runs the agent non-root on a read-only root filesystem with no privileges', () => {
    const pod = podSpecOf(defaults.one('Deployment'));
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe('tether-agent');
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const [container] = pod.containers;
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.resources?.requests).toMatchObject({ cpu: '50m', memory: '96Mi' });
    expect(container?.resources?.limits).toMatchObject({ memory: '384Mi' });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container?.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    expect(container?.image).toBe('ghcr.io/tether-dev/tether-agent:0.1.0');
  });

  it('gives the agent an environment its own config schema accepts, enrolling by default', () => {
    const env = environment(defaults);
    expect(env).toEqual({
      TETHER_AGENT_CLUSTER_NAME: 'dev-east',
      TETHER_AGENT_BROKER_URL: 'https://tether.example.com',
      TETHER_AGENT_LOG_LEVEL: 'info',
      TETHER_AGENT_HTTP_PORT: '9090',
      TETHER_AGENT_NAMESPACE: 'tether-system',
      TETHER_AGENT_CREDENTIAL_SECRET: 'tether-agent-credential',
    });
    const config = loadConfig(agentConfigSchema, envWithPrefix(env, 'TETHER_AGENT_'));
    expect(config.CREDENTIAL_SECRET).toBe('tether-agent-credential');
    const fullConfig = loadConfig(agentConfigSchema, envWithPrefix(environment(full), 'TETHER_AGENT_'));
    expect(fullConfig.JOIN_TOKEN_FILE).toBe('/var/run/tether/join/token');
    expect(fullConfig.OTLP_ENDPOINT).toBe('http://otel-collector.monitoring:4318');
    expect(
      loadConfig(agentConfigSchema, envWithPrefix(environment(staticToken), 'TETHER_AGENT_')).TOKEN_FILE,
    ).toBe('/var/run/tether/token/token');
  });

  it('stores the join token in a Secret and mounts it read-only where the agent looks', () => {
    const secret = full.one<{ data: Record<string, string> }>('Secret', 'tether-agent-join');
    expect(Buffer.from(secret.data.token ?? '', 'base64').toString()).toBe('tjt_0123456789abcdef');
    const pod = podSpecOf(full.one('Deployment'));
    expect(pod.containers[0]?.volumeMounts).toContainEqual({
      name: 'join-token',
      mountPath: '/var/run/tether/join',
      readOnly: true,
    });
    expect(pod.volumes).toContainEqual({
      name: 'join-token',
      secret: {
        secretName: 'tether-agent-join',
        defaultMode: 0o440,
        items: [{ key: 'token', path: 'token' }],
      },
    });
    expect(full.one<{ data: Record<string, string> }>('ConfigMap').data['ca.crt']).toBe(caPem);
    expect(environment(full).TETHER_AGENT_BROKER_CA_FILE).toBe('/etc/tether/broker-ca/ca.crt');
    expect(podSpecOf(full.one('Deployment')).containers[0]?.image).toBe(
      `ghcr.io/tether-dev/tether-agent@sha256:${'a'.repeat(64)}`,
    );
  });

  it('mounts every file the agent is pointed at', () => {
    for (const rendered of [full, staticToken]) {
      const pod = podSpecOf(rendered.one('Deployment'));
      const container = pod.containers[0];
      if (!container) throw new Error('no container');
      const env = environment(rendered);
      const files = ['TETHER_AGENT_JOIN_TOKEN_FILE', 'TETHER_AGENT_TOKEN_FILE', 'TETHER_AGENT_BROKER_CA_FILE']
        .map((name) => env[name])
        .filter((path): path is string => path !== undefined);
      expect(files.length).toBeGreaterThan(0);
      for (const path of files) expect(() => fileSource(pod, container, path)).not.toThrow();
    }
  });

  it('uses an existing join Secret instead of creating one', async () => {
    const rendered = await render('tether-agent', { ...required, existingJoinSecret: 'my-join' }, release);
    expect(rendered.ofKind('Secret').map((s) => s.metadata.name)).toEqual(['tether-agent-credential']);
    expect(podSpecOf(rendered.one('Deployment')).volumes).toContainEqual(
      expect.objectContaining({
        name: 'join-token',
        secret: expect.objectContaining({ secretName: 'my-join' }),
      }),
    );
  });

  it('with a static credential: no credential Secret, no Role, no enrollment settings', () => {
    expect(staticToken.ofKind('Secret')).toEqual([]);
    expect(staticToken.ofKind('Role')).toEqual([]);
    const env = environment(staticToken);
    expect(env.TETHER_AGENT_CREDENTIAL_SECRET).toBeUndefined();
    expect(env.TETHER_AGENT_JOIN_TOKEN_FILE).toBeUndefined();
  });

  it('adds a PodDisruptionBudget only for more than one replica', () => {
    expect(defaults.ofKind('PodDisruptionBudget')).toEqual([]);
    const pdb = full.one<{ spec: Record<string, unknown> }>('PodDisruptionBudget');
    expect(pdb.spec).toMatchObject({
      minAvailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'tether-agent',
          'app.kubernetes.io/instance': 'tether-agent',
        },
      },
    });
  });

  it('limits egress to the broker, the API server and DNS when the NetworkPolicy is on', () => {
    expect(defaults.ofKind('NetworkPolicy')).toEqual([]);
    const policy = full.one<{ spec: { policyTypes: string[]; egress: unknown[]; ingress: unknown[] } }>(
      'NetworkPolicy',
    );
    expect(policy.spec.policyTypes).toEqual(['Egress', 'Ingress']);
    expect(policy.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
      {
        to: [{ ipBlock: { cidr: '10.0.0.0/28' } }],
        ports: [
          { protocol: 'TCP', port: 443 },
          { protocol: 'TCP', port: 6443 },
        ],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
    ]);
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 9090 }],
      },
    ]);
  });

  it('tells the operator how to see the agent online', async () => {
    const result = await helm(
      ['install', 'tether-agent', chartPath('tether-agent'), '-n', 'tether-system', '--dry-run=client'],
      { ...required, joinToken: 'tjt_x' },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kubectl -n tether-system logs deploy/tether-agent');
    expect(result.stdout).toContain('tether kube ls');
  });
});

describe('tether-agent values schema', () => {
  const rejected = async (values: unknown): Promise<string> => {
    const result = await helm(['template', 'tether-agent', chartPath('tether-agent')], values);
    expect(result.code).not.toBe(0);
    return result.stderr;
  };

  it('requires the cluster name and the broker URL', async () => {
    const stderr = await rejected({});
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toContain("missing property 'clusterName'");
    expect(stderr).toContain("at '/broker': missing property 'url'");
    expect(await rejected({ clusterName: 'dev-east', broker: {} })).toContain(
      "at '/broker': missing property 'url'",
    );
  });

  it('refuses a cluster name that is no DNS label, a plain-http broker and unknown keys', async () => {
    const stderr = await rejected({
      clusterName: 'Dev_East',
      broker: { url: 'http://tether.example.com' },
      replica: 2,
    });
    expect(stderr).toMatch(/at '\/clusterName': 'Dev_East' does not match pattern/);
    expect(stderr).toMatch(/at '\/broker\/url': 'http:\/\/tether.example.com' does not match pattern/);
    expect(stderr).toContain("additional properties 'replica' not allowed");
  });

  it('refuses an upper-case extra key (the API server lower-cases them) and a NetworkPolicy without CIDRs', async () => {
    expect(await rejected({ ...required, rbac: { impersonateExtras: ['Tether.dev/Request-ID'] } })).toContain(
      "at '/rbac/impersonateExtras/0'",
    );
    const stderr = await rejected({ ...required, networkPolicy: { enabled: true } });
    expect(stderr).toContain("at '/networkPolicy/broker/cidrs': minItems: got 0, want 1");
    expect(stderr).toContain("at '/networkPolicy/apiServer/cidrs': minItems: got 0, want 1");
  });

  it('refuses a static credential together with a join token, saying why', async () => {
    const stderr = await rejected({ ...required, existingTokenSecret: 'agent-token', joinToken: 'tjt_x' });
    expect(stderr).toContain('existingTokenSecret (a static credential) and joinToken/existingJoinSecret');
  });
});
