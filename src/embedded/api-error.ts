/**
 * Kubernetes `Status` errors, named once: every non-2xx answer of the embedded API server is one of
 * these. Reasons, codes and message wording follow the real kube-apiserver because kubectl prints them
 * verbatim and scripts match on them.
 */
import type { JsonObject } from '../json.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Invalid'
  | 'Timeout'
  | 'InternalError';

export type CauseReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTypeInvalid'
  | 'FieldValueTooLong'
  | 'FieldValueUnknown';

export interface StatusCause {
  reason: CauseReason;
  message: string;
  field: string;
}

/** A cause about the request itself rather than a field of the object. */
export interface RequestCause {
  reason: 'ResourceVersionTooLarge';
  message: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: (StatusCause | RequestCause)[];
  retryAfterSeconds?: number;
}

/** What an error names: the resource plural, its group ('' for core) and the object name. */
export interface ResourceRef {
  group: string;
  plural: string;
  name: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    /** A token to resume a list with, as the Status of an expired continue carries in its metadata. */
    readonly continueToken?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.continueToken === undefined ? {} : { continue: this.continueToken },
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details) status.details = this.details as unknown as JsonObject;
    status.code = this.code;
    return status;
  }
}

/** `<plural>` for the core group, `<plural>.<group>` otherwise, as in real messages. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

function refDetails(ref: ResourceRef): StatusDetails {
  const details: StatusDetails = { name: ref.name };
  if (ref.group) details.group = ref.group;
  details.kind = ref.plural;
  return details;
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function forbidden(message: string, ref?: ResourceRef): ApiError {
  return new ApiError(403, 'Forbidden', message, ref ? refDetails(ref) : undefined);
}

export function notFound(ref: ResourceRef): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(ref.group, ref.plural)} "${ref.name}" not found`, refDetails(ref));
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function alreadyExists(ref: ResourceRef): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(ref.group, ref.plural)} "${ref.name}" already exists`, refDetails(ref));
}

export function conflict(ref: ResourceRef, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(ref.group, ref.plural)} "${ref.name}": ${why}`,
    refDetails(ref),
  );
}

export function expired(message: string, continueToken?: string): ApiError {
  return new ApiError(410, 'Expired', message, undefined, continueToken);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Gone', message);
}

export function tooLarge(message = 'Request entity too large'): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', message);
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * 422 Invalid: `<Kind>.<group> "<name>" is invalid: <cause>, <cause>`; `details.kind` is the Kind here,
 * unlike the other reasons.
 */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
  const details: StatusDetails = { name };
  if (group) details.group = group;
  details.kind = kind;
  details.causes = causes;
  const message = causes.length === 1 ? `${qualifiedKind} "${name}" is invalid: ${summary}` : `${qualifiedKind} "${name}" is invalid: [${summary}]`;
  return new ApiError(422, 'Invalid', message, details);
}

/** Seconds a client is told to wait before asking again for a revision the store has not reached. */
const TOO_LARGE_RETRY_SECONDS = 1;

/**
 * 504 Timeout for a resourceVersion newer than the store, worded and caused as the apiserver's
 * storage layer does it (clients detect it by the ResourceVersionTooLarge cause).
 */
export function resourceVersionTooLarge(asked: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${asked}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: TOO_LARGE_RETRY_SECONDS,
  });
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', message);
}

/** A cause as real servers word it: `Invalid value: <value>: <why>`. */
export function invalidValue(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

export function requiredValue(field: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}
