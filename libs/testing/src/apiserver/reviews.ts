import type { AuthorizationAttributes } from '@tether/kube';
import { ApiError } from './api-error.js';
import { isJsonObject, type JsonObject } from './kube-object.js';
import type { RbacAuthorizer, UserInfo } from './rbac/index.js';

/**
 * The create-only review kinds: SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview
 * (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`) and SubjectAccessReview.
 */

function userInfoJson(user: UserInfo): JsonObject {
  return {
    username: user.username,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: user.groups,
    ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
  };
}

function attributesOf(spec: JsonObject, kind: string): AuthorizationAttributes {
  const resource = spec.resourceAttributes;
  const nonResource = spec.nonResourceAttributes;
  if (isJsonObject(resource) === isJsonObject(nonResource)) {
    throw ApiError.invalid(kind, 'authorization.k8s.io', '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message: `Invalid value: ${isJsonObject(resource) ? '"resourceAttributes"' : '"null"'}: exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      },
    ]);
  }
  if (isJsonObject(resource)) {
    const text = (field: string) => (typeof resource[field] === 'string' ? (resource[field] as string) : '');
    return {
      isResourceRequest: true,
      path: '',
      verb: text('verb'),
      apiGroup: text('group'),
      resource: text('resource'),
      subresource: text('subresource'),
      namespace: text('namespace'),
      name: text('name'),
    };
  }
  const attrs = nonResource as JsonObject;
  return {
    isResourceRequest: false,
    path: String(attrs.path ?? ''),
    verb: String(attrs.verb ?? ''),
    apiGroup: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
}

function decide(authorizer: RbacAuthorizer, user: UserInfo, spec: JsonObject, kind: string): JsonObject {
  const decision = authorizer.authorize(user, attributesOf(spec, kind));
  return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
}

function specOf(body: JsonObject): JsonObject {
  return isJsonObject(body.spec) ? body.spec : {};
}

function metadataOf(body: JsonObject): JsonObject {
  return { ...(isJsonObject(body.metadata) ? body.metadata : {}), creationTimestamp: null };
}

/** Answers a review POST; `kind` is the catalog kind of the URL. */
export function answerReview(
  kind: string,
  body: JsonObject,
  user: UserInfo,
  authorizer: RbacAuthorizer,
): JsonObject {
  const group = kind === 'SelfSubjectReview' ? 'authentication.k8s.io' : 'authorization.k8s.io';
  const head = { kind, apiVersion: `${group}/v1`, metadata: metadataOf(body) };
  const spec = specOf(body);
  switch (kind) {
    case 'SelfSubjectReview':
      return { ...head, status: { userInfo: userInfoJson(user) } };
    case 'SelfSubjectAccessReview':
      return { ...head, spec, status: decide(authorizer, user, spec, kind) };
    case 'SubjectAccessReview': {
      if (typeof spec.user !== 'string' && !Array.isArray(spec.groups)) {
        throw ApiError.invalid(kind, group, '', [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.user',
            message: 'Invalid value: "": at least one of user or group must be specified',
          },
        ]);
      }
      const subject: UserInfo = {
        username: typeof spec.user === 'string' ? spec.user : '',
        groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [],
        ...(typeof spec.uid === 'string' ? { uid: spec.uid } : {}),
        ...(isJsonObject(spec.extra) ? { extra: spec.extra as Record<string, string[]> } : {}),
      };
      return { ...head, spec, status: decide(authorizer, subject, spec, kind) };
    }
    case 'SelfSubjectRulesReview': {
      const namespace = typeof spec.namespace === 'string' ? spec.namespace : '';
      const rules = authorizer.rulesFor(user, namespace);
      return {
        ...head,
        spec,
        status: {
          resourceRules: rules.resourceRules,
          nonResourceRules: rules.nonResourceRules,
          incomplete: rules.incomplete,
          ...(rules.evaluationError ? { evaluationError: rules.evaluationError } : {}),
        },
      };
    }
    default:
      throw ApiError.methodNotAllowed();
  }
}
