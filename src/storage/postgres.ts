// PostgreSQL executor: a pool with a statement timeout, retry on transient connection errors, and COPY for
// bulk load (the fastest way in).
import pg from 'pg';
import pgCopy from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ConnectionError, DatabaseError } from '../domain/errors.js';
import { copyFormat, DISK_FULL, diskFullError, type QueryResult, type SqlExecutor, type SqlTx } from './sql.js';

// int8 (counts, bigserial ids) as numbers: ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface PostgresOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  /** Attempts after the first when the connection fails. */
  retries: number;
  onError?: (err: Error) => void;
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
]);

export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  const msg = e.message ?? '';
  return /Connection terminated|connection timeout|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    msg,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const TLS_CODES = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|ERR_TLS_.*|ERR_SSL_.*)$/;

/**
 * Why a connection to the database failed, in words that name the cause and the place (host:port, database,
 * user from DATABASE_URL; never the password), or null when the error is not about connecting.
 */
export function connectionCause(err: unknown, url: string): string | null {
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] } | null;
  if (!e) return null;
  let host = '?';
  let port = '5432';
  let database = '';
  let user = '';
  try {
    const u = new URL(url);
    host = u.hostname || 'localhost';
    port = u.port || '5432';
    user = decodeURIComponent(u.username) || process.env.USER || '';
    // libpq's default: the database named after the user.
    database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  } catch {
    // An unparsable URL is refused by the configuration before we get here.
  }
  const where = `${host}:${port}`;
  const code = e.code ?? e.errors?.find((x) => x.code)?.code;
  const msg = e.message ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return `connection to ${where} refused: nothing listens there (is PostgreSQL running? check the host and port in DATABASE_URL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${host} not found (check the host in DATABASE_URL)`;
    case 'ETIMEDOUT':
      return `no answer from ${where} (a firewall, or the wrong host in DATABASE_URL?)`;
    case 'ECONNRESET':
      return `${where} closed the connection (a TLS mismatch, or not PostgreSQL on that port?)`;
    case '3D000':
      return `database "${database}" does not exist on ${where} (create it: createdb -h ${host} -p ${port} ${database})`;
    case '28P01':
    case '28000':
      return `authentication failed for user "${user}" on ${where} (check the user and password in DATABASE_URL; ${msg})`;
    case '53300':
      return `${where} has too many connections (lower DATABASE_POOL_MAX or raise max_connections)`;
    case '57P03':
      return `${where} is starting up or shutting down`;
  }
  if ((code && TLS_CODES.test(code)) || /\bSSL\b|\bTLS\b|certificate/i.test(msg)) {
    return `TLS to ${where} failed: ${msg} (check sslmode / sslrootcert in DATABASE_URL)`;
  }
  if (/timeout exceeded when trying to connect|connection timeout/i.test(msg)) {
    return `no answer from ${where} within 5 s (a firewall, or the wrong host in DATABASE_URL?)`;
  }
  if (/Connection terminated/i.test(msg)) return `${where} closed the connection (${msg})`;
  return null;
}

function wrap(client: pg.PoolClient | pg.Pool): SqlTx {
  return {
    async query<T>(sql: string, params?: unknown[], name?: string): Promise<QueryResult<T>> {
      const r = name ? await client.query({ name, text: sql, values: params }) : await client.query(sql, params as unknown[]);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
    async copyIn(table: string, columns: readonly string[], data: string | Buffer): Promise<void> {
      const stream = (client as pg.PoolClient).query(
        pgCopy.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN${copyFormat(data)}`),
      );
      await pipeline(Readable.from([data]), stream);
    },
  };
}

export class PostgresExecutor implements SqlExecutor {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(private readonly opts: PostgresOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolMax,
      statement_timeout: opts.statementTimeoutMs,
      // The server's statement_timeout cannot end a query whose connection is gone without a FIN or RST (a cut
      // link, a frozen server): the client gives up a little later itself, and the client is discarded.
      query_timeout: opts.statementTimeoutMs + 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'esp-iot-platform',
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => opts.onError?.(err));
  }

  private async withRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err)) throw toAppError(err, this.opts.url);
        if (attempt >= this.opts.retries) {
          const cause = connectionCause(err, this.opts.url) ?? (err as Error).message;
          throw new ConnectionError(`Database unavailable: ${cause}`, { cause: (err as Error).message });
        }
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  query<T>(sql: string, params?: unknown[], name?: string): Promise<QueryResult<T>> {
    return this.withRetry(() => wrap(this.pool).query<T>(sql, params, name));
  }

  exec(sql: string): Promise<void> {
    return this.withRetry(() => wrap(this.pool).exec(sql));
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    // The whole transaction is retried: callers only pass idempotent work (ON CONFLICT, upserts).
    return this.withRetry(async () => {
      const client = await this.pool.connect();
      let broken = false;
      // A connection lost between two statements is emitted as an 'error' event on the checked-out client
      // (the pool only listens to idle ones): unhandled, it would crash the process.
      const onLost = (err: Error) => {
        broken = true;
        this.opts.onError?.(err);
      };
      client.on('error', onLost);
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        broken ||= isTransient(err);
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', onLost);
        client.release(broken ? true : undefined);
      }
    });
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query('SELECT 1');
    } catch (err) {
      throw toAppError(err, this.opts.url);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Connection failures become ConnectionError (503); anything else the database refused is a DatabaseError. */
export function toAppError(err: unknown, url: string): Error {
  if (err instanceof ConnectionError || err instanceof DatabaseError) return err;
  const cause = connectionCause(err, url);
  if (isTransient(err)) return new ConnectionError(`Database unavailable: ${cause ?? (err as Error).message}`, { cause: (err as Error).message });
  // Not retryable but about connecting (database missing, authentication, TLS): say so.
  if (cause) return Object.assign(new ConnectionError(`Database unavailable: ${cause}`, { cause: (err as Error).message }), { cause: err });
  const e = err as { code?: string; message?: string };
  if (e?.code === DISK_FULL) return diskFullError(err);
  if (e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return Object.assign(new DatabaseError('Database error', { sqlstate: e.code }), { cause: err });
  }
  return err as Error;
}
