// Server-Sent Events: readings (coalesced per well each second), diagnoses and alarms, as they happen.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { AppContext } from '../context.js';

const Query = Type.Object({
  well_id: Type.Optional(Type.String({ maxLength: 64 })),
  types: Type.Optional(Type.String({ description: 'comma-separated: reading,diagnosis,alarm (default all)' })),
  access_token: Type.Optional(Type.String({ description: 'credential, for EventSource which cannot set headers' })),
});

export async function eventRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>(
    '/api/v1/events',
    { schema: { tags: ['live'], summary: 'Live stream of readings, diagnoses and alarms (text/event-stream)', querystring: Query } },
    async (req, reply) => {
      if (req.method === 'HEAD') {
        // Fastify answers HEAD with the GET handler: say what the stream is, without opening one.
        return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send();
      }
      const wellFilter = req.query.well_id;
      const types = new Set((req.query.types ?? 'reading,diagnosis,alarm').split(',').map((s) => s.trim()));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\n\n`);
      const unsubscribe = ctx.events.subscribe((e) => {
        if (!types.has(e.type)) return;
        if (wellFilter && (e.data as { well_id?: string }).well_id !== wellFilter) return;
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      });
      const ping = setInterval(() => res.write(`event: ping\ndata: {"t":${Date.now()}}\n\n`), 15_000);
      const close = () => {
        clearInterval(ping);
        unsubscribe();
      };
      res.on('close', close);
      res.on('error', close);
    },
  );
}
