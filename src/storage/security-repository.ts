// Users, refresh tokens, device keys and the audit log: the security module's storage, in the same
// PostgreSQL 15-compatible SQL and on the same executor as the main repository. Every value is a bound
// parameter; nothing from a request is ever spliced into SQL text.
import type { UserRole } from '../domain/identity.js';
import { ConflictError } from '../domain/errors.js';
import type { SqlExecutor } from './sql.js';
import { toIso, toIsoOrNull } from './values.js';

type Row = Record<string, unknown>;

export interface UserRecord {
  username: string;
  user_id: string;
  password_hash: string;
  role: UserRole;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  key_hash: string;
  role: 'device';
  wells: string[] | null;
  field: string | null;
  created_at: string;
  created_by: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  token_hash: string;
  family: string;
  user_id: string;
  expires_at: number;
  rotated_at: string | null;
  revoked_at: string | null;
}

export interface AuditEntry {
  actor: string | null;
  role: string | null;
  action: string;
  target: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  ts: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  limit: number;
  /** Entries with a smaller id (paging backwards). */
  before?: number;
}

/** Users, refresh tokens and device keys: what the security service checks credentials against. */
export interface CredentialRepository {
  /** Fails with ConflictError when the username is taken. */
  createUser(u: { username: string; user_id: string; password_hash: string; role: UserRole }): Promise<UserRecord>;
  getUser(username: string): Promise<UserRecord | null>;
  getUserById(userId: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  /** Deletes the user; their refresh tokens go with them (cascade). */
  deleteUser(username: string): Promise<boolean>;
  countUsers(): Promise<number>;

  insertRefreshToken(t: { id: string; token_hash: string; family: string; user_id: string; expires_at: number }): Promise<void>;
  /**
   * Rotates a refresh token atomically: `decide` sees the stored row (locked) and either returns the new
   * token to insert (the old one is marked rotated) or a reason; a reused token revokes its family.
   */
  rotateRefreshToken<T>(id: string, decide: (row: RefreshTokenRecord | null) => RotationDecision<T>): Promise<T>;
  getRefreshToken(id: string): Promise<RefreshTokenRecord | null>;
  revokeFamily(family: string): Promise<number>;
  /** Forgets tokens that expired more than a day ago. */
  purgeExpiredRefreshTokens(now?: number): Promise<number>;

  createApiKey(k: { id: string; name: string; key_hash: string; wells: string[] | null; field: string | null; created_by: string | null }): Promise<ApiKeyRecord>;
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  listApiKeys(includeRevoked?: boolean): Promise<ApiKeyRecord[]>;
  /** Revokes an active key; false when unknown or already revoked. */
  revokeApiKey(id: string): Promise<boolean>;
  touchApiKey(id: string): Promise<void>;
}

export type RotationDecision<T> =
  | { ok: true; next: { id: string; token_hash: string; expires_at: number }; result: T }
  | { ok: false; revokeFamily: boolean; result: T };

export interface AuditRepository {
  insertAudit(entries: AuditEntry[]): Promise<void>;
  /** Newest first. */
  listAudit(q: AuditQuery): Promise<StoredAuditEntry[]>;
}

/** The security aggregate: credentials and the audit log. */
export interface SecurityRepository extends CredentialRepository, AuditRepository {}


function jsonValue<T>(v: unknown): T | null {
  if (v === null || v === undefined) return null;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function rowToUser(r: Row): UserRecord {
  return {
    username: String(r.username),
    user_id: String(r.user_id),
    password_hash: String(r.password_hash),
    role: r.role as UserRole,
    created_at: toIso(r.created_at),
    updated_at: toIso(r.updated_at),
  };
}

function rowToKey(r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    key_hash: String(r.key_hash),
    role: 'device',
    wells: jsonValue<string[]>(r.wells),
    field: (r.field as string | null) ?? null,
    created_at: toIso(r.created_at),
    created_by: (r.created_by as string | null) ?? null,
    last_used_at: toIsoOrNull(r.last_used_at),
    revoked_at: toIsoOrNull(r.revoked_at),
  };
}

function rowToAudit(r: Row): StoredAuditEntry {
  return {
    id: Number(r.id),
    ts: toIso(r.ts),
    actor: (r.actor as string | null) ?? null,
    role: (r.role as string | null) ?? null,
    action: String(r.action),
    target: (r.target as string | null) ?? null,
    method: (r.method as string | null) ?? null,
    path: (r.path as string | null) ?? null,
    status: r.status === null || r.status === undefined ? null : Number(r.status),
    ip: (r.ip as string | null) ?? null,
    request_id: (r.request_id as string | null) ?? null,
    details: jsonValue<Record<string, unknown>>(r.details),
  };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  return e?.code === '23505' || e?.cause?.code === '23505' || /duplicate key|unique constraint/i.test(String(e?.message));
}

export class SqlSecurityRepository implements SecurityRepository {
  constructor(private readonly db: SqlExecutor) {}

  // ---------------------------------------------------------------- users

  async createUser(u: { username: string; user_id: string; password_hash: string; role: UserRole }): Promise<UserRecord> {
    try {
      const r = await this.db.query<Row>(
        `INSERT INTO users (username, user_id, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING *`,
        [u.username, u.user_id, u.password_hash, u.role],
      );
      return rowToUser(r.rows[0]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`User ${u.username} already exists`, { username: u.username });
      throw err;
    }
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const r = await this.db.query<Row>(`SELECT * FROM users WHERE username = $1`, [username]);
    return r.rows.length ? rowToUser(r.rows[0]) : null;
  }

