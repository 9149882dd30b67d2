/**
 * Typed engine errors, one class per OpenFGA wire error. Inner layers throw these with a `cause`; the
 * HTTP edge (http/error-response.ts) translates them once into OpenFGA's status codes and bodies.
 * `code` is the OpenFGA enum name that travels on the wire (`{ code, message }`).
 */
export type FgaErrorCode =
  | 'validation_error'
  | 'authorization_model_not_found'
  | 'authorization_model_resolution_too_complex'
  | 'invalid_write_input'
  | 'cannot_allow_duplicate_tuples_in_one_request'
  | 'invalid_continuation_token'
  | 'write_failed_due_to_invalid_input'
  | 'latest_authorization_model_not_found'
  | 'type_not_found'
  | 'relation_not_found'
  | 'invalid_tuple'
  | 'exceeded_entity_limit'
  | 'invalid_authorization_model'
  | 'store_id_not_found'
  | 'undefined_endpoint'
  | 'internal_error';

/** Numeric values of OpenFGA's error enums (openfga/api errors.proto), as used by its test data. */
export const FGA_ERROR_NUMBERS: Readonly<Record<FgaErrorCode, number>> = {
  validation_error: 2000,
  authorization_model_not_found: 2001,
  authorization_model_resolution_too_complex: 2002,
  invalid_write_input: 2003,
  cannot_allow_duplicate_tuples_in_one_request: 2004,
  invalid_continuation_token: 2007,
  write_failed_due_to_invalid_input: 2017,
  latest_authorization_model_not_found: 2020,
  type_not_found: 2021,
  relation_not_found: 2022,
  invalid_tuple: 2027,
  exceeded_entity_limit: 2049,
  invalid_authorization_model: 2056,
  store_id_not_found: 5002,
  undefined_endpoint: 5000,
  internal_error: 4000,
};

export abstract class FgaError extends Error {
  abstract readonly code: FgaErrorCode;
  /** HTTP status OpenFGA answers this error with. */
  get status(): number {
    return 400;
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class FgaValidationError extends FgaError {
  readonly code = 'validation_error';
}
export class AuthorizationModelNotFoundError extends FgaError {
  readonly code = 'authorization_model_not_found';
}
export class LatestModelNotFoundError extends FgaError {
  readonly code = 'latest_authorization_model_not_found';
}
export class ResolutionTooComplexError extends FgaError {
  readonly code = 'authorization_model_resolution_too_complex';
  constructor() {
    super(
      'Authorization Model resolution required too many rewrite rules to be resolved. Check your authorization model for infinite recursion or too much nesting',
    );
  }
}
export class InvalidWriteInputError extends FgaError {
  readonly code = 'invalid_write_input';
}
export class DuplicateTupleInWriteError extends FgaError {
  readonly code = 'cannot_allow_duplicate_tuples_in_one_request';
}
export class InvalidContinuationTokenError extends FgaError {
  readonly code = 'invalid_continuation_token';
  constructor() {
    super('Invalid continuation token');
  }
}
export class WriteFailedError extends FgaError {
  readonly code = 'write_failed_due_to_invalid_input';
}
export class TypeNotFoundError extends FgaError {
  readonly code = 'type_not_found';
  constructor(readonly typeName: string) {
    super(`type '${typeName}' not found`);
  }
}
export class RelationNotFoundError extends FgaError {
  readonly code = 'relation_not_found';
  constructor(readonly typeName: string, readonly relation: string, tuple?: string) {
    super(`relation '${typeName}#${relation}' not found${tuple ? ` for tuple '${tuple}'` : ''}`);
  }
}
export class InvalidTupleError extends FgaError {
  readonly code = 'invalid_tuple';
  constructor(tuple: string, reason: string) {
    super(`Invalid tuple '${tuple}'. Reason: ${reason}`);
  }
}
export class ExceededEntityLimitError extends FgaError {
  readonly code = 'exceeded_entity_limit';
  constructor(entity: string, limit: number) {
    super(`The number of ${entity} exceeds the allowed limit of ${limit}`);
  }
}
export class InvalidAuthorizationModelError extends FgaError {
  readonly code = 'invalid_authorization_model';
}
export class StoreNotFoundError extends FgaError {
  readonly code = 'store_id_not_found';
  override get status(): number {
    return 404;
  }
  constructor() {
    super('Store ID not found');
  }
}

/** A condition could not be evaluated (missing parameter, bad value): OpenFGA answers validation_error. */
export class ConditionEvaluationError extends FgaValidationError {
  constructor(conditionName: string, reason: string) {
    super(`failed to evaluate relationship condition '${conditionName}': ${reason}`);
  }
}
