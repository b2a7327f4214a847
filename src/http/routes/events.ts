// Server-Sent Events: readings (coalesced per well each second), diagnoses and alarms, as they happen.
// Each client has a bounded buffer: while more than SSE_CLIENT_BUFFER_BYTES wait to be taken by it, its events
// are skipped (it is told how many with an `event: skipped` once it catches up), and a client that takes
// nothing for SSE_SLOW_CLIENT_TIMEOUT_S is disconnected. Streams are capped in total (503) and per
// credential (429), so viewers that never read cannot grow the server.
import { RateLimitError, ServiceUnavailableError } from '../../domain/errors.js';
import type { LiveEvent } from '../../ingest/events.js';
import type { AppContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';
import { EventStreamQuery, EventStreamResponse } from '../schemas/events.js';
import type { TypedApp } from './typed.js';

/** Every client gets the same bytes for an event: serialised once. */
const frames = new WeakMap<LiveEvent, string>();
function frameOf(e: LiveEvent): string {
  let f = frames.get(e);
  if (f === undefined) frames.set(e, (f = `event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`));
  return f;
}

/** The route at /api/v1/events. */
export async function eventRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  const limits = ctx.config.live;
  app.get(
    '/',
    {
      prefixTrailingSlash: 'no-slash',
      schema: {
        tags: ['live'],
        summary: 'Live stream of readings, diagnoses and alarms (text/event-stream)',
        description:
          'A client that does not keep up has events skipped, then receives `event: skipped` with `{"skipped": n}` and should reload what it shows. ' +
          'Streams are capped per credential (429) and in total (503).',
        querystring: EventStreamQuery,
        response: { 200: EventStreamResponse, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (req.method === 'HEAD') {
        // Fastify answers HEAD with the GET handler: say what the stream is, without opening one.
        return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send('');
      }
      const wellFilter = req.query.well_id;
      const types = new Set((req.query.types ?? 'reading,diagnosis,alarm').split(',').map((s) => s.trim()));
      const res = reply.raw;
      const p = req.principal;
      const principal = p?.kind === 'device-key' ? `key:${p.keyId}` : p ? `${p.kind}:${p.name}` : 'anonymous';
      const admitted = ctx.events.admit(
        {
          principal,
          bufferedBytes: () => res.writableLength,
          // A client that is not reading would never take the rest: cut it (EventSource reconnects elsewhere).
          end: () => (res.writableLength ? res.destroy() : res.end()),
        },
        limits.maxClients,
        limits.maxClientsPerPrincipal,
      );
      if (admitted === 'total') throw new ServiceUnavailableError(`Too many live streams open (${limits.maxClients}), retry later`, 30, { reason: 'sse_clients' });
      if (admitted === 'principal') {
        throw new RateLimitError(`Too many live streams open for this credential (${limits.maxClientsPerPrincipal}); close one first`, 30);
      }
      const release = admitted;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\n\n`);

      let skipped = 0;
      let stalledSince = 0;
      const tellSkipped = () => {
        if (!skipped || res.destroyed) return;
        res.write(`event: skipped\ndata: {"skipped":${skipped}}\n\n`);
        skipped = 0;
        stalledSince = 0;
      };
      const send = (frame: string) => {
        if (res.destroyed) return;
        if (res.writableLength > limits.clientBufferBytes) {
          skipped++;
          ctx.events.counters.skippedEvents++;
          const now = Date.now();
          if (!stalledSince) stalledSince = now;
          else if (now - stalledSince > limits.slowClientTimeoutMs) {
            ctx.events.counters.droppedClients++;
            req.log.warn({ skipped, buffered: res.writableLength }, 'live stream client takes nothing: disconnected');
            res.destroy();
            close();
          }
          return;
        }
        tellSkipped();
        res.write(frame);
      };
      res.on('drain', tellSkipped);
      const unsubscribe = ctx.events.subscribe((e) => {
        if (!types.has(e.type)) return;
        if (wellFilter && (e.data as { well_id?: string }).well_id !== wellFilter) return;
        send(frameOf(e));
      });
      const ping = setInterval(() => send(`event: ping\ndata: {"t":${Date.now()}}\n\n`), 15_000);
      function close() {
        clearInterval(ping);
        unsubscribe();
        release();
      }
      res.on('close', close);
      res.on('error', close);
    },
  );
}
