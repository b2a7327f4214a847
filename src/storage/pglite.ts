// Embedded executor: PostgreSQL compiled to WASM, in-process, persisted in DATA_DIR. Same SQL as the server.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { DatabaseError } from '../domain/errors.js';
import { copyFormat, DISK_FULL, diskFullError, type QueryResult, type SqlExecutor, type SqlTx } from './sql.js';
import { acquireStoreLock, type StoreLock } from './store-lock.js';

/** disk_full from the engine is a 507 as on PostgreSQL (the free-space guard should stop writes before it). */
function mapped(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code === DISK_FULL ? diskFullError(err) : err;
}

function wrap(db: PGlite | Transaction): SqlTx {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      try {
        const r = await db.query<T>(sql, params as unknown[]);
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      } catch (err) {
        throw mapped(err);
      }
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
    async copyIn(table: string, columns: readonly string[], data: string | Buffer): Promise<void> {
      await db.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob'${copyFormat(data)}`, [], { blob: new Blob([data]) });
    },
  };
}

export class PgliteExecutor implements SqlExecutor {
  readonly kind = 'pglite' as const;

  private constructor(
    readonly db: PGlite,
    private readonly lock: StoreLock | null,
  ) {}

  /**
   * `dataDir` undefined: in memory (tests). On disk the directory is locked first: a second process opening
   * it gets StoreInUseError (naming the directory and the owner's pid) before it touches a file.
   */
  static async open(dataDir: string | undefined): Promise<PgliteExecutor> {
    const lock = dataDir ? await acquireStoreLock(dataDir) : null;
    try {
      const db = await PGlite.create(dataDir, {
        parsers: { 20: (v: string) => Number(v), 1700: (v: string) => Number(v) },
      });
      return new PgliteExecutor(db, lock);
    } catch (err) {
      lock?.release();
      if (!dataDir) throw err;
      // The engine says little ("failed to initialize", "Aborted()"): say which store and what to do.
      throw new DatabaseError(
        `the embedded store in ${dataDir} cannot be opened (${(err as Error).message}); its files may be damaged: ` +
          'restore DATA_DIR from a backup, or move it aside to start empty',
        { store_dir: dataDir },
      );
    }
  }

  query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return wrap(this.db).query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return wrap(this.db).exec(sql);
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(wrap(tx))).catch((err: unknown) => Promise.reject(mapped(err)));
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}
