// Who is calling and what they may do. Credentials come as `Authorization: Bearer <token>` or
// `X-API-Key: <key>` (or `?access_token=` for EventSource, which cannot set headers). Resolvers are tried in
// order: the admin key, then whatever the security module registers (user tokens, device keys).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticationError, AuthorizationError } from '../domain/errors.js';
import { sha256 } from '../security/crypto.js';

export const ROLES = ['admin', 'engineer', 'viewer', 'device'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'read' | 'ingest' | 'analyze' | 'manage_wells' | 'ack' | 'admin';

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ['read', 'ingest', 'analyze', 'manage_wells', 'ack', 'admin'],
  engineer: ['read', 'ingest', 'analyze', 'manage_wells', 'ack'],
  viewer: ['read'],
  device: ['ingest'],
};

export interface Principal {
  kind: 'admin-key' | 'user' | 'device-key';
  /** Display name: the username, or `api-key:<name>`. */
  name: string;
  role: Role;
  /** Device keys: the wells or field they may write. */
  scope?: { wells: string[] | null; field: string | null };
  keyId?: string;
}

export type CredentialResolver = (credential: string, req: FastifyRequest) => Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** What the route needs; absent on a /api/v1 route means `read`. `public` skips authentication. */
    permission?: Permission | 'public';
  }
}

/** Constant-time comparison of two secrets of any length. */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
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

export class Authenticator {
  private readonly resolvers: CredentialResolver[] = [];

  constructor(adminKey: string) {
    const adminDigest = sha256(adminKey);
    this.resolvers.push(async (credential) =>
      timingSafeEqual(sha256(credential), adminDigest) ? { kind: 'admin-key', name: 'admin-key', role: 'admin' } : null,
    );
  }

  addResolver(resolver: CredentialResolver): void {
    this.resolvers.push(resolver);
  }

  async resolve(credential: string, req: FastifyRequest): Promise<Principal | null> {
    for (const r of this.resolvers) {
      const p = await r(credential, req);
      if (p) return p;
    }
    return null;
  }
}

export function can(principal: Principal, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission);
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
    const principal = await authenticator.resolve(credential, req);
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

/** Checks that a device key may write these wells; users with `ingest` may write any. */
export function assertWellsInScope(
  principal: Principal | null,
  wellIds: Iterable<string>,
  fieldOf: (wellId: string) => string | null | undefined,
): void {
  if (!principal || principal.kind !== 'device-key' || !principal.scope) return;
  const { wells, field } = principal.scope;
  for (const id of wellIds) {
    const ok = (wells !== null && wells.includes(id)) || (field !== null && fieldOf(id) === field);
    if (!ok) throw new AuthorizationError(`This key may not write well ${id}`, { well_id: id });
  }
}
