// Runs the engine on live data: every committed reading updates its well's incremental state; when the
// diagnosis changes it is stored, and alarms are raised or cleared. Backfilled (old) readings update the
// state and the diagnosis history but never raise alarms for the past. New diagnoses and alarm changes are
// announced on the event bus (`diagnosis.recorded`, `alarm.changed`) for the live stream and the webhook.
import type { Logger } from 'pino';
import { diagnosisToJson, type Diagnosis } from '../domain/diagnosis.js';
import type { ReadingsCommitted } from '../domain/events.js';
import { CHANNELS, type ChannelValues, type Reading } from '../domain/reading.js';
import { emptyNameplate, type WellNameplate } from '../domain/well.js';
import { DiagnosisStream, diagnose, diagnoseHistory, learnBaseline, type Baseline, type HistoryDiagnosis, type HistoryOptions } from '../diagnostics/index.js';
import type { AlarmRepository, DiagnosisRepository, TelemetryRepository, WellRepository } from '../storage/repository.js';
import type { EventBus } from './event-bus.js';

/** Codes that describe a state, not a fault: no alarm. */
const NON_ALARM_CODES = new Set(['NORMAL', 'SHUT_DOWN']);

export interface DiagnosisServiceOptions {
  /** Readings older than this (relative to now) are backfill: no alarms. */
  liveWindowMs: number;
  /** How often a well's learned baseline is saved. */
  baselineSaveMs: number;
  /** Readings loaded to warm a well's state after a restart. */
  warmupReadings: number;
  warmupWindowMs: number;
}

interface WellState {
  stream: DiagnosisStream | null;
  nameplate: WellNameplate;
  /** Readings that arrived while the state was being loaded. */
  pending: Reading[] | null;
  /** The code of the alarm this process believes open for the well. */
  alarmed: string | null;
  /** Serialises the well's storage writes so they land in order. */
  chain: Promise<void>;
  lastBaselineSave: number;
  /** Severity and summary last written to the well's status, and when (the code is unchanged between). */
  statusKey: string;
  statusWrittenAt: number;
  /** Loading the well's state after its first reading since start. */
  ready: Promise<void>;
  /** The well was deleted: this state writes nothing more. */
  forgotten: boolean;
}

export interface DiagnosisStats {
  readingsProcessed: number;
  diagnosesStored: number;
  alarmsRaised: number;
  alarmsCleared: number;
  byCode: Map<string, number>;
}

export class DiagnosisService {
  private readonly wells = new Map<string, WellState>();
  readonly stats: DiagnosisStats = { readingsProcessed: 0, diagnosesStored: 0, alarmsRaised: 0, alarmsCleared: 0, byCode: new Map() };
  private pendingWrites = new Set<Promise<void>>();

  constructor(
    private readonly repo: WellRepository & TelemetryRepository & DiagnosisRepository & AlarmRepository,
    private readonly bus: Pick<EventBus, 'emit'>,
    private readonly log: Logger,
    private readonly opts: DiagnosisServiceOptions,
  ) {}

  /** Feeds committed readings to their wells' streams (synchronous part of the ingest path). */
  committed(event: ReadingsCommitted): void {
    for (const [wellId, list] of event.byWell) {
      let state = this.wells.get(wellId);
      if (!state) {
        state = { stream: null, nameplate: emptyNameplate(), pending: [], alarmed: null, chain: Promise.resolve(), lastBaselineSave: 0, statusKey: '', statusWrittenAt: 0, ready: Promise.resolve(), forgotten: false };
        this.wells.set(wellId, state);
        state.ready = this.warmUp(wellId, state);
        this.track(state.ready);
      }
      if (state.pending) {
        state.pending.push(...list);
        continue;
      }
      this.process(wellId, state, list);
    }
  }

