// Shared fixtures of the security tests: the app with its default modules, users, tokens and device keys.
import { tmpdir } from 'node:os';
import type { RouteOptions } from 'fastify';
import { expect } from 'vitest';
import type { Module } from '../../src/app.js';
import { defaultModules } from '../../src/modules.js';
import { startTestApp, testConfig, type TestApp, type TestDatabase } from '../helpers.js';

export interface SecureTestOptions {
  env?: Record<string, string | undefined>;
  logStream?: NodeJS.WritableStream;
  /** Every route the app registers (from the first `early` hook on). */
  routes?: RouteOptions[];
}

/** The app as `esp serve` runs it: every default module (security, ingest …). */
export function startSecureApp(db: TestDatabase, opts: SecureTestOptions = {}): Promise<TestApp> {
  const capture: Module[] = opts.routes
    ? [{ server: { early: [async (app) => void app.addHook('onRoute', (r) => void opts.routes!.push(r))] } }]
    : [];
  return startTestApp(db, {
    env: opts.env,
    logStream: opts.logStream,
    modules: [...capture, ...defaultModules(testConfig({ DATA_DIR: tmpdir() }))],
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
