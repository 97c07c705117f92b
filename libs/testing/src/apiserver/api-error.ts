import {
  alreadyExistsStatus,
  badRequestStatus,
  conflictStatus,
  goneStatus,
  invalidStatus,
  methodNotAllowedStatus,
  notFoundStatus,
  statusFailure,
  type Status,
} from '@tether/kube';

export interface FieldCause {
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueForbidden`, ... */
  reason: string;
  field: string;
  message: string;
}

interface QualifiedResource {
  resource: string;
  group: string;
}

/** A failure the API server answers with a Status body; `code` is the Status reason. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }

  get code(): string {
    return this.status.reason ?? 'Unknown';
  }

  get httpStatus(): number {
    return this.status.code ?? 500;
  }

  static notFound(type: QualifiedResource, name: string): ApiError {
    return new ApiError(notFoundStatus(type.resource, type.group, name));
  }

  static alreadyExists(type: QualifiedResource, name: string): ApiError {
    return new ApiError(alreadyExistsStatus(type.resource, type.group, name));
  }

  static conflict(type: QualifiedResource, name: string, why: string): ApiError {
    return new ApiError(conflictStatus(type.resource, type.group, name, why));
  }

  static staleResourceVersion(type: QualifiedResource, name: string): ApiError {
    return ApiError.conflict(
      type,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  static invalid(kind: string, group: string, name: string, causes: FieldCause[]): ApiError {
    return new ApiError(invalidStatus(kind, name, causes, group));
  }

  static badRequest(message: string): ApiError {
    return new ApiError(badRequestStatus(message));
  }

  static methodNotAllowed(): ApiError {
    return new ApiError(methodNotAllowedStatus());
  }

  static gone(message: string): ApiError {
    return new ApiError(goneStatus(message));
  }

  static notAcceptable(message: string): ApiError {
    return new ApiError(statusFailure(406, 'NotAcceptable', message));
  }

  static unsupportedMediaType(contentType: string): ApiError {
    return new ApiError(
      statusFailure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`,
      ),
    );
  }

  static pathNotFound(): ApiError {
    return new ApiError(statusFailure(404, 'NotFound', 'the server could not find the requested resource'));
  }
}