  /** Loads the nameplate, the saved baseline, open alarms and recent history, then replays what waited. */
  private async warmUp(wellId: string, state: WellState): Promise<void> {
    const now = Date.now();
    let history: Reading[] = [];
    let baseline: Baseline | null = null;
    try {
      const [well, savedBaseline, open] = await Promise.all([
        this.repo.getWell(wellId),
        this.repo.getBaseline(wellId),
        this.repo.listAlarms({ well_id: wellId, limit: 50 }),
      ]);
      if (well) for (const k of Object.keys(state.nameplate) as (keyof WellNameplate)[]) (state.nameplate as unknown as Record<string, unknown>)[k] = well[k];
      baseline = (savedBaseline as Baseline | null) ?? null;
      const active = open.find((a) => a.status !== 'cleared');
      state.alarmed = active ? active.code : null;
      const firstPending = state.pending?.[0]?.ts ?? now;
      history = await this.repo.recentHistory(
        wellId,
        { from: firstPending - this.opts.warmupWindowMs, to: firstPending },
        this.opts.warmupReadings,
      );
    } catch (err) {
      this.log.warn({ err, well_id: wellId }, 'could not load well state; starting fresh');
    }
    state.stream = new DiagnosisStream(state.nameplate, { baseline });
    // Replaying history only rebuilds state; changes it shows were already recorded before the restart.
    for (const r of history) state.stream.push(r);
    const pending = state.pending ?? [];
    state.pending = null;
    pending.sort((a, b) => a.ts - b.ts);
    if (pending.length) this.process(wellId, state, pending);
  }

  private process(wellId: string, state: WellState, readings: readonly Reading[]): void {
    if (state.forgotten) return;
    const stream = state.stream!;
    const changes: { d: Diagnosis; r: Reading }[] = [];
    for (const r of readings) {
      const d = stream.push(r);
      if (d) changes.push({ d, r });
    }
    this.stats.readingsProcessed += readings.length;
    const last = readings[readings.length - 1];
    const live = last.ts >= Date.now() - this.opts.liveWindowMs;
    const current = stream.current(Date.now());
    const wantAlarm = live && !NON_ALARM_CODES.has(current.diagnosis) ? current.diagnosis : live ? null : state.alarmed;
    const alarmChange = wantAlarm !== state.alarmed;
    const now = Date.now();
    const saveBaseline = now - state.lastBaselineSave > this.opts.baselineSaveMs ? stream.baseline() : null;
    if (saveBaseline) state.lastBaselineSave = now;
    // The code is unchanged but the judgement matured (a baseline learned, severity moved): keep the fleet's
    // status current, at most once a minute per well unless the severity changed.
    const key = `${current.severity}|${current.summary ?? ''}`;
    if (changes.length) {
      state.statusKey = key;
      state.statusWrittenAt = now;
    }
    const refreshStatus =
      !changes.length &&
      key !== state.statusKey &&
      (now - state.statusWrittenAt > 60_000 || !state.statusKey.startsWith(`${current.severity}|`));
    if (refreshStatus) {
      state.statusKey = key;
      state.statusWrittenAt = now;
    }
    if (!changes.length && !alarmChange && !saveBaseline && !refreshStatus) return;
    if (alarmChange) state.alarmed = wantAlarm;

    state.chain = state.chain
      .then(async () => {
        for (const { d, r } of changes) {
          const stored = await this.repo.insertDiagnosis(wellId, d, snapshot(r), live ? 'stream' : 'backfill');
          this.stats.diagnosesStored++;
          this.stats.byCode.set(d.diagnosis, (this.stats.byCode.get(d.diagnosis) ?? 0) + 1);
          this.bus.emit('diagnosis.recorded', { wellId, diagnosis: diagnosisToJson(stored) });
        }
        if (refreshStatus) await this.repo.refreshWellStatus(wellId, current);
        if (alarmChange) await this.applyAlarm(wellId, wantAlarm, current, last);
        if (saveBaseline) await this.repo.setBaseline(wellId, saveBaseline);
      })
      .catch((err) => this.log.error({ err, well_id: wellId }, 'could not record diagnosis'));
    this.track(state.chain);
  }

