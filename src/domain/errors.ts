/**
 * Typed domain errors. Services throw these; each front-end maps them once (GraphQL to an
 * `extensions.code`, REST to a pgo Status), so no rule is written twice.
 */
export type DomainErrorKind = 'NotFound' | 'AlreadyExists' | 'Invalid' | 'Conflict' | 'Forbidden' | 'Unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** For Invalid: the input field at fault, as the caller named it (e.g. `replicaCount`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (message: string): DomainError => new DomainError('NotFound', message);
export const alreadyExists = (message: string): DomainError => new DomainError('AlreadyExists', message);
export const invalid = (field: string, message: string): DomainError => new DomainError('Invalid', message, field);
export const conflict = (message: string): DomainError => new DomainError('Conflict', message);
export const forbidden = (message: string): DomainError => new DomainError('Forbidden', message);
/** The cluster is not in a state that allows the operation yet (e.g. no ready primary). */
export const unavailable = (message: string): DomainError => new DomainError('Unavailable', message);
