import { isJsonObject, type JsonObject } from './kube-object.js';

/** Matches labels against a structured `LabelSelector` (matchLabels + matchExpressions). */
export function labelsMatchSelector(labels: Record<string, string>, selector: JsonObject): boolean {
  const matchLabels = isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  const expressions = Array.isArray(selector.matchExpressions)
    ? selector.matchExpressions.filter(isJsonObject)
    : [];
  for (const expression of expressions) {
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const has = key in labels;
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The `key=value,...` form kubectl and `kubectl describe` show for a structured selector. */
export function selectorToString(selector: unknown): string {
  if (!isJsonObject(selector)) return '';
  const parts = Object.entries(isJsonObject(selector.matchLabels) ? selector.matchLabels : {}).map(
    ([key, value]) => `${key}=${String(value)}`,
  );
  const expressions = Array.isArray(selector.matchExpressions)
    ? selector.matchExpressions.filter(isJsonObject)
    : [];
  for (const expression of expressions) {
    const values = Array.isArray(expression.values) ? expression.values.map(String).join(',') : '';
    const key = String(expression.key);
    if (expression.operator === 'In') parts.push(`${key} in (${values})`);
    else if (expression.operator === 'NotIn') parts.push(`${key} notin (${values})`);
    else if (expression.operator === 'Exists') parts.push(key);
    else if (expression.operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.join(',');
}
