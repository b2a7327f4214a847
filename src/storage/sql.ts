// The thin seam between the repository (all SQL, written once) and the two engines that run it:
// PostgreSQL over the network and PGlite in-process. Only connection handling and bulk load differ.
import { InsufficientStorageError } from '../domain/errors.js';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface SqlRunner {
  /**
   * `name`: a statement run often with the same text (the ingest path). PostgreSQL parses and plans it once
   * per connection instead of every time; the embedded store ignores it.
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], name?: string): Promise<QueryResult<T>>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlTx extends SqlRunner {
  /** Bulk load COPY data into a table: text format (tab separated, \N for null) or, given bytes, binary. */
  copyIn(table: string, columns: readonly string[], data: string | Buffer): Promise<void>;
}

/** The COPY option for `copyIn` data: text format for a string, binary for bytes. */
export function copyFormat(data: string | Buffer): string {
  return typeof data === 'string' ? '' : ' WITH (FORMAT binary)';
}

export interface SqlExecutor extends SqlRunner {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** One attempt, no retries: readiness reports the cause at once rather than after the retry budget. */
  ping?(): Promise<void>;
}

/** SQLSTATE disk_full: PostgreSQL could not extend a file or write WAL. */
export const DISK_FULL = '53100';

/** The database's disk is full: 507, retryable once space is freed. */
export function diskFullError(err: unknown): InsufficientStorageError {
  return Object.assign(
    new InsufficientStorageError('The database disk is full; writes are refused until space is freed', { sqlstate: DISK_FULL }),
    { cause: err },
  );
}
