// A well's reference period (the healthy, settled days slow degradation is judged against): shown to everyone,
// set or reset to the learned one by engineers and admins. Days are whole local calendar days.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { canEdit } from '../auth';
import { date, dateTime, inputDay } from '../format';
import type { ReferencePeriod } from '../types';

/** Local midnight starting the day `YYYY-MM-DD` (plus `addDays`), as an ISO instant. */
function dayStart(value: string, addDays = 0): string {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y!, m! - 1, d! + addDays).toISOString();
}

export function ReferenceEditor(p: {
  wellId: string;
  reference: ReferencePeriod | null;
  loading: boolean;
  error: string;
  onChanged: (r: ReferencePeriod | null) => void;
}): JSX.Element {
  const editable = canEdit();
  const r = p.reference;
  // The `to` instant is exclusive: the last day shown is the day before it.
  const lastDay = (iso: string) => Date.parse(iso) - 1;
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);

  useEffect(() => {
    setFrom(inputDay(r?.from));
    setTo(r ? inputDay(lastDay(r.to)) : '');
  }, [r?.from, r?.to]);

  const today = inputDay(Date.now());
  const invalid =
    !from || !to
      ? 'Choose the first and the last day.'
      : from > to
        ? 'The first day must not be after the last day.'
        : to > today
          ? 'The reference cannot end in the future.'
          : '';

  const save = async (e: Event) => {
    e.preventDefault();
    if (invalid) {
      setMsg({ text: invalid, error: true });
      return;
    }
    setBusy(true);
    setMsg(null);
    try {
      // A period ending today ends now: the server takes no reference in the future.
      const end = new Date(Math.min(Date.parse(dayStart(to, 1)), Date.now())).toISOString();
      const res = await api.setReference(p.wellId, dayStart(from), end);
      p.onChanged(res.reference);
      setMsg({ text: 'Reference period saved.', error: false });
    } catch (err) {
      setMsg({ text: `Could not save the reference: ${errorText(err)}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  const reset = async () => {
    setBusy(true);
    setMsg(null);
    try {
      const res = await api.resetReference(p.wellId);
      p.onChanged(res.reference);
      setMsg({ text: 'Back to the automatic reference.', error: false });
    } catch (err) {
      setMsg({ text: `Could not reset the reference: ${errorText(err)}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="ref-title" data-testid="reference-panel">
      <h2 id="ref-title">Reference period</h2>
      <p class="muted small">The healthy, settled days that trends and slow degradation are measured against.</p>
      {p.error ? (
        <p class="error" role="alert">
          Could not load the reference: {p.error}
        </p>
      ) : null}
      <p data-testid="reference-current" data-source={r?.source ?? 'none'}>
        {r ? (
          <>
            <strong>
              {date(r.from)} – {date(lastDay(r.to))}
            </strong>{' '}
            <span class={`ref-source ${r.source}`}>{r.source === 'engineer' ? 'set by an engineer' : 'automatic'}</span>
            <span class="sub" title="exact instants">
              {dateTime(r.from)} to {dateTime(r.to)}
            </span>
          </>
        ) : p.loading ? (
          <span class="muted">Loading…</span>
        ) : (
          <span class="muted">None yet: it is learned from the first settled, healthy days.</span>
        )}
      </p>
      {editable ? (
        <form class="ref-form" onSubmit={(e) => void save(e)} data-testid="reference-form">
          <label>
            <span>First day</span>
            <input type="date" value={from} max={to || undefined} onInput={(e) => setFrom(e.currentTarget.value)} required data-testid="reference-from" />
          </label>
          <label>
            <span>Last day</span>
            <input type="date" value={to} min={from || undefined} max={today} onInput={(e) => setTo(e.currentTarget.value)} required data-testid="reference-to" />
          </label>
          <div class="ref-actions">
            <button type="submit" class="primary" disabled={busy} data-testid="reference-save">
              Set reference
            </button>
            <button type="button" class="ghost" disabled={busy || r?.source !== 'engineer'} onClick={() => void reset()} data-testid="reference-reset">
              Reset to automatic
            </button>
          </div>
        </form>
      ) : (
        <p class="muted small" data-testid="reference-readonly">
          Only engineers and administrators can change the reference.
        </p>
      )}
      {msg ? (
        <p class={msg.error ? 'error' : 'note'} role={msg.error ? 'alert' : 'status'} data-testid="reference-msg">
          {msg.text}
        </p>
      ) : null}
    </section>
  );
}
