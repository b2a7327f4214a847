// The dashboard's one set of formatters: estimates with their intervals (forecast, reliability), day counts,
// sized numbers, instants given as ISO strings or epoch milliseconds, and the values of date inputs.
import { describe, expect, it } from 'vitest';
import { date, dateTime, dayCount, days, estimate, inputDateTime, inputDay, pct, sizedNum } from '../../web/src/format.js';

// The browser's locale decides separators; build the expected numbers with it, the composition is under test.
const n = (v: number, digits: number) => new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);

describe('estimate', () => {
  it('writes the value, its unit and the interval with the same digits', () => {
    expect(estimate(2.154, 1.6, 2.71, { digits: 2 })).toBe(`${n(2.15, 2)} (${n(1.6, 2)}–${n(2.71, 2)})`);
    expect(estimate(412.4, 350, 480.6, { unit: 'd' })).toBe(`${n(412, 0)} d (${n(350, 0)}–${n(481, 0)})`);
  });

  it('scales a fraction to per cent and repeats the unit after the interval', () => {
    expect(estimate(0.7153, 0.6021, 0.8012, { digits: 1, scale: 100, unit: '%', unitAfterInterval: true })).toBe(
      `${n(71.5, 1)} % (${n(60.2, 1)}–${n(80.1, 1)} %)`,
    );
  });

  it('writes day counts with a decimal below ten and an open upper bound', () => {
    const ttl = { digits: 'days', unit: 'd', unitAfterInterval: true, openHigh: '>30' } as const;
    expect(estimate(12.3, 8.46, 20, ttl)).toBe(`${n(12, 0)} d (${n(8.5, 1)}–${n(20, 0)} d)`);
    expect(estimate(4.24, 2.5, null, ttl)).toBe(`${n(4.2, 1)} d (${n(2.5, 1)}–>30 d)`);
    expect(estimate(4.24, null, null, ttl)).toBe(`${n(4.2, 1)} d (—–>30 d)`);
  });

  it('leaves out an interval without bounds, and shows a missing value as a dash', () => {
    expect(estimate(3, null, undefined, { unit: 'A/d' })).toBe(`${n(3, 0)} A/d`);
    expect(estimate(3, Number.NaN, 5)).toBe(`${n(3, 0)} (—–${n(5, 0)})`);
    expect(estimate(null, 1, 2)).toBe('—');
    expect(estimate(Number.POSITIVE_INFINITY, 1, 2)).toBe('—');
  });
});

describe('numbers and durations', () => {
  it('gives day counts a decimal only below ten days', () => {
    expect(dayCount(0.44)).toBe(n(0.4, 1));
    expect(dayCount(9.96)).toBe(n(10, 1));
    expect(dayCount(12.4)).toBe(n(12, 0));
    expect(days(1234)).toBe(`${n(1234, 0)} d`);
    expect(days(null)).toBe('—');
    expect(dayCount(undefined)).toBe('—');
  });

  it('sizes decimals to the value', () => {
    expect(sizedNum(1510.4)).toBe(n(1510, 0));
    expect(sizedNum(71.24)).toBe(n(71.2, 1));
    expect(sizedNum(-5.432)).toBe(n(-5.43, 2));
    expect(sizedNum(0.5424)).toBe(n(0.542, 3));
    expect(sizedNum(null)).toBe('—');
  });

  it('writes fractions in per cent', () => {
    expect(pct(0.424)).toBe(`${n(42, 0)} %`);
    expect(pct(0.4256, 1)).toBe(`${n(42.6, 1)} %`);
    expect(pct(null)).toBe('—');
    expect(pct(Number.NaN)).toBe('—');
  });
});

describe('instants', () => {
  const iso = '2026-12-02T14:05:09.000Z';
  const ms = Date.parse(iso);

  it('formats an ISO timestamp and the same instant in milliseconds alike', () => {
    expect(dateTime(ms)).toBe(dateTime(iso));
    expect(date(ms)).toBe(date(iso));
    expect(dateTime(iso)).not.toBe(date(iso));
  });

  it('shows an unreadable timestamp as it is and a missing one as a dash', () => {
    expect(dateTime('not a time')).toBe('not a time');
    expect(date('')).toBe('—');
    expect(dateTime(null)).toBe('—');
    expect(date(Number.NaN)).toBe('—');
  });

  it('gives date inputs the local day and minute', () => {
    const local = new Date(2026, 11, 2, 9, 5, 59).getTime();
    expect(inputDay(local)).toBe('2026-12-02');
    expect(inputDateTime(local)).toBe('2026-12-02T09:05');
    expect(inputDay(new Date(local).toISOString())).toBe('2026-12-02');
    expect(inputDay(undefined)).toBe('');
    expect(inputDateTime('garbage')).toBe('');
  });
});
