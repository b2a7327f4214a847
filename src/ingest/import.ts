// Bulk import of CSV or NDJSON streams in constant memory: the body is split into lines as it arrives,
// validated with the same rules as every other transport, and committed through the ingest pipeline in
// chunks; reading the body waits for the commits (backpressure), so a file of any size holds a few chunks.
import { StringDecoder } from 'node:string_decoder';
import { CHANNELS, type Channel, type Reading } from '../domain/reading.js';
import { PayloadTooLargeError, ServiceUnavailableError, ValidationError, AppError } from '../domain/errors.js';
import type { CommitCounts } from './metrics.js';
import { distinctReadings, type ReadingCheckOptions, type ReadingValidator } from '../domain/validation.js';

export type ImportFormat = 'csv' | 'ndjson';

export interface RejectedRow {
  /** 1-based line of the file (the CSV header is line 1). */
  line: number;
  field: string;
  reason: string;
}

export interface ImportResult {
  success: boolean;
  /** Valid readings committed: inserted + duplicates + conflicts. */
  accepted: number;
  /** New rows written. */
  inserted: number;
  /** Readings already stored (or repeated in the file) with the same values. */
  duplicates: number;
  /** Readings whose well and timestamp are stored with other values (the stored reading is kept). */
  conflicts: number;
  rejected: number;
  rejected_samples: RejectedRow[];
  duration_ms: number;
}

export interface ImportOptions {
  format: ImportFormat;
  /** Well for rows without one (CSV without a well_id column, NDJSON objects without well_id). */
  wellId?: string;
  validator: ReadingValidator;
  checkOptions: () => ReadingCheckOptions;
  /** False for a well the caller may not write. */
  mayWrite: (wellId: string) => boolean;
  /** Commits readings; resolves once durable, with what they became when the committer knows. */
  commit: (readings: Reading[]) => Promise<Partial<CommitCounts> | unknown>;
  chunkSize?: number;
  /** Chunks committing at once while the next is parsed. */
  inFlight?: number;
  maxBytes?: number;
  maxSamples?: number;
  /** Progress after each committed chunk. */
  onCommitted?: (n: number, counts: CommitCounts) => void;
}

const TIMESTAMP_COLUMNS = new Set(['timestamp', 'ts', 'time']);
const CHANNEL_SET = new Set<string>(CHANNELS);

interface CsvLayout {
  wellCol: number;
  tsCol: number;
  channels: { col: number; name: Channel }[];
  width: number;
}

/** Splits one CSV line; handles double-quoted cells (no line breaks inside quotes). */
export function splitCsvLine(line: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
    i++;
  }
  if (quoted) return null;
  out.push(cell);
  return out;
}

function csvLayout(header: string, wellId: string | undefined): CsvLayout {
  const cols = (splitCsvLine(header.replace(/^\uFEFF/, '')) ?? []).map((c) => c.trim().toLowerCase());
  const errors: { field: string; reason: string }[] = [];
  let wellCol = -1;
  let tsCol = -1;
  const channels: CsvLayout['channels'] = [];
  cols.forEach((c, i) => {
    if (c === 'well_id') wellCol = i;
    else if (TIMESTAMP_COLUMNS.has(c)) tsCol = i;
    else if (CHANNEL_SET.has(c)) channels.push({ col: i, name: c as Channel });
    else errors.push({ field: `header.${c || `column ${i + 1}`}`, reason: `is not a known column (well_id, timestamp, ${CHANNELS.join(', ')})` });
  });
  if (tsCol < 0) errors.push({ field: 'header.timestamp', reason: 'is required' });
  if (wellCol < 0 && !wellId) errors.push({ field: 'header.well_id', reason: 'is required (or pass ?well_id=)' });
  if (errors.length) throw new ValidationError(`Invalid CSV header: ${errors[0].field} ${errors[0].reason}`, errors);
  return { wellCol, tsCol, channels, width: cols.length };
}

const INTEGER = /^-?\d+$/;

