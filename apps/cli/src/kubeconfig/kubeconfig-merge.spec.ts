import { parse, stringify } from 'yaml';
import { mergeKubeconfig, type TetherKubeEntry } from './kubeconfig-merge.js';

const otherTools = `# managed by kind — keep this comment
apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: kind-kind
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: S0lORA==
users:
- name: kind-kind
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
contexts:
- name: kind-kind
  context:
    cluster: kind-kind
    user: kind-kind
current-context: kind-kind
extensions:
- name: something
  extension: { answer: 42 }
`;

function entry(cluster: string, caData?: string): TetherKubeEntry {
  const name = `tether-127.0.0.1-8443-${cluster}`;
  return {
    context: cluster,
    cluster: {
      name,
      server: `https://127.0.0.1:8443/k8s/${cluster}`,
      ...(caData ? { certificateAuthorityData: caData } : {}),
    },
    user: {
      name,
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: '/opt/node/bin/node',
        args: [
          '/repo/apps/cli/dist/main.js',
          'kube',
          'credential',
          cluster,
          '--broker',
          'https://127.0.0.1:8443',
        ],
        interactiveMode: 'IfAvailable',
        provideClusterInfo: false,
        installHint: 'build tether',
      },
    },
  };
}

type Kubeconfig = {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  'current-context': string;
  preferences: unknown;
  extensions: unknown;
};

describe('merging Tether contexts into a kubeconfig', () => {
  it("leaves other tools' clusters, users, contexts, preferences, extensions and comments untouched", () => {
    const merged = mergeKubeconfig(otherTools, [entry('dev-east'), entry('dev-west')], { source: 'test' });
    const before = parse(otherTools) as Kubeconfig;
    const after = parse(merged) as Kubeconfig;

    expect(merged.startsWith('# managed by kind — keep this comment\n')).toBe(true);
    expect(merged).toContain('- name: kind-kind\n  cluster:\n    server: https://127.0.0.1:6443\n');
    expect(after.clusters[0]).toEqual(before.clusters[0]);
    expect(after.users[0]).toEqual(before.users[0]);
    expect(after.contexts[0]).toEqual(before.contexts[0]);
    expect(after.preferences).toEqual(before.preferences);
    expect(after.extensions).toEqual(before.extensions);
    expect(after['current-context']).toBe('kind-kind');
    expect(after.contexts.map((c) => c.name)).toEqual(['kind-kind', 'dev-east', 'dev-west']);
  });

  it('writes an exec user for client.authentication.k8s.io/v1 with interactiveMode IfAvailable', () => {
    const after = parse(mergeKubeconfig(undefined, [entry('dev-east')], { source: 'test' })) as Kubeconfig;
    expect(after.contexts).toEqual([
      {
        name: 'dev-east',
        context: { cluster: 'tether-127.0.0.1-8443-dev-east', user: 'tether-127.0.0.1-8443-dev-east' },
      },
    ]);
    expect(after.users[0]?.user.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1',
      command: '/opt/node/bin/node',
      args: expect.arrayContaining(['kube', 'credential', 'dev-east']),
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
    });
    expect(after.clusters[0]?.cluster).toEqual({ server: 'https://127.0.0.1:8443/k8s/dev-east' });
    expect(after['current-context']).toBe('dev-east');
  });

  it('embeds the private CA as certificate-authority-data', () => {
    const after = parse(
      mergeKubeconfig(undefined, [entry('dev-east', 'UEVN')], { source: 'test' }),
    ) as Kubeconfig;
    expect(after.clusters[0]?.cluster['certificate-authority-data']).toBe('UEVN');
  });

  it('replaces its own entries on a second login instead of duplicating them, keeping a chosen namespace', () => {
    const first = mergeKubeconfig(otherTools, [entry('dev-east', 'T0xE')], { source: 'test' });
    const edited = parse(first) as Kubeconfig;
    const ours = edited.contexts.find((c) => c.name === 'dev-east');
    if (ours) ours.context.namespace = 'web'; // kubectl config set-context --current --namespace web
    const withNamespace = stringify(edited);
    const second = parse(
      mergeKubeconfig(withNamespace, [entry('dev-east')], { source: 'test' }),
    ) as Kubeconfig;
    expect(second.contexts.filter((c) => c.name === 'dev-east')).toHaveLength(1);
    expect(second.contexts.find((c) => c.name === 'dev-east')?.context.namespace).toBe('web');
    expect(second.clusters.filter((c) => c.name === 'tether-127.0.0.1-8443-dev-east')).toHaveLength(1);
    expect(
      second.clusters.find((c) => c.name.startsWith('tether'))?.cluster['certificate-authority-data'],
    ).toBeUndefined();
    expect(second.users).toHaveLength(2);
  });

  it('switches current-context when asked (tether kube login <cluster>)', () => {
    const after = parse(
      mergeKubeconfig(otherTools, [entry('dev-west')], { source: 'test', currentContext: 'dev-west' }),
    );
    expect((after as Kubeconfig)['current-context']).toBe('dev-west');
  });

  it('fills lists that kubectl wrote as null', () => {
    const sparse =
      'apiVersion: v1\nkind: Config\nclusters: null\nusers:\ncontexts: null\ncurrent-context: ""\n';
    const after = parse(mergeKubeconfig(sparse, [entry('dev-east')], { source: 'test' })) as Kubeconfig;
    expect(after.clusters).toHaveLength(1);
    expect(after.users).toHaveLength(1);
    expect(after['current-context']).toBe('dev-east');
  });

  it('refuses to rewrite a file that is not a kubeconfig, saying which file', () => {
    expect(() =>
      mergeKubeconfig('clusters: [unclosed', [entry('dev-east')], { source: '/home/me/.kube/config' }),
    ).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringContaining('/home/me/.kube/config'),
      }),
    );
    expect(() => mergeKubeconfig('- a\n- b\n', [entry('dev-east')], { source: 'x' })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});
