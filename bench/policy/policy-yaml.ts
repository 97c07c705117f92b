/** The benchmark's rule models written out as a policy file, the way an operator would write them. */
import { stringify } from 'yaml';
import { ATTACH, READ, RBAC_RESOURCES, WRITE, effectOf, ruleName, type RuleModel } from './policy-world';

const businessHours = (hours: string) => ({ time: { days: 'mon-fri', hours, timeZone: 'Europe/Berlin' } });
const notAdmin = { not: { groups: 'platform-admins' } };

function condition(rule: RuleModel): Record<string, unknown> {
  switch (rule.kind) {
    case 'contractor-secrets':
      return { groups: 'contractors', resource: 'secrets' };
    case 'namespace-deletes':
      return { resource: 'namespaces', verb: ['delete', 'deletecollection'], ...notAdmin };
    case 'kube-system-writes':
      return { namespace: 'kube-system', verb: [...WRITE, 'deletecollection'], ...notAdmin };
    case 'prod-attach-after-hours':
      return { clusterLabels: { env: 'prod' }, subresource: ATTACH, not: businessHours('08:00-20:00') };
    case 'prod-deletes-after-hours':
      return { clusterLabels: { env: 'prod' }, verb: 'delete', not: businessHours('09:00-18:00') };
    case 'freeze':
      return { cluster: rule.cluster, verb: WRITE, time: { days: 'sat-sun', timeZone: rule.zone } };
    case 'escalation':
      return { verb: ['escalate', 'bind', 'impersonate'], resource: RBAC_RESOURCES, ...notAdmin };
    case 'pii':
      return {
        clusterLabels: { region: rule.region },
        namespace: `pii-${rule.k}`,
        not: { claims: { clearance: 'pii' } },
      };
    case 'admins':
      return { groups: 'platform-admins' };
    case 'auditors':
      return {
        groups: 'auditors',
        verb: READ,
        nor: [{ resource: 'secrets' }, { subresource: [...ATTACH, 'proxy'] }],
      };
    case 'discovery':
      return { verb: 'get', resource: '', path: { glob: '/api*' } };
    case 'sre-read':
      return { groups: `sre-${rule.region}`, clusterLabels: { region: rule.region }, verb: READ };
    case 'team-read':
      return { groups: rule.team, clusterLabels: { env: ['dev', 'staging'] }, verb: READ };
    case 'team-namespaces':
      return {
        groups: rule.team,
        clusterLabels: { env: 'dev' },
        namespace: { starts_with: `${rule.team}-` },
      };
    case 'team-prod-read':
      return {
        groups: `${rule.team}-oncall`,
        clusterLabels: { env: 'prod' },
        namespace: { starts_with: `${rule.team}-` },
        verb: READ,
        not: { resource: 'secrets' },
      };
    case 'team-deploy':
      return {
        groups: `${rule.team}-deployers`,
        cluster: rule.clusters,
        verb: ['create', 'update', 'patch'],
        apiGroup: ['apps', ''],
        resource: ['deployments', 'services', 'configmaps'],
        namespace: { starts_with: `${rule.team}-` },
      };
    case 'partner':
      return {
        emailDomain: `partner-${rule.partner}.example`,
        cluster: rule.clusters,
        namespace: { starts_with: `partner-${rule.partner}` },
        verb: ['get', 'list'],
      };
    case 'oncall':
      return {
        claims: { oncall: true },
        clusterLabels: { region: rule.region, env: rule.env },
        resource: 'pods',
        verb: [...READ, 'delete'],
      };
    case 'project':
      return {
        groups: `project-${rule.project}`,
        cluster: { glob: `*-${rule.region}-*` },
        namespace: `proj-${rule.project}`,
        verb: [...READ, 'create', 'update', 'patch'],
      };
  }
}

export function policyYaml(rules: readonly RuleModel[]): string {
  return stringify(
    {
      apiVersion: 'policy.tether.dev/v1',
      kind: 'Policy',
      rules: rules.map((rule) => ({ name: ruleName(rule), [effectOf(rule)]: condition(rule) })),
      impersonation: {
        user: '${email}',
        groups: { prefix: 'oidc:' },
        mappings: [
          {
            name: 'admins-masters-on-dev',
            when: { groups: 'platform-admins', clusterLabels: { env: 'dev' } },
            groups: ['system:masters'],
          },
        ],
      },
    },
    { aliasDuplicateObjects: false },
  );
}
