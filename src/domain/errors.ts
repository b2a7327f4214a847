// One error hierarchy with machine-readable codes; the HTTP layer maps them to statuses in one place.

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'DATABASE_ERROR'
  | 'CONNECTION_ERROR'
  | 'AUTHENTICATION_ERROR'
  | 'AUTHORIZATION_ERROR'
  | 'RATE_LIMIT_EXCEEDED'
  | 'SERVICE_UNAVAILABLE'
  | 'CONFIGURATION_ERROR'
  | 'INSUFFICIENT_STORAGE'
  | 'STORE_IN_USE'
  | 'INTERNAL_ERROR';

export interface FieldError {
  /** Path of the offending field, e.g. `readings[3].flow_rate`. */
  field: string;
  reason: string;
  /** Index in a batch, when the error belongs to one item of it. */
  index?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds a client should wait before retrying (503, 429). */
  retryAfter?: number;

  constructor(code: ErrorCode, status: number, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: FieldError[] = []) {
    // `field`: the first bad field, where the original platform put it; `errors`: every one.
    super('VALIDATION_ERROR', 400, message, errors.length ? { field: errors[0].field, errors } : undefined);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('NOT_FOUND', 404, message, details);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', 409, message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('PAYLOAD_TOO_LARGE', 413, message, details);
  }
}

export class DatabaseError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('DATABASE_ERROR', 500, message, details);
  }
}

/** A dependency (database, broker, cache) cannot be reached: retryable, so 503. */
export class ConnectionError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONNECTION_ERROR', 503, message, details);
    this.retryAfter = 5;
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'Authentication required') {
    super('AUTHENTICATION_ERROR', 401, message);
  }
}

export class AuthorizationError extends AppError {
  constructor(message = 'Not allowed', details?: Record<string, unknown>) {
    super('AUTHORIZATION_ERROR', 403, message, details);
  }
}

export class RateLimitError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMIT_EXCEEDED', 429, message, { retry_after_seconds: retryAfterSeconds });
    this.retryAfter = retryAfterSeconds;
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, retryAfterSeconds = 1, details?: Record<string, unknown>) {
    super('SERVICE_UNAVAILABLE', 503, message, details);
    this.retryAfter = retryAfterSeconds;
  }
}

/** The disk holding the data is (nearly) full: writes are refused until space returns (507, retryable). */
export class InsufficientStorageError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INSUFFICIENT_STORAGE', 507, message, details);
    this.retryAfter = 30;
  }
}

export class ConfigurationError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFIGURATION_ERROR', 500, message, details);
  }
}
