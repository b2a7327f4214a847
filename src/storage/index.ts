// Chooses the adapter: PostgreSQL when DATABASE_URL is set, otherwise the embedded store in DATA_DIR.
import { join } from 'node:path';
import type { Config } from '../config.js';
import { PgliteExecutor } from './pglite.js';
import { PostgresExecutor } from './postgres.js';
import type { Repository } from './repository.js';
import { DEFAULT_DERIVED_OPTIONS } from './derived.js';
import { SqlRepository } from './sql-repository.js';

export type { Repository } from './repository.js';

export async function openRepository(
  config: Pick<Config, 'database' | 'app'>,
  onError?: (err: Error) => void,
): Promise<Repository> {
  // A failed background merge is retried on the next tick; the summaries stay held (and logged).
  const derivedError = onError ? (err: unknown) => onError(err instanceof Error ? err : new Error(String(err))) : undefined;
  if (config.database.url) {
    return new SqlRepository(
      new PostgresExecutor({
        url: config.database.url,
        poolMax: config.database.poolMax,
        statementTimeoutMs: config.database.statementTimeoutMs,
        retries: config.database.connectRetries,
        onError,
      }),
      DEFAULT_DERIVED_OPTIONS,
      derivedError,
    );
  }
  return new SqlRepository(await PgliteExecutor.open(join(config.app.dataDir, 'pglite')), DEFAULT_DERIVED_OPTIONS, derivedError);
}
