// The audit log: who did what, when, from where. The HTTP audit plugin (http/plugins/audit.ts) records every
// successful (or refused) mutating /api/v1 request except telemetry ingest, which would flood it; logins and
// token events are recorded explicitly by their routes. Request bodies are kept only with secrets stripped.
import type { Logger } from 'pino';
import type { Principal } from '../domain/identity.js';
import type { AuditQuery, AuditRepository, StoredAuditEntry } from '../storage/security-repository.js';

/** What the log needs to know of the request an entry describes (a Fastify request has all of it). */
export interface AuditedRequest {
  principal: Principal | null;
  method: string;
  routeOptions?: { url?: string };
  ip?: string;
  id: unknown;
}

const ACTIONS: Record<string, string> = {
  'POST /api/v1/wells': 'well.create',
  'PUT /api/v1/wells/:id': 'well.put',
  'DELETE /api/v1/wells/:id': 'well.delete',
  'POST /api/v1/alarms/:id/ack': 'alarm.ack',
  'POST /api/v1/users': 'user.create',
  'DELETE /api/v1/users/:username': 'user.delete',
  'POST /api/v1/keys': 'key.create',
  'DELETE /api/v1/keys/:id': 'key.revoke',
  'POST /api/v1/diagnostics/analyze': 'diagnostics.analyze',
  'POST /api/v1/diagnostics/wells/:id/analyze-latest': 'diagnostics.analyze_latest',
};

export function actionFor(method: string, route: string): string {
  return ACTIONS[`${method} ${route}`] ?? `${method.toLowerCase()} ${route}`;
}

const SECRET_FIELD = /pass|secret|token|key|credential|authorization/i;
const MAX_DETAILS = 4096;

/** A copy without secret-looking fields, bounded in size. */
export function sanitize(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => sanitize(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_FIELD.test(k) ? '[REDACTED]' : sanitize(v, depth + 1);
  }
  return out;
}

function bounded(details: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!details) return null;
  const s = JSON.stringify(details);
  return s.length <= MAX_DETAILS ? details : { truncated: true, preview: s.slice(0, MAX_DETAILS) };
}

export interface AuditRecord {
  action: string;
  actor?: string | null;
  role?: string | null;
  target?: string | null;
  status?: number | null;
  details?: Record<string, unknown> | null;
}

export class AuditLog {
  constructor(
    private readonly store: AuditRepository,
    private readonly log: Logger,
    /** Called when an entry could not be stored (the metrics count it). */
    private readonly onWriteFailed: () => void = () => undefined,
  ) {}

  /** Writes one entry; a storage failure is logged and counted, never fails the request it describes. */
  async record(req: AuditedRequest, e: AuditRecord): Promise<void> {
    try {
      await this.store.insertAudit([
        {
          actor: e.actor !== undefined ? e.actor : (req.principal?.name ?? null),
          role: e.role !== undefined ? e.role : (req.principal?.role ?? null),
          action: e.action,
          target: e.target ?? null,
          method: req.method,
          path: req.routeOptions?.url ?? null,
          status: e.status ?? null,
          ip: req.ip ?? null,
          request_id: String(req.id),
          details: bounded(e.details ?? null),
        },
      ]);
    } catch (err) {
      this.onWriteFailed();
      this.log.error({ err, action: e.action }, 'audit write failed');
    }
  }

  list(q: AuditQuery): Promise<StoredAuditEntry[]> {
    return this.store.listAudit(q);
  }
}
