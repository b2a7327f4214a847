// A database that cannot be used says why: host:port refused, database missing, authentication failed, TLS.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectionCause, PostgresExecutor } from '../../src/storage/postgres.js';
import { SqlRepository } from '../../src/storage/sql-repository.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function failure(url: string): Promise<Error> {
  const repo = new SqlRepository(new PostgresExecutor({ url, poolMax: 1, statementTimeoutMs: 5000, retries: 0 }));
  try {
    await repo.ping();
  } catch (err) {
    return err as Error;
  } finally {
    await repo.close().catch(() => undefined);
  }
  throw new Error(`connecting to ${url} succeeded`);
}

describe('database errors name the cause', () => {
  it('a port nobody listens on: host:port refused (what ready shows as the database error)', async () => {
    const port = await closedPort();
    const err = await failure(`postgres://postgres@127.0.0.1:${port}/esp`);
    expect(err.message).toBe(
      `Database unavailable: connection to 127.0.0.1:${port} refused: nothing listens there (is PostgreSQL running? check the host and port in DATABASE_URL)`,
    );
    expect((err as { status?: number }).status).toBe(503);
  });

  it('authentication and TLS failures, from the server’s codes and messages', () => {
    const url = 'postgres://alice:secret@db.example:6543/esp';
    const auth = connectionCause({ code: '28P01', message: 'password authentication failed for user "alice"' }, url)!;
    expect(auth).toMatch(/^authentication failed for user "alice" on db\.example:6543/);
    expect(auth).not.toContain('secret');
    expect(connectionCause({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, url)).toMatch(/^TLS to db\.example:6543 failed/);
    expect(connectionCause({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db.example' }, url)).toBe('host db.example not found (check the host in DATABASE_URL)');
    expect(connectionCause({ code: '23505', message: 'duplicate key' }, url)).toBeNull();
  });

  const base = process.env.TEST_DATABASE_URL;
  it.skipIf(!base)('a database that does not exist: its name and how to create it (PostgreSQL)', async () => {
    const u = new URL(base!);
    u.pathname = '/esp_no_such_database_11';
    const err = await failure(u.toString());
    expect(err.message).toMatch(new RegExp(`^Database unavailable: database "esp_no_such_database_11" does not exist on ${u.hostname}:${u.port || 5432} \\(create it: createdb`));
  });

  it.skipIf(!base)('TLS asked of a server without it (PostgreSQL)', async () => {
    const u = new URL(base!);
    u.searchParams.set('sslmode', 'require');
    const err = await failure(u.toString());
    expect(err.message).toMatch(/^Database unavailable: TLS to .* failed: .*SSL/);
  });
});
