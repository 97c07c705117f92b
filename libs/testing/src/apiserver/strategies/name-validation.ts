import type { FieldCause } from '../api-error.js';

/** Object name rules (apimachinery validation): which rule applies depends on the kind. */

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export type NameRule = 'label' | 'subdomain' | 'path-segment';

export function validateName(
  name: string | undefined,
  rule: NameRule,
  field = 'metadata.name',
): FieldCause[] {
  if (!name)
    return [
      { reason: 'FieldValueRequired', field, message: 'Required value: name or generateName is required' },
    ];
  const invalid = (why: string): FieldCause[] => [
    { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(name)}: ${why}` },
  ];
  if (rule === 'path-segment') {
    if (name === '.' || name === '..') return invalid(`may not be '${name}'`);
    if (/[/%]/.test(name)) return invalid(`may not contain '${name.includes('/') ? '/' : '%'}'`);
    return [];
  }
  if (rule === 'label') {
    if (name.length > 63) return invalid('must be no more than 63 characters');
    if (!dns1123Label.test(name)) {
      return invalid(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      );
    }
    return [];
  }
  if (name.length > 253) return invalid('must be no more than 253 characters');
  if (!dns1123Subdomain.test(name)) {
    return invalid(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return [];
}

export function required(field: string): FieldCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

export function invalidValue(field: string, value: unknown, why: string): FieldCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

export function forbidden(field: string, why: string): FieldCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` };
}
