// HTTP credentials: `Authorization: Bearer <token>` or `X-API-Key: <key>` (or `?access_token=` for
// EventSource, which cannot set headers). The identity model is in domain/identity.ts and the credential check
// in security/authenticator.ts, shared with MQTT; the hook that applies them is plugins/auth.ts.
import type { FastifyRequest } from 'fastify';
import type { Permission, Principal } from '../domain/identity.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** What the route needs; absent on an authenticated route means `read`. `public` skips authentication. */
    permission?: Permission | 'public';
  }
}

const BEARER = /^Bearer\s+(.+)$/i;

export function credentialOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = BEARER.exec(auth.trim());
    if (m) return m[1].trim();
  }
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key.trim()) return key.trim();
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q === 'string' && q) return q;
  return null;
}
