// Where a scenario's CPU goes, read from /proc (Linux): the process's main thread (the server's event loop),
// the load generator's thread (the worker reads its own), the rest of this process (libuv pool, GC helpers),
// every PostgreSQL process, and the machine's idle and stolen shares. On two cores shared by all of them, these
// say which one bounds a scenario. The generator takes both snapshots itself, at the ends of its timed window,
// so building request bodies beforehand is not counted. Without /proc the thread figures are null and the
// notes omit them.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second for /proc times (USER_HZ; 100 on every Linux build in common use). */
const HZ = 100;

export interface CpuSnapshot {
  /** CPU seconds, or null where /proc is not there. */
  mainThread: number | null;
  /** The calling thread. */
  thread: number | null;
  process: number | null;
  postgres: number | null;
  /** Machine-wide jiffies from /proc/stat (os.cpus() where it is missing; it has no steal). */
  machineIdle: number;
  machineSteal: number;
  machineTotal: number;
}

/** utime + stime of a /proc stat line, in seconds (fields 14 and 15; the command name may contain spaces). */
function statSeconds(path: string): { comm: string; seconds: number } | null {
  try {
    const st = readFileSync(path, 'utf8');
    const close = st.lastIndexOf(')');
    const f = st.slice(close + 2).split(' ');
    return { comm: st.slice(st.indexOf('(') + 1, close), seconds: (Number(f[11]) + Number(f[12])) / HZ };
  } catch {
    return null;
  }
}

function postgresSeconds(): number | null {
  let dirs: string[];
  try {
    dirs = readdirSync('/proc');
  } catch {
    return null;
  }
  let total = 0;
  for (const d of dirs) {
    if (d.charCodeAt(0) > 57) continue; // only the numeric entries are processes
    const s = statSeconds(`/proc/${d}/stat`);
    if (s?.comm === 'postgres') total += s.seconds;
  }
  return total;
}

/** idle (with iowait), steal (time the hypervisor gave to other guests) and total, machine-wide. */
function machineTimes(): { idle: number; steal: number; total: number } {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...
    const f = readFileSync('/proc/stat', 'utf8').slice(0, 200).split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: f[3] + f[4], steal: f[7], total: f.reduce((a, b) => a + b, 0) };
  } catch {
    let idle = 0;
    let total = 0;
    for (const { times: t } of cpus()) {
      idle += t.idle;
      total += t.user + t.nice + t.sys + t.irq + t.idle;
    }
    return { idle, steal: 0, total };
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const m = machineTimes();
  return {
    mainThread: statSeconds(`/proc/self/task/${process.pid}/stat`)?.seconds ?? null,
    thread: statSeconds('/proc/thread-self/stat')?.seconds ?? null,
    process: statSeconds('/proc/self/stat')?.seconds ?? null,
    postgres: postgresSeconds(),
    machineIdle: m.idle,
    machineSteal: m.steal,
    machineTotal: m.total,
  };
}

/**
 * "CPU µs/reading: server thread 5.1, generator 3.2, other threads 0.6, PostgreSQL 6.4; machine idle 21 %,
 * stolen by the hypervisor 4 %", or '' without /proc. Both snapshots were taken by the generator's thread.
 */
export function cpuNote(a: CpuSnapshot, b: CpuSnapshot, readings: number, withPostgres: boolean): string {
  if (a.mainThread === null || b.mainThread === null || a.thread === null || b.thread === null || a.process === null || b.process === null || !readings) return '';
  const us = (s: number) => ((s * 1e6) / readings).toFixed(1);
  const server = b.mainThread - a.mainThread;
  const gen = b.thread - a.thread;
  const other = Math.max(0, b.process - a.process - server - gen);
  const parts = [`server thread ${us(server)}`, `generator ${us(gen)}`, `other threads ${us(other)}`];
  if (withPostgres && a.postgres !== null && b.postgres !== null) parts.push(`PostgreSQL ${us(b.postgres - a.postgres)}`);
  const total = Math.max(1e-9, b.machineTotal - a.machineTotal);
  const share = (x: number) => Math.round((x / total) * 100);
  return `CPU µs/reading: ${parts.join(', ')}; machine idle ${share(b.machineIdle - a.machineIdle)} %, stolen by the hypervisor ${share(b.machineSteal - a.machineSteal)} %`;
}
