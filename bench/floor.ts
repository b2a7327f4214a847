// The floor: the least an HTTP ingest server can do and still answer only after a durable commit, to put the
// platform's figures beside what any server would reach on the same machine in the same run. node:http, one
// JSON.parse, group commit into the same table through the same executor (binary COPY in a transaction for
// large batches, one unnest INSERT for small ones, as the platform does), 201 after the commit. No routing,
// authentication, schema validation, rate limits, metrics, derived tables or diagnosis: not a server to run,
// a yardstick.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHANNELS, type Reading } from '../src/domain/reading.js';
import { READING_COLUMNS, encodeCopyBinary } from '../src/storage/copy-format.js';
import type { SqlExecutor } from '../src/storage/sql.js';

interface Waiting {
  readings: Reading[];
  res: ServerResponse;
}

const SMALL = 256;
const INSERT_SMALL = `INSERT INTO telemetry (${READING_COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], $2::timestamptz[], ${CHANNELS.map((_, i) => `$${i + 3}::float8[]`).join(', ')})`;

function toReading(o: Record<string, unknown>): Reading {
  const r = { well_id: o.well_id, ts: Date.parse(o.timestamp as string) } as Reading;
  for (const c of CHANNELS) r[c] = (o[c] as number | undefined) ?? null;
  return r;
}

export async function startFloorServer(db: SqlExecutor, writers: number): Promise<{ port: number; close: () => Promise<void> }> {
  let queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;
  const answer = (batch: Waiting[], status: number) => {
    for (const w of batch) {
      w.res.writeHead(status, { 'content-type': 'application/json' });
      w.res.end(status === 201 ? '{"success":true}' : '{"success":false}');
    }
  };
  const pump = () => {
    scheduled = false;
    while (queue.length && inFlight < writers) {
      const batch = queue;
      queue = [];
      inFlight++;
      const readings = batch.length === 1 ? batch[0].readings : batch.flatMap((w) => w.readings);
      const write =
        readings.length <= SMALL
          ? db.query(INSERT_SMALL, [readings.map((r) => r.well_id), readings.map((r) => new Date(r.ts).toISOString()), ...CHANNELS.map((c) => readings.map((r) => r[c]))], 'floor_insert_small')
          : db.transaction((tx) => tx.copyIn('telemetry', READING_COLUMNS, encodeCopyBinary(readings)));
      write.then(
        () => answer(batch, 201),
        () => answer(batch, 503),
      ).finally(() => {
        inFlight--;
        pump();
      });
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let readings: Reading[];
      try {
        const body = JSON.parse((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString()) as { readings?: Record<string, unknown>[] } & Record<string, unknown>;
        readings = body.readings ? body.readings.map(toReading) : [toReading(body)];
      } catch {
        res.writeHead(400).end();
        return;
      }
      queue.push({ readings, res });
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump); // every request of this I/O poll joins the batch
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