  async getUserById(userId: string): Promise<UserRecord | null> {
    const r = await this.db.query<Row>(`SELECT * FROM users WHERE user_id = $1`, [userId]);
    return r.rows.length ? rowToUser(r.rows[0]) : null;
  }

  async listUsers(): Promise<UserRecord[]> {
    const r = await this.db.query<Row>(`SELECT * FROM users ORDER BY username`);
    return r.rows.map(rowToUser);
  }

  async deleteUser(username: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM users WHERE username = $1`, [username]);
    return r.rowCount > 0;
  }

  async countUsers(): Promise<number> {
    const r = await this.db.query<{ n: number }>(`SELECT count(*) AS n FROM users`);
    return Number(r.rows[0].n);
  }

  // ---------------------------------------------------------------- refresh tokens

  async insertRefreshToken(t: { id: string; token_hash: string; family: string; user_id: string; expires_at: number }): Promise<void> {
    await this.db.query(
      `INSERT INTO refresh_tokens (id, token_hash, family, user_id, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [t.id, t.token_hash, t.family, t.user_id, new Date(t.expires_at).toISOString()],
    );
  }

  async rotateRefreshToken<T>(id: string, decide: (row: RefreshTokenRecord | null) => RotationDecision<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query<Row>(`SELECT * FROM refresh_tokens WHERE id = $1 FOR UPDATE`, [id]);
      const row: RefreshTokenRecord | null = r.rows.length
        ? {
            id: String(r.rows[0].id),
            token_hash: String(r.rows[0].token_hash),
            family: String(r.rows[0].family),
            user_id: String(r.rows[0].user_id),
            expires_at: new Date(r.rows[0].expires_at as string).getTime(),
            rotated_at: toIsoOrNull(r.rows[0].rotated_at),
            revoked_at: toIsoOrNull(r.rows[0].revoked_at),
          }
        : null;
      const d = decide(row);
      if (!d.ok) {
        if (d.revokeFamily && row) {
          await tx.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL`, [row.family]);
        }
        return d.result;
      }
      await tx.query(`UPDATE refresh_tokens SET rotated_at = now(), revoked_at = now() WHERE id = $1`, [id]);
      await tx.query(
        `INSERT INTO refresh_tokens (id, token_hash, family, user_id, expires_at) VALUES ($1, $2, $3, $4, $5)`,
        [d.next.id, d.next.token_hash, row!.family, row!.user_id, new Date(d.next.expires_at).toISOString()],
      );
      return d.result;
    });
  }

  async getRefreshToken(id: string): Promise<RefreshTokenRecord | null> {
    const r = await this.db.query<Row>(`SELECT * FROM refresh_tokens WHERE id = $1`, [id]);
    if (!r.rows.length) return null;
    const x = r.rows[0];
    return {
      id: String(x.id),
      token_hash: String(x.token_hash),
      family: String(x.family),
      user_id: String(x.user_id),
      expires_at: new Date(x.expires_at as string).getTime(),
      rotated_at: toIsoOrNull(x.rotated_at),
      revoked_at: toIsoOrNull(x.revoked_at),
    };
  }

  async revokeFamily(family: string): Promise<number> {
    const r = await this.db.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL`, [family]);
    return r.rowCount;
  }

  async purgeExpiredRefreshTokens(now = Date.now()): Promise<number> {
    const r = await this.db.query(`DELETE FROM refresh_tokens WHERE expires_at < $1`, [new Date(now - 86_400_000).toISOString()]);
    return r.rowCount;
  }

  // ---------------------------------------------------------------- device keys

  async createApiKey(k: { id: string; name: string; key_hash: string; wells: string[] | null; field: string | null; created_by: string | null }): Promise<ApiKeyRecord> {
    const r = await this.db.query<Row>(
      `INSERT INTO api_keys (id, name, key_hash, wells, field, created_by) VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING *`,
      [k.id, k.name, k.key_hash, k.wells === null ? null : JSON.stringify(k.wells), k.field, k.created_by],
    );
    return rowToKey(r.rows[0]);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | null> {
    const r = await this.db.query<Row>(`SELECT * FROM api_keys WHERE id = $1`, [id]);
    return r.rows.length ? rowToKey(r.rows[0]) : null;
  }

  async listApiKeys(includeRevoked = true): Promise<ApiKeyRecord[]> {
    const r = await this.db.query<Row>(
      `SELECT * FROM api_keys ${includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, id`,
    );
    return r.rows.map(rowToKey);
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
    return r.rowCount > 0;
  }

  async touchApiKey(id: string): Promise<void> {
    await this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]);
  }

  // ---------------------------------------------------------------- audit

  async insertAudit(entries: AuditEntry[]): Promise<void> {
    if (!entries.length) return;
    const params: unknown[] = [];
    const values = entries.map((e) => {
      const base = params.length;
      params.push(e.actor, e.role, e.action, e.target, e.method, e.path, e.status, e.ip, e.request_id, e.details === null ? null : JSON.stringify(e.details));
      return `(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}${i === 9 ? '::jsonb' : ''}`).join(', ')})`;
    });
    await this.db.query(
      `INSERT INTO audit_log (actor, role, action, target, method, path, status, ip, request_id, details) VALUES ${values.join(', ')}`,
      params,
    );
  }

  async listAudit(q: AuditQuery): Promise<StoredAuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.actor !== undefined) {
      params.push(q.actor);
      where.push(`actor = $${params.length}`);
    }
    if (q.action !== undefined) {
      params.push(q.action);
      where.push(`action = $${params.length}`);
    }
    if (q.before !== undefined) {
      params.push(q.before);
      where.push(`id < $${params.length}`);
    }
    params.push(q.limit);
    const r = await this.db.query<Row>(
      `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(rowToAudit);
  }
}
