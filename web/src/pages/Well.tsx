// Well page: status, latest values, synchronised trend charts (with the forecast and its band, and the reference
// period shaded), forecast / early warning, diagnosis timeline with evidence, reference period, nameplate, pump
// events, the well's alarms, CSV export. Live readings extend the charts while a preset range (ending now) is shown.
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { upsert, sortAlarms } from '../alarms';
import { api, errorText } from '../api';
import { AlarmList } from '../components/AlarmList';
import { DiagnosisTimeline } from '../components/DiagnosisTimeline';
import { ForecastPanel } from '../components/ForecastPanel';
import { Nameplate } from '../components/Nameplate';
import { PumpEvents } from '../components/PumpEvents';
import { ReferenceEditor } from '../components/ReferenceEditor';
import { SeverityBadge } from '../components/SeverityBadge';
import { TrendCharts, type ChartSpec, type Limit, type Marker, type Region } from '../components/TrendCharts';
import { CHANNEL_META, normalisedFlow } from '../channels';
import { fleetWell, withDiagnosis, withReading } from '../fleet';
import { FORECAST_CHART, overlayForecast, type ForecastOverlay } from '../forecast';
import { age, codeLabel, date, dateTime, days, num, pct } from '../format';
import { appendReadings, chooseInterval, intervalSeconds, toColumns } from '../history';
import { useLive } from '../live';
import { wellLevel } from '../severity';
import { useData } from '../useData';
import {
  ALARM_STATUSES,
  CHANNELS,
  type Alarm,
  type Diagnosis,
  type Forecast,
  type HistoryBucket,
  type PumpEvent,
  type ReferencePeriod,
  type Well as WellT,
} from '../types';

const PRESETS = { '1h': 3600, '6h': 6 * 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 } as const;
type Preset = keyof typeof PRESETS;

/** What the user chose: a preset range ending now (follows live data) or a fixed range from zooming (ms). */
type Sel = { preset: Preset } | { preset: null; from: number; to: number };

const HORIZONS = [7, 14, 30, 60, 90] as const;
/** The projection and its band: one hue for every channel, apart from the history's colours. */
const FORECAST_COLOR = '#7b2cbf';

