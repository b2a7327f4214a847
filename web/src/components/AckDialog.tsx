// Acknowledge an alarm with a note (modal <dialog>: focus is trapped and Esc cancels).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { codeLabel } from '../format';
import type { Alarm } from '../types';

export function AckDialog({ alarm, onDone, onClose }: { alarm: Alarm; onDone: (a: Alarm) => void; onClose: () => void }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState('');

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr('');
    try {
      const r = await api.ack(alarm.id, note.trim());
      onDone(r.alarm);
    } catch (x) {
      setErr(errorText(x));
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="dialog" aria-labelledby="ack-title" onClose={onClose} data-testid="ack-dialog">
      <form onSubmit={submit}>
        <h2 id="ack-title">Acknowledge alarm</h2>
        <p>
          <strong>{alarm.well_id}</strong> · {codeLabel(alarm.code)}
          <br />
          <span class="muted">{alarm.message}</span>
        </p>
        <label class="block">
          <span>Note (what you did or will do)</span>
          <textarea value={note} rows={3} maxLength={1000} onInput={(e) => setNote(e.currentTarget.value)} data-testid="ack-note" />
        </label>
        {err ? (
          <p class="error" role="alert">
            {err}
          </p>
        ) : null}
        <div class="dialog-actions">
          <button type="button" class="ghost" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy} data-testid="ack-submit">
            {busy ? 'Acknowledging…' : 'Acknowledge'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
