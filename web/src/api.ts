// The one HTTP client of the dashboard: every call to the v1 API goes through `request` (sign-in included). It
// adds the session's bearer token, renews it once on a 401, passes abort signals on, and turns error responses
// into an ApiError carrying the server's error contract ({error, message, error_code, details}).
import type { ErrorCode, FieldError } from '@domain/errors';
import type {
  Alarm,
  AlarmStatus,
  Diagnosis,
  Forecast,
  HistoryResponse,
  PumpEvent,
  PumpEventType,
  ReferencePeriod,
  ReliabilityGroupBy,
  ReliabilityReport,
  Severity,
  User,
  Well,
} from './types';

/** An error response from the API, or a session that could not be renewed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    /** The server's `error_code`; null when the response was not the API's JSON error body. */
    readonly code: ErrorCode | null = null,
    /** The server's `details` (for a validation error: `field`, `location` and `errors`). */
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
  }

  /** The offending field of a validation error, when the server names one. */
  get field(): string | null {
    const f = this.details?.field;
    return typeof f === 'string' ? f : null;
  }

  /** Every field error of a validation error (empty for other errors). */
  get fieldErrors(): FieldError[] {
    const e = this.details?.errors;
    return Array.isArray(e) ? (e as FieldError[]) : [];
  }
}

/** What the client needs from the signed-in session (auth.ts provides it; the client does not import it). */
export interface SessionCredentials {
  token(): string | null;
  /** Exchange the refresh token for a new access token; false when that is impossible. */
  renew(): Promise<boolean>;
  /** The session is over (a 401 even after renewal). */
  ended(): void;
}

let credentials: SessionCredentials = { token: () => null, renew: async () => false, ended: () => {} };

export function setSessionCredentials(c: SessionCredentials): void {
  credentials = c;
}

type Query = Record<string, string | number | undefined | null>;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  accept?: string;
  /**
   * Whose credentials: the session's (default; renewed once on a 401, which then ends the session), a given
   * bearer token as it is (checking an API key before it becomes the session), or none (sign-in, renewal).
   */
  auth?: 'session' | 'none' | { bearer: string };
}

/** The address of a v1 API path (the live event stream, which EventSource opens itself, uses it too). */
export function apiUrl(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v != null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `/api/v1${path}${s ? `?${s}` : ''}`;
}

function send(method: string, u: string, bearer: string | null, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(u, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: opts.signal });
}

async function toError(res: Response): Promise<ApiError> {
  try {
    const b = (await res.json()) as { message?: string; error?: string; error_code?: ErrorCode; details?: Record<string, unknown> | null };
    return new ApiError(res.status, b.message || b.error || `HTTP ${res.status}`, b.error_code ?? null, b.details ?? null);
  } catch {
    return new ApiError(res.status, `HTTP ${res.status}`);
  }
}

/** One API request; resolves with the (successful) response, rejects with an ApiError or the fetch's own error. */
export async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const u = apiUrl(path, opts.query);
  const auth = opts.auth ?? 'session';
  if (auth !== 'session') {
    const res = await send(method, u, auth === 'none' ? null : auth.bearer, opts);
    if (!res.ok) throw await toError(res);
    return res;
  }
  let res = await send(method, u, credentials.token(), opts);
  if (res.status === 401) {
    if (await credentials.renew()) res = await send(method, u, credentials.token(), opts);
    if (res.status === 401) {
      credentials.ended();
      throw new ApiError(401, 'Your session has ended. Please sign in again.', 'AUTHENTICATION_ERROR');
    }
  }
  if (!res.ok) throw await toError(res);
  return res;
}

export async function requestJson<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return (await request(method, path, opts)).json() as Promise<T>;
}

/** What /auth/login and /auth/refresh return. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  /** Seconds the access token lives. */
  expires_in: number;
  user: User;
}

