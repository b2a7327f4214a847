// Fleet: every well, its status colour, diagnosis, earliest expected limit, last reading age, key values and a
// 24 h flow sparkline. Sorting by the earliest expected limit (surveillance by exception) uses the server's order.
import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Sparkline } from '../components/Sparkline';
import { SeverityBadge } from '../components/SeverityBadge';
import { VirtualList } from '../components/VirtualList';
import { api } from '../api';
import { loadFleet, useFleet } from '../fleet';
import { age, ageSeconds, codeLabel, date, days, num, pct } from '../format';
import { navigate, wellHref } from '../router';
import { LEVEL_COLOR, LEVEL_LABEL, LEVEL_RANK, LEVELS, wellLevel } from '../severity';
import type { FleetForecast, Level, TrendChannel, Well } from '../types';
import { useData } from '../useData';

type Key = 'level' | 'well' | 'field' | 'diagnosis' | 'limit' | 'since' | 'age' | 'flow' | 'pip' | 'current' | 'temp' | 'freq';

interface Col {
  key: Key;
  label: string;
  unit?: string;
  num?: boolean;
  cls?: string;
}

const COLS: Col[] = [
  { key: 'level', label: 'Status' },
  { key: 'well', label: 'Well' },
  { key: 'field', label: 'Field', cls: 'c-field' },
  { key: 'diagnosis', label: 'Diagnosis' },
  { key: 'limit', label: 'To limit', cls: 'c-limit' },
  { key: 'since', label: 'Since', cls: 'c-since' },
  { key: 'age', label: 'Last seen', num: true },
  { key: 'flow', label: 'Flow', unit: 'bbl/d', num: true },
  { key: 'pip', label: 'PIP', unit: 'psi', num: true },
  { key: 'current', label: 'Current', unit: 'A', num: true, cls: 'c-current' },
  { key: 'temp', label: 'Motor T', unit: '°C', num: true, cls: 'c-temp' },
  { key: 'freq', label: 'Freq', unit: 'Hz', num: true, cls: 'c-freq' },
];

const LIMIT_CHANNEL: Record<TrendChannel, string> = {
  flow_rate: 'Flow',
  motor_current: 'Current',
  torque: 'Torque',
  pip: 'PIP',
  motor_temp: 'Motor T',
  vibration: 'Vibration',
};
const LIMIT_CHANNEL_LONG: Record<TrendChannel, string> = {
  flow_rate: 'normalised flow',
  motor_current: 'motor current',
  torque: 'torque',
  pip: 'intake pressure',
  motor_temp: 'motor temperature',
  vibration: 'vibration',
};

/** The server's rank of the wells by earliest expected limit (only wells heading to one). */
type LimitOrder = Map<string, number>;

