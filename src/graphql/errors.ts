/** Domain errors to GraphQL errors with an `extensions.code`; written once for every resolver. */
import { GraphQLError } from 'graphql';
import { ArgumentValidationError, AuthenticationError, AuthorizationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { DomainError } from '../domain/errors.js';
import type { DomainErrorKind } from '../domain/errors.js';
import { GRAPHQL_CODES } from '../protocol.js';
import type { GraphqlCode } from '../protocol.js';

const CODE_BY_KIND: Record<DomainErrorKind, GraphqlCode> = {
  NotFound: GRAPHQL_CODES.notFound,
  AlreadyExists: GRAPHQL_CODES.alreadyExists,
  Invalid: GRAPHQL_CODES.badUserInput,
  Conflict: GRAPHQL_CODES.conflict,
  Forbidden: GRAPHQL_CODES.forbidden,
  Unavailable: GRAPHQL_CODES.unavailable,
};

export function toGraphQLError(error: DomainError): GraphQLError {
  const extensions: Record<string, unknown> = { code: CODE_BY_KIND[error.kind] };
  if (error.field) extensions.field = error.field;
  return new GraphQLError(error.field ? `${error.field}: ${error.message}` : error.message, { extensions });
}

/**
 * Resolvers throw domain and validation errors as they are; this turns them into coded errors as
 * the response is formatted (HTTP and WebSocket alike). Doing it here rather than in a per-field
 * middleware keeps a 10,000-field response free of a wrapper around every field.
 */
export function codedError(error: GraphQLError): GraphQLError {
  const original = error.originalError;
  let coded: GraphQLError | undefined;
  if (original instanceof DomainError) coded = toGraphQLError(original);
  else if (original instanceof ArgumentValidationError) coded = fromValidation(original.extensions.validationErrors);
  else if (original instanceof AuthorizationError) coded = new GraphQLError('your pgo role does not grant the permission this operation needs', { extensions: { code: GRAPHQL_CODES.forbidden } });
  else if (original instanceof AuthenticationError) coded = new GraphQLError('authentication required', { extensions: { code: GRAPHQL_CODES.unauthenticated } });
  if (!coded) return error;
  return new GraphQLError(coded.message, { nodes: error.nodes ?? null, path: error.path ?? null, extensions: coded.extensions });
}

interface FieldProblem {
  field: string;
  message: string;
}

function problems(errors: readonly ValidationError[], prefix: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message: message.replace(new RegExp(`^${e.property} `), '') });
    out.push(...problems(e.children ?? [], field));
  }
  return out;
}

/**
 * class-validator's report, reduced to field and reason: its `target` and `value` echo the input
 * back (passwords included), so they never leave the server.
 */
function fromValidation(errors: readonly ValidationError[]): GraphQLError {
  const found = problems(errors, '');
  const message = found.map((p) => `${p.field}: ${p.message}`).join('; ') || 'invalid input';
  return new GraphQLError(message, { extensions: { code: GRAPHQL_CODES.badUserInput, field: found[0]?.field, problems: found } });
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError('authentication required: send HTTP basic credentials', { extensions: { code: GRAPHQL_CODES.unauthenticated, http: { status: 401 } } });
}