export const api = {
  /** Sign in with a platform account (before there is a session). */
  login: (username: string, password: string) =>
    requestJson<TokenPair>('POST', '/auth/login', { body: { username, password }, auth: 'none' }),

  /** A new token pair for the refresh token (the expired access token is not sent). */
  refresh: (refreshToken: string) =>
    requestJson<TokenPair>('POST', '/auth/refresh', { body: { refresh_token: refreshToken }, auth: 'none' }),

  /** Whose token this is: the session's, or a given bearer token (an API key being checked). */
  me: (signal?: AbortSignal, bearer?: string) =>
    requestJson<{ user: User }>('GET', '/auth/me', { signal, auth: bearer ? { bearer } : 'session' }),

  wells: (signal?: AbortSignal, sort?: 'time_to_limit') =>
    requestJson<{ count: number; total: number; wells: Well[] }>('GET', '/wells', { query: { limit: 20000, sort }, signal }),

  sparklines: (signal?: AbortSignal) =>
    requestJson<{ hours: number; sparklines: Record<string, (number | null)[]> }>('GET', '/fleet/sparklines', { query: { hours: 24 }, signal }),

  well: (id: string, signal?: AbortSignal) => requestJson<{ well: Well }>('GET', `/wells/${encodeURIComponent(id)}`, { signal }),

  history: (id: string, from: Date, to: Date, interval: string, signal?: AbortSignal) =>
    requestJson<HistoryResponse>('GET', `/telemetry/wells/${encodeURIComponent(id)}/history`, {
      query: { from: from.toISOString(), to: to.toISOString(), interval },
      signal,
    }),

  historyCsv: async (id: string, from: Date, to: Date, interval: string): Promise<Blob> => {
    const res = await request('GET', `/telemetry/wells/${encodeURIComponent(id)}/history`, {
      query: { from: from.toISOString(), to: to.toISOString(), interval, format: 'csv' },
      accept: 'text/csv',
    });
    return res.blob();
  },

  diagnoses: (id: string, limit = 100, signal?: AbortSignal) =>
    requestJson<{ diagnostics: Diagnosis[] }>('GET', `/diagnostics/wells/${encodeURIComponent(id)}/history`, { query: { limit }, signal }),

  alarms: (q: { status?: AlarmStatus; severity?: Severity | ''; well_id?: string; limit?: number }, signal?: AbortSignal) =>
    requestJson<{ count: number; alarms: Alarm[] }>('GET', '/alarms', { query: q, signal }),

  ack: (id: number, note: string) => requestJson<{ alarm: Alarm }>('POST', `/alarms/${id}/ack`, { body: { note } }),

  forecast: (id: string, horizonDays: number, signal?: AbortSignal) =>
    requestJson<{ success: boolean } & Forecast>('GET', `/wells/${encodeURIComponent(id)}/forecast`, { query: { horizon_days: horizonDays }, signal }),

  reference: (id: string, signal?: AbortSignal) =>
    requestJson<{ well_id: string; reference: ReferencePeriod | null }>('GET', `/wells/${encodeURIComponent(id)}/reference`, { signal }),

  setReference: (id: string, from: string, to: string) =>
    requestJson<{ well_id: string; reference: ReferencePeriod | null }>('PUT', `/wells/${encodeURIComponent(id)}/reference`, { body: { from, to } }),

  /** Back to the learned (auto) reference, which is returned. */
  resetReference: (id: string) =>
    requestJson<{ well_id: string; reference: ReferencePeriod | null }>('DELETE', `/wells/${encodeURIComponent(id)}/reference`),

  events: (id: string, signal?: AbortSignal) =>
    requestJson<{ well_id: string; events: PumpEvent[] }>('GET', `/wells/${encodeURIComponent(id)}/events`, { signal }),

  addEvent: (id: string, e: { type: PumpEventType; at: string; pump_model?: string; reason?: string }) =>
    requestJson<{ event: PumpEvent }>('POST', `/wells/${encodeURIComponent(id)}/events`, { body: e }),

  reliability: (groupBy: ReliabilityGroupBy, signal?: AbortSignal) =>
    requestJson<{ success: boolean } & ReliabilityReport>('GET', '/reliability', { query: { group_by: groupBy }, signal }),
};

export function errorText(e: unknown): string {
  if (e instanceof DOMException && e.name === 'AbortError') return '';
  return e instanceof Error ? e.message : String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
