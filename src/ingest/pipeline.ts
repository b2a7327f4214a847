// Group commit: readings from every transport wait briefly in one bounded queue and are written together, so
// thousands of single-reading requests cost a handful of transactions. A submitter is answered only after
// its readings are committed; when the queue is full or storage is down it is refused at once (503), so a
// client or the MQTT broker redelivers and nothing acknowledged is ever lost. A commit that does not settle
// within a bound (a connection cut mid-query, a wedged engine) releases its writer and answers 503: the
// readings may or may not be stored, and a re-send is idempotent, so the client's retry settles it.
// Each commit is announced on the event bus as `readings.committed` (the engine, the live stream, the caches
// and the metrics subscribe there).
import type { Logger } from 'pino';
import type { Reading } from '../domain/reading.js';
import { AppError, ServiceUnavailableError } from '../domain/errors.js';
import { ReadingsCommitted } from '../domain/events.js';
import type { EventBus } from './event-bus.js';
import { READING_CONFLICT, READING_DUPLICATE, type InsertOutcome, type TelemetryRepository } from '../storage/repository.js';

export interface PipelineOptions {
  /** Flush when this many readings wait. */
  batchMax: number;
  /** Or when the oldest has waited this long. */
  delayMs: number;
  /** Readings queued or being written beyond which submissions are refused. */
  queueMax: number;
  /** Batches written at once (1 for the single-connection embedded store). */
  concurrency: number;
  /** A commit not settled after this long is given up (503 to its waiters); 0: wait for ever. */
  commitTimeoutMs?: number;
  /** Throws (507) while storage must not take writes (disk nearly full). */
  writeGuard?: { assertWritable(): void };
}

export interface PipelineStats {
  queued: number;
  inFlight: number;
  committedReadings: number;
  committedBatches: number;
  failedBatches: number;
  /** Commits given up after commitTimeoutMs (their outcome is left to the client's re-send). */
  timedOutBatches: number;
  /** Readings not stored because another reading with other values is stored under their key. */
  conflicts: number;
}

/** What became of one submission's readings. */
export interface SubmitCounts {
  /** New rows written. */
  inserted: number;
  /** Not written: the same reading was already stored, or repeated (with equal values) in the same commit. */
  duplicates: number;
  /** Not written: a reading with other values is stored under the same well and timestamp (it is kept). */
  conflicts: number;
}

interface Pending {
  readings: Reading[];
  resolve: (counts: SubmitCounts) => void;
  reject: (err: Error) => void;
}

/** Answers each submission of a commit with its own counts (`status` per reading of the whole commit, in order). */
function settle(batch: Pending[], status: Uint8Array | undefined): void {
  let at = 0;
  for (const p of batch) {
    const n = p.readings.length;
    if (!status) p.resolve({ inserted: n, duplicates: 0, conflicts: 0 });
    else {
      let duplicates = 0;
      let conflicts = 0;
      for (let i = at; i < at + n; i++) {
        if (status[i] === READING_DUPLICATE) duplicates++;
        else if (status[i] === READING_CONFLICT) conflicts++;
      }
      p.resolve({ inserted: n - duplicates - conflicts, duplicates, conflicts });
    }
    at += n;
  }
}

export class IngestPipeline {
  private queue: Pending[] = [];
  private queuedReadings = 0;
  private inFlightReadings = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** After a storage failure, refuse new work until then instead of piling it up. */
  private unavailableUntil = 0;
  /** The disk-full refusal that set unavailableUntil, answered as such (507) meanwhile. */
  private diskFull: AppError | null = null;
  private idleWaiters: (() => void)[] = [];
  readonly stats: PipelineStats = { queued: 0, inFlight: 0, committedReadings: 0, committedBatches: 0, failedBatches: 0, timedOutBatches: 0, conflicts: 0 };

  constructor(
    private readonly repo: TelemetryRepository,
    private readonly opts: PipelineOptions,
    private readonly log?: Logger,
    /** Where commits are announced (none: nothing is told). */
    private readonly bus?: Pick<EventBus, 'emit'>,
  ) {}

  get depth(): number {
    return this.queuedReadings + this.inFlightReadings;
  }

  get storageAvailable(): boolean {
    return Date.now() >= this.unavailableUntil;
  }

  /** Resolves with the number of new rows once the readings are durably stored. */
  submit(readings: Reading[]): Promise<number> {
    return this.submitCounted(readings).then((c) => c.inserted);
  }

