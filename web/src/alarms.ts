import type { Alarm } from './types';

/** Replace alarms by id (or add them). */
export function upsert(cur: Alarm[], incoming: Alarm[]): Alarm[] {
  const m = new Map(cur.map((a) => [a.id, a]));
  for (const a of incoming) m.set(a.id, a);
  return [...m.values()];
}

const ORDER = { active: 0, acknowledged: 1, cleared: 2 } as const;

/** Active first, then acknowledged, then cleared; newest first within each. */
export function sortAlarms(a: Alarm[]): Alarm[] {
  return [...a].sort((x, y) => ORDER[x.status] - ORDER[y.status] || Date.parse(y.raised_at) - Date.parse(x.raised_at));
}
