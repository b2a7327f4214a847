// Bulk import: a CSV or NDJSON stream committed in chunks through the ingest pipeline.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { WellIdSchema } from '../../domain/validation.js';
import { ValidationError } from '../../domain/errors.js';
import { assertWellsInScope } from '../../domain/identity.js';
import { importReadings, type ImportFormat } from '../../ingest/import.js';
import { metricsOf } from '../../ingest/module.js';
import type { AppContext } from '../context.js';

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

export async function importRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const metrics = metricsOf(ctx);

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