  private async applyAlarm(wellId: string, code: string | null, d: Diagnosis, r: Reading): Promise<void> {
    const cleared = await this.repo.clearAlarms(wellId, code);
    for (const a of cleared) {
      this.stats.alarmsCleared++;
      this.bus.emit('alarm.changed', { change: 'cleared', alarm: a });
    }
    if (code === null) return;
    const raised = await this.repo.raiseAlarm({
      well_id: wellId,
      code,
      severity: d.severity,
      message: d.summary ?? `${code} on well ${wellId}`,
      evidence: d.evidence,
      reading_ts: r.ts,
    });
    if (raised) {
      this.stats.alarmsRaised++;
      this.bus.emit('alarm.changed', { change: 'raised', alarm: raised });
    }
  }

  private track(p: Promise<void>): void {
    this.pendingWrites.add(p);
    void p.finally(() => this.pendingWrites.delete(p));
  }

  /** Waits for every diagnosis and alarm write started so far (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.pendingWrites.size) await Promise.allSettled([...this.pendingWrites]);
  }

  /** The well's nameplate changed: the engine judges with the new one from now on. */
  wellUpdated(wellId: string, nameplate: WellNameplate): void {
    const state = this.wells.get(wellId);
    if (!state) return;
    Object.assign(state.nameplate, nameplate);
    state.stream?.updateWell(state.nameplate);
  }

  /**
   * Forgets a well about to be deleted, after its pending diagnosis and alarm writes have landed, so none of
   * them arrives after the delete.
   */
  async forgetWell(wellId: string): Promise<void> {
    const state = this.wells.get(wellId);
    this.wells.delete(wellId);
    if (!state) return;
    state.forgotten = true;
    await state.ready;
    await state.chain;
  }

  /** Current in-memory diagnosis of a well, when it has been seen since start. */
  current(wellId: string): Diagnosis | null {
    return this.wells.get(wellId)?.stream?.current(Date.now()) ?? null;
  }

  /** Judges readings against a well's nameplate and stored baseline (the analyze endpoints). */
  async analyze(
    wellId: string,
    readings: Reading[],
    baselineHistory?: Reading[],
  ): Promise<{ diagnosis: Diagnosis; nameplate: WellNameplate; baseline: Baseline | null }> {
    const well = await this.repo.getWell(wellId);
    const nameplate = well ?? emptyNameplate();
    let baseline = (await this.repo.getBaseline(wellId)) as Baseline | null;
    if (!baseline && baselineHistory && baselineHistory.length) baseline = learnBaseline(nameplate, baselineHistory);
    return { diagnosis: diagnose(nameplate, readings, { baseline, now: Date.now() }), nameplate, baseline };
  }

  /**
   * Judges a well from its long history (analyze-latest): the acute engine on `recent` against the stored (or
   * learned) rolling baseline, plus slow degradation and developing trends over `history` (weeks, any order)
   * against the well's reference: the stored one when given (an engineer's period, or the learned automatic one),
   * otherwise its first settled healthy days in `history`.
   */
  async analyzeHistory(
    wellId: string,
    recent: Reading[],
    baselineHistory: Reading[],
    history: Reading[],
    reference?: HistoryOptions['reference'],
  ): Promise<{ result: HistoryDiagnosis; nameplate: WellNameplate }> {
    const well = await this.repo.getWell(wellId);
    const nameplate = well ?? emptyNameplate();
    let baseline = (await this.repo.getBaseline(wellId)) as Baseline | null;
    if (!baseline && baselineHistory.length) baseline = learnBaseline(nameplate, baselineHistory);
    const recentFrom = recent.length ? Math.min(...recent.map((r) => r.ts)) : undefined;
    const result = diagnoseHistory(nameplate, [...history, ...recent], { baseline, reference: reference ?? undefined, recentFrom, now: Date.now() });
    return { result, nameplate };
  }
}

export function snapshot(r: Reading): Partial<ChannelValues> & { timestamp: string } {
  const out: Partial<ChannelValues> & { timestamp: string } = { timestamp: new Date(r.ts).toISOString() };
  for (const c of CHANNELS) if (r[c] !== null) out[c] = r[c];
  return out;
}
