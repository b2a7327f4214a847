// HTTP authentication: the credential comes as `Authorization: Bearer <token>` or `X-API-Key: <key>` (or
// `?access_token=` for EventSource, which cannot set headers); the identity model is in domain/identity.ts and
// the credential check in security/authenticator.ts, shared with MQTT.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError, AuthorizationError } from '../domain/errors.js';
import { can, type Permission, type Principal } from '../domain/identity.js';
import type { Authenticator } from '../security/authenticator.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** What the route needs; absent on a /api/v1 route means `read`. `public` skips authentication. */
    permission?: Permission | 'public';
  }
}

export function credentialOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  const key = req.headers['x-api-key'];
  if (typeof key === 'string' && key.trim()) return key.trim();
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q === 'string' && q) return q;
  return null;
}

/** Every /api/v1 route is authenticated unless it says `permission: 'public'`. */
export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const needed = req.routeOptions.config?.permission;
    if (!req.url.startsWith('/api/v1/') || needed === 'public' || req.url.startsWith('/api/v1/docs')) return;
    if (req.routeOptions.url === undefined) return; // unknown route: the 404 handler answers
    const credential = credentialOf(req);
    if (!credential) throw new AuthenticationError('Missing credentials: send Authorization: Bearer <key> or X-API-Key');
    const principal = await authenticator.resolve(credential);
    if (!principal) throw new AuthenticationError('Invalid or expired credentials');
    req.principal = principal;
    const permission = needed ?? 'read';
    if (!can(principal, permission)) {
      throw new AuthorizationError(`Role ${principal.role} may not ${permission.replace('_', ' ')}`, {
        required: permission,
        role: principal.role,
      });
    }
  });
}
