import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLiveStatus } from '../live';

const TEXT = { off: 'Live off', connecting: 'Connecting…', open: 'Live', error: 'Reconnecting…' } as const;

/** Connection state of the live event stream, pulsing when readings arrive. */
export function LiveIndicator(): JSX.Element {
  const s = useLiveStatus();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const fresh = s.lastReadingAt != null && now - s.lastReadingAt < 2000;
  const title =
    s.lastReadingAt != null
      ? `${s.readings.toLocaleString()} readings received; last ${Math.round((now - s.lastReadingAt) / 1000)} s ago`
      : 'No live readings yet';
  return (
    <span
      class={`live live-${s.state}${fresh ? ' fresh' : ''}`}
      data-testid="live-indicator"
      data-state={s.state}
      data-readings={s.readings}
      title={title}
      role="status"
      aria-live="off"
    >
      <span class="live-dot" aria-hidden="true" />
      {TEXT[s.state]}
      <span class="sr-only">{`. ${title}`}</span>
    </span>
  );
}
