// Users, access and refresh tokens, device keys: the rules, over the security store. The HTTP routes and the
// CLI both go through here; the credential resolvers the Authenticator consults live here too.
import { USER_ROLES, type Principal, type UserRole } from '../domain/identity.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { ApiKeyRecord, CredentialRepository, UserRecord } from '../storage/security-repository.js';
import {
  DEVICE_KEY_PREFIX,
  REFRESH_TOKEN_PREFIX,
  digestEquals,
  hashPassword,
  newOpaqueSecret,
  parseOpaqueSecret,
  randomId,
  sha256Hex,
  verifyPassword,
} from './crypto.js';

/** Printable, no slashes, colons or control characters; 1–64 characters. */
export const USERNAME_PATTERN = '^[^\\u0000-\\u001f\\u007f/\\\\:]{1,64}$';
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 512;
/** Names the platform uses for its own principals. */
const RESERVED_USERNAMES = new Set(['admin-key', 'unknown', 'system']);

export interface AccessClaims {
  sub: string;
  uid: string;
  role: string;
  typ: 'access';
  iss: string;
  exp?: number;
  iat?: number;
}

export interface TokenSigner {
  sign(claims: Omit<AccessClaims, 'exp' | 'iat'>, ttlSeconds: number): string;
  /** Throws when the signature, algorithm or expiry is wrong. */
  verify(token: string): AccessClaims;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: { username: string; role: UserRole };
}

export interface PublicUser {
  username: string;
  role: UserRole;
  created_at: string;
  updated_at: string;
}

/** A device key as the API shows it: everything but its hash. */
export type PublicKey = Omit<ApiKeyRecord, 'key_hash'>;

export const ISSUER = 'esp-iot-platform';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export function publicUser(u: UserRecord): PublicUser {
  return { username: u.username, role: u.role, created_at: u.created_at, updated_at: u.updated_at };
}

export function publicKey(k: ApiKeyRecord): PublicKey {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    wells: k.wells,
    field: k.field,
    created_at: k.created_at,
    created_by: k.created_by,
    last_used_at: k.last_used_at,
    revoked_at: k.revoked_at,
  };
}

export function checkUsername(username: string): void {
  if (!new RegExp(USERNAME_PATTERN, 'u').test(username) || username.trim() !== username) {
    throw new ValidationError('Invalid username', [
      { field: 'username', reason: '1–64 printable characters without "/", "\\", ":" or surrounding spaces' },
    ]);
  }
  if (RESERVED_USERNAMES.has(username.toLowerCase()) || username.toLowerCase().startsWith('api-key')) {
    throw new ValidationError('Invalid username', [{ field: 'username', reason: 'is reserved' }]);
  }
}

export function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN || Buffer.byteLength(password) > PASSWORD_MAX) {
    throw new ValidationError('Invalid password', [
      { field: 'password', reason: `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} bytes long` },
    ]);
  }
}

export function checkRole(role: string): asserts role is UserRole {
  if (!(USER_ROLES as readonly string[]).includes(role)) {
    throw new ValidationError('Invalid role', [{ field: 'role', reason: `must be one of ${USER_ROLES.join(', ')}` }]);
  }
}

interface Cached<T> {
  value: T;
  at: number;
}

export interface SecurityServiceOptions {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** How long a looked-up user or key is trusted before asking storage again (other processes' deletes). */
  cacheMs?: number;
  now?: () => number;
  /** Signs and checks access tokens; without it no tokens are issued or accepted (the CLI needs none). */
  signer?: TokenSigner;
}

export type RefreshFailure = 'malformed' | 'unknown' | 'reused' | 'revoked' | 'expired' | 'user_gone';

export class SecurityService {
  signer: TokenSigner | null = null;
  private readonly users = new Map<string, Cached<UserRecord | null>>();
  private readonly keys = new Map<string, Cached<ApiKeyRecord | null>>();
  private readonly touched = new Map<string, number>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    readonly store: CredentialRepository,
    private readonly opts: SecurityServiceOptions,
  ) {
    this.cacheMs = opts.cacheMs ?? 2000;
    this.now = opts.now ?? Date.now;
    this.signer = opts.signer ?? null;
  }

  // ---------------------------------------------------------------- users

