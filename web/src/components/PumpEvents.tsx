// A well's pump events (installs, starts, stops, trips, pulls, failures: posted by users or detected from the
// data), newest first, and a form for engineers and admins to record one. They feed the run-life statistics.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { canEdit } from '../auth';
import { dateTime, inputDateTime } from '../format';
import { PUMP_EVENT_TYPES, type PumpEvent, type PumpEventType } from '../types';

export const EVENT_LABEL: Record<PumpEventType, string> = {
  install: 'Install',
  start: 'Start',
  stop: 'Stop',
  trip: 'Trip',
  pull: 'Pull',
  failure: 'Failure',
};

export function PumpEvents(p: {
  wellId: string;
  events: PumpEvent[];
  loading: boolean;
  error: string;
  onAdded: (e: PumpEvent) => void;
}): JSX.Element {
  const editable = canEdit();
  const [type, setType] = useState<PumpEventType>('install');
  const [at, setAt] = useState(() => inputDateTime(Date.now()));
  const [model, setModel] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);

  const sorted = [...p.events].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id - a.id);

  const submit = async (e: Event) => {
    e.preventDefault();
    const t = Date.parse(at);
    if (!at || Number.isNaN(t)) {
      setMsg({ text: 'Give the date and time of the event.', error: true });
      return;
    }
    if (t > Date.now() + 60_000) {
      setMsg({ text: 'The event cannot be in the future.', error: true });
      return;
    }
    setBusy(true);
    setMsg(null);
    try {
      const body: { type: PumpEventType; at: string; pump_model?: string; reason?: string } = { type, at: new Date(t).toISOString() };
      if (model.trim()) body.pump_model = model.trim();
      if (reason.trim()) body.reason = reason.trim();
      const res = await api.addEvent(p.wellId, body);
      p.onAdded(res.event);
      setReason('');
      setMsg({ text: `${EVENT_LABEL[res.event.type]} recorded.`, error: false });
    } catch (err) {
      setMsg({ text: `Could not record the event: ${errorText(err)}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="ev-title" data-testid="pump-events">
      <h2 id="ev-title">Pump events</h2>
      {p.error ? (
        <p class="error" role="alert">
          Could not load the pump events: {p.error}
        </p>
      ) : null}
      {editable ? (
        <form class="event-form" onSubmit={(e) => void submit(e)} data-testid="event-form">
          <label>
            <span>Event</span>
            <select value={type} onChange={(e) => setType(e.currentTarget.value as PumpEventType)} data-testid="event-type">
              {PUMP_EVENT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {EVENT_LABEL[t]}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>When (local time)</span>
            <input type="datetime-local" value={at} max={inputDateTime(Date.now())} onInput={(e) => setAt(e.currentTarget.value)} required data-testid="event-at" />
          </label>
          <label>
            <span>Pump model</span>
            <input type="text" value={model} maxLength={100} placeholder={type === 'install' ? 'e.g. D1050N' : 'optional'} onInput={(e) => setModel(e.currentTarget.value)} data-testid="event-model" />
          </label>
          <label class="grow">
            <span>Reason / note</span>
            <input type="text" value={reason} maxLength={500} placeholder="optional" onInput={(e) => setReason(e.currentTarget.value)} data-testid="event-reason" />
          </label>
          <button type="submit" class="primary" disabled={busy} data-testid="event-submit">
            Add event
          </button>
        </form>
      ) : null}
      {msg ? (
        <p class={msg.error ? 'error' : 'note'} role={msg.error ? 'alert' : 'status'} data-testid="event-msg">
          {msg.text}
        </p>
      ) : null}
      {sorted.length === 0 ? (
        <p class="muted">{p.loading ? 'Loading…' : 'No pump event recorded or detected yet.'}</p>
      ) : (
        <div class="table-wrap scroll">
          <table class="data" data-testid="event-list">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Pump model</th>
                <th scope="col">Reason</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((e) => (
                <tr key={e.id} data-testid="event-row" data-type={e.type} data-source={e.source}>
                  <td class="nowrap">
                    <time dateTime={e.at}>{dateTime(e.at)}</time>
                  </td>
                  <td>
                    <span class={`ev-type ev-${e.type}`}>{EVENT_LABEL[e.type]}</span>
                  </td>
                  <td>{e.pump_model ?? <span class="muted">—</span>}</td>
                  <td>{e.reason ?? <span class="muted">—</span>}</td>
                  <td class="muted">{e.source === 'detected' ? 'detected from data' : 'recorded'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
