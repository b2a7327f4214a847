// The audit log: who did what, when, from where. One hook records every successful (or refused) mutating
// /api/v1 request except telemetry ingest, which would flood it; logins and token events are recorded
// explicitly by their routes. Request bodies are kept only with secrets stripped.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { metrics } from '../http/metrics.js';
import type { AuditQuery, AuditRepository, StoredAuditEntry } from '../storage/security-repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a route wants recorded about its write (target, details); the hook adds who, when, where. */
    audit: { target?: string | null; details?: Record<string, unknown> | null; action?: string } | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Telemetry writes (a flood by design) and the auth routes (recorded explicitly) are not audited here. */
function skipped(route: string): boolean {
  return route.startsWith('/api/v1/telemetry/') || route.startsWith('/api/v1/auth/');
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
  ) {}

  /** Writes one entry; a storage failure is logged and counted, never fails the request it describes. */
  async record(req: FastifyRequest, e: AuditRecord): Promise<void> {
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
      metrics.storageErrors.inc({ operation: 'audit' });
      this.log.error({ err, action: e.action }, 'audit write failed');
    }
  }

  list(q: AuditQuery): Promise<StoredAuditEntry[]> {
    return this.store.listAudit(q);
  }
}

export function registerAuditHook(app: FastifyInstance, audit: AuditLog): void {
  app.decorateRequest('audit', null);
  // onSend (not onResponse): the entry is stored before the client sees the answer.
  app.addHook('onSend', (req, reply, payload, done) => {
    const route = req.routeOptions?.url;
    const status = reply.statusCode;
    // Successful writes, and writes refused for lack of rights (someone tried).
    if (!MUTATING.has(req.method) || !route || !route.startsWith('/api/v1/') || skipped(route) || (status >= 400 && status !== 403) || (status === 403 && !req.principal)) {
      return done(null, payload);
    }
    record(req, route, status).then(() => done(null, payload), (err: Error) => done(err));
  });

  async function record(req: FastifyRequest, route: string, status: number): Promise<void> {
    const params = req.params as Record<string, unknown> | undefined;
    const given = req.audit;
    const target =
      given?.target ??
      (params && (params.id ?? params.username) !== undefined ? String(params.id ?? params.username) : null) ??
      null;
    const bodyTarget = (req.body as Record<string, unknown> | undefined)?.well_id;
    let details = given?.details;
    if (details === undefined) {
      const body = req.body === undefined || req.body === null ? undefined : sanitize(req.body);
      details = body === undefined && !params ? null : { ...(params && Object.keys(params).length ? { params } : {}), ...(body !== undefined ? { body } : {}) };
    }
    await audit.record(req, {
      action: given?.action ?? actionFor(req.method, route),
      target: target ?? (typeof bodyTarget === 'string' ? bodyTarget : null),
      status,
      details,
    });
  }
}