  async createUser(username: string, password: string, role: string): Promise<UserRecord> {
    checkUsername(username);
    checkPassword(password);
    checkRole(role);
    const password_hash = await hashPassword(password);
    const user = await this.store.createUser({ username, user_id: randomId(12), password_hash, role });
    this.users.delete(user.user_id);
    return user;
  }

  listUsers(): Promise<UserRecord[]> {
    return this.store.listUsers();
  }

  /** Deletes the user: their refresh tokens go with them and their access tokens stop working at once. */
  async deleteUser(username: string): Promise<void> {
    const user = await this.store.getUser(username);
    if (!user || !(await this.store.deleteUser(username))) throw new NotFoundError(`Unknown user ${username}`, { username });
    this.users.set(user.user_id, { value: null, at: this.now() });
  }

  /** The user behind a token id, cached briefly; deletions in this process are seen at once. */
  private async userById(userId: string): Promise<UserRecord | null> {
    const c = this.users.get(userId);
    if (c && this.now() - c.at < this.cacheMs) return c.value;
    const u = await this.store.getUserById(userId);
    this.users.set(userId, { value: u, at: this.now() });
    if (this.users.size > 10_000) this.users.clear();
    return u;
  }

  // ---------------------------------------------------------------- login and tokens

  /** The user when the password matches; the same work is done for unknown users (no timing oracle). */
  async checkLogin(username: string, password: string): Promise<UserRecord | null> {
    const user = username.length <= 256 ? await this.store.getUser(username) : null;
    const ok = await verifyPassword(password, user?.password_hash ?? null);
    return ok && user ? user : null;
  }

  private signer_(): TokenSigner {
    if (!this.signer) throw new Error('token signer not configured');
    return this.signer;
  }

  async issueTokens(user: UserRecord, family = randomId(12)): Promise<TokenPair> {
    const refresh = newOpaqueSecret(REFRESH_TOKEN_PREFIX);
    await this.store.insertRefreshToken({
      id: refresh.id,
      token_hash: refresh.hash,
      family,
      user_id: user.user_id,
      expires_at: this.now() + this.opts.refreshTokenTtlSeconds * 1000,
    });
    return this.pair(user, refresh.value);
  }

  private pair(user: UserRecord, refreshToken: string): TokenPair {
    const access = this.signer_().sign(
      { sub: user.username, uid: user.user_id, role: user.role, typ: 'access', iss: ISSUER },
      this.opts.accessTokenTtlSeconds,
    );
    return {
      access_token: access,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.opts.accessTokenTtlSeconds,
      user: { username: user.username, role: user.role },
    };
  }

  /** Rotates a refresh token: a new pair, or why not. Reusing a rotated token revokes its whole family. */
  async refresh(token: string): Promise<{ ok: true; tokens: TokenPair } | { ok: false; reason: RefreshFailure; username?: string }> {
    const id = parseOpaqueSecret(REFRESH_TOKEN_PREFIX, token);
    if (!id) return { ok: false, reason: 'malformed' };
    const hash = sha256Hex(token);
    const next = newOpaqueSecret(REFRESH_TOKEN_PREFIX);
    const now = this.now();
    const outcome = await this.store.rotateRefreshToken<{ ok: true; userId: string } | { ok: false; reason: RefreshFailure; userId?: string }>(
      id,
      (row) => {
        if (!row || !digestEquals(row.token_hash, hash)) return { ok: false, revokeFamily: false, result: { ok: false, reason: 'unknown' } };
        if (row.rotated_at) return { ok: false, revokeFamily: true, result: { ok: false, reason: 'reused', userId: row.user_id } };
        if (row.revoked_at) return { ok: false, revokeFamily: false, result: { ok: false, reason: 'revoked', userId: row.user_id } };
        if (row.expires_at <= now) return { ok: false, revokeFamily: false, result: { ok: false, reason: 'expired', userId: row.user_id } };
        return {
          ok: true,
          next: { id: next.id, token_hash: next.hash, expires_at: now + this.opts.refreshTokenTtlSeconds * 1000 },
          result: { ok: true, userId: row.user_id },
        };
      },
    );
    const user = outcome.userId ? await this.store.getUserById(outcome.userId) : null;
    if (!outcome.ok) return { ok: false, reason: outcome.reason, username: user?.username };
    if (!user) return { ok: false, reason: 'user_gone' };
    this.users.set(user.user_id, { value: user, at: this.now() });
    return { ok: true, tokens: this.pair(user, next.value) };
  }

