/**
 * The baseline: the same 500 rules as plain `if`s, walked in file order like a first hand-written
 * authorizer would be (no index). It answers allowed + rule name and builds the same impersonation.
 */
import { ATTACH, READ, RBAC_RESOURCES, WRITE, effectOf, ruleName, type RuleModel } from './policy-world';
import type { BenchInput } from './workload';

const WRITE_SET = new Set(WRITE);
const READ_SET = new Set(READ);
const ATTACH_SET = new Set(ATTACH);

const localTimes = new Map<
  string,
  { minute: number; day: number; minuteOfDay: number; format: Intl.DateTimeFormat }
>();
const DAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localTime(zone: string, ms: number): { day: number; minuteOfDay: number } {
  let entry = localTimes.get(zone);
  if (entry === undefined) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    entry = { minute: Number.NaN, day: 0, minuteOfDay: 0, format };
    localTimes.set(zone, entry);
  }
  const minute = Math.floor(ms / 60_000);
  if (minute !== entry.minute) {
    const parts = Object.fromEntries(
      entry.format.formatToParts(minute * 60_000).map((p) => [p.type, p.value]),
    );
    entry.minute = minute;
    entry.day = DAYS[parts.weekday];
    entry.minuteOfDay = Number(parts.hour) * 60 + Number(parts.minute);
  }
  return entry;
}

function berlinBusiness(ms: number, from: number, to: number): boolean {
  const { day, minuteOfDay } = localTime('Europe/Berlin', ms);
  return day >= 1 && day <= 5 && minuteOfDay >= from * 60 && minuteOfDay < to * 60;
}

/** Strings each rule compares against, built once as a careful hand-written authorizer would. */
interface Prepared {
  group: string;
  prefix: string;
  namespace: string;
  suffix: string;
  infix: string;
}

function prepare(rule: RuleModel): Prepared {
  const p: Prepared = { group: '', prefix: '', namespace: '', suffix: '', infix: '' };
  switch (rule.kind) {
    case 'pii':
      p.namespace = `pii-${rule.k}`;
      break;
    case 'sre-read':
      p.group = `sre-${rule.region}`;
      break;
    case 'team-read':
    case 'team-namespaces':
      p.group = rule.team;
      p.prefix = `${rule.team}-`;
      break;
    case 'team-prod-read':
      p.group = `${rule.team}-oncall`;
      p.prefix = `${rule.team}-`;
      break;
    case 'team-deploy':
      p.group = `${rule.team}-deployers`;
      p.prefix = `${rule.team}-`;
      break;
    case 'partner':
      p.suffix = `@partner-${rule.partner}.example`;
      p.prefix = `partner-${rule.partner}`;
      break;
    case 'project':
      p.group = `project-${rule.project}`;
      p.infix = `-${rule.region}-`;
      p.namespace = `proj-${rule.project}`;
      break;
  }
  return p;
}

