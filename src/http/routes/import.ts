// Bulk import: a CSV or NDJSON stream committed in chunks through the ingest pipeline.
import { ValidationError } from '../../domain/errors.js';
import { assertWellsInScope } from '../../domain/identity.js';
import { importReadings, type ImportFormat } from '../../ingest/import.js';
import type { AppContext } from '../context.js';
import { errorResponses } from '../schemas/common.js';
import { ImportQuery, ImportResponse } from '../schemas/ingest.js';
import { typed, type TypedApp } from './typed.js';

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

/** The route at /api/v1/telemetry/import. */
export async function importRoutes(app: TypedApp, ctx: AppContext): Promise<void> {
  const metrics = ctx.ingestMetrics;

  // The import takes the raw body stream; the parsers are scoped to this plugin.
  await app.register(async (plain) => {
    const scope = typed(plain);
    scope.addContentTypeParser([...CSV_TYPES, ...NDJSON_TYPES], (_req, payload, done) => done(null, payload));
    scope.post(
      '/import',
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
          response: { 200: ImportResponse, ...errorResponses },
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
