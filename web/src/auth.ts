// The signed-in session: a JWT pair from /auth/login, or an API key (development). Kept in localStorage. Its
// requests (sign-in, renewal) go through the API client, which in turn takes the session's token from here.
import { ROLE_PERMISSIONS, type Permission } from '@domain/identity';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, request, setSessionCredentials, type TokenPair } from './api';
import type { User } from './types';

export interface Session {
  kind: 'password' | 'apikey';
  token: string;
  refresh_token: string | null;
  /** Epoch ms when the access token expires (null for API keys). */
  expires_at: number | null;
  user: User;
}

const KEY = 'esp.session';
let current: Session | null = load();
const listeners = new Set<(s: Session | null) => void>();
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return s && typeof s.token === 'string' && s.user ? s : null;
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current;
}

export function token(): string | null {
  return current?.token ?? null;
}

/** Whether the signed-in user's role carries a permission: the server's role table (src/domain/identity.ts). */
function may(permission: Permission): boolean {
  return !!current && (ROLE_PERMISSIONS[current.user.role]?.includes(permission) ?? false);
}

/** Engineers and admins acknowledge alarms; viewers read. */
export function canAck(): boolean {
  return may('ack');
}

function set(s: Session | null): void {
  current = s;
  try {
    if (s) localStorage.setItem(KEY, JSON.stringify(s));
    else localStorage.removeItem(KEY);
  } catch {
    /* private mode: keep it in memory only */
  }
  scheduleRefresh();
  for (const l of listeners) l(s);
}

export function subscribeSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function useSession(): Session | null {
  const [s, setS] = useState(current);
  useEffect(() => subscribeSession(setS), []);
  return s;
}

function fromTokens(b: TokenPair): Session {
  return {
    kind: 'password',
    token: b.access_token,
    refresh_token: b.refresh_token,
    expires_at: Date.now() + b.expires_in * 1000,
    user: b.user,
  };
}

/** A failed sign-in as the user reads it: the server's message, or the status when the server sent none. */
function signInFailed(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  return new Error(e.code ? e.message : `Sign-in failed (HTTP ${e.status}).`);
}

export async function loginWithPassword(username: string, password: string): Promise<void> {
  let pair: TokenPair;
  try {
    pair = await api.login(username, password);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw new Error('Wrong username or password.');
    throw signInFailed(e);
  }
  set(fromTokens(pair));
}

export async function loginWithApiKey(key: string): Promise<void> {
  let user: User;
  try {
    user = (await api.me(undefined, key)).user;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 401 || e.status === 403) throw new Error('This API key was not accepted.');
    if (e.status !== 404) throw signInFailed(e);
    // A server without /auth/me: check the key on the fleet list; the role is unknown (the server still enforces it).
    try {
      await request('GET', '/wells', { query: { limit: 1 }, auth: { bearer: key } });
    } catch (probe) {
      if (!(probe instanceof ApiError)) throw probe;
      throw new Error(probe.status === 401 ? 'This API key was not accepted.' : `Sign-in failed (HTTP ${probe.status}).`);
    }
    user = { username: 'api-key', role: 'engineer' };
  }
  set({ kind: 'apikey', token: key, refresh_token: null, expires_at: null, user });
}

/** Exchange the refresh token for a new pair; false when that is impossible (signed out if the server refuses it). */
export function refresh(): Promise<boolean> {
  if (refreshing) return refreshing;
  const refreshToken = current?.refresh_token;
  if (!refreshToken) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      set(fromTokens(await api.refresh(refreshToken)));
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 400)) set(null);
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export function logout(): void {
  set(null);
}

function scheduleRefresh(): void {
  clearTimeout(refreshTimer);
  const s = current;
  if (!s || !s.expires_at || !s.refresh_token) return;
  // Renew a minute before expiry (or at 80 % of a short lifetime).
  const left = s.expires_at - Date.now();
  const wait = Math.max(5_000, Math.min(left - 60_000, left * 0.8));
  refreshTimer = setTimeout(() => void refresh(), wait);
}

scheduleRefresh();
setSessionCredentials({ token, renew: refresh, ended: logout });

/** Engineers and admins change a well's surveillance settings (reference period, pump events); viewers read. */
export function canEdit(): boolean {
  return may('manage_wells');
}
