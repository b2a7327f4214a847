// Alarms: tabs active / acknowledged / cleared, severity filter, acknowledge with a note; updated live.
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { upsert } from '../alarms';
import { api } from '../api';
import { AlarmList } from '../components/AlarmList';
import { useLive } from '../live';
import { LEVEL_LABEL, SEVERITY_ORDER } from '../severity';
import { ALARM_STATUSES, type Alarm, type AlarmStatus, type Severity } from '../types';
import { useData } from '../useData';

const LIMIT = 2000;
const TAB_TEXT: Record<AlarmStatus, string> = { active: 'Active', acknowledged: 'Acknowledged', cleared: 'Cleared' };

export function Alarms(): JSX.Element {
  const [tab, setTab] = useState<AlarmStatus>('active');
  const [severity, setSeverity] = useState<Severity | ''>('');
  const [wellText, setWellText] = useState('');
  const [now, setNow] = useState(Date.now());
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);

  const {
    data: alarms,
    setData: setAlarms,
    error: err,
    loading,
    reload,
  } = useData((signal) => api.alarms({ status: tab, severity, limit: LIMIT }, signal).then((r) => r.alarms), [tab, severity], [] as Alarm[]);

  // Live: keep the list to alarms that (still) belong to this tab and filter.
  useLive(
    (b) => {
      if (!b.alarms.length) return;
      setAlarms((cur) => {
        const gone = new Set(b.alarms.filter((a) => a.status !== tab).map((a) => a.id));
        const fits = b.alarms.filter((a) => a.status === tab && (!severity || a.severity === severity));
        return upsert(gone.size ? cur.filter((a) => !gone.has(a.id)) : cur, fits);
      });
    },
    [tab, severity],
  );

  const shown = useMemo(() => {
    const q = wellText.trim().toLowerCase();
    const list = q ? alarms.filter((a) => a.well_id.toLowerCase().includes(q) || a.code.toLowerCase().includes(q)) : alarms;
    return [...list].sort(
      (x, y) => SEVERITY_ORDER[y.severity] - SEVERITY_ORDER[x.severity] || Date.parse(y.raised_at) - Date.parse(x.raised_at),
    );
  }, [alarms, wellText]);

  const onTabKey = (e: KeyboardEvent, i: number) => {
    const n = ALARM_STATUSES.length;
    const j = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i + n - 1) % n : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
    if (j < 0) return;
    e.preventDefault();
    setTab(ALARM_STATUSES[j]!);
    tabs.current[j]?.focus();
  };

  return (
    <section class="page alarms-page" aria-labelledby="alarms-title">
      <div class="page-head">
        <h1 id="alarms-title">Alarms</h1>
      </div>
      <div class="tabs" role="tablist" aria-label="Alarm status">
        {ALARM_STATUSES.map((s, i) => (
          <button
            type="button"
            role="tab"
            key={s}
            id={`tab-${s}`}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            aria-selected={tab === s}
            aria-controls="alarms-panel"
            tabIndex={tab === s ? 0 : -1}
            onClick={() => setTab(s)}
            onKeyDown={(e) => onTabKey(e, i)}
            data-testid={`alarm-tab-${s}`}
          >
            {TAB_TEXT[s]}
            {tab === s && !loading ? <span class="tab-n">{alarms.length.toLocaleString()}</span> : null}
          </button>
        ))}
      </div>
      <div id="alarms-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} class="tabpanel">
        <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
          <label>
            <span>Severity</span>
            <select value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity | '')} data-testid="alarm-severity">
              <option value="">All</option>
              {(['critical', 'high', 'medium', 'low', 'info'] as const).map((s) => (
                <option key={s} value={s}>
                  {LEVEL_LABEL[s]}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Well or code</span>
            <input type="search" value={wellText} onInput={(e) => setWellText(e.currentTarget.value)} placeholder="e.g. W-0042" />
          </label>
          <p class="shown" aria-live="polite">
            {loading ? 'Loading…' : `${shown.length.toLocaleString()} ${TAB_TEXT[tab].toLowerCase()} alarm${shown.length === 1 ? '' : 's'}`}
            {alarms.length >= LIMIT ? ` (first ${LIMIT.toLocaleString()})` : ''}
          </p>
          <button type="button" class="ghost" onClick={reload}>
            Reload
          </button>
        </form>
        {err ? (
          <p class="error" role="alert">
            Could not load alarms: {err}
          </p>
        ) : null}
        <AlarmList
          alarms={shown}
          showWell
          label={`${TAB_TEXT[tab]} alarms`}
          empty={loading ? 'Loading…' : `No ${TAB_TEXT[tab].toLowerCase()} alarms.`}
          now={now}
          onChanged={(a) => setAlarms((cur) => (a.status === tab ? upsert(cur, [a]) : cur.filter((c) => c.id !== a.id)))}
        />
      </div>
    </section>
  );
}
