// Building blocks of the response schemas, and the one error contract (src/http/errors.ts) every route declares.
// These files import only typebox, src/domain and http/params (no Node, no Fastify): the dashboard derives its wire
// types from them (web/src/types.ts). Request schemas (params, queries, bodies) are at the end of each area's file.
import { Type, type Static, type TSchema } from 'typebox';

/** One of a domain list (severities, statuses …), typed as that list's union. */
export const literals = <T extends string>(xs: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...xs] });
export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);
export const IsoTime = Type.String({ format: 'date-time', description: 'ISO 8601 date-time with zone' });
/** A number or null: `type: [number, null]` keeps the serialiser on its fast path (no anyOf). */
export const NullableNumber = (description?: string) =>
  Type.Unsafe<number | null>({ type: ['number', 'null'], ...(description ? { description } : {}) });
export const NullableString = (description?: string) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...(description ? { description } : {}) });
export const NullableIsoTime = (description?: string) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', ...(description ? { description } : {}) });
/** An object whose keys are open (counters, evidence details): every property is sent as it is. */
export const OpenObject = (description?: string) =>
  Type.Object({}, { additionalProperties: true, ...(description ? { description } : {}) });

/** The error contract of every route: `{error, message, error_code, details}` (src/http/errors.ts). */
export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'error class, e.g. ValidationError' }),
    message: Type.String(),
    error_code: Type.String({ description: 'machine-readable code, e.g. VALIDATION_ERROR, NOT_FOUND, RATE_LIMIT_EXCEEDED' }),
    details: Type.Union([OpenObject('what went wrong, e.g. the invalid fields'), Type.Null()]),
  },
  { title: 'Error', description: 'The error contract: `error` (class), `message`, `error_code`, `details` (or null)' },
);

/** Declared on every route: the error shape for each 4xx and 5xx status. */
export const errorResponses = { '4xx': ErrorResponse, '5xx': ErrorResponse } as const;

/** A stream the route sends as it is (Node's Readable fits), named structurally so browsers can share these files. */
export interface StreamBody {
  pipe(...args: never[]): unknown;
}
/** A plain-text body (CSV exports): sent as text or streamed, never serialised by Fastify. */
export const TextBody = (description: string) => Type.Unsafe<string | StreamBody>({ type: 'string', description });

/**
 * A JSON response some routes send already serialised (from a cache shared by processes): the schema documents
 * it, and the route may hand over the JSON text as it is (Fastify sends a string unchanged).
 */
export const OrSerialised = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | string>(schema);
