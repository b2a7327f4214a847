// PostgreSQL text cannot hold NUL (U+0000): a query, a name or a note carrying one would fail in the database
// as a 500. Every request part is checked once here, before schema validation, and refused as a 400 naming the
// field, so no route has to remember it.
import type { FastifyInstance } from 'fastify';
import { ValidationError, type FieldError } from '../domain/errors.js';

const MAX_DEPTH = 64;

/** Paths (e.g. `readings[2].well_id`) of strings and keys in `value` containing NUL, at most `limit`. */
export function findNul(value: unknown, prefix: string, out: FieldError[] = [], limit = 20, depth = 0): FieldError[] {
  if (out.length >= limit || depth > MAX_DEPTH) return out;
  if (typeof value === 'string') {
    if (value.includes('\0')) out.push({ field: prefix, reason: 'must not contain NUL (\\u0000) characters' });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < limit; i++) findNul(value[i], `${prefix}[${i}]`, out, limit, depth + 1);
  } else if (value !== null && typeof value === 'object' && isOpaque(value)) {
    return out; // streams (the import body) and buffers are checked by their own parsers
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (k.includes('\0')) out.push({ field: path, reason: 'is a key that contains NUL (\\u0000) characters' });
      else findNul(v, path, out, limit, depth + 1);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Whether `value` holds a string or key containing NUL: the common case (none) walks without allocating. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNul(value[i], depth + 1)) return true;
    return false;
  }
  if (isOpaque(value)) return false;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    if (k.includes('\0') || hasNul((value as Record<string, unknown>)[k], depth + 1)) return true;
  }
  return false;
}

/** Streams and binary data; parsed JSON, query strings (null-prototype objects) and params are walked. */
function isOpaque(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || typeof (value as { pipe?: unknown }).pipe === 'function';
}

export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (req, _reply, done) => {
    if (!hasNul(req.params) && !hasNul(req.query) && !hasNul(req.body)) return done();
    const errors = findNul(req.params, '');
    findNul(req.query, '', errors);
    if (req.body !== undefined) findNul(req.body, '', errors);
    if (!errors.length) return done();
    done(new ValidationError(`Invalid request: ${errors[0].field || 'body'} ${errors[0].reason}`, errors));
  });
}
