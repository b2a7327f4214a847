// A database that cannot be used says why: host:port refused, database missing, authentication failed, TLS.
import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openTestDatabase, startTestApp } from '../helpers.js';
import { connectionCause, PostgresExecutor } from '../../src/storage/postgres.js';
import { SqlRepository } from '../../src/storage/sql-repository.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The error of a readiness ping (one attempt, whatever the retry budget), or of a query after its retries. */
async function failure(url: string, how: 'ping' | 'query' = 'ping'): Promise<Error> {
  const repo = new SqlRepository(new PostgresExecutor({ url, poolMax: 1, statementTimeoutMs: 5000, retries: how === 'ping' ? 5 : 1 }));
  try {
    if (how === 'ping') await repo.ping();
    else await repo.countReadings();
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
    const expected = `Database unavailable: connection to 127.0.0.1:${port} refused: nothing listens there (is PostgreSQL running? check the host and port in DATABASE_URL)`;
    for (const how of ['ping', 'query'] as const) {
      const err = await failure(`postgres://postgres@127.0.0.1:${port}/esp`, how);
      expect(err.message, how).toBe(expected);
      expect((err as { status?: number }).status, how).toBe(503);
    }
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

  it.skipIf(!base)('ready names the cause when the database goes away under a running server (PostgreSQL)', async () => {
    const db = await openTestDatabase('postgres');
    const target = new URL(db.url!);
    // A TCP relay in front of PostgreSQL, closed mid-run: the server's next connection attempt is refused.
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const port = (relay.address() as { port: number }).port;
    const viaRelay = new URL(target);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(port);
    const repo = new SqlRepository(new PostgresExecutor({ url: viaRelay.toString(), poolMax: 2, statementTimeoutMs: 5000, retries: 5 }));
    const t = await startTestApp({ repo, close: () => repo.close() });
    try {
      expect((await t.request('/health/ready', { key: null })).status).toBe(200);
      await new Promise<void>((r) => {
        relay.close(() => r());
        for (const s of sockets) s.destroy();
      });
      const res = await t.request('/health/ready', { key: null });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { dependencies: { database: { status: string; error: string } } };
      expect(body.dependencies.database.status).toBe('unhealthy');
      // Either the first refused connection or a connection cut mid-query: both name where.
      expect(body.dependencies.database.error).toMatch(new RegExp(`^Database unavailable: (connection to 127\\.0\\.0\\.1:${port} refused|127\\.0\\.0\\.1:${port} closed the connection)`));
    } finally {
      await t.close();
      await repo.close().catch(() => undefined);
      await db.close();
    }
  });
});
