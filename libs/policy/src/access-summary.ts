/**
 * One line a person can read about what they may do on a cluster: the allow rules written for them
 * there, by name, with their verbs. A rule is listed when its identity and cluster criteria (anywhere in
 * its condition) can hold; what it asks of a request besides verbs and namespaces (resource, path,
 * time, ...) is not judged but flagged "with further conditions". So the line may list a rule that never
 * matches a request, but never omits one that can.
 */
import type { CompiledRule } from './compiled-rule.js';
import type { EvaluationContext } from './evaluation-context.js';

function describe(rule: CompiledRule): string {
  const open = rule.parts.filter((part) => !part.settled);
  const verb = open.find((part) => part.criterion === 'verb');
  const namespace = open.find((part) => part.criterion === 'namespace' && part.matcher?.exactValues);
  const namespaces = namespace?.matcher?.exactValues ?? [];
  let text = verb === undefined ? 'all verbs' : (verb.matcher?.exactValues?.join(', ') ?? 'some verbs');
  if (namespaces.length > 0)
    text += ` in namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`;
  if (open.some((part) => part !== verb && part !== namespace)) text += ', with further conditions';
  return `${rule.name} (${text})`;
}

export function summarizeAccess(rules: readonly CompiledRule[], ctx: EvaluationContext): string {
  const applicable = rules.filter((rule) => rule.condition.mayHold(ctx));
  const allows = applicable.filter((rule) => rule.effect === 'allow').map(describe);
  if (allows.length === 0) return 'no access';
  const denies = applicable.filter((rule) => rule.effect === 'deny').map((rule) => rule.name);
  const line = `rules: ${allows.join('; ')}`;
  return denies.length === 0 ? line : `${line}; except as denied by ${denies.join(', ')}`;
}
