// Disk nearly full (embedded store): every API write is refused with 507. Reads, health and sign-in keep
// working (public routes: sign-in's few bytes fit in the space kept free).
import fp from 'fastify-plugin';
import type { DiskGuard } from '../../storage/disk-guard.js';

export interface WriteGuardOptions {
  guard: Pick<DiskGuard, 'assertWritable'>;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const writeGuardPlugin = fp<WriteGuardOptions>(
  (app, { guard }, done) => {
    app.addHook('preHandler', (req, _reply, next) => {
      if (READS.has(req.method) || req.routeOptions.config?.permission === 'public') return next();
      try {
        guard.assertWritable();
        next();
      } catch (err) {
        next(err as Error);
      }
    });
    done();
  },
  { name: 'esp-write-guard', fastify: '5.x' },
);
