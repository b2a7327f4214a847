// Live events over Server-Sent Events. Events are buffered and delivered to subscribers in batches
// (every FLUSH_MS), so thousands of readings a second cost one render per batch, not one per reading.
import { useEffect, useState } from 'preact/hooks';
import { apiUrl } from './api';
import { subscribeSession, token } from './auth';
import type { Alarm, Diagnosis, LiveReading } from './types';

export interface LiveBatch {
  readings: LiveReading[];
  diagnoses: Diagnosis[];
  alarms: Alarm[];
}

export type LiveState = 'off' | 'connecting' | 'open' | 'error';

export interface LiveStatus {
  state: LiveState;
  /** Epoch ms of the last reading event received. */
  lastReadingAt: number | null;
  /** Readings received since connecting. */
  readings: number;
}

const FLUSH_MS = 500;
const batchListeners = new Set<(b: LiveBatch) => void>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let status: LiveStatus = { state: 'off', lastReadingAt: null, readings: 0 };
let pending: LiveBatch = { readings: [], diagnoses: [], alarms: [] };
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let es: EventSource | null = null;
let esToken: string | null = null;
let retry = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function setStatus(patch: Partial<LiveStatus>): void {
  status = { ...status, ...patch };
  for (const l of statusListeners) l(status);
}

function schedule(): void {
  if (flushTimer !== undefined) return;
  flushTimer = setTimeout(flush, FLUSH_MS);
}

function flush(): void {
  flushTimer = undefined;
  const b = pending;
  pending = { readings: [], diagnoses: [], alarms: [] };
  if (b.readings.length) setStatus({ lastReadingAt: Date.now(), readings: status.readings + b.readings.length });
  for (const l of batchListeners) {
    try {
      l(b);
    } catch (e) {
      console.error('live listener failed', e);
    }
  }
}

function parse<T>(ev: MessageEvent): T | null {
  try {
    return JSON.parse(ev.data as string) as T;
  } catch {
    return null;
  }
}

function connect(): void {
  disconnect();
  const t = token();
  if (!t || typeof EventSource === 'undefined') return;
  esToken = t;
  setStatus({ state: 'connecting' });
  // EventSource cannot send headers: the token goes in the query.
  const src = new EventSource(apiUrl('/events', { access_token: t }));
  es = src;
  src.onopen = () => {
    retry = 0;
    setStatus({ state: 'open' });
  };
  src.onerror = () => {
    // Reconnect ourselves with the current token (it may have been renewed) and a growing delay.
    if (es !== src) return;
    src.close();
    es = null;
    setStatus({ state: 'error' });
    const delay = Math.min(30_000, 1000 * 2 ** retry++);
    retryTimer = setTimeout(connect, delay);
  };
  src.addEventListener('reading', (ev) => {
    const r = parse<LiveReading>(ev as MessageEvent);
    if (r && r.well_id) {
      pending.readings.push(r);
      schedule();
    }
  });
  src.addEventListener('diagnosis', (ev) => {
    const d = parse<Diagnosis>(ev as MessageEvent);
    if (d && d.well_id) {
      pending.diagnoses.push(d);
      schedule();
    }
  });
  src.addEventListener('alarm', (ev) => {
    const a = parse<Alarm>(ev as MessageEvent);
    if (a && a.id != null) {
      pending.alarms.push(a);
      schedule();
    }
  });
}

function disconnect(): void {
  clearTimeout(retryTimer);
  if (es) es.close();
  es = null;
  esToken = null;
  setStatus({ state: 'off' });
}

/** Start (or restart) the live connection; follows sign-in, sign-out and token renewal. */
export function startLive(): () => void {
  connect();
  const unsub = subscribeSession((s) => {
    if (!s) disconnect();
    else if (s.token !== esToken) connect();
  });
  return () => {
    unsub();
    disconnect();
  };
}

export function onLive(fn: (b: LiveBatch) => void): () => void {
  batchListeners.add(fn);
  return () => batchListeners.delete(fn);
}

export function useLive(fn: (b: LiveBatch) => void, deps: unknown[]): void {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => onLive(fn), deps);
}

export function useLiveStatus(): LiveStatus {
  const [s, setS] = useState(status);
  useEffect(() => {
    statusListeners.add(setS);
    setS(status);
    return () => {
      statusListeners.delete(setS);
    };
  }, []);
  return s;
}