export function Well({ id }: { id: string }): JSX.Element {
  const [sel, setSelState] = useState<Sel>({ preset: '24h' });
  /** Whether the user chose the range (then a forecast arriving does not change it). */
  const chosen = useRef(false);
  const setSel = (s: Sel) => {
    chosen.current = true;
    setSelState(s);
  };
  const [now, setNow] = useState(Date.now());
  const [exporting, setExporting] = useState(false);
  const [msg, setMsg] = useState('');
  const [horizon, setHorizon] = useState<number>(30);
  const [showForecast, setShowForecast] = useState(true);
  /** Bumped to compute the forecast again (after the reference or the pump changes, and every 10 minutes). */
  const [fcRev, setFcRev] = useState(0);

  const range = useMemo(() => {
    if (sel.preset) return { from: now - PRESETS[sel.preset] * 1000, to: now };
    return { from: sel.from, to: sel.to };
  }, [sel, now]);

  // Well record, diagnoses, alarms, reference period and pump events: once per well, then kept current here.
  const { data: well, setData: setWell, error: wellErr } = useData<WellT | null>(
    (signal) => api.well(id, signal).then((r) => r.well),
    [id],
    fleetWell(id) ?? null,
  );
  const { data: diags, setData: setDiags, error: diagErr } = useData(
    (signal) => api.diagnoses(id, 100, signal).then((r) => r.diagnostics),
    [id],
    [] as Diagnosis[],
  );
  const { data: alarms, setData: setAlarms, error: alarmErr } = useData(
    (signal) =>
      Promise.all(ALARM_STATUSES.map((status) => api.alarms({ status, well_id: id, limit: 100 }, signal))).then((rs) =>
        sortAlarms(rs.flatMap((r) => r.alarms)),
      ),
    [id],
    [] as Alarm[],
  );
  const {
    data: reference,
    setData: setReference,
    error: refErr,
    loading: refLoading,
    reload: reloadReference,
  } = useData<ReferencePeriod | null>((signal) => api.reference(id, signal).then((r) => r.reference), [id], null);
  const {
    data: events,
    setData: setEvents,
    error: evErr,
    loading: evLoading,
  } = useData((signal) => api.events(id, signal).then((r) => r.events), [id], [] as PumpEvent[]);

  // Forecast: per well and horizon, again after the reference changes (trends are judged against it), and every
  // 10 minutes (it moves with the daily aggregates, not with each reading).
  const { data: forecast, error: fcErr, loading: fcLoading } = useData((signal) => api.forecast(id, horizon, signal), [id, horizon, fcRev]);
  useEffect(() => {
    const t = setTimeout(() => setFcRev((r) => r + 1), 10 * 60_000);
    return () => clearTimeout(t);
  }, [id, horizon, fcRev]);
  // A well heading to a limit opens on 30 days of history beside the projection (24 h would be a sliver).
  useEffect(() => {
    if (forecast?.channels.length && !chosen.current) setSelState((s) => (s.preset === '24h' ? { preset: '30d' } : s));
  }, [forecast]);

  // History: whenever the chosen range changes (presets are re-anchored at "now" when chosen).
  const {
    data: history,
    setData: setHistory,
    error: histErr,
    loading,
  } = useData(
    async (signal): Promise<{ buckets: HistoryBucket[]; interval: string }> => {
      const t = Date.now();
      if (sel.preset) setNow(t); // the shown range ends where the request does
      const from = sel.preset ? t - PRESETS[sel.preset] * 1000 : sel.from;
      // A range zoomed into the forecast has no history past now.
      const to = sel.preset ? t : Math.min(sel.to, t);
      const iv = chooseInterval(((sel.preset ? t : sel.to) - from) / 1000);
      if (to <= from) return { buckets: [], interval: iv };
      const r = await api.history(id, new Date(from), new Date(to), iv, signal);
      return { buckets: r.telemetry, interval: r.interval || iv };
    },
    [id, sel],
    { buckets: [], interval: '5m' },
  );
  const { buckets, interval } = history;

  useLive(
    (b) => {
      const rs = b.readings.filter((r) => r.well_id === id);
      const ds = b.diagnoses.filter((d) => d.well_id === id);
      const as = b.alarms.filter((a) => a.well_id === id);
      if (rs.length || ds.length) {
        setWell((w) => {
          if (!w) return w;
          let n = w;
          for (const r of rs) n = withReading(n, r);
          for (const d of ds) n = withDiagnosis(n, d);
          return n;
        });
      }
      if (ds.length) setDiags((cur) => [...[...ds].reverse(), ...cur.filter((c) => !ds.some((d) => d.diagnostic_id === c.diagnostic_id))]);
      if (as.length) setAlarms((cur) => sortAlarms(upsert(cur, as)));
      if (sel.preset && rs.length) {
        // Slide the window only when this well reports (a 30 s timer below covers quiet wells).
        const t = Date.now();
        setNow(t);
        const since = t - PRESETS[sel.preset] * 1000;
        setHistory((h) => ({ ...h, buckets: appendReadings(h.buckets, rs, intervalSeconds(h.interval), since) }));
      }
    },
    [id, sel],
  );

  // Keep a preset window sliding even when the well is quiet.
  useEffect(() => {
    if (!sel.preset) return;
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, [sel]);

  const base = well?.base_frequency_hz ?? 60;
  const cols = useMemo(() => toColumns(buckets, intervalSeconds(interval), base), [buckets, interval, base]);
  const drawForecast = showForecast && !!forecast && forecast.channels.length > 0;
  const overlay = useMemo(
    () => overlayForecast(cols.xs, drawForecast ? forecast!.channels : [], () => FORECAST_COLOR),
    [cols, forecast, drawForecast],
  );
  const charts = useMemo(
    () => buildCharts(cols, well, base, overlay, drawForecast ? forecast : null),
    [cols, well?.well_id, well?.updated_at, base, overlay, forecast, drawForecast],
  );
  const regions = useMemo<Region[]>(
    () =>
      reference
        ? [
            {
              from: Date.parse(reference.from) / 1000,
              to: Date.parse(reference.to) / 1000,
              label: reference.source === 'engineer' ? 'reference (engineer)' : 'reference (auto)',
              color: 'rgba(46, 125, 50, 0.10)',
            },
          ]
        : [],
    [reference],
  );
  // A preset range ending now runs on to the end of the projection; a zoomed range is shown as chosen.
  const chartTo = sel.preset && overlay.end != null ? Math.max(range.to / 1000, overlay.end) : range.to / 1000;

  const onZoom = (fromS: number, toS: number) => {
    if (toS - fromS < 60) {
      const mid = (fromS + toS) / 2;
      fromS = mid - 30;
      toS = mid + 30;
    }
    setSel({ preset: null, from: fromS * 1000, to: toS * 1000 });
  };
  const zoomOut = () => {
    const span = range.to - range.from;
    const to = Math.min(Date.now(), range.to + span / 2);
    setSel({ preset: null, from: to - span * 2, to });
  };

  const exportCsv = async () => {
    setExporting(true);
    setMsg('');
    try {
      const blob = await api.historyCsv(id, new Date(range.from), new Date(range.to), interval);
      const a = document.createElement('a');
      const href = URL.createObjectURL(blob);
      a.href = href;
      a.download = `${id}_${new Date(range.from).toISOString().slice(0, 16)}_${new Date(range.to).toISOString().slice(0, 16)}_${interval}.csv`.replace(/:/g, '-');
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
      setMsg('CSV downloaded.');
    } catch (e) {
      setMsg(`CSV export failed: ${errorText(e)}`);
    } finally {
      setExporting(false);
    }
  };

  // The last action's outcome, else what could not be loaded besides the history.
  const note = msg || (diagErr ? `Diagnoses: ${diagErr}` : alarmErr ? `Alarms: ${alarmErr}` : '');
  const level = well ? wellLevel(well) : 'nodata';
  const l = well?.latest ?? null;
  const nowMs = Date.now();

  return (
    <section class="page well-page" aria-labelledby="well-title">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Fleet</a> <span aria-hidden="true">›</span> <span aria-current="page">{id}</span>
      </nav>
      <header class={`well-head sev-edge-${level}`}>
        <div>
          <h1 id="well-title">
            {id}
            {well?.name && well.name !== id ? <span class="sub"> {well.name}</span> : null}
          </h1>
          <p class="muted">{well?.field ? `Field ${well.field}` : wellErr ? '' : ' '}</p>
        </div>
        <div class="well-status" data-testid="well-status" data-level={level}>
          <SeverityBadge level={level} />
          <strong>{well?.status ? codeLabel(well.status.code) : 'No diagnosis yet'}</strong>
          {well?.status ? (
            <span class="muted">
              {pct(well.status.confidence)} · since {dateTime(well.status.since)} ({age(well.status.since, nowMs)})
            </span>
          ) : null}
          {well?.status?.summary ? <p class="summary">{well.status.summary}</p> : null}
        </div>
      </header>
      {wellErr ? (
        <p class="error" role="alert">
          Could not load well {id}: {wellErr}
        </p>
      ) : null}

      <div class="tiles" data-testid="latest-values" aria-label="Latest reading">
        <Tile label="Last reading" value={l ? `${age(l.timestamp, nowMs)} ago` : 'never'} title={l ? dateTime(l.timestamp) : undefined} />
        <Tile label="Flow" value={num(l?.flow_rate)} unit="bbl/d" />
        <Tile label={`Flow @ ${num(base)} Hz`} value={num(normalisedFlow(l?.flow_rate, l?.vsd_frequency, base))} unit="bbl/d" />
        <Tile label="PIP" value={num(l?.pip)} unit="psi" />
        <Tile label="Motor current" value={num(l?.motor_current, 1)} unit="A" />
        <Tile label="Motor temp" value={num(l?.motor_temp, 1)} unit="°C" />
        <Tile label="Vibration" value={num(l?.vibration, 2)} unit="g" />
        <Tile label="Frequency" value={num(l?.vsd_frequency, 1)} unit="Hz" />
      </div>

      <div class="range-bar">
        <div role="group" aria-label="Time range" class="seg-buttons">
          {(Object.keys(PRESETS) as Preset[]).map((p) => (
            <button type="button" key={p} aria-pressed={sel.preset === p} data-testid={`range-${p}`} onClick={() => setSel({ preset: p })}>
              {p}
            </button>
          ))}
        </div>
        <button type="button" class="ghost" onClick={zoomOut} data-testid="zoom-out">
          Zoom out
        </button>
        <span class="range-text" aria-live="polite" data-testid="range-text">
          {dateTime(range.from)} – {sel.preset ? 'now' : dateTime(range.to)} · {interval} buckets ·{' '}
          {buckets.length} points{loading ? ' · loading…' : ''}
          {sel.preset && overlay.end != null ? ` · forecast to ${date(overlay.end * 1000)}` : ''}
        </span>
        <span class="hint muted">Drag across a chart to zoom; double-click to go back to 24 h.</span>
        <label class="inline-check">
          <input type="checkbox" checked={showForecast} onChange={(e) => setShowForecast(e.currentTarget.checked)} data-testid="show-forecast" />
          Forecast
        </label>
        <label class="inline-select">
          <span>Horizon</span>
          <select value={horizon} onChange={(e) => setHorizon(Number(e.currentTarget.value))} data-testid="forecast-horizon">
            {HORIZONS.map((h) => (
              <option key={h} value={h}>
                {h} d
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void exportCsv()} disabled={exporting} data-testid="export-csv">
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      {histErr ? (
        <p class="error" role="alert">
          Could not load history: {histErr}
        </p>
      ) : null}
      {note ? (
        <p class="note" role="status">
          {note}
        </p>
      ) : null}

      <TrendCharts
        xs={overlay.xs}
        charts={charts}
        from={range.from / 1000}
        to={chartTo}
        onZoom={onZoom}
        onReset={() => setSel({ preset: '24h' })}
        loading={loading}
        regions={regions}
      />

      <ForecastPanel forecast={forecast ?? null} loading={fcLoading} error={fcErr} horizonDays={horizon} />

      <div class="well-lower">
        <section class="panel" aria-labelledby="diag-title">
          <h2 id="diag-title">Diagnosis timeline</h2>
          <DiagnosisTimeline key={id} items={diags} from={range.from / 1000} to={range.to / 1000} />
        </section>
        <div class="side">
          <ReferenceEditor
            wellId={id}
            reference={reference}
            loading={refLoading}
            error={refErr}
            onChanged={(r) => {
              setReference(r);
              setFcRev((v) => v + 1);
            }}
          />
          <section class="panel" aria-labelledby="np-title">
            <h2 id="np-title">Nameplate</h2>
            {well ? <Nameplate well={well} /> : <p class="muted">Loading…</p>}
          </section>
        </div>
      </div>

      <PumpEvents
        wellId={id}
        events={events}
        loading={evLoading}
        error={evErr}
        onAdded={(e) => {
          setEvents((cur) => [e, ...cur.filter((c) => c.id !== e.id)]);
          // A new pump gets a new automatic reference, and its trends start again.
          if (e.type === 'install') {
            reloadReference();
            setFcRev((v) => v + 1);
          }
        }}
      />

      <section class="panel" aria-labelledby="walarms-title">
        <h2 id="walarms-title">Alarms on this well</h2>
        <AlarmList
          alarms={alarms}
          label={`Alarms on ${id}`}
          empty="No alarms on this well."
          maxHeight={360}
          now={nowMs}
          onChanged={(a) => setAlarms((cur) => sortAlarms(upsert(cur, [a])))}
        />
      </section>
    </section>
  );
}

function Tile({ label, value, unit, title }: { label: string; value: string; unit?: string; title?: string }): JSX.Element {
  return (
    <div class="tile" title={title}>
      <span class="tile-l">{label}</span>
      <span class="tile-v">
        {value}
        {unit && value !== '—' ? <span class="unit"> {unit}</span> : null}
      </span>
    </div>
  );
}

/** Limit line colours, dark enough for their labels to read on white. */
const LIMIT_COLOR = { amber: '#a86f00', orange: '#c24e00', red: '#c62828' } as const;

function buildCharts(cols: ReturnType<typeof toColumns>, well: WellT | null, base: number, overlay: ForecastOverlay, forecast: Forecast | null): ChartSpec[] {
  const lim = (value: number | null | undefined, label: string, color: string): Limit[] => (value != null ? [{ value, label, color }] : []);
  const at = overlay.place;
  // Per chart: the forecast's limit (when not already drawn from the nameplate) and when the projection meets it.
  const fcLimits = new Map<string, Limit[]>();
  const fcMarkers = new Map<string, Marker[]>();
  const generated = forecast ? Date.parse(forecast.generated_at) / 1000 : null;
  for (const c of forecast?.channels ?? []) {
    const chart = FORECAST_CHART[c.channel];
    fcLimits.set(chart, [{ value: c.limit, label: `limit (${c.limit_source})`, color: LIMIT_COLOR.red }]);
    const marks: Marker[] = [{ at: generated!, label: 'now', color: '#4a5565' }];
    if (c.time_to_limit_days != null) {
      marks.push({ at: generated! + c.time_to_limit_days * 86_400, label: `limit in ${days(c.time_to_limit_days)}`, color: LIMIT_COLOR.red });
    }
    fcMarkers.set(chart, marks);
  }
  const withForecast = (spec: ChartSpec): ChartSpec => {
    const fc = overlay.forecasts.get(spec.id);
    if (!fc) return spec;
    const own = spec.limits ?? [];
    const extra = (fcLimits.get(spec.id) ?? []).filter((l) => !own.some((o) => Math.abs(o.value - l.value) <= 1e-6 * Math.max(1, Math.abs(l.value))));
    return { ...spec, forecast: fc, limits: [...own, ...extra], markers: fcMarkers.get(spec.id) };
  };
  const limits: Partial<Record<(typeof CHANNELS)[number], Limit[]>> = {
    pip: lim(well?.bubble_point_psi, 'bubble point', LIMIT_COLOR.amber),
    motor_current: lim(well?.rated_current_a, 'rated', LIMIT_COLOR.orange),
    motor_temp: lim(well?.motor_temp_limit_c ?? 150, 'limit', LIMIT_COLOR.red),
    vibration: lim(well?.vibration_limit_g ?? 2, 'limit', LIMIT_COLOR.red),
  };
  const specs: ChartSpec[] = [];
  for (const c of CHANNELS) {
    const m = CHANNEL_META[c];
    specs.push(withForecast({ id: c, title: m.label, unit: m.unit, color: m.color, digits: m.digits, avg: at(cols.avg[c]), min: at(cols.min[c]), max: at(cols.max[c]), limits: limits[c] }));
    if (c === 'flow_rate') {
      specs.push(withForecast({
        id: 'flow_normalised',
        title: `Flow normalised to ${num(base)} Hz`,
        unit: 'bbl/d',
        color: '#0b5cad',
        digits: 0,
        dashed: true,
        avg: at(cols.flowNorm),
        limits: [
          ...lim(well?.min_flow_bpd ?? (well?.rated_flow_bpd != null ? well.rated_flow_bpd * 0.7 : null), 'min recommended', LIMIT_COLOR.amber),
          ...lim(well?.max_flow_bpd ?? (well?.rated_flow_bpd != null ? well.rated_flow_bpd * 1.25 : null), 'max recommended', LIMIT_COLOR.amber),
        ],
      }));
    }
  }
  return specs;
}
