// PostgreSQL text cannot hold NUL (U+0000): a query, a name or a note carrying one would fail in the database
// as a 500. Every request part is checked once here, before schema validation, and refused as a 400 naming the
// field, so no route has to remember it.
import type { FastifyInstance } from 'fastify';
import { ValidationError, type FieldError } from '../domain/errors.js';

const MAX_DEPTH = 64;

/** A step into a value: an array index or an object key. */
type PathStep = number | string;

/** `readings[2].well_id` from its steps. */
function pathOf(steps: readonly PathStep[]): string {
  let path = '';
  for (const step of steps) path = typeof step === 'number' ? `${path}[${step}]` : path ? `${path}.${step}` : step;
  return path;
}

/**
 * Paths (e.g. `readings[2].well_id`) of strings and keys in `value` containing NUL, at most `limit`, added to
 * `out`. The path is spelled out only for a finding, so the common case (none) walks without allocating.
 */
export function findNul(value: unknown, out: FieldError[] = [], limit = 20, steps: PathStep[] = []): FieldError[] {
  if (out.length >= limit || steps.length > MAX_DEPTH) return out;
  if (typeof value === 'string') {
    if (value.includes('\0')) out.push({ field: pathOf(steps), reason: 'must not contain NUL (\\u0000) characters' });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < limit; i++) {
      steps.push(i);
      findNul(value[i], out, limit, steps);
      steps.pop();
    }
  } else if (value !== null && typeof value === 'object' && !isOpaque(value)) {
    // Streams (the import body) and buffers are opaque: their own parsers check them.
    for (const k in value) {
      if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
      steps.push(k);
      if (k.includes('\0')) out.push({ field: pathOf(steps), reason: 'is a key that contains NUL (\\u0000) characters' });
      else findNul((value as Record<string, unknown>)[k], out, limit, steps);
      steps.pop();
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Streams and binary data; parsed JSON, query strings (null-prototype objects) and params are walked. */
function isOpaque(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { pipe?: unknown }).pipe === 'function';
}

export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (req, _reply, done) => {
    const errors = findNul(req.params);
    findNul(req.query, errors);
    if (req.body !== undefined) findNul(req.body, errors);
    if (!errors.length) return done();
    done(new ValidationError(`Invalid request: ${errors[0].field || 'body'} ${errors[0].reason}`, errors));
  });
}