  /** Revokes the family of a refresh token (logout); false when the token is not known. */
  async logout(token: string): Promise<boolean> {
    const id = parseOpaqueSecret(REFRESH_TOKEN_PREFIX, token);
    if (!id) return false;
    const row = await this.store.getRefreshToken(id);
    if (!row || !digestEquals(row.token_hash, sha256Hex(token))) return false;
    await this.store.revokeFamily(row.family);
    return true;
  }

  /** Resolver for access tokens: signature, algorithm, expiry, then the user as storage has it now. */
  async resolveAccessToken(credential: string): Promise<Principal | null> {
    if (!JWT_SHAPE.test(credential) || !this.signer) return null;
    let claims: AccessClaims;
    try {
      claims = this.signer.verify(credential);
    } catch {
      return null; // bad signature or algorithm, expired, malformed
    }
    if (claims.typ !== 'access' || typeof claims.uid !== 'string' || typeof claims.exp !== 'number' || claims.iss !== ISSUER) {
      return null;
    }
    const user = await this.userById(claims.uid);
    if (!user || user.username !== claims.sub) return null; // deleted (or deleted and re-created)
    // The role is the one storage holds now, never the one written in the token.
    return { kind: 'user', name: user.username, role: user.role };
  }

  // ---------------------------------------------------------------- device keys

  async createKey(input: { name: string; wells?: string[]; field?: string; createdBy: string | null }): Promise<{ key: string; record: ApiKeyRecord }> {
    const hasWells = input.wells !== undefined;
    const hasField = input.field !== undefined;
    if (hasWells === hasField) {
      throw new ValidationError('Give either wells or field', [{ field: 'wells', reason: 'exactly one of wells (a list) or field is required' }]);
    }
    const wells = hasWells ? [...new Set(input.wells)] : null;
    if (wells && !wells.length) throw new ValidationError('Invalid wells', [{ field: 'wells', reason: 'must list at least one well' }]);
    const secret = newOpaqueSecret(DEVICE_KEY_PREFIX);
    const record = await this.store.createApiKey({
      id: secret.id,
      name: input.name,
      key_hash: secret.hash,
      wells,
      field: hasField ? input.field! : null,
      created_by: input.createdBy,
    });
    return { key: secret.value, record };
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys();
  }

  async revokeKey(id: string): Promise<ApiKeyRecord> {
    if (!(await this.store.revokeApiKey(id))) throw new NotFoundError(`Unknown or already revoked key ${id}`, { id });
    this.keys.set(id, { value: null, at: this.now() });
    const rec = await this.store.getApiKey(id);
    if (!rec) throw new NotFoundError(`Unknown key ${id}`, { id });
    return rec;
  }

  /** Resolver for device keys: looked up by their public id, compared by hash in constant time. */
  async resolveDeviceKey(credential: string): Promise<Principal | null> {
    const id = parseOpaqueSecret(DEVICE_KEY_PREFIX, credential);
    if (!id) return null;
    let c = this.keys.get(id);
    if (!c || this.now() - c.at >= this.cacheMs) {
      const rec = await this.store.getApiKey(id);
      c = { value: rec && !rec.revoked_at ? rec : null, at: this.now() };
      this.keys.set(id, c);
      if (this.keys.size > 10_000) this.keys.clear();
    }
    const rec = c.value;
    if (!rec || !digestEquals(rec.key_hash, sha256Hex(credential))) return null;
    this.touch(rec.id);
    return {
      kind: 'device-key',
      name: `api-key:${rec.name}`,
      role: 'device',
      scope: { wells: rec.wells, field: rec.field },
      keyId: rec.id,
    };
  }

  /** Records a key's last use at most once a minute, off the request path. */
  private touch(id: string): void {
    const last = this.touched.get(id) ?? 0;
    if (this.now() - last < 60_000) return;
    this.touched.set(id, this.now());
    this.store.touchApiKey(id).catch(() => undefined);
  }

  async purge(): Promise<void> {
    await this.store.purgeExpiredRefreshTokens(this.now());
  }
}

