// Impersonate-* handling as apiserver's filters/impersonation.go does it (KUBERNETES.md §1): every
// requested item is authorized for the requester with verb `impersonate`, the first refusal is a 403.
import { badRequestStatus, forbiddenStatus, type AuthorizationAttributes, type Status } from '@tether/kube';
import type { RbacAuthorizer } from './rbac-authorizer.js';
import { parseServiceAccountUsername } from './service-account-username.js';
import {
  ALL_AUTHENTICATED_GROUP,
  ALL_UNAUTHENTICATED_GROUP,
  ANONYMOUS_USER,
  serviceAccountGroups,
  serviceAccountUsername,
  type UserInfo,
} from './user-info.js';

export type ImpersonationResult = { ok: true; user: UserInfo } | { ok: false; status: Status };

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

type Item =
  | { kind: 'User'; name: string }
  | { kind: 'ServiceAccount'; namespace: string; name: string }
  | { kind: 'Group'; name: string }
  | { kind: 'UserExtra'; key: string; value: string }
  | { kind: 'UID'; uid: string };

/**
 * The user a request runs as. `headers` maps header names to every value line (Node's
 * `req.headersDistinct`); names are matched case-insensitively. Without Impersonate-* headers the
 * requester is returned unchanged.
 */
export function impersonate(
  requester: UserInfo,
  headers: Record<string, string[] | undefined>,
  authorizer: RbacAuthorizer,
): ImpersonationResult {
  const lines = lowerCaseHeaders(headers);
  const items = requestedItems(lines);
  if (items.length === 0) return { ok: true, user: requester };
  if (!items.some((i) => i.kind === 'User' || i.kind === 'ServiceAccount')) {
    return {
      ok: false,
      status: badRequestStatus(`requested ${describe(items)} without impersonating a user`),
    };
  }

  // Explicit groups are the whole truth; only an unspecified group list is derived.
  const groupsSpecified = (lines.get(GROUP_HEADER) ?? []).length > 0;
  let username = '';
  let uid: string | undefined;
  let groups: string[] = [];
  // A Map, not an object: an extra key such as `__proto__` must stay an ordinary key.
  const extra = new Map<string, string[]>();
  for (const item of items) {
    const attrs = attributesFor(item);
    const decision = authorizer.authorize(requester, attrs);
    if (!decision.allowed)
      return { ok: false, status: forbiddenStatus(attrs, requester.username, decision.reason) };
    switch (item.kind) {
      case 'ServiceAccount':
        username = serviceAccountUsername(item.namespace, item.name);
        if (!groupsSpecified) groups = serviceAccountGroups(item.namespace);
        break;
      case 'User':
        username = item.name;
        break;
      case 'Group':
        groups.push(item.name);
        break;
      case 'UserExtra':
        extra.set(item.key, [...(extra.get(item.key) ?? []), item.value]);
        break;
      case 'UID':
        uid = item.uid;
        break;
    }
  }

  if (username !== ANONYMOUS_USER) {
    if (!groups.includes(ALL_AUTHENTICATED_GROUP) && !groups.includes(ALL_UNAUTHENTICATED_GROUP)) {
      groups.push(ALL_AUTHENTICATED_GROUP);
    }
  } else if (!groups.includes(ALL_UNAUTHENTICATED_GROUP)) {
    groups.push(ALL_UNAUTHENTICATED_GROUP);
  }

  const user: UserInfo = { username, groups };
  if (uid !== undefined) user.uid = uid;
  if (extra.size > 0) user.extra = Object.fromEntries(extra);
  return { ok: true, user };
}

/** In the real filter's order: user, groups, extras, uid. */
function requestedItems(lines: Map<string, string[]>): Item[] {
  const items: Item[] = [];
  // Like Go's Header.Get, only the first Impersonate-User line counts; an empty one means none.
  const user = lines.get(USER_HEADER)?.[0] ?? '';
  if (user !== '') {
    const account = parseServiceAccountUsername(user);
    items.push(account === undefined ? { kind: 'User', name: user } : { kind: 'ServiceAccount', ...account });
  }
  for (const group of lines.get(GROUP_HEADER) ?? []) items.push({ kind: 'Group', name: group });
  const extraHeaders = [...lines.keys()].filter((name) => name.startsWith(EXTRA_PREFIX)).sort();
  for (const header of extraHeaders) {
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length));
    for (const value of lines.get(header) ?? []) items.push({ kind: 'UserExtra', key, value });
  }
  const uid = lines.get(UID_HEADER)?.[0] ?? '';
  if (uid !== '') items.push({ kind: 'UID', uid });
  return items;
}

function attributesFor(item: Item): AuthorizationAttributes {
  const base = { verb: 'impersonate', isResourceRequest: true, path: '', subresource: '', namespace: '' };
  switch (item.kind) {
    case 'User':
      return { ...base, apiGroup: '', resource: 'users', name: item.name };
    case 'ServiceAccount':
      return {
        ...base,
        apiGroup: '',
        resource: 'serviceaccounts',
        namespace: item.namespace,
        name: item.name,
      };
    case 'Group':
      return { ...base, apiGroup: '', resource: 'groups', name: item.name };
    case 'UserExtra':
      return {
        ...base,
        apiGroup: AUTHENTICATION_GROUP,
        resource: 'userextras',
        subresource: item.key,
        name: item.value,
      };
    case 'UID':
      return { ...base, apiGroup: AUTHENTICATION_GROUP, resource: 'uids', name: item.uid };
  }
}

function lowerCaseHeaders(headers: Record<string, string[] | undefined>): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const [name, values] of Object.entries(headers)) {
    if (values === undefined) continue;
    const key = name.toLowerCase();
    lines.set(key, [...(lines.get(key) ?? []), ...values]);
  }
  return lines;
}

/** The key is already lower-case; `%2F` and `%2f` both give `/`. A malformed escape keeps the raw key, as Go does. */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function describe(items: Item[]): string {
  const kinds = [
    ...new Set(
      items.map((i) => (i.kind === 'UserExtra' ? 'user-extra' : i.kind === 'UID' ? 'uid' : 'groups')),
    ),
  ];
  return kinds.join(', ');
}
