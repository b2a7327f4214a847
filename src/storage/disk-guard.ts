// Free-space guard for the embedded store. PGlite runs PostgreSQL in this process: when a WAL segment cannot be
// written (ENOSPC) the engine wedges the main thread for good, so writes must stop *before* the disk is full.
// The guard reads the free space of DATA_DIR (statfs: a few microseconds, at most every `maxAgeMs`) and refuses
// writes with 507 below the configured floor; it lets them through again by itself once space returns.
import { statfsSync } from 'node:fs';
import { InsufficientStorageError } from '../domain/errors.js';

export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

export interface DiskGuardOptions {
  /** Writes are refused while less than this is free. */
  minFreeBytes: number;
  /** Free space is read again when the last reading is older than this. */
  maxAgeMs?: number;
  /** Called when the state changes (low ↔ ok), for the log. */
  onChange?: (low: boolean, space: DiskSpace) => void;
  /** Reads the free space (tests). */
  read?: (dir: string) => DiskSpace;
}

function readSpace(dir: string): DiskSpace {
  const s = statfsSync(dir);
  // bavail: blocks available to an unprivileged writer (what PostgreSQL may use), not bfree.
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

const MB = 1024 * 1024;

export class DiskGuard {
  private space: DiskSpace | null = null;
  private readAt = 0;
  private low = false;
  private readError: string | null = null;
  private readonly maxAgeMs: number;
  private readonly read: (dir: string) => DiskSpace;

  constructor(
    readonly dir: string,
    private readonly opts: DiskGuardOptions,
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 250;
    this.read = opts.read ?? readSpace;
  }

  /** Reads the free space again (if stale) and says whether writes may go on. */
  refresh(force = false): boolean {
    const now = Date.now();
    if (!force && this.space && now - this.readAt < this.maxAgeMs) return !this.low;
    this.readAt = now;
    try {
      this.space = this.read(this.dir);
      this.readError = null;
    } catch (err) {
      // The free space cannot be known (directory gone?): keep the last verdict rather than guess.
      this.readError = (err as Error).message;
      return !this.low;
    }
    const low = this.space.freeBytes < this.opts.minFreeBytes;
    if (low !== this.low) {
      this.low = low;
      this.opts.onChange?.(low, this.space);
    }
    return !low;
  }

  /** Free bytes as last read (read now if stale); undefined when never readable. */
  freeBytes(): number | undefined {
    this.refresh();
    return this.space?.freeBytes;
  }

  /** Throws InsufficientStorageError (507) while free space is under the floor. */
  assertWritable(): void {
    if (this.refresh()) return;
    throw new InsufficientStorageError(this.describe(), this.details());
  }

  /** For health checks: throws with the cause while writes are refused. */
  check(): Record<string, unknown> {
    if (!this.refresh()) throw new Error(this.describe());
    return this.details();
  }

  private describe(): string {
    const free = this.space ? Math.floor(this.space.freeBytes / MB) : 0;
    return (
      `Disk nearly full: ${free} MB free in ${this.dir}, below the ${Math.round(this.opts.minFreeBytes / MB)} MB ` +
      'kept free (STORAGE_MIN_FREE_MB); writes are refused until space is freed'
    );
  }

  private details(): Record<string, unknown> {
    return {
      path: this.dir,
      free_mb: this.space ? Math.floor(this.space.freeBytes / MB) : null,
      total_mb: this.space ? Math.floor(this.space.totalBytes / MB) : null,
      min_free_mb: Math.round(this.opts.minFreeBytes / MB),
      ...(this.readError ? { read_error: this.readError } : {}),
    };
  }
}
