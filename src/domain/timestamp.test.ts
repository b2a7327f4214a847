// The canonical-timestamp fast path must agree with the general path it short-cuts: whenever it reads a
// string, ajv-formats' RFC 3339 check accepts it and Date.parse gives the same instant; what it does not read
// is left to them, so the schema's verdict never changes.
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createBodyAjv } from './validation.js';
import { parseCanonicalTimestamp } from './timestamp.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const reference = addFormats(new Ajv()).compile({ type: 'string', format: 'date-time' });
const ours = createBodyAjv().compile({ type: 'string', format: 'date-time' });

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Random timestamps near the canonical form: valid ones, out-of-range fields, other separators and zones. */
function candidates(count: number, seed: number): string[] {
  let x = seed;
  const rnd = (n: number) => (x = (x * 1103515245 + 12345) % 2 ** 31) % n;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // Each field is usually in range, sometimes just outside it.
    const field = (lo: number, hi: number, over: number) => (rnd(10) < 8 ? lo + rnd(hi - lo + 1) : rnd(over));
    const year = [1969, 1970, 2000, 2024, 2026, 2026, 2026, 2100, 1900, 99][rnd(10)];
    const date = `${pad(year, 4)}-${pad(field(1, 12, 14))}-${pad(field(1, 28, 33))}`;
    const time = `${pad(field(0, 23, 26))}:${pad(field(0, 59, 62))}:${pad(field(0, 59, 62))}`;
    const frac = ['', '', '.123', '.5', '.000', '.999999', '.'][rnd(7)];
    const zone = ['Z', 'Z', 'Z', 'z', '+00:00', '-05:30', '+23:59', '+24:00', '-00:60', '+0530', '+05', ''][rnd(12)];
    const sep = ['T', 'T', 'T', 't', ' '][rnd(5)];
    out.push(date + sep + time + frac + zone);
  }
  return out;
}

describe('canonical timestamps', () => {
  it('reads the canonical form exactly as Date.parse does', () => {
    expect(parseCanonicalTimestamp('2026-11-26T12:13:18Z')).toBe(Date.UTC(2026, 10, 26, 12, 13, 18));
    expect(parseCanonicalTimestamp('2026-11-26T12:13:18.250+03:00')).toBe(Date.parse('2026-11-26T12:13:18.250+03:00'));
    expect(parseCanonicalTimestamp('2024-02-29T23:59:59.999-12:00')).toBe(Date.parse('2024-02-29T23:59:59.999-12:00'));
    // Not the canonical form (left to the general path): these are not errors here.
    for (const s of ['2026-11-26 12:13:18Z', '2026-11-26T12:13:18.1234Z', '2026-11-26t12:13:18z', '1969-12-31T23:59:59Z', '2026-12-31T23:59:60Z', '2026-11-26T12:13:18+0300']) {
      expect(parseCanonicalTimestamp(s), s).toBeNaN();
    }
    // Impossible dates are never read.
    for (const s of ['2025-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+24:00']) {
      expect(parseCanonicalTimestamp(s), s).toBeNaN();
      expect(ours(s), s).toBe(reference(s));
    }
  });

  it('agrees with ajv-formats and Date.parse on 50 000 generated strings', () => {
    let read = 0;
    for (const s of candidates(50_000, 7)) {
      expect(ours(s), s).toBe(reference(s));
      const fast = parseCanonicalTimestamp(s);
      if (Number.isNaN(fast)) continue;
      read++;
      expect(reference(s), s).toBe(true);
      expect(fast, s).toBe(Date.parse(s));
    }
    expect(read).toBeGreaterThan(1000);
  });
});
