// The fleet list, loaded once and then kept current by live events (shared by the fleet and well pages).
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api';
import { onLive } from './live';
import { CHANNELS, type Diagnosis, type LatestReading, type LiveReading, type Well } from './types';

export interface FleetState {
  wells: Well[];
  loading: boolean;
  error: string;
  /** Bumped on every change, so views can memoise on it. */
  version: number;
  /** Milliseconds the last full load took (request + parse). */
  loadMs: number | null;
}

let state: FleetState = { wells: [], loading: false, error: '', version: 0, loadMs: null };
const index = new Map<string, number>();
const listeners = new Set<(s: FleetState) => void>();
let inflight: Promise<void> | null = null;

function emit(patch: Partial<FleetState>): void {
  state = { ...state, ...patch, version: state.version + 1 };
  for (const l of listeners) l(state);
}

export function loadFleet(): Promise<void> {
  if (inflight) return inflight;
  const t0 = performance.now();
  emit({ loading: true, error: '' });
  // The list first: the rows show as soon as it is in; then the sparklines (asked for after, not alongside:
  // with the embedded store the server computes them on its own thread, which would hold up the list).
  inflight = api
    .wells()
    .then(async (r) => {
      index.clear();
      r.wells.forEach((w, i) => index.set(w.well_id, i));
      emit({ wells: r.wells, loading: false, loadMs: Math.round(performance.now() - t0) });
      const s = await api.sparklines().catch(() => null);
      if (s) emit({ wells: state.wells.map((w) => (s.sparklines[w.well_id] ? { ...w, sparkline: s.sparklines[w.well_id] } : w)) });
    })
    .catch((e: unknown) => emit({ loading: false, error: errorText(e) }))
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

export function fleetWell(id: string): Well | undefined {
  const i = index.get(id);
  return i === undefined ? undefined : state.wells[i];
}

function newer(a: string, b: string | undefined | null): boolean {
  return !b || Date.parse(a) >= Date.parse(b);
}

export function withReading(w: Well, r: LiveReading): Well {
  if (w.latest && !newer(r.timestamp, w.latest.timestamp)) return w;
  const latest = { timestamp: r.timestamp } as LatestReading;
  for (const c of CHANNELS) latest[c] = r[c] ?? null;
  return { ...w, latest };
}

export function withDiagnosis(w: Well, d: Diagnosis): Well {
  const prev = w.status;
  if (prev && !newer(d.timestamp, prev.timestamp)) return w;
  return {
    ...w,
    status: {
      diagnosis: d.diagnosis,
      code: d.code,
      category: d.category,
      severity: d.severity,
      confidence: d.confidence,
      since: prev && prev.code === d.code ? prev.since : d.timestamp,
      timestamp: d.timestamp,
      summary: d.summary ?? null,
      diagnostic_id: d.diagnostic_id,
    },
  };
}

function blankWell(id: string): Well {
  const now = new Date().toISOString();
  return {
    well_id: id,
    name: null,
    field: null,
    rated_flow_bpd: null,
    min_flow_bpd: null,
    max_flow_bpd: null,
    rated_current_a: null,
    base_frequency_hz: null,
    motor_temp_limit_c: null,
    bubble_point_psi: null,
    vibration_limit_g: null,
    created_at: now,
    updated_at: now,
    status: null,
    latest: null,
    forecast: null,
  };
}

onLive((b) => {
  if (!state.wells.length || (!b.readings.length && !b.diagnoses.length)) return;
  const wells = state.wells.slice();
  const at = (id: string): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = wells.length;
      wells.push(blankWell(id));
      index.set(id, i);
    }
    return i;
  };
  for (const r of b.readings) {
    const i = at(r.well_id);
    wells[i] = withReading(wells[i]!, r);
  }
  for (const d of b.diagnoses) {
    const i = at(d.well_id);
    wells[i] = withDiagnosis(wells[i]!, d);
  }
  emit({ wells });
});

export function useFleet(): FleetState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    if (!state.wells.length && !state.loading) void loadFleet();
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}
