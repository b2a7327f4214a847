// Field-scoped device keys: before such a key's write is judged, the field of every well it names is read from
// storage (wells registered or moved after the last full refresh, by any process, are judged correctly); after
// a well write (`permission: 'manage_wells'`) succeeds, that well's field is read again before the client gets
// its answer.
import type { onSendHookHandler, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { WellFieldOverlay } from '../../security/well-fields.js';
import { addRouteHook, methodsOf } from './route-hooks.js';

export interface WellFieldsOptions {
  overlay: WellFieldOverlay;
}

/** Well ids a telemetry write names (single reading or batch). */
function wellIdsOf(body: unknown): string[] {
  const b = body as { well_id?: unknown; readings?: unknown } | null | undefined;
  const ids = new Set<string>();
  if (b && typeof b.well_id === 'string') ids.add(b.well_id);
  if (b && Array.isArray(b.readings)) for (const r of b.readings) if (r && typeof r.well_id === 'string') ids.add(r.well_id);
  return [...ids];
}

const WRITES = new Set(['POST', 'PUT', 'DELETE']);

export const wellFieldsPlugin = fp<WellFieldsOptions>(
  (app, { overlay }, done) => {
    const learnScopedWells: preHandlerHookHandler = (req, _reply, next) => {
      const p = req.principal;
      if (p?.kind !== 'device-key' || !p.scope?.field || req.method !== 'POST') return next();
      const ids = wellIdsOf(req.body);
      if (!ids.length) return next();
      overlay.learn(ids).then(() => next(), next);
    };
    const refreshWrittenWell: onSendHookHandler = (req, reply, payload, next) => {
      if (reply.statusCode >= 300 || !WRITES.has(req.method)) return next(null, payload);
      const id = (req.params as { id?: string } | undefined)?.id ?? (req.body as { well_id?: string } | undefined)?.well_id;
      if (typeof id !== 'string') return next(null, payload);
      overlay.learn([id]).then(
        () => next(null, payload),
        (err: unknown) => {
          req.log.warn({ err }, 'could not refresh the well field map');
          next(null, payload);
        },
      );
    };
    app.addHook('onRoute', (route) => {
      const methods = methodsOf(route);
      // Device keys may only write readings (POST, permission ingest).
      if (route.config?.permission === 'ingest' && methods.includes('POST')) addRouteHook(route, 'preHandler', learnScopedWells);
      if (route.config?.permission === 'manage_wells' && methods.some((m) => WRITES.has(m))) addRouteHook(route, 'onSend', refreshWrittenWell);
    });
    done();
  },
  { name: 'esp-well-fields', fastify: '5.x' },
);
