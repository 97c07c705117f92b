/** What the cluster sees: the Kubernetes user, groups and extras the agent impersonates for an allowed request. */
import type { ConditionNode } from './condition-node.js';
import { compileCondition } from './condition.js';
import type { EvaluationContext } from './evaluation-context.js';
import type { Impersonation } from './policy-input.js';
import type { PolicySpec } from './policy-schema.js';
import { compileTemplate, type Template } from './template.js';

type ExtraTemplates = readonly (readonly [string, readonly Template[]])[];

interface CompiledMapping {
  name: string;
  condition: ConditionNode;
  user?: Template;
  groups: readonly string[];
  extra: ExtraTemplates;
}

const RESERVED_USER_PREFIX = 'system:';
// The agent refuses these too; saying so here puts the reason in the decision and the audit event.
const UNSAFE_CHARACTERS = /[\r\n\0]/;

function compileExtras(extra: Record<string, string[]> | undefined): ExtraTemplates {
  return Object.entries(extra ?? {}).map(([key, values]) => [key, values.map(compileTemplate)] as const);
}

function addUnique(list: string[], values: readonly string[]): void {
  for (const value of values) if (!list.includes(value)) list.push(value);
}

function addExtras(extra: Record<string, string[]>, templates: ExtraTemplates, ctx: EvaluationContext): void {
  for (const [key, values] of templates) {
    for (const template of values) {
      // A value the identity cannot fill (no email, say) is left out rather than sent empty.
      const value = template.resolve(ctx);
      if (value === undefined) continue;
      const list = (extra[key] ??= []);
      if (!list.includes(value)) list.push(value);
    }
  }
}

export class ImpersonationMapper {
  private readonly user: Template;
  private readonly passthrough: boolean;
  private readonly prefix: string;
  private readonly extra: ExtraTemplates;
  private readonly mappings: readonly CompiledMapping[];

  constructor(spec: PolicySpec['impersonation']) {
    this.user = compileTemplate(spec?.user ?? '${user}');
    this.passthrough = spec?.groups?.passthrough ?? true;
    this.prefix = spec?.groups?.prefix ?? '';
    this.extra = compileExtras(spec?.extra);
    this.mappings = (spec?.mappings ?? []).map((mapping) => ({
      name: mapping.name,
      condition: compileCondition(mapping.when),
      user: mapping.user === undefined ? undefined : compileTemplate(mapping.user),
      groups: mapping.groups ?? [],
      extra: compileExtras(mapping.extra),
    }));
  }

  /** The identity to impersonate, or why there is none the policy can vouch for. */
  map(ctx: EvaluationContext): Impersonation | string {
    let userTemplate = this.user;
    const groups: string[] = [];
    if (this.passthrough) {
      for (const group of ctx.idpGroups) groups.push(this.prefix === '' ? group : this.prefix + group);
    }
    addUnique(groups, ctx.grantedGroups);
    const extra: Record<string, string[]> = {};
    addExtras(extra, this.extra, ctx);
    for (const mapping of this.mappings) {
      if (!mapping.condition.test(ctx)) continue;
      if (mapping.user !== undefined) userTemplate = mapping.user;
      addUnique(groups, mapping.groups);
      addExtras(extra, mapping.extra, ctx);
    }

    const user = userTemplate.resolve(ctx);
    if (user === undefined || user === '') {
      return `the Kubernetes user '${userTemplate.source}' needs a value this identity does not have`;
    }
    // An IdP user named `system:serviceaccount:...` must not become a service account on the cluster;
    // only a policy that writes `system:` itself may ask for a reserved name.
    if (
      user.startsWith(RESERVED_USER_PREFIX) &&
      !userTemplate.literalPrefix.startsWith(RESERVED_USER_PREFIX)
    ) {
      return `refusing to impersonate the reserved Kubernetes user '${user}'`;
    }
    // Policy-written groups were checked at load; what came from the identity provider is checked here.
    if (UNSAFE_CHARACTERS.test(user) || unsafeList(ctx.idpGroups) || unsafeExtra(extra)) {
      return 'the identity contains CR, LF or NUL and cannot be impersonated';
    }
    return { user, groups, extra };
  }
}

function unsafeList(values: readonly string[]): boolean {
  for (const value of values) if (UNSAFE_CHARACTERS.test(value)) return true;
  return false;
}

function unsafeExtra(extra: Record<string, string[]>): boolean {
  for (const key in extra) {
    for (const value of extra[key]) if (UNSAFE_CHARACTERS.test(value)) return true;
  }
  return false;
}
