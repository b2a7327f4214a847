// Chooses the adapter: PostgreSQL when DATABASE_URL is set, otherwise the embedded store in DATA_DIR.
import { join } from 'node:path';
import type { Config } from '../config.js';
import { PgliteExecutor } from './pglite.js';
import { PostgresExecutor } from './postgres.js';
import type { Repository } from './repository.js';
import { SqlRepository } from './sql-repository.js';

export type { Repository } from './repository.js';

export async function openRepository(
  config: Pick<Config, 'database' | 'app'>,
  onError?: (err: Error) => void,
): Promise<Repository> {
  if (config.database.url) {
    return new SqlRepository(
      new PostgresExecutor({
        url: config.database.url,
        poolMax: config.database.poolMax,
        statementTimeoutMs: config.database.statementTimeoutMs,
        retries: config.database.connectRetries,
        onError,
      }),
    );
  }
  return new SqlRepository(await PgliteExecutor.open(join(config.app.dataDir, 'pglite')));
}
