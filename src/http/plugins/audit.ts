// Records every successful (or refused for lack of rights) write of the scope it is registered in (the
// authenticated API) in the audit log, before the client sees the answer. Not recorded here: reading writes
// (`permission: 'ingest'`, a flood by design) and public routes (sign-in and tokens, which record their own
// events with the actor they know).
import type { FastifyRequest, onSendHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { actionFor, sanitize, type AuditLog } from '../../security/audit.js';
import { addRouteHook, methodsOf } from './route-hooks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a route wants recorded about its write (target, details); the hook adds who, when, where. */
    audit: { target?: string | null; details?: Record<string, unknown> | null; action?: string } | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuditOptions {
  audit: AuditLog;
}

export const auditPlugin = fp<AuditOptions>(
  (app, { audit }, done) => {
    app.decorateRequest('audit', null);
    // onSend (not onResponse): the entry is stored before the client sees the answer.
    const onSend: onSendHookHandler = (req, reply, payload, next) => {
      const status = reply.statusCode;
      // Successful writes, and writes refused for lack of rights (someone tried).
      if (!MUTATING.has(req.method) || (status >= 400 && status !== 403) || (status === 403 && !req.principal)) return next(null, payload);
      record(req, req.routeOptions.url!, status).then(() => next(null, payload), (err: Error) => next(err));
    };
    app.addHook('onRoute', (route) => {
      const permission = route.config?.permission;
      if (permission !== 'ingest' && permission !== 'public' && methodsOf(route).some((m) => MUTATING.has(m))) addRouteHook(route, 'onSend', onSend);
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
    done();
  },
  { name: 'esp-audit', fastify: '5.x' },
);
