// Ingest state: device messages refused by MQTT ingest, and the ingest counters by transport.
import type { AppContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';
import { IngestStatsResponse, RejectedQuery, RejectedResponse } from '../schemas/ingest.js';
import type { TypedApp } from './typed.js';

/** Routes under /api/v1/ingest. */
export async function ingestRoutes(app: TypedApp, ctx: AppContext): Promise<void> {

  app.get(
    '/rejected',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Device messages refused by MQTT ingest, newest first, with the reason',
        querystring: RejectedQuery,
        response: { 200: RejectedResponse, ...errorResponses },
      },
    },
    async (req) => {
      const rows = await ctx.repo.listRejected(req.query.limit ?? 100);
      return { success: true, count: rows.length, rejected: rows };
    },
  );

  app.get(
    '/stats',
    {
      schema: {
        tags: ['telemetry'],
        summary: 'Ingest counters by transport and the commit queue',
        response: { 200: IngestStatsResponse, ...errorResponses },
      },
    },
    async () => ({
      success: true,
      ...ctx.ingestMetrics.snapshot(),
      pipeline: { queue_depth: ctx.pipeline.depth, ...ctx.pipeline.stats },
    }),
  );
}
