// Shared fixtures of the security tests: the app with its security layer, users, tokens and device keys.
import type { RouteOptions } from 'fastify';
import { expect } from 'vitest';
import { startTestApp, type TestApp, type TestDatabase } from '../helpers.js';

export interface SecureTestOptions {
  env?: Record<string, string | undefined>;
  logStream?: NodeJS.WritableStream;
  /** Every route the app registers (from the global hooks on). */
  routes?: RouteOptions[];
}

/** The app as `esp serve` runs it: with the security layer (and ingest, always there). */
export function startSecureApp(db: TestDatabase, opts: SecureTestOptions = {}): Promise<TestApp> {
  const routes = opts.routes;
  return startTestApp(db, {
    env: opts.env,
    logStream: opts.logStream,
    security: true,
    onRoute: routes ? (r) => void routes.push(r) : undefined,
  });
}

export async function json<T = Record<string, any>>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
}

export async function createUser(t: TestApp, username: string, password: string, role: string): Promise<void> {
  const res = await t.request('/api/v1/users', { method: 'POST', json: { username, password, role } });
  expect(res.status, await res.clone().text()).toBe(201);
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  user: { username: string; role: string };
}

export async function login(t: TestApp, username: string, password: string): Promise<Tokens> {
  const res = await t.request('/api/v1/auth/login', { method: 'POST', key: null, json: { username, password } });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Tokens>(res);
}

export async function createKey(t: TestApp, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const res = await t.request('/api/v1/keys', { method: 'POST', json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
}

/** A collecting writable for pino: everything the app logged, as text. */
export class LogCapture {
  readonly chunks: string[] = [];
  readonly stream = {
    write: (s: string | Buffer) => {
      this.chunks.push(String(s));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  get text(): string {
    return this.chunks.join('');
  }
}
