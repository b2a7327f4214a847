// Throughput of the live path: DiagnosisStream.push() across a fleet. Readings are generated first (simulator
// with faults on 10 % of wells); only push() is timed. Run directly: npx tsx bench/engine-bench.ts
import { pathToFileURL } from 'node:url';
import type { Reading } from '../src/domain/reading.js';
import { DiagnosisStream } from '../src/diagnostics/index.js';
import { FleetSimulator } from '../src/simulator/index.js';

export interface EngineBenchOptions {
  wells?: number;
  /** Readings per well. */
  steps?: number;
  intervalMs?: number;
  /** Also call current() after every push, as the ingest service does after each batch. */
  callCurrent?: boolean;
}

export async function benchEngine(o: EngineBenchOptions = {}): Promise<{ readingsPerSecond: number; wells: number; readings: number }> {
  const wells = o.wells ?? 1000;
  const steps = o.steps ?? 400;
  const interval = o.intervalMs ?? 10_000;
  const start = Date.UTC(2025, 0, 1);
  const sim = new FleetSimulator({ wells, seed: 42, faultFraction: 0.1, startTs: start });
  // Warm-up history (not timed): 3 h per well so each stream has learned its baseline, as in production.
  const warm: Reading[][] = [];
  const warmSteps = Math.ceil((3 * 3_600_000) / interval);
  for (let s = 0; s < warmSteps; s++) warm.push(sim.next(start + s * interval));
  const batches: Reading[][] = [];
  for (let s = 0; s < steps; s++) batches.push(sim.next(start + (warmSteps + s) * interval));
  const streams = sim.wells().map((w) => new DiagnosisStream(w));
  for (const b of warm) for (let i = 0; i < b.length; i++) streams[i].push(b[i]);
  let changes = 0;
  const t0 = process.hrtime.bigint();
  for (const b of batches) {
    if (o.callCurrent) {
      for (let i = 0; i < b.length; i++) {
        if (streams[i].push(b[i]) !== null) changes++;
        if (streams[i].current().confidence < 0) changes++;
      }
    } else for (let i = 0; i < b.length; i++) if (streams[i].push(b[i]) !== null) changes++;
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const readings = wells * steps;
  if (changes < 0) console.log(changes); // keep the result observable
  return { readingsPerSecond: Math.round(readings / secs), wells, readings };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const callCurrent = process.argv.includes('--current');
  const r = await benchEngine({ callCurrent });
  console.log(`DiagnosisStream: ${r.readingsPerSecond.toLocaleString('en-US')} readings/s (${r.wells} wells, ${r.readings.toLocaleString('en-US')} readings, 10 s sampling, one core${callCurrent ? ', current() after every push' : ''})`);
}
