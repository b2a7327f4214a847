// The latest-reading cache (fed by the pipeline's commits, see the composition root) forgets a well once its
// deletion succeeded (`permission: 'manage_wells'` routes), before the client gets its answer; the next read
// goes to storage.
import type { onSendHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { LatestCache } from '../../cache/latest-cache.js';
import { addRouteHook, methodsOf } from './route-hooks.js';

export interface CacheOptions {
  latest: Pick<LatestCache, 'delete'>;
}

export const cachePlugin = fp<CacheOptions>(
  (app, { latest }, done) => {
    const forgetDeletedWell: onSendHookHandler = (req, reply, payload, next) => {
      const id = (req.params as { id?: string } | undefined)?.id;
      if (req.method !== 'DELETE' || reply.statusCode >= 300 || typeof id !== 'string') return next(null, payload);
      latest.delete(id).then(
        () => next(null, payload),
        (err: unknown) => {
          req.log.warn({ err }, 'could not drop the well from the latest-reading cache');
          next(null, payload);
        },
      );
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.permission === 'manage_wells' && methodsOf(route).includes('DELETE')) addRouteHook(route, 'onSend', forgetDeletedWell);
    });
    done();
  },
  { name: 'esp-cache', fastify: '5.x' },
);
