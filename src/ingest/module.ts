// The ingest module: MQTT (embedded broker or a shared subscription on an external one), bulk import, the
// list of rejected device messages, and the ingest counters by transport.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Module, Transport } from '../app.js';
import { WellIdSchema } from '../domain/validation.js';
import { ValidationError } from '../domain/errors.js';
import { assertWellsInScope } from '../domain/identity.js';
import type { AppContext } from '../http/context.js';
import { RejectedSink } from './device.js';
import { importReadings, type ImportFormat } from './import.js';
import { IngestMetrics } from './metrics.js';
import { defaultClientId, EmbeddedBroker, ExternalSubscriber, MqttMessageHandler } from './mqtt/index.js';

const RejectedQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

const ImportQuery = Type.Object({
  well_id: Type.Optional(WellIdSchema),
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')])),
});

const ImportResponse = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer({ description: 'valid readings committed: inserted + duplicates + conflicts' }),
  inserted: Type.Integer({ description: 'readings written as new rows' }),
  duplicates: Type.Integer({ description: 'readings already stored (or repeated in the file) with the same values' }),
  conflicts: Type.Integer({ description: 'readings whose well and timestamp are stored with other values: the stored reading is kept' }),
  rejected: Type.Integer(),
  rejected_samples: Type.Array(Type.Object({ line: Type.Integer(), field: Type.String(), reason: Type.String() })),
  duration_ms: Type.Number(),
});

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

export function metricsOf(ctx: AppContext): IngestMetrics {
  return (ctx.ingestMetrics ??= new IngestMetrics());
}

async function ingestRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const metrics = metricsOf(ctx);

  // Count what the core HTTP ingest routes accept and refuse.
  app.addHook('onResponse', (req, reply, done) => {
    const url = req.routeOptions.url;
    if (url === '/api/v1/telemetry/ingest' || url === '/api/v1/telemetry/batch') {
      const body = req.body as { readings?: unknown[] } | undefined;
      const n = url.endsWith('/batch') ? (Array.isArray(body?.readings) ? body.readings.length : 0) : 1;
      if (reply.statusCode === 201) metrics.accepted('http', n);
      else if (reply.statusCode === 400 || reply.statusCode === 403) metrics.rejected('http', n, reply.statusCode === 403 ? 'scope' : 'invalid');
    }
    done();
  });

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

  // The import takes the raw body stream; the parsers are scoped to this plugin.
  await app.register(async (scope) => {
    scope.addContentTypeParser([...CSV_TYPES, ...NDJSON_TYPES], (_req, payload, done) => done(null, payload));
    scope.post<{ Querystring: Static<typeof ImportQuery> }>(
      '/api/v1/telemetry/import',
      {
        bodyLimit: ctx.config.telemetry.maxImportBytes,
        config: { permission: 'ingest' },
        schema: {
          tags: ['telemetry'],
          summary: 'Bulk import a CSV or NDJSON stream (millions of rows)',
          description:
            'CSV (`text/csv`): a header row `well_id,timestamp,<channels…>` (`well_id` may instead be given as a query parameter). ' +
            'NDJSON (`application/x-ndjson`): one reading object per line. The body is streamed and committed in chunks; ' +
            'invalid rows are skipped and reported (first 100). Re-importing a file is safe: stored readings are not duplicated.',
          querystring: ImportQuery,
          response: { 200: ImportResponse },
        },
      },
      async (req) => {
        const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const format: ImportFormat =
          req.query.format ?? (NDJSON_TYPES.includes(type) ? 'ndjson' : CSV_TYPES.includes(type) ? 'csv' : 'csv');
        const body = req.body as NodeJS.ReadableStream | undefined;
        if (!body || typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') {
          throw new ValidationError('Send the file as the request body (text/csv or application/x-ndjson)');
        }
        const principal = req.principal;
        const result = await importReadings(body as AsyncIterable<Buffer>, {
          format,
          wellId: req.query.well_id,
          validator: ctx.validator,
          checkOptions: () => ({
            now: Date.now(),
            maxFutureSkewMs: ctx.config.telemetry.maxFutureSkewMs,
            retentionMs: ctx.config.telemetry.retentionDays * 86_400_000,
          }),
          mayWrite: (id) => {
            try {
              assertWellsInScope(principal, [id], ctx.fieldOf);
              return true;
            } catch {
              return false;
            }
          },
          commit: (readings) => ctx.pipeline.submitCounted(readings),
          maxBytes: ctx.config.telemetry.maxImportBytes,
          onCommitted: (n, counts) => {
            metrics.accepted('import', n);
            metrics.committed('import', counts);
          },
        });
        metrics.rejected('import', result.rejected, 'invalid');
        req.log.info({ accepted: result.accepted, rejected: result.rejected, duration_ms: result.duration_ms }, 'import finished');
        return result;
      },
    );
  });
}

export interface IngestModule extends Module {
  /** The MQTT transport once set up (tests read the bound port from it). */
  mqtt: EmbeddedBroker | ExternalSubscriber | null;
}

export function ingestModule(): IngestModule {
  const mod: IngestModule = {
    mqtt: null,
    server: { plugins: [ingestRoutes] },
    async setup(ctx) {
      const metrics = metricsOf(ctx);
      const rejects = new RejectedSink(ctx.repo, ctx.log);
      const { mqtt, app } = ctx.config;
      const handler = new MqttMessageHandler(ctx, metrics, rejects, mqtt.topicPrefix);
      const transports: Transport[] = [];
      if (mqtt.url) {
        mod.mqtt = new ExternalSubscriber(ctx, handler, metrics, {
          url: mqtt.url,
          shareGroup: mqtt.shareGroup,
          topicPrefix: mqtt.topicPrefix,
          username: mqtt.username,
          password: mqtt.password,
          clientId: mqtt.clientId ?? defaultClientId(mqtt.shareGroup, app.port),
          // Never more in flight than a tenth of the ingest queue, so a backlog cannot fill it.
          receiveMaximum: Math.max(1, Math.min(mqtt.receiveMaximum, Math.floor(ctx.config.telemetry.queueMax / 10))),
        });
      } else if (mqtt.port) {
        mod.mqtt = new EmbeddedBroker(ctx, handler, metrics, {
          port: mqtt.port,
          host: app.host,
          maxPacketBytes: mqtt.maxPacketBytes,
          maxConnections: mqtt.maxConnections,
        });
      }
      if (mod.mqtt) transports.push(mod.mqtt);
      // Stopped after the MQTT transport: rejections still buffered are written before storage closes.
      transports.push({ name: 'ingest-rejects', start: async () => undefined, stop: () => rejects.flush() });
      return transports;
    },
  };
  return mod;
}