/** Streams `source` into storage; throws AppError for a bad header, a too-large body or an outage. */
export async function importReadings(source: AsyncIterable<Buffer | string>, opts: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  const chunkSize = opts.chunkSize ?? 5_000;
  const maxInFlight = opts.inFlight ?? 2;
  const maxSamples = opts.maxSamples ?? 100;
  const result: ImportResult = {
    success: true,
    accepted: 0,
    inserted: 0,
    duplicates: 0,
    conflicts: 0,
    rejected: 0,
    rejected_samples: [],
    duration_ms: 0,
  };
  const decoder = new StringDecoder('utf8');
  const scopeCache = new Map<string, boolean>();
  const mayWrite = (id: string) => {
    let ok = scopeCache.get(id);
    if (ok === undefined) {
      ok = opts.mayWrite(id);
      if (scopeCache.size < 100_000) scopeCache.set(id, ok);
    }
    return ok;
  };

  let layout: CsvLayout | null = null;
  let lineNo = 0;
  let rest = '';
  let bytes = 0;
  let candidates: Record<string, unknown>[] = [];
  let candidateLines: number[] = [];
  const inFlight: Promise<void>[] = [];
  let failure: unknown = null;

  const reject = (line: number, field: string, reason: string) => {
    result.rejected++;
    // Keep the samples of the lowest lines (validation of a chunk reports after the rows parsed since).
    const samples = result.rejected_samples;
    if (samples.length < maxSamples) samples.push({ line, field, reason });
    else if (maxSamples > 0) {
      let worst = 0;
      for (let i = 1; i < samples.length; i++) if (samples[i].line > samples[worst].line) worst = i;
      if (line < samples[worst].line) samples[worst] = { line, field, reason };
    }
  };

  const flushCandidates = async () => {
    if (!candidates.length) return;
    const items = candidates;
    const lines = candidateLines;
    candidates = [];
    candidateLines = [];
    const checked = opts.validator.check(items, opts.checkOptions(), () => '');
    // Rows of one chunk that contradict each other are refused like invalid rows, naming the other line.
    const distinct = distinctReadings(checked.readings, checked.indices, checked.timed, (i) => `line ${lines[i]}`);
    const readings = distinct.readings;
    const errors = [...checked.errors, ...distinct.errors.map((e) => ({ ...e, field: 'timestamp' }))];
    if (errors.length) {
      const seen = new Set<number>();
      for (const e of errors) {
        const i = e.index ?? 0;
        if (seen.has(i)) continue; // one sample per row
        seen.add(i);
        reject(lines[i], e.field.replace(/^\./, ''), e.reason);
      }
    }
    const ok: Reading[] = readings;
    const repeats = distinct.repeats;
    if (!ok.length) return;
    const p = commitWithRetry(opts.commit, ok).then(
      (committed) => {
        const c = (committed ?? {}) as Partial<CommitCounts>;
        const counts: CommitCounts = {
          inserted: c.inserted ?? ok.length,
          duplicates: (c.duplicates ?? 0) + repeats,
          conflicts: c.conflicts ?? 0,
        };
        result.accepted += ok.length + repeats;
        result.inserted += counts.inserted;
        result.duplicates += counts.duplicates;
        result.conflicts += counts.conflicts;
        opts.onCommitted?.(ok.length + repeats, counts);
      },
      (err: unknown) => {
        failure ??= err;
      },
    );
    inFlight.push(p);
    while (inFlight.length >= maxInFlight) await inFlight.shift();
    if (failure) throw failure;
  };

  const handleLine = async (raw: string) => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (opts.format === 'csv') {
      if (!layout) {
        if (!line.trim()) return;
        layout = csvLayout(line, opts.wellId);
        return;
      }
      if (!line.trim()) return;
      const cells = splitCsvLine(line);
      if (!cells) return reject(lineNo, 'row', 'has an unterminated quote');
      if (cells.length !== layout.width) return reject(lineNo, 'row', `has ${cells.length} fields, the header has ${layout.width}`);
      const well = layout.wellCol >= 0 ? cells[layout.wellCol].trim() || opts.wellId : opts.wellId;
      const tsRaw = cells[layout.tsCol].trim();
      const obj: Record<string, unknown> = { well_id: well ?? '' };
      if (tsRaw) obj.timestamp = INTEGER.test(tsRaw) ? Number(tsRaw) : tsRaw;
      else return reject(lineNo, 'timestamp', 'is required');
      for (const { col, name } of layout.channels) {
        const v = cells[col].trim();
        if (!v) continue;
        const n = Number(v);
        if (!Number.isFinite(n)) return reject(lineNo, name, 'must be a number');
        obj[name] = n;
      }
      candidates.push(obj);
    } else {
      if (!line.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        return reject(lineNo, 'line', 'is not valid JSON');
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return reject(lineNo, 'line', 'must be a JSON object');
      const obj = v as Record<string, unknown>;
      if (obj.well_id === undefined && opts.wellId) obj.well_id = opts.wellId;
      candidates.push(obj);
    }
    const id = candidates[candidates.length - 1].well_id;
    if (typeof id === 'string' && id && !mayWrite(id)) {
      candidates.pop();
      return reject(lineNo, 'well_id', `this key may not write well ${id}`);
    }
    candidateLines.push(lineNo);
    if (candidates.length >= chunkSize) await flushCandidates();
  };

  try {
    for await (const chunk of source) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
        throw new PayloadTooLargeError(`Import is larger than ${opts.maxBytes} bytes`, { max_bytes: opts.maxBytes });
      }
      const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) >= 0) {
        await handleLine(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
      if (rest.length > 1_048_576) throw new ValidationError(`Line ${lineNo + 1} is longer than 1 MiB`);
    }
    rest += decoder.end();
    if (rest) await handleLine(rest);
    if (opts.format === 'csv' && !layout) throw new ValidationError('The CSV has no header row (well_id,timestamp,<channels…>)');
    await flushCandidates();
    await Promise.all(inFlight);
    if (failure) throw failure;
  } catch (err) {
    await Promise.allSettled(inFlight);
    if (err instanceof AppError && err.status === 503) {
      throw new ServiceUnavailableError(
        `${err.message}; ${result.accepted} readings were stored before the failure. Re-sending the whole file is safe (duplicates are ignored)`,
        err.retryAfter ?? 2,
        { accepted: result.accepted, ...(err.details ?? {}) },
      );
    }
    throw err;
  }
  result.rejected_samples.sort((x, y) => x.line - y.line);
  result.duration_ms = Math.round(performance.now() - started);
  return result;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits out a full queue (backpressure) or a short storage outage instead of failing the import. */
async function commitWithRetry(commit: ImportOptions['commit'], readings: Reading[]): Promise<unknown> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await commit(readings);
    } catch (err) {
      const retryable = err instanceof AppError && err.status === 503 && err.code === 'SERVICE_UNAVAILABLE';
      if (!retryable || Date.now() > deadline) throw err;
      const reason = (err as AppError).details?.reason;
      await sleep(reason === 'backpressure' ? Math.min(200, 10 * 2 ** attempt) : 1_000);
    }
  }
}
