// Embedded executor: PostgreSQL compiled to WASM, in-process, persisted in DATA_DIR. Same SQL as the server.
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { copyFormat, type QueryResult, type SqlExecutor, type SqlTx } from './sql.js';

function wrap(db: PGlite | Transaction): SqlTx {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await db.query<T>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
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

  private constructor(readonly db: PGlite) {}

  /** `dataDir` undefined: in memory (tests). */
  static async open(dataDir: string | undefined): Promise<PgliteExecutor> {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir, {
      parsers: { 20: (v: string) => Number(v), 1700: (v: string) => Number(v) },
    });
    return new PgliteExecutor(db);
  }

  query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return wrap(this.db).query<T>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return wrap(this.db).exec(sql);
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(wrap(tx)));
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
