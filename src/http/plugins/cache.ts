// The latest-reading cache (fed by the pipeline's commits, see the composition root) forgets a well once its
// deletion succeeded (`permission: 'manage_wells'` routes), before the client gets its answer; the next read
// goes to storage.
import fp from 'fastify-plugin';
import type { LatestCache } from '../../cache/latest-cache.js';

export interface CacheOptions {
  latest: Pick<LatestCache, 'delete'>;
}

export const cachePlugin = fp<CacheOptions>(
  (app, { latest }, done) => {
    app.addHook('onSend', (req, reply, payload, next) => {
      if (req.method !== 'DELETE' || reply.statusCode >= 300 || req.routeOptions.config?.permission !== 'manage_wells') return next(null, payload);
      const id = (req.params as { id?: string } | undefined)?.id;
      if (typeof id !== 'string') return next(null, payload);
      latest.delete(id).then(
        () => next(null, payload),
        (err: unknown) => {
          req.log.warn({ err }, 'could not drop the well from the latest-reading cache');
          next(null, payload);
        },
      );
    });
    done();
  },
  { name: 'esp-cache', fastify: '5.x' },
);
