// Readings carry ISO 8601 timestamps; a batch of 1000 is 1000 of them, checked by the schema (RFC 3339
// date-time) and then converted to epoch ms. Nearly all arrive in one canonical form, which is read here
// directly from the characters: `YYYY-MM-DDTHH:MM:SS[.sss](Z|±HH:MM)`, year 1970 or later. Anything else
// (other separators, lower case, more fraction digits, leap seconds, older years) is left to the general
// validator and Date.parse, so what is accepted and how it is read does not change.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Epoch ms of a canonical RFC 3339 timestamp, or NaN when `s` is not in that form (not necessarily invalid). */
export function parseCanonicalTimestamp(s: string): number {
  const n = s.length;
  if (n !== 20 && n !== 24 && n !== 25 && n !== 29) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (century < 0 || yy < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  const year = century * 100 + yy;
  if (year < 1970 || month < 1 || month > 12 || day < 1) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return NaN;
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    // ".sss": exactly three digits here
    const a = s.charCodeAt(20) - 48;
    const b = s.charCodeAt(21) - 48;
    const c = s.charCodeAt(22) - 48;
    if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9)) return NaN;
    ms = a * 100 + b * 10 + c;
    i = 23;
  }
  let offsetMin = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90) {
    if (i + 1 !== n) return NaN;
  } else if (zone === 43 || zone === 45) {
    if (i + 6 !== n || s.charCodeAt(i + 3) !== 58) return NaN;
    const oh = twoDigits(s, i + 1);
    const om = twoDigits(s, i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMin = (zone === 45 ? -1 : 1) * (oh * 60 + om);
  } else return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
}
