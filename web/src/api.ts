// Thin client for the v1 HTTP API: adds the bearer token, renews it once on 401, maps errors.
import { logout, refresh, token } from './auth';
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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

function url(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v != null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `/api/v1${path}${s ? `?${s}` : ''}`;
}

async function send(method: string, u: string, body: unknown, signal: AbortSignal | undefined, accept: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(u, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
}

async function call(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
  const u = url(path, opts.query);
  const accept = opts.accept ?? 'application/json';
  let res = await send(method, u, opts.body, opts.signal, accept);
  if (res.status === 401) {
    if (await refresh()) res = await send(method, u, opts.body, opts.signal, accept);
    if (res.status === 401) {
      logout();
      throw new ApiError(401, 'Your session has ended. Please sign in again.', 'UNAUTHORIZED');
    }
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    let code: string | null = null;
    try {
      const b = (await res.json()) as { message?: string; error?: string; error_code?: string };
      message = b.message || b.error || message;
      code = b.error_code ?? null;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, message, code);
  }
  return res;
}

async function json<T>(method: string, path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  return (await call(method, path, opts)).json() as Promise<T>;
}

export const api = {
  me: (signal?: AbortSignal) => json<{ user: User }>('GET', '/auth/me', { signal }),

  wells: (signal?: AbortSignal, sort?: 'time_to_limit') =>
    json<{ count: number; total: number; wells: Well[] }>('GET', '/wells', { query: { limit: 20000, sort }, signal }),

  sparklines: (signal?: AbortSignal) =>
    json<{ hours: number; sparklines: Record<string, (number | null)[]> }>('GET', '/fleet/sparklines', { query: { hours: 24 }, signal }),

  well: (id: string, signal?: AbortSignal) => json<{ well: Well }>('GET', `/wells/${encodeURIComponent(id)}`, { signal }),

  history: (id: string, from: Date, to: Date, interval: string, signal?: AbortSignal) =>
    json<HistoryResponse>('GET', `/telemetry/wells/${encodeURIComponent(id)}/history`, {
      query: { from: from.toISOString(), to: to.toISOString(), interval },
      signal,
    }),

  historyCsv: async (id: string, from: Date, to: Date, interval: string): Promise<Blob> => {
    const res = await call('GET', `/telemetry/wells/${encodeURIComponent(id)}/history`, {
      query: { from: from.toISOString(), to: to.toISOString(), interval, format: 'csv' },
      accept: 'text/csv',
    });
    return res.blob();
  },

  diagnoses: (id: string, limit = 100, signal?: AbortSignal) =>
    json<{ diagnostics: Diagnosis[] }>('GET', `/diagnostics/wells/${encodeURIComponent(id)}/history`, { query: { limit }, signal }),

  alarms: (q: { status?: AlarmStatus; severity?: Severity | ''; well_id?: string; limit?: number }, signal?: AbortSignal) =>
    json<{ count: number; alarms: Alarm[] }>('GET', '/alarms', { query: q, signal }),

  ack: (id: number, note: string) => json<{ alarm: Alarm }>('POST', `/alarms/${id}/ack`, { body: { note } }),

  forecast: (id: string, horizonDays: number, signal?: AbortSignal) =>
    json<{ success: boolean } & Forecast>('GET', `/wells/${encodeURIComponent(id)}/forecast`, { query: { horizon_days: horizonDays }, signal }),

  reference: (id: string, signal?: AbortSignal) =>
    json<{ well_id: string; reference: ReferencePeriod | null }>('GET', `/wells/${encodeURIComponent(id)}/reference`, { signal }),

  setReference: (id: string, from: string, to: string) =>
    json<{ well_id: string; reference: ReferencePeriod | null }>('PUT', `/wells/${encodeURIComponent(id)}/reference`, { body: { from, to } }),

  /** Back to the learned (auto) reference, which is returned. */
  resetReference: (id: string) =>
    json<{ well_id: string; reference: ReferencePeriod | null }>('DELETE', `/wells/${encodeURIComponent(id)}/reference`),

  events: (id: string, signal?: AbortSignal) =>
    json<{ well_id: string; events: PumpEvent[] }>('GET', `/wells/${encodeURIComponent(id)}/events`, { signal }),

  addEvent: (id: string, e: { type: PumpEventType; at: string; pump_model?: string; reason?: string }) =>
    json<{ event: PumpEvent }>('POST', `/wells/${encodeURIComponent(id)}/events`, { body: e }),

  reliability: (groupBy: ReliabilityGroupBy, signal?: AbortSignal) =>
    json<{ success: boolean } & ReliabilityReport>('GET', '/reliability', { query: { group_by: groupBy }, signal }),
};

export function errorText(e: unknown): string {
  if (e instanceof DOMException && e.name === 'AbortError') return '';
  return e instanceof Error ? e.message : String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