  /** Resolves once the readings are durably stored, with how many were new, duplicates, or conflicts. */
  submitCounted(readings: Reading[]): Promise<SubmitCounts> {
    if (this.closed) return Promise.reject(new ServiceUnavailableError('Server is shutting down', 5));
    if (!readings.length) return Promise.resolve({ inserted: 0, duplicates: 0, conflicts: 0 });
    if (Date.now() < this.unavailableUntil) {
      return Promise.reject(this.diskFull ?? new ServiceUnavailableError('Storage unavailable, retry shortly', 2, { reason: 'storage' }));
    }
    try {
      this.opts.writeGuard?.assertWritable();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (this.depth + readings.length > this.opts.queueMax && this.depth > 0) {
      return Promise.reject(new ServiceUnavailableError('Ingest queue is full, retry shortly', 1, { reason: 'backpressure' }));
    }
    return new Promise<SubmitCounts>((resolve, reject) => {
      this.queue.push({ readings, resolve, reject });
      this.queuedReadings += readings.length;
      this.stats.queued = this.queuedReadings;
      // A writer is free: commit at the end of this turn of the event loop, so every request that arrived in
      // the same I/O poll joins the batch (a lone reading is not held back). While every writer is busy,
      // readings accumulate and the next free writer takes them all: batches grow with the load.
      if (this.queuedReadings >= this.opts.batchMax || this.opts.delayMs === 0) this.pump();
      else if (this.inFlight < this.opts.concurrency) this.schedule(true);
      else this.schedule(false);
    });
  }

  private immediate: NodeJS.Immediate | null = null;

  private schedule(soon: boolean): void {
    if (soon) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.pump();
      });
    } else if (!this.timer && !this.immediate) {
      this.timer = setTimeout(() => this.pump(), this.opts.delayMs);
    }
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = null;
    }
    while (this.queue.length && this.inFlight < this.opts.concurrency) {
      const batch: Pending[] = [];
      let n = 0;
      while (this.queue.length && (n === 0 || n + this.queue[0].readings.length <= this.opts.batchMax)) {
        const p = this.queue.shift()!;
        batch.push(p);
        n += p.readings.length;
      }
      this.queuedReadings -= n;
      void this.commit(batch, n);
    }
    this.stats.queued = this.queuedReadings;
    // Whatever is left waits for a free writer; commit() pumps again when one finishes.
  }

  private async commit(batch: Pending[], n: number): Promise<void> {
    this.inFlight++;
    this.inFlightReadings += n;
    this.stats.inFlight = this.inFlight;
    const readings = batch.length === 1 ? batch[0].readings : batch.flatMap((p) => p.readings);
    const started = performance.now();
    try {
      // Queued before the disk got low: refused too, before the engine is asked to write.
      this.opts.writeGuard?.assertWritable();
      const outcome: InsertOutcome = { duplicates: 0, conflicts: 0 };
      const inserted = await this.settleWithin(this.repo.insertReadings(readings, outcome), n);
      const durationMs = performance.now() - started;
      this.stats.committedReadings += n;
      this.stats.committedBatches++;
      this.stats.conflicts += outcome.conflicts;
      settle(batch, outcome.status);
      // Readings whose key holds other values were not stored: nothing downstream may treat them as data.
      const status = outcome.status;
      const stored = status && outcome.conflicts ? readings.filter((_, i) => status[i] !== READING_CONFLICT) : readings;
      // Synchronous, and a failing listener is logged by the bus: the waiters are answered already.
      this.bus?.emit('readings.committed', new ReadingsCommitted(stored, inserted, durationMs));
    } catch (err) {
      this.stats.failedBatches++;
      const appErr =
        err instanceof AppError && err.status === 503 && !(err instanceof ServiceUnavailableError)
          ? new ServiceUnavailableError('Storage unavailable, retry shortly', 2, { reason: 'storage' })
          : err instanceof AppError
            ? err
            : new ServiceUnavailableError('Could not store readings, retry shortly', 2, { reason: 'storage' });
      if (appErr.status === 503 || appErr.status === 507) this.unavailableUntil = Date.now() + 1_000;
      this.diskFull = appErr.status === 507 ? appErr : null;
      this.log?.error({ err, readings: n }, 'batch commit failed');
      for (const p of batch) p.reject(appErr);
    } finally {
      this.inFlight--;
      this.inFlightReadings -= n;
      this.stats.inFlight = this.inFlight;
      if (this.queue.length) this.pump();
      if (this.inFlight === 0 && !this.queue.length) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** The insert's result, or a 503 once commitTimeoutMs has passed (the insert is left to finish or fail alone). */
  private settleWithin(insert: Promise<number>, n: number): Promise<number> {
    const ms = this.opts.commitTimeoutMs ?? 0;
    if (!ms) return insert;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.stats.timedOutBatches++;
        insert.then(
          () => this.log?.warn({ readings: n }, 'a commit given up after the timeout completed later'),
          (err: unknown) => this.log?.warn({ err, readings: n }, 'a commit given up after the timeout failed later'),
        );
        reject(
          new ServiceUnavailableError(`Storage did not confirm the commit within ${ms} ms, retry (re-sends are safe)`, 2, {
            reason: 'commit_timeout',
          }),
        );
      }, ms);
    });
    return Promise.race([insert, timedOut]).finally(() => clearTimeout(timer));
  }

  /** Writes everything queued and waits for it; new submissions are refused once closing. */
  async drain(close = true): Promise<void> {
    if (close) this.closed = true;
    this.pump();
    if (this.inFlight === 0 && !this.queue.length) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
