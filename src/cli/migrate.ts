// `esp migrate`: apply pending migrations and exit.
import { loadConfig, loadDotEnv } from '../config.js';
import { packageVersion } from '../app.js';
import { openRepository } from '../storage/index.js';

export async function runMigrate(): Promise<number> {
  loadDotEnv();
  const config = loadConfig(process.env, packageVersion());
  const repo = await openRepository(config);
  try {
    const applied = await repo.migrate();
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  } finally {
    await repo.close();
  }
}
