// Ingest state: device messages refused by MQTT ingest, and the ingest counters by transport.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { metricsOf } from '../../ingest/module.js';
import type { AppContext } from '../context.js';

const RejectedQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export async function ingestRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const metrics = metricsOf(ctx);

  app.get<{ Querystring: Static<typeof RejectedQuery> }>(
    '/api/v1/ingest/rejected',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Device messages refused by MQTT ingest, newest first, with the reason',
        querystring: RejectedQuery,
      },
    },
    async (req) => {
      const rows = await ctx.repo.listRejected(req.query.limit ?? 100);
      return { success: true, count: rows.length, rejected: rows };
    },
  );

  app.get('/api/v1/ingest/stats', { schema: { tags: ['telemetry'], summary: 'Ingest counters by transport and the commit queue' } }, async () => ({
    success: true,
    ...metrics.snapshot(),
    pipeline: { queue_depth: ctx.pipeline.depth, ...ctx.pipeline.stats },
  }));
}
