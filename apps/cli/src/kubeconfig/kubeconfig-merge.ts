import { isMap, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { CliError } from '../errors/cli-error.js';

export interface ExecConfig {
  apiVersion: 'client.authentication.k8s.io/v1';
  command: string;
  args: string[];
  env?: { name: string; value: string }[];
  interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  provideClusterInfo: boolean;
  installHint: string;
}

/** What `tether kube login` owns in a kubeconfig: one cluster, user and context per Tether cluster. */
export interface TetherKubeEntry {
  context: string;
  cluster: { name: string; server: string; certificateAuthorityData?: string };
  user: { name: string; exec: ExecConfig };
}

export interface MergeOptions {
  /** Make this context current; otherwise current-context changes only when it was empty. */
  currentContext?: string;
  /** Where the text came from, for error messages. */
  source: string;
}

/**
 * Adds or replaces Tether's entries in a kubeconfig and leaves everything else — other tools' clusters,
 * users, contexts, preferences, extensions, comments and order — exactly as it was.
 */
export function mergeKubeconfig(
  existing: string | undefined,
  entries: TetherKubeEntry[],
  options: MergeOptions,
): string {
  const doc = existing?.trim() ? parseExisting(existing, options.source) : emptyKubeconfig();
  for (const entry of entries) {
    const cluster: Record<string, unknown> = { server: entry.cluster.server };
    if (entry.cluster.certificateAuthorityData) {
      cluster['certificate-authority-data'] = entry.cluster.certificateAuthorityData;
    }
    upsertNamed(doc, 'clusters', { name: entry.cluster.name, cluster });
    upsertNamed(doc, 'users', { name: entry.user.name, user: { exec: entry.user.exec } });
    // A namespace the person chose for this context (kubectl config set-context --current --namespace) stays.
    const namespace = findNamed(doc, 'contexts', entry.context)?.getIn(['context', 'namespace']);
    const context: Record<string, unknown> = { cluster: entry.cluster.name, user: entry.user.name };
    if (typeof namespace === 'string' && namespace) context.namespace = namespace;
    upsertNamed(doc, 'contexts', { name: entry.context, context });
  }
  const current = doc.get('current-context');
  const target =
    options.currentContext ?? (typeof current === 'string' && current ? undefined : entries[0]?.context);
  if (target) doc.set('current-context', target);
  return doc.toString({ lineWidth: 0, indentSeq: false }); // kubectl's own layout: `- name:` under the key
}

function parseExisting(text: string, source: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    const why = doc.errors[0]?.message.split('\n')[0] ?? 'the top level is not a mapping';
    throw new CliError(
      'config_invalid',
      `${source} is not a valid kubeconfig (${why}); it was left unchanged`,
      'Fix it, or write elsewhere with --kubeconfig PATH.',
    );
  }
  return doc;
}

function emptyKubeconfig(): Document {
  return parseDocument(
    'apiVersion: v1\nkind: Config\npreferences: {}\nclusters: []\nusers: []\ncontexts: []\ncurrent-context: ""\n',
  );
}

function listOf(doc: Document, key: string): YAMLSeq {
  const node = doc.get(key, true);
  if (isSeq(node)) return node;
  if (node !== undefined && node !== null && !isNullScalar(node)) {
    throw new CliError('config_invalid', `the kubeconfig's ${key} is not a list; it was left unchanged`);
  }
  const seq = doc.createNode([]) as YAMLSeq;
  doc.set(key, seq);
  return seq;
}

function isNullScalar(node: unknown): boolean {
  return (node as { value?: unknown }).value === null;
}

function findNamed(doc: Document, key: string, name: string): YAMLMap | undefined {
  const node = doc.get(key, true);
  if (!isSeq(node)) return undefined;
  return node.items.find((item): item is YAMLMap => isMap(item) && item.get('name') === name);
}

function upsertNamed(doc: Document, key: string, value: Record<string, unknown>): void {
  const seq = listOf(doc, key);
  const node = doc.createNode(value);
  const index = seq.items.findIndex((item) => isMap(item) && item.get('name') === value.name);
  if (index >= 0) seq.items[index] = node;
  else seq.items.push(node);
}
