// Disk nearly full (embedded store): every API write is refused with 507. Reads, health and sign-in keep
// working (public routes: sign-in's few bytes fit in the space kept free).
import type { preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { DiskGuard } from '../../storage/disk-guard.js';
import { addRouteHook, methodsOf } from './route-hooks.js';

export interface WriteGuardOptions {
  guard: Pick<DiskGuard, 'assertWritable'>;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const writeGuardPlugin = fp<WriteGuardOptions>(
  (app, { guard }, done) => {
    const refuseWhenFull: preHandlerHookHandler = (req, _reply, next) => {
      if (READS.has(req.method)) return next();
      try {
        guard.assertWritable();
        next();
      } catch (err) {
        next(err as Error);
      }
    };
    app.addHook('onRoute', (route) => {
      if (route.config?.permission !== 'public' && methodsOf(route).some((m) => !READS.has(m))) addRouteHook(route, 'preHandler', refuseWhenFull);
    });
    done();
  },
  { name: 'esp-write-guard', fastify: '5.x' },
);
