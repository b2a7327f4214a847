// Runs once before the suite: says whether the PostgreSQL half of the suite runs, and refuses to go on when
// CI requires it (REQUIRE_POSTGRES=1) but PostgreSQL is not reachable.
import pg from 'pg';

export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  const required = process.env.REQUIRE_POSTGRES === '1';
  if (!url) {
    if (required) throw new Error('REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set');
    console.warn('\n[esp] TEST_DATABASE_URL not set: PostgreSQL tests are SKIPPED; running on the embedded store only.\n');
    return;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const r = await client.query<{ server_version: string }>('SHOW server_version');
    console.warn(`\n[esp] PostgreSQL tests enabled (server ${r.rows[0].server_version}).\n`);
  } catch (err) {
    if (required) throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL at TEST_DATABASE_URL is unreachable: ${(err as Error).message}`);
    console.warn(`\n[esp] PostgreSQL unreachable (${(err as Error).message}): PostgreSQL tests are SKIPPED.\n`);
    process.env.TEST_DATABASE_URL = '';
  } finally {
    await client.end().catch(() => undefined);
  }
}
