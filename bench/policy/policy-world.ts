/**
 * A made-up but realistically shaped organisation for the policy benchmark: 36 clusters in 3 regions and
 * 3 environments, 100 teams, 3000 people. `rules` describes a 500-rule policy as data, so the YAML the
 * engine loads and the hand-written baseline are generated from the same description.
 */
export const REGIONS = ['eu', 'us', 'ap'] as const;
export const ENVS = ['dev', 'staging', 'prod'] as const;
export const ZONES: Record<string, string> = {
  eu: 'Europe/Berlin',
  us: 'America/New_York',
  ap: 'Asia/Tokyo',
};
export const TEAMS = 100;
export const PROJECTS = 31;
export const READ = ['get', 'list', 'watch'];
export const WRITE = ['create', 'update', 'patch', 'delete'];
export const ATTACH = ['exec', 'attach', 'portforward'];
export const RBAC_RESOURCES = ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'];

export interface Cluster {
  name: string;
  labels: Record<string, string>;
}

export const CLUSTERS: Cluster[] = REGIONS.flatMap((region) =>
  ENVS.flatMap((env) =>
    [0, 1, 2, 3].map((k) => ({
      name: `${env}-${region}-${k}`,
      labels: { env, region, tier: k < 2 ? 'general' : 'data' },
    })),
  ),
);

export const team = (t: number) => `t${String(t).padStart(2, '0')}`;
export const teamRegion = (t: number) => REGIONS[t % 3];
export const teamClusters = (t: number) => [
  `staging-${teamRegion(t)}-${t % 4}`,
  `prod-${teamRegion(t)}-${t % 4}`,
  `dev-${teamRegion(t)}-${(t + 1) % 4}`,
];

export type RuleModel =
  | { kind: 'contractor-secrets' }
  | { kind: 'namespace-deletes' }
  | { kind: 'kube-system-writes' }
  | { kind: 'prod-attach-after-hours' }
  | { kind: 'prod-deletes-after-hours' }
  | { kind: 'freeze'; cluster: string; zone: string }
  | { kind: 'escalation' }
  | { kind: 'pii'; k: number; region: string }
  | { kind: 'admins' }
  | { kind: 'auditors' }
  | { kind: 'discovery' }
  | { kind: 'sre-read'; region: string }
  | { kind: 'team-read'; team: string }
  | { kind: 'team-namespaces'; team: string }
  | { kind: 'team-prod-read'; team: string }
  | { kind: 'team-deploy'; team: string; clusters: string[] }
  | { kind: 'partner'; partner: number; clusters: string[] }
  | { kind: 'oncall'; region: string; env: string }
  | { kind: 'project'; project: number; region: string };

export type Effect = 'allow' | 'deny';
export const effectOf = (rule: RuleModel): Effect =>
  [
    'contractor-secrets',
    'namespace-deletes',
    'kube-system-writes',
    'prod-attach-after-hours',
    'prod-deletes-after-hours',
    'freeze',
    'escalation',
    'pii',
  ].includes(rule.kind)
    ? 'deny'
    : 'allow';

export function ruleName(rule: RuleModel): string {
  switch (rule.kind) {
    case 'freeze':
      return `freeze-${rule.cluster}`;
    case 'pii':
      return `pii-${rule.k}`;
    case 'sre-read':
      return `sre-read-${rule.region}`;
    case 'team-read':
    case 'team-namespaces':
    case 'team-prod-read':
    case 'team-deploy':
      return `${rule.team}-${rule.kind.slice('team-'.length)}`;
    case 'partner':
      return `partner-${rule.partner}`;
    case 'oncall':
      return `oncall-${rule.region}-${rule.env}`;
    case 'project':
      return `project-${rule.project}`;
    default:
      return rule.kind;
  }
}

export function ruleModels(): RuleModel[] {
  const rules: RuleModel[] = [
    { kind: 'contractor-secrets' },
    { kind: 'namespace-deletes' },
    { kind: 'kube-system-writes' },
    { kind: 'prod-attach-after-hours' },
    { kind: 'prod-deletes-after-hours' },
    ...CLUSTERS.map((c) => ({ kind: 'freeze' as const, cluster: c.name, zone: ZONES[c.labels.region] })),
    { kind: 'escalation' },
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({ kind: 'pii' as const, k, region: REGIONS[k % 3] })),
    { kind: 'admins' },
    { kind: 'auditors' },
    { kind: 'discovery' },
    ...REGIONS.map((region) => ({ kind: 'sre-read' as const, region })),
  ];
  for (let t = 0; t < TEAMS; t++) {
    rules.push({ kind: 'team-read', team: team(t) });
    rules.push({ kind: 'team-namespaces', team: team(t) });
    rules.push({ kind: 'team-prod-read', team: team(t) });
    rules.push({ kind: 'team-deploy', team: team(t), clusters: teamClusters(t) });
  }
  for (let p = 0; p < 4; p++) {
    rules.push({
      kind: 'partner',
      partner: p,
      clusters: [`staging-${REGIONS[p % 3]}-${p}`, `dev-${REGIONS[p % 3]}-${p}`],
    });
  }
  for (const region of REGIONS) for (const env of ENVS) rules.push({ kind: 'oncall', region, env });
  for (let p = 0; p < PROJECTS; p++) rules.push({ kind: 'project', project: p, region: REGIONS[p % 3] });
  return rules;
}
