// The one place errors become HTTP responses: {error, message, error_code, details}, the right status,
// never a stack trace.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../domain/errors.js';
import { formatAjvErrors } from '../domain/validation.js';

export interface ErrorBody {
  error: string;
  message: string;
  error_code: ErrorCode;
  details: Record<string, unknown> | null;
}

const NAMES: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'ValidationError',
  NOT_FOUND: 'NotFoundError',
  CONFLICT: 'ConflictError',
  PAYLOAD_TOO_LARGE: 'PayloadTooLargeError',
  DATABASE_ERROR: 'DatabaseError',
  CONNECTION_ERROR: 'ConnectionError',
  AUTHENTICATION_ERROR: 'AuthenticationError',
  AUTHORIZATION_ERROR: 'AuthorizationError',
  RATE_LIMIT_EXCEEDED: 'RateLimitError',
  SERVICE_UNAVAILABLE: 'ServiceUnavailableError',
  CONFIGURATION_ERROR: 'ConfigurationError',
  INSUFFICIENT_STORAGE: 'InsufficientStorageError',
  STORE_IN_USE: 'StoreInUseError',
  INTERNAL_ERROR: 'InternalError',
};

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown> | null): ErrorBody {
  return { error: NAMES[code], message, error_code: code, details: details ?? null };
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'AUTHENTICATION_ERROR';
  if (status === 403) return 'AUTHORIZATION_ERROR';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMIT_EXCEEDED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status === 507) return 'INSUFFICIENT_STORAGE';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'VALIDATION_ERROR';
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.retryAfter !== undefined) reply.header('Retry-After', String(err.retryAfter));
      if (err.status >= 500) req.log.error({ err }, err.message);
      return reply.status(err.status).send(errorBody(err.code, err.message, err.details));
    }
    const fe = err as FastifyError & { validation?: unknown[]; validationContext?: string };
    if (fe.validation) {
      const errors = formatAjvErrors(fe.validation as never, '');
      const where = fe.validationContext ?? 'request';
      const first = errors[0];
      const message = first
        ? `Invalid ${where}: ${first.field || where} ${first.reason}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
        : `Invalid ${where}`;
      return reply
        .status(400)
        .send(errorBody('VALIDATION_ERROR', message, { location: where, ...(first ? { field: first.field } : {}), errors }));
    }
    const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'unhandled error');
      return reply.status(500).send(errorBody('INTERNAL_ERROR', 'Internal server error'));
    }
    let message = fe.message;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = 'Request body is larger than allowed for this route';
    else if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) message = 'Body is not valid JSON';
    const headers = (fe as { headers?: Record<string, string> }).headers;
    if (headers) for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    return reply.status(status).send(errorBody(codeForStatus(status), message, fe.code ? { code: fe.code } : null));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(errorBody('NOT_FOUND', `Route ${req.method} ${req.url.split('?')[0]} not found`));
  });
}
