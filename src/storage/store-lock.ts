// One owner per embedded store. Two processes on one PGlite directory each believe they own the files and
// corrupt the catalog, so the store is locked before it is opened, with a lock the OS drops when its owner
// dies (even on SIGKILL): on Linux an abstract Unix socket named after the directory (bind fails while it is
// held, the kernel frees it with the process); elsewhere an exclusive lock file whose pid is checked for life.
// The owner's pid is written beside the store so that a refused opener can say who holds it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../domain/errors.js';

/** Another process holds the store: starting would corrupt it. */
export class StoreInUseError extends AppError {
  constructor(
    readonly storeDir: string,
    readonly ownerPid: number | null,
  ) {
    super(
      'STORE_IN_USE',
      503,
      `the embedded store ${storeDir} is in use by another process (${ownerPid ? `pid ${ownerPid}` : 'pid unknown'}); ` +
        'only one process may open it: stop that process first, or work through its HTTP API',
      { store_dir: storeDir, owner_pid: ownerPid },
    );
  }
}

export interface StoreLock {
  readonly storeDir: string;
  /** File holding the owner's pid, beside the store directory. */
  readonly pidFile: string;
  release(): void;
}

function pidFileOf(storeDir: string): string {
  return join(dirname(storeDir), `${basename(storeDir)}.owner.pid`);
}

function readPid(file: string): number | null {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held lock. Releasing it (once) removes the pid file if it is still ours (with the file lock, that is the lock) and runs `unlock`. */
function heldLock(storeDir: string, pidFile: string, unlock?: () => void): StoreLock {
  let released = false;
  return {
    storeDir,
    pidFile,
    release() {
      if (released) return;
      released = true;
      if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
      unlock?.();
    },
  };
}

/** Locks `storeDir` (created if missing) for this process; throws StoreInUseError when another holds it. */
export async function acquireStoreLock(storeDir: string): Promise<StoreLock> {
  mkdirSync(storeDir, { recursive: true });
  const real = realpathSync(storeDir);
  const pidFile = pidFileOf(real);
  return process.platform === 'linux' ? lockWithAbstractSocket(real, pidFile) : lockWithFile(real, pidFile);
}

async function lockWithAbstractSocket(storeDir: string, pidFile: string): Promise<StoreLock> {
  // The name is a hash of the real path: the same directory reached through links or relative paths is one lock.
  const name = `\0esp-iot-store-${createHash('sha256').update(storeDir).digest('hex').slice(0, 40)}`;
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new StoreInUseError(storeDir, readPid(pidFile)) : err),
    );
    server.listen(name, () => resolve());
  });
  // Holding the lock must not keep the process alive.
  server.unref();
  writeFileSync(pidFile, `${process.pid}\n`);
  return heldLock(storeDir, pidFile, () => server.close());
}

function lockWithFile(storeDir: string, pidFile: string): StoreLock {
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readPid(pidFile);
      // A lock left by a process that died is taken over; a live (or unreadable, being written) one is not.
      if (attempt > 2 || owner === null || alive(owner)) throw new StoreInUseError(storeDir, owner);
      rmSync(pidFile, { force: true });
    }
  }
  return heldLock(storeDir, pidFile);
}
