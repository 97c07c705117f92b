/** Varied requests from the benchmark's people, spread over a week so time windows open and close. */
import { CLUSTERS, PROJECTS, TEAMS, team, teamRegion, type Cluster } from './policy-world';

export interface BenchInput {
  user: { username: string; email?: string; groups: string[]; claims?: Record<string, unknown> };
  cluster: Cluster;
  request: {
    verb: string;
    apiGroup: string;
    resource: string;
    subresource: string;
    namespace: string;
    name: string;
    isResourceRequest: boolean;
    path: string;
  };
  now: Date;
}

/** mulberry32: the same workload on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = 3000;
const RESOURCES: [apiGroup: string, resource: string, subresource: string][] = [
  ['', 'pods', ''],
  ['', 'pods', ''],
  ['', 'pods', 'log'],
  ['', 'pods', 'exec'],
  ['apps', 'deployments', ''],
  ['apps', 'deployments', 'scale'],
  ['', 'services', ''],
  ['', 'configmaps', ''],
  ['', 'secrets', ''],
  ['', 'namespaces', ''],
  ['rbac.authorization.k8s.io', 'rolebindings', ''],
];
const VERBS = ['get', 'get', 'get', 'list', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'bind'];

function person(n: number, next: () => number): BenchInput['user'] {
  const t = n % TEAMS;
  const groups = [team(t)];
  if (next() < 0.2) groups.push(`${team(t)}-oncall`);
  if (next() < 0.2) groups.push(`${team(t)}-deployers`);
  if (next() < 0.05) groups.push('contractors');
  if (next() < 0.03) groups.push(`sre-${teamRegion(t)}`);
  if (next() < 0.01) groups.push('auditors');
  if (next() < 0.005) groups.push('platform-admins');
  if (next() < 0.3) groups.push(`project-${n % PROJECTS}`);
  groups.push('everyone', `office-${n % 12}`);
  const partner = next() < 0.02;
  return {
    username: `user${n}`,
    email: partner ? `user${n}@partner-${n % 4}.example` : `user${n}@acme.example`,
    groups,
    claims: { oncall: n % 7 === 0, clearance: n % 11 === 0 ? ['pii'] : [] },
  };
}

function namespaceFor(n: number, next: () => number): string {
  const t = n % TEAMS;
  const roll = next();
  if (roll < 0.55) return `${team(t)}-app`;
  if (roll < 0.65) return `${team(t)}-jobs`;
  if (roll < 0.72) return `${team((t + 1 + Math.floor(next() * 10)) % TEAMS)}-app`;
  if (roll < 0.77) return 'kube-system';
  if (roll < 0.82) return 'default';
  if (roll < 0.87) return `pii-${Math.floor(next() * 8)}`;
  if (roll < 0.95) return `proj-${n % PROJECTS}`;
  return `partner-${n % 4}`;
}

export function workload(size: number, seed = 7): BenchInput[] {
  const next = random(seed);
  const people = Array.from({ length: PEOPLE }, (_, n) => person(n, next));
  const monday = Date.parse('2026-11-30T00:00:00Z');
  const slots = 20;
  const inputs: BenchInput[] = [];
  for (let i = 0; i < size; i++) {
    const n = Math.floor(next() * PEOPLE);
    const user = people[n];
    const home = teamRegion(n % TEAMS);
    const candidates = next() < 0.7 ? CLUSTERS.filter((c) => c.labels.region === home) : CLUSTERS;
    const cluster = candidates[Math.floor(next() * candidates.length)];
    // Consecutive decisions share a minute, as they do in a busy broker; 20 slots cover a week.
    const now = new Date(monday + Math.floor((i * slots) / size) * Math.floor((7 * 86_400_000) / slots));
    if (next() < 0.04) {
      inputs.push({ user, cluster, now, request: nonResource(next() < 0.5 ? '/api' : '/apis') });
      continue;
    }
    const [apiGroup, resource, subresource] = RESOURCES[Math.floor(next() * RESOURCES.length)];
    const verb = subresource === 'exec' ? 'create' : VERBS[Math.floor(next() * VERBS.length)];
    const namespace = resource === 'namespaces' ? '' : namespaceFor(n, next);
    const name =
      verb === 'list' || verb === 'watch' || verb === 'create' ? '' : `obj-${Math.floor(next() * 50)}`;
    const path = `/${apiGroup === '' ? 'api' : `apis/${apiGroup}`}/v1${namespace ? `/namespaces/${namespace}` : ''}/${resource}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
    inputs.push({
      user,
      cluster,
      now,
      request: { verb, apiGroup, resource, subresource, namespace, name, isResourceRequest: true, path },
    });
  }
  return inputs;
}

function nonResource(path: string): BenchInput['request'] {
  return {
    verb: 'get',
    apiGroup: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    isResourceRequest: false,
    path,
  };
}
