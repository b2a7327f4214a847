// The thin seam between the repository (all SQL, written once) and the two engines that run it:
// PostgreSQL over the network and PGlite in-process. Only connection handling and bulk load differ.

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlTx extends SqlRunner {
  /** Bulk load PostgreSQL text-format COPY data (tab separated, \N for null) into a table. */
  copyIn(table: string, columns: readonly string[], data: string): Promise<void>;
}

export interface SqlExecutor extends SqlRunner {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
