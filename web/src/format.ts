// Number and time formatting shared by all pages.

const nf = [0, 1, 2, 3].map((d) => new Intl.NumberFormat(undefined, { minimumFractionDigits: d, maximumFractionDigits: d }));

export function num(v: number | null | undefined, digits = 0): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return nf[Math.max(0, Math.min(3, digits))]!.format(v);
}

/** A fraction in per cent: "42 %", or with decimals "42.5 %". */
export function pct(v: number | null | undefined, digits = 0): string {
  return v != null && Number.isFinite(v) ? `${num(v * 100, digits)} %` : '—';
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

/** An instant: an ISO timestamp from the API, or epoch milliseconds. */
export type Instant = string | number | null | undefined;

function formatInstant(t: Instant, f: Intl.DateTimeFormat): string {
  if (t == null || t === '') return '—';
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (Number.isFinite(ms)) return f.format(ms);
  return typeof t === 'string' ? t : '—';
}

/** Date and time to the second ("02 Dec 2026, 14:05:09"); an unreadable timestamp is shown as it is. */
export function dateTime(t: Instant): string {
  return formatInstant(t, dtf);
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

/** The calendar day ("02 Dec 2026"). */
export function date(t: Instant): string {
  return formatInstant(t, df);
}

function localParts(t: Instant): { day: string; time: string } | null {
  if (t == null || t === '') return null;
  const d = new Date(typeof t === 'number' ? t : Date.parse(t));
  if (Number.isNaN(d.getTime())) return null;
  const p = (n: number) => String(n).padStart(2, '0');
  return { day: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`, time: `${p(d.getHours())}:${p(d.getMinutes())}` };
}

/** The local calendar day as a date input's value: "2026-12-02" ('' for none). */
export function inputDay(t: Instant): string {
  return localParts(t)?.day ?? '';
}

/** The local time to the minute as a datetime-local input's value: "2026-12-02T14:05" ('' for none). */
export function inputDateTime(t: Instant): string {
  const l = localParts(t);
  return l ? `${l.day}T${l.time}` : '';
}

function finite(v: number | null | undefined): v is number {
  return v != null && Number.isFinite(v);
}

/** A measured value with the decimals that suit its size: "1,510", "71.2", "5.43", "0.542". */
export function sizedNum(v: number | null | undefined): string {
  if (!finite(v)) return '—';
  const a = Math.abs(v);
  return num(v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

/** A number of days, with a decimal below ten: "0.4", "8.5", "12", "1,234". */
export function dayCount(v: number | null | undefined): string {
  return finite(v) ? num(v, Math.abs(v) < 10 ? 1 : 0) : '—';
}

/** A duration in days: "0.4 d", "12 d", "1,234 d". */
export function days(v: number | null | undefined): string {
  return finite(v) ? `${dayCount(v)} d` : '—';
}

export interface EstimateStyle {
  /** Decimals of every number, or `'days'` for day counts (a decimal below ten). Default 0. */
  digits?: number | 'days';
  unit?: string;
  /** Repeat the unit after the interval: "12 d (8.5–20 d)" rather than "12 d (8.5–20)". */
  unitAfterInterval?: boolean;
  /** Multiply every number first (100: a fraction written in per cent). */
  scale?: number;
  /** Written for a missing upper bound (an interval open at the top, e.g. ">30"); otherwise "—". */
  openHigh?: string;
}

/**
 * An estimate and its interval, all in the same style: "2.15 (1.60–2.70)", "412 d (350–480)",
 * "71.5 % (60.2–80.1 %)". Without either bound, the value alone.
 */
export function estimate(
  value: number | null | undefined,
  low: number | null | undefined,
  high: number | null | undefined,
  style: EstimateStyle = {},
): string {
  if (!finite(value)) return '—';
  const { digits = 0, unit = '', scale = 1 } = style;
  const write = (v: number) => (digits === 'days' ? dayCount(v * scale) : num(v * scale, digits));
  const u = unit ? ` ${unit}` : '';
  const lo = finite(low) ? write(low) : null;
  const hi = finite(high) ? write(high) : (style.openHigh ?? null);
  if (lo == null && hi == null) return `${write(value)}${u}`;
  return `${write(value)}${u} (${lo ?? '—'}–${hi ?? '—'}${style.unitAfterInterval ? u : ''})`;
}