function matches(rule: RuleModel, p: Prepared, input: BenchInput): boolean {
  const { user, cluster, request: r } = input;
  switch (rule.kind) {
    case 'contractor-secrets':
      return user.groups.includes('contractors') && r.resource === 'secrets';
    case 'namespace-deletes':
      return (
        r.resource === 'namespaces' &&
        (r.verb === 'delete' || r.verb === 'deletecollection') &&
        !user.groups.includes('platform-admins')
      );
    case 'kube-system-writes':
      return (
        r.namespace === 'kube-system' &&
        (WRITE_SET.has(r.verb) || r.verb === 'deletecollection') &&
        !user.groups.includes('platform-admins')
      );
    case 'prod-attach-after-hours':
      return (
        cluster.labels.env === 'prod' &&
        ATTACH_SET.has(r.subresource) &&
        !berlinBusiness(input.now.getTime(), 8, 20)
      );
    case 'prod-deletes-after-hours':
      return (
        cluster.labels.env === 'prod' && r.verb === 'delete' && !berlinBusiness(input.now.getTime(), 9, 18)
      );
    case 'freeze': {
      if (cluster.name !== rule.cluster || !WRITE_SET.has(r.verb)) return false;
      const { day } = localTime(rule.zone, input.now.getTime());
      return day === 0 || day === 6;
    }
    case 'escalation':
      return (
        (r.verb === 'escalate' || r.verb === 'bind' || r.verb === 'impersonate') &&
        RBAC_RESOURCES.includes(r.resource) &&
        !user.groups.includes('platform-admins')
      );
    case 'pii': {
      const clearance = user.claims?.clearance;
      const cleared = Array.isArray(clearance) ? clearance.includes('pii') : clearance === 'pii';
      return cluster.labels.region === rule.region && r.namespace === p.namespace && !cleared;
    }
    case 'admins':
      return user.groups.includes('platform-admins');
    case 'auditors':
      return (
        user.groups.includes('auditors') &&
        READ_SET.has(r.verb) &&
        r.resource !== 'secrets' &&
        !ATTACH_SET.has(r.subresource) &&
        r.subresource !== 'proxy'
      );
    case 'discovery':
      return r.verb === 'get' && r.resource === '' && r.path.startsWith('/api');
    case 'sre-read':
      return user.groups.includes(p.group) && cluster.labels.region === rule.region && READ_SET.has(r.verb);
    case 'team-read':
      return (
        user.groups.includes(p.group) &&
        (cluster.labels.env === 'dev' || cluster.labels.env === 'staging') &&
        READ_SET.has(r.verb)
      );
    case 'team-namespaces':
      return (
        user.groups.includes(p.group) && cluster.labels.env === 'dev' && r.namespace.startsWith(p.prefix)
      );
    case 'team-prod-read':
      return (
        user.groups.includes(p.group) &&
        cluster.labels.env === 'prod' &&
        r.namespace.startsWith(p.prefix) &&
        READ_SET.has(r.verb) &&
        r.resource !== 'secrets'
      );
    case 'team-deploy':
      return (
        user.groups.includes(p.group) &&
        rule.clusters.includes(cluster.name) &&
        (r.verb === 'create' || r.verb === 'update' || r.verb === 'patch') &&
        (r.apiGroup === 'apps' || r.apiGroup === '') &&
        (r.resource === 'deployments' || r.resource === 'services' || r.resource === 'configmaps') &&
        r.namespace.startsWith(p.prefix)
      );
    case 'partner':
      return (
        (user.email ?? '').toLowerCase().endsWith(p.suffix) &&
        rule.clusters.includes(cluster.name) &&
        r.namespace.startsWith(p.prefix) &&
        (r.verb === 'get' || r.verb === 'list')
      );
    case 'oncall':
      return (
        user.claims?.oncall === true &&
        cluster.labels.region === rule.region &&
        cluster.labels.env === rule.env &&
        r.resource === 'pods' &&
        (READ_SET.has(r.verb) || r.verb === 'delete')
      );
    case 'project':
      return (
        user.groups.includes(p.group) &&
        cluster.name.includes(p.infix) &&
        r.namespace === p.namespace &&
        (READ_SET.has(r.verb) || r.verb === 'create' || r.verb === 'update' || r.verb === 'patch')
      );
  }
}

export type BaselineDecision = {
  allowed: boolean;
  rule?: string;
  impersonate?: { user: string; groups: string[]; extra: Record<string, string[]> };
};

export function handWrittenAuthorizer(rules: readonly RuleModel[]): (input: BenchInput) => BaselineDecision {
  const deny = rules
    .filter((rule) => effectOf(rule) === 'deny')
    .map((rule) => ({ rule, p: prepare(rule), name: ruleName(rule) }));
  const allow = rules
    .filter((rule) => effectOf(rule) === 'allow')
    .map((rule) => ({ rule, p: prepare(rule), name: ruleName(rule) }));
  return (input) => {
    for (const { rule, p, name } of deny) if (matches(rule, p, input)) return { allowed: false, rule: name };
    for (const { rule, p, name } of allow) {
      if (!matches(rule, p, input)) continue;
      const groups = input.user.groups.map((group) => `oidc:${group}`);
      if (input.user.groups.includes('platform-admins') && input.cluster.labels.env === 'dev')
        groups.push('system:masters');
      return { allowed: true, rule: name, impersonate: { user: input.user.email ?? '', groups, extra: {} } };
    }
    return { allowed: false };
  };
}
