// Diagnosis timeline: a colour strip over the shown time range, then the list (newest first); each entry
// expands to its evidence table and recommended actions.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { codeLabel, dateTime, pct, sizedNum } from '../format';
import { LEVEL_COLOR, LEVEL_LABEL } from '../severity';
import type { Diagnosis } from '../types';
import { SeverityBadge } from './SeverityBadge';

export function DiagnosisTimeline({ items, from, to }: { items: Diagnosis[]; from: number; to: number }): JSX.Element {
  // Until the user toggles one, the newest diagnosis is shown open.
  const [open, setOpen] = useState<Set<number> | null>(null);
  const newest = items[0]?.diagnostic_id;
  const isOpenId = (id: number) => (open ? open.has(id) : id === newest);
  const toggle = (id: number) =>
    setOpen((s) => {
      const n = new Set(s ?? (newest !== undefined ? [newest] : []));
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  return (
    <div class="timeline" data-testid="diagnosis-timeline">
      <Strip items={items} from={from} to={to} />
      {items.length === 0 ? <p class="muted">No diagnosis recorded yet.</p> : null}
      <ol class="diag-list">
        {items.map((d) => {
          const isOpen = isOpenId(d.diagnostic_id);
          const panel = `diag-${d.diagnostic_id}`;
          return (
            <li key={d.diagnostic_id} class={`diag sev-${d.severity}`} data-testid="diagnosis-item" data-diagnosis={d.code}>
              <button type="button" class="diag-head" aria-expanded={isOpen} aria-controls={panel} onClick={() => toggle(d.diagnostic_id)}>
                <span class="chev" aria-hidden="true">
                  {isOpen ? '▾' : '▸'}
                </span>
                <time dateTime={d.timestamp}>{dateTime(d.timestamp)}</time>
                <SeverityBadge level={d.severity} />
                <strong>{codeLabel(d.code)}</strong>
                <span class="muted">confidence {pct(d.confidence)}</span>
                {d.summary ? <span class="diag-summary">{d.summary}</span> : null}
              </button>
              {isOpen ? (
                <div id={panel} class="diag-body">
                  <Evidence d={d} />
                  {d.actions.length ? (
                    <div class="actions">
                      <h4>Recommended actions</h4>
                      <ul>
                        {d.actions.map((a, i) => (
                          <li key={i}>{a}</li>
                        ))}
                      </ul>
                      {d.resolution_time ? <p class="muted">Estimated time to resolve: {d.resolution_time}</p> : null}
                    </div>
                  ) : null}
                  <p class="muted small">
                    Category {d.category} · judged reading {dateTime(d.timestamp)} · recorded {dateTime(d.created_at)}
                  </p>
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function EvidenceTable({ rows, caption }: { rows: Diagnosis['evidence']; caption: string }): JSX.Element {
  if (!rows.length) return <p class="muted">No evidence recorded.</p>;
  return (
    <table class="evidence" data-testid="evidence-table">
      <caption class="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col" class="num">
            Observed
          </th>
          <th scope="col" class="num">
            Baseline
          </th>
          <th scope="col" class="num">
            Limit
          </th>
          <th scope="col">Rule</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((e, i) => (
          <tr key={i}>
            <th scope="row">{e.channel}</th>
            <td class="num">{sizedNum(e.observed)}</td>
            <td class="num">{sizedNum(e.baseline)}</td>
            <td class="num">{sizedNum(e.limit)}</td>
            <td>
              <code>{e.rule}</code>
            </td>
            <td>{e.note ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Evidence({ d }: { d: Diagnosis }): JSX.Element {
  return <EvidenceTable rows={d.evidence} caption={`Evidence for ${codeLabel(d.code)} at ${dateTime(d.timestamp)}`} />;
}

/** Segments coloured by severity: each diagnosis holds until the next one. */
function Strip({ items, from, to }: { items: Diagnosis[]; from: number; to: number }): JSX.Element | null {
  const span = to - from;
  if (!(span > 0) || !items.length) return null;
  const asc = [...items].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  const segs: { left: number; width: number; d: Diagnosis }[] = [];
  asc.forEach((d, i) => {
    const s = Date.parse(d.timestamp) / 1000;
    const e = i + 1 < asc.length ? Date.parse(asc[i + 1]!.timestamp) / 1000 : to;
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (b > a) segs.push({ left: ((a - from) / span) * 100, width: ((b - a) / span) * 100, d });
  });
  return (
    <div class="strip" role="img" aria-label={`Diagnoses over the shown range: ${segs.map((s) => codeLabel(s.d.code)).join(', ') || 'none'}`}>
      {segs.map((s) => (
        <span
          key={s.d.diagnostic_id}
          class="seg"
          style={{ left: `${s.left}%`, width: `${s.width}%`, background: LEVEL_COLOR[s.d.severity] }}
          title={`${codeLabel(s.d.code)} (${LEVEL_LABEL[s.d.severity]}) from ${dateTime(s.d.timestamp)}`}
        />
      ))}
    </div>
  );
}
