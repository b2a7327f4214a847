// The signed-in session: a JWT pair from /auth/login, or an API key (development). Kept in localStorage.
import { useEffect, useState } from 'preact/hooks';
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

export function canAck(): boolean {
  return !!current && current.user.role !== 'viewer';
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

interface TokenBody {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: User;
}

async function postJson(path: string, body: unknown, bearer?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  return fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function errorMessage(res: Response, fallback: string): Promise<string> {
  try {
    const b = (await res.json()) as { message?: string };
    return b.message || fallback;
  } catch {
    return fallback;
  }
}

function fromTokens(b: TokenBody): Session {
  return {
    kind: 'password',
    token: b.access_token,
    refresh_token: b.refresh_token,
    expires_at: Date.now() + b.expires_in * 1000,
    user: b.user,
  };
}

export async function loginWithPassword(username: string, password: string): Promise<void> {
  const res = await postJson('/api/v1/auth/login', { username, password });
  if (res.status === 401) throw new Error('Wrong username or password.');
  if (!res.ok) throw new Error(await errorMessage(res, `Sign-in failed (HTTP ${res.status}).`));
  set(fromTokens((await res.json()) as TokenBody));
}

export async function loginWithApiKey(key: string): Promise<void> {
  const res = await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
  if (res.status === 401 || res.status === 403) throw new Error('This API key was not accepted.');
  if (res.status === 404) {
    // A server without /auth/me: check the key on the fleet list; the role is unknown (the server still enforces it).
    const probe = await fetch('/api/v1/wells?limit=1', { headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' } });
    if (!probe.ok) throw new Error(probe.status === 401 ? 'This API key was not accepted.' : `Sign-in failed (HTTP ${probe.status}).`);
    set({ kind: 'apikey', token: key, refresh_token: null, expires_at: null, user: { username: 'api-key', role: 'engineer' } });
    return;
  }
  if (!res.ok) throw new Error(await errorMessage(res, `Sign-in failed (HTTP ${res.status}).`));
  const b = (await res.json()) as { user: User };
  set({ kind: 'apikey', token: key, refresh_token: null, expires_at: null, user: b.user });
}

/** Exchange the refresh token for a new pair. Resolves false (and signs out) when that is impossible. */
export function refresh(): Promise<boolean> {
  if (refreshing) return refreshing;
  const s = current;
  if (!s || !s.refresh_token) return Promise.resolve(false);
  refreshing = (async () => {
    try {
      const res = await postJson('/api/v1/auth/refresh', { refresh_token: s.refresh_token });
      if (!res.ok) {
        if (res.status === 401 || res.status === 400) set(null);
        return false;
      }
      set(fromTokens((await res.json()) as TokenBody));
      return true;
    } catch {
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

/** Engineers and admins change a well's surveillance settings (reference period, pump events); viewers read. */
export function canEdit(): boolean {
  return !!current && current.user.role !== 'viewer';
}
