// Field-scoped device keys: before such a key's write is judged, the field of every well it names is read from
// storage into the well → field map (wells registered or moved after the last full refresh, by any process,
// are judged correctly). This process's own well writes reach the map through the event bus.
import type { preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { WellFieldMap } from '../../ingest/well-fields.js';
import { addRouteHook, methodsOf } from './route-hooks.js';

export interface WellFieldsOptions {
  fields: Pick<WellFieldMap, 'learn'>;
}

/** Well ids a telemetry write names (single reading or batch). */
function wellIdsOf(body: unknown): string[] {
  const b = body as { well_id?: unknown; readings?: unknown } | null | undefined;
  const ids = new Set<string>();
  if (b && typeof b.well_id === 'string') ids.add(b.well_id);
  if (b && Array.isArray(b.readings)) for (const r of b.readings) if (r && typeof r.well_id === 'string') ids.add(r.well_id);
  return [...ids];
}

export const wellFieldsPlugin = fp<WellFieldsOptions>(
  (app, { fields }, done) => {
    const learnScopedWells: preHandlerHookHandler = (req, _reply, next) => {
      const p = req.principal;
      if (p?.kind !== 'device-key' || !p.scope?.field || req.method !== 'POST') return next();
      const ids = wellIdsOf(req.body);
      if (!ids.length) return next();
      fields.learn(ids).then(() => next(), next);
    };
    app.addHook('onRoute', (route) => {
      // Device keys may only write readings (POST, permission ingest).
      if (route.config?.permission === 'ingest' && methodsOf(route).includes('POST')) addRouteHook(route, 'preHandler', learnScopedWells);
    });
    done();
  },
  { name: 'esp-well-fields', fastify: '5.x' },
);
