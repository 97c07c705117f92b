// meta/v1 Status bodies with the texts of apimachinery's pkg/api/errors, so kubectl prints what it
// prints against a real API server (and decodes every error: KUBERNETES.md §2, teleport#5320).

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failure Status; fields appear in Go's order so bodies compare byte for byte. */
export function statusFailure(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export function successStatus(details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details === undefined ? {} : { details }),
    code: 200,
  };
}

/** `pods` or `deployments.apps`, like schema.GroupResource.String(). */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

function resourceDetails(resource: string, group: string, name: string): StatusDetails {
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  if (resource !== '') details.kind = resource;
  return details;
}

export function unauthorizedStatus(): Status {
  return statusFailure(401, 'Unauthorized', 'Unauthorized');
}

export function notFoundStatus(resource: string, group: string, name: string): Status {
  const message = `${qualifiedResource(resource, group)} ${JSON.stringify(name)} not found`;
  return statusFailure(404, 'NotFound', message, resourceDetails(resource, group, name));
}

export function alreadyExistsStatus(resource: string, group: string, name: string): Status {
  const message = `${qualifiedResource(resource, group)} ${JSON.stringify(name)} already exists`;
  return statusFailure(409, 'AlreadyExists', message, resourceDetails(resource, group, name));
}

export const OBJECT_MODIFIED_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function conflictStatus(
  resource: string,
  group: string,
  name: string,
  cause: string = OBJECT_MODIFIED_MESSAGE,
): Status {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} ${JSON.stringify(name)}: ${cause}`;
  return statusFailure(409, 'Conflict', message, resourceDetails(resource, group, name));
}

/** A field error: `reason` is the cause type (`FieldValueRequired`, ...), `message` its body (`Required value: ...`). */
export interface InvalidCause {
  reason: string;
  message: string;
  field: string;
}

/** 422 Invalid; `kind` is the Kind (`Pod`), `group` its API group. */
export function invalidStatus(kind: string, name: string, causes: InvalidCause[], group = ''): Status {
  const errors = causes.map((c) => (c.field === '' ? c.message : `${c.field}: ${c.message}`));
  const aggregate = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const subject = `${qualifiedKind} ${JSON.stringify(name)} is invalid`;
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  if (kind !== '') details.kind = kind;
  details.causes = causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }));
  return statusFailure(422, 'Invalid', errors.length === 0 ? subject : `${subject}: ${aggregate}`, details);
}

export function badRequestStatus(message: string): Status {
  return statusFailure(400, 'BadRequest', message);
}

/** 410 Expired, as sent in a watch ERROR event for a too-old resourceVersion. */
export function goneStatus(message: string): Status {
  return statusFailure(410, 'Expired', message);
}

export function methodNotAllowedStatus(
  message = 'the server does not allow this method on the requested resource',
): Status {
  return statusFailure(405, 'MethodNotAllowed', message);
}
