// Number and time formatting shared by all pages.

const nf = [0, 1, 2, 3].map((d) => new Intl.NumberFormat(undefined, { minimumFractionDigits: d, maximumFractionDigits: d }));

export function num(v: number | null | undefined, digits = 0): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return nf[Math.max(0, Math.min(3, digits))]!.format(v);
}

export function pct(v: number | null | undefined): string {
  return v == null ? '—' : `${Math.round(v * 100)} %`;
}

/** "12 s", "5 min", "3 h", "4 d" since `iso` (relative to `now` ms). */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

export function ageSeconds(iso: string | null | undefined, now: number): number {
  if (!iso) return Number.POSITIVE_INFINITY;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : (now - t) / 1000;
}

const dtf = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dtf.format(t);
}

export function codeLabel(code: string | null | undefined): string {
  if (!code) return '—';
  const ACRONYMS = new Set(['VSD', 'GOR', 'PIP']);
  return code
    .split('_')
    .map((w, i) => (ACRONYMS.has(w) ? w : i === 0 ? w.charAt(0) + w.slice(1).toLowerCase() : w.toLowerCase()))
    .join(' ');
}

const df = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: '2-digit' });

/** The calendar day of `iso` ("02 Dec 2026"). */
export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : df.format(t);
}

/** A duration in days: "0.4 d", "12 d", "1,234 d". */
export function days(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${num(v, Math.abs(v) < 10 ? 1 : 0)} d`;
}

/** "value (low–high)" with the same digits, for an estimate and its interval. */
export function interval(value: number | null | undefined, low: number | null | undefined, high: number | null | undefined, digits = 0, unit = ''): string {
  if (value == null || !Number.isFinite(value)) return '—';
  const u = unit ? ` ${unit}` : '';
  if (low == null || high == null || !Number.isFinite(low) || !Number.isFinite(high)) return `${num(value, digits)}${u}`;
  return `${num(value, digits)}${u} (${num(low, digits)}–${num(high, digits)})`;
}