function sortValue(w: Well, k: Key, order: LimitOrder | null): number | string | null {
  switch (k) {
    case 'limit':
      if (!w.forecast) return null;
      return order?.get(w.well_id) ?? w.forecast.time_to_limit_days;
    case 'level':
      return LEVEL_RANK[wellLevel(w)];
    case 'well':
      return w.well_id;
    case 'field':
      return w.field ?? null;
    case 'diagnosis':
      return w.status?.code ?? null;
    case 'since':
      return w.status ? Date.parse(w.status.since) : null;
    case 'age':
      return w.latest ? -Date.parse(w.latest.timestamp) : null;
    case 'flow':
      return w.latest?.flow_rate ?? null;
    case 'pip':
      return w.latest?.pip ?? null;
    case 'current':
      return w.latest?.motor_current ?? null;
    case 'temp':
      return w.latest?.motor_temp ?? null;
    case 'freq':
      return w.latest?.vsd_frequency ?? null;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: Well, b: Well, k: Key, dir: 1 | -1, order: LimitOrder | null): number {
  const va = sortValue(a, k, order);
  const vb = sortValue(b, k, order);
  // Missing values always last, whatever the direction.
  if (va == null || vb == null) {
    if (va == null && vb == null) return collator.compare(a.well_id, b.well_id);
    return va == null ? 1 : -1;
  }
  const c = typeof va === 'string' ? collator.compare(va, vb as string) : (va as number) - (vb as number);
  return c !== 0 ? c * dir : collator.compare(a.well_id, b.well_id);
}

/** The rank of each well heading to a limit in the server's order. */
function limitRanks(wells: Well[]): LimitOrder {
  const order: LimitOrder = new Map();
  wells.forEach((w, i) => {
    if (w.forecast) order.set(w.well_id, i);
  });
  return order;
}

const ROW_H = 40;
const HEAD_H = 44;

export function Fleet(): JSX.Element {
  const fleet = useFleet();
  const [text, setText] = useState('');
  const [field, setField] = useState('');
  const [level, setLevel] = useState<Level | ''>('');
  const [sort, setSort] = useState<{ key: Key; dir: 1 | -1 }>({ key: 'level', dir: -1 });
  const [now, setNow] = useState(Date.now());

  // Sorted by the earliest expected limit: ask the server for its order (and fresh forecasts) each time.
  const byLimit = sort.key === 'limit';
  const { data: limitOrder, error: limitErr } = useData(
    byLimit ? (signal) => api.wells(signal, 'time_to_limit').then((r) => limitRanks(r.wells)) : null,
    [byLimit, fleet.loadMs],
  );

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);

  const fields = useMemo(() => {
    const s = new Set<string>();
    for (const w of fleet.wells) if (w.field) s.add(w.field);
    return [...s].sort(collator.compare);
  }, [fleet.wells.length, fleet.loadMs]);

  const counts = useMemo(() => {
    const c: Record<Level, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0, nodata: 0 };
    for (const w of fleet.wells) c[wellLevel(w)]++;
    return c;
  }, [fleet.wells]);

  const rows = useMemo(() => {
    const q = text.trim().toLowerCase();
    const out = fleet.wells.filter((w) => {
      if (level && wellLevel(w) !== level) return false;
      if (field && w.field !== field) return false;
      if (!q) return true;
      return (
        w.well_id.toLowerCase().includes(q) ||
        (w.name ?? '').toLowerCase().includes(q) ||
        (w.field ?? '').toLowerCase().includes(q) ||
        (w.status?.code ?? '').toLowerCase().replace(/_/g, ' ').includes(q.replace(/_/g, ' ')) ||
        (w.status?.summary ?? '').toLowerCase().includes(q)
      );
    });
    const order = sort.key === 'limit' ? (limitOrder ?? null) : null;
    out.sort((a, b) => compare(a, b, sort.key, sort.dir, order));
    return out;
  }, [fleet.wells, text, field, level, sort, limitOrder]);

  const onSort = (key: Key) =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 1 ? -1 : 1 } : { key, dir: key === 'level' ? -1 : 1 }));
  const sortPreset = sort.key === 'limit' && sort.dir === 1 ? 'limit' : sort.key === 'level' && sort.dir === -1 ? 'level' : 'column';

  const header = (
    <div role="row" aria-rowindex={1} class="fleet-grid vhead-row">
      {COLS.map((c) => (
        <div
          role="columnheader"
          key={c.key}
          class={`${c.num ? 'num ' : ''}${c.cls ?? ''}`}
          aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
        >
          <button type="button" class="sort" onClick={() => onSort(c.key)} data-testid={`sort-${c.key}`}>
            {c.label}
            {c.unit ? <span class="unit"> {c.unit}</span> : null}
            <span class="arrow" aria-hidden="true">
              {sort.key === c.key ? (sort.dir === 1 ? '▲' : '▼') : ''}
            </span>
          </button>
        </div>
      ))}
      <div role="columnheader" class="c-spark">
        Flow 24 h
      </div>
    </div>
  );

  return (
    <section class="page fleet-page" aria-labelledby="fleet-title">
      <div class="page-head">
        <h1 id="fleet-title">Fleet</h1>
        <div class="counts" role="group" aria-label="Wells by status (press to filter)" data-testid="severity-counts">
          {LEVELS.map((l) => (
            <button
              type="button"
              key={l}
              class={`count sev-${l}${level === l ? ' on' : ''}`}
              aria-pressed={level === l}
              data-testid="severity-count"
              data-level={l}
              data-count={counts[l]}
              onClick={() => setLevel(level === l ? '' : l)}
            >
              <span class="count-n">{counts[l].toLocaleString()}</span>
              <span class="count-l">
                <span class="dot" aria-hidden="true" />
                {LEVEL_LABEL[l]}
              </span>
            </button>
          ))}
        </div>
      </div>

      <form class="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Search</span>
          <input
            type="search"
            value={text}
            placeholder="Well, name, field, diagnosis…"
            onInput={(e) => setText(e.currentTarget.value)}
            data-testid="fleet-search"
          />
        </label>
        <label>
          <span>Field</span>
          <select value={field} onChange={(e) => setField(e.currentTarget.value)} data-testid="fleet-field">
            <option value="">All fields</option>
            {fields.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Status</span>
          <select value={level} onChange={(e) => setLevel(e.currentTarget.value as Level | '')} data-testid="fleet-severity">
            <option value="">All</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {LEVEL_LABEL[l]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Sort</span>
          <select
            value={sortPreset}
            onChange={(e) => setSort(e.currentTarget.value === 'limit' ? { key: 'limit', dir: 1 } : { key: 'level', dir: -1 })}
            data-testid="fleet-sort"
          >
            <option value="level">Status, worst first</option>
            <option value="limit">Earliest expected limit</option>
            {sortPreset === 'column' ? (
              <option value="column" disabled>
                By column
              </option>
            ) : null}
          </select>
        </label>
        <p class="shown" aria-live="polite" data-testid="fleet-shown">
          {fleet.loading && !fleet.wells.length
            ? 'Loading wells…'
            : `${rows.length.toLocaleString()} of ${fleet.wells.length.toLocaleString()} wells`}
        </p>
        <button type="button" class="ghost" onClick={() => void loadFleet()} disabled={fleet.loading}>
          Reload
        </button>
      </form>

      {fleet.error ? (
        <p class="error" role="alert">
          Could not load the fleet: {fleet.error}
        </p>
      ) : null}
      {limitErr ? (
        <p class="error" role="alert">
          Could not load the order by expected limit: {limitErr}
        </p>
      ) : null}

      <VirtualList
        items={rows}
        rowHeight={ROW_H}
        headerHeight={HEAD_H}
        label="Wells"
        idPrefix="well"
        class="fleet-list"
        header={header}
        getKey={(w) => w.well_id}
        onActivate={(w) => navigate(wellHref(w.well_id))}
        rowProps={(w) => ({ 'data-testid': 'well-row', 'data-well-id': w.well_id, 'data-level': wellLevel(w) })}
        empty={fleet.loading ? 'Loading…' : 'No well matches these filters.'}
        renderRow={(w) => <FleetCells w={w} now={now} />}
      />
    </section>
  );
}

function FleetCells({ w, now }: { w: Well; now: number }): JSX.Element {
  const lvl = wellLevel(w);
  const l = w.latest;
  const stale = ageSeconds(l?.timestamp, now) > 3600;
  return (
    <>
      <div role="gridcell">
        <SeverityBadge level={lvl} />
      </div>
      <div role="gridcell" class="c-well">
        <a href={wellHref(w.well_id)} tabIndex={-1}>
          {w.well_id}
        </a>
        {w.name && w.name !== w.well_id ? <span class="sub">{w.name}</span> : null}
      </div>
      <div role="gridcell" class="c-field">
        {w.field ?? '—'}
      </div>
      <div role="gridcell" class="c-diag" title={w.status?.summary ?? undefined}>
        {w.status ? codeLabel(w.status.code) : '—'}
        {w.status ? <span class="sub">{pct(w.status.confidence)}</span> : null}
      </div>
      <div role="gridcell" class="c-limit">
        <LimitBadge f={w.forecast ?? null} />
      </div>
      <div role="gridcell" class="c-since">
        {w.status ? age(w.status.since, now) : '—'}
      </div>
      <div role="gridcell" class={`num${stale ? ' stale' : ''}`} title={l?.timestamp}>
        {l ? age(l.timestamp, now) : 'never'}
      </div>
      <div role="gridcell" class="num">
        {num(l?.flow_rate)}
      </div>
      <div role="gridcell" class="num">
        {num(l?.pip)}
      </div>
      <div role="gridcell" class="num c-current">
        {num(l?.motor_current, 1)}
      </div>
      <div role="gridcell" class="num c-temp">
        {num(l?.motor_temp, 1)}
      </div>
      <div role="gridcell" class="num c-freq">
        {num(l?.vsd_frequency, 1)}
      </div>
      <div role="gridcell" class="c-spark">
        <Sparkline values={w.sparkline} color={lvl === 'nodata' ? LEVEL_COLOR.nodata : '#2f5f98'} label={`Flow, last 24 hours, ${w.well_id}`} />
      </div>
    </>
  );
}

/** Channel and days to its limit, coloured by urgency (a week: red; two weeks: orange; later: amber). */
function LimitBadge({ f }: { f: FleetForecast | null }): JSX.Element {
  if (!f) return <span class="muted">—</span>;
  const d = f.time_to_limit_days;
  const urgency = d <= 7 ? 'critical' : d <= 14 ? 'high' : 'medium';
  return (
    <span
      class={`limit-badge sev-${urgency}`}
      title={`${LIMIT_CHANNEL_LONG[f.channel] ?? f.channel} expected to reach its limit around ${date(f.expected_at)}`}
      data-testid="limit-badge"
      data-channel={f.channel}
      data-days={d}
    >
      {LIMIT_CHANNEL[f.channel] ?? f.channel} <strong>{days(d)}</strong>
    </span>
  );
}
