// Who may do what: roles, the permissions each carries, the principal a transport (HTTP or MQTT) resolves a
// credential to, and the checks both transports call. Pure: the transports map the errors to their wire.
import { AuthorizationError } from './errors.js';

export const ROLES = ['admin', 'engineer', 'viewer', 'device'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a person can have (a device key is not a user). */
export const USER_ROLES = ['admin', 'engineer', 'viewer'] as const satisfies readonly Role[];
export type UserRole = (typeof USER_ROLES)[number];

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

export function can(principal: Principal, permission: Permission): boolean {
  return ROLE_PERMISSIONS[principal.role].includes(permission);
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
