// A reading: one well, one instant, any subset of the nine ESP channels (ESP-DIAGNOSTICS.md section 1).
// Absent channels are null, never zero: zero is a real value (a stopped pump has zero flow and amps).

export const CHANNELS = [
  'flow_rate',
  'pip',
  'motor_current',
  'motor_temp',
  'vibration',
  'vsd_frequency',
  'flow_variance',
  'torque',
  'gor',
] as const;

export type Channel = (typeof CHANNELS)[number];

export interface ChannelSpec {
  unit: string;
  description: string;
  /** Physically impossible below this (reject). */
  min: number;
  /** Physically impossible above this (reject); undefined = no upper bound. */
  max?: number;
}

export const CHANNEL_SPECS: Record<Channel, ChannelSpec> = {
  flow_rate: { unit: 'bbl/day', description: 'liquid rate at surface', min: 0, max: 60_000 },
  pip: { unit: 'psi', description: 'pump intake pressure', min: 0, max: 10_000 },
  motor_current: { unit: 'A', description: 'motor amps (average of phases)', min: 0, max: 1_000 },
  motor_temp: { unit: '°C', description: 'motor winding temperature', min: -50, max: 300 },
  vibration: { unit: 'g RMS', description: 'pump/motor vibration', min: 0, max: 50 },
  vsd_frequency: { unit: 'Hz', description: 'drive output frequency', min: 0, max: 120 },
  flow_variance: { unit: '%', description: 'short-term variability of flow', min: 0, max: 1_000 },
  torque: { unit: 'N·m', description: 'shaft torque', min: 0, max: 1_000_000 },
  gor: { unit: 'scf/bbl', description: 'gas–oil ratio', min: 0, max: 100_000 },
};

export type ChannelValues = { [K in Channel]: number | null };

/** A validated reading as the platform holds it: timestamp in epoch milliseconds, absent channels null. */
export interface Reading extends ChannelValues {
  well_id: string;
  ts: number;
}

export const WELL_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A stable integer identifying a stored reading, for clients of the original platform, which numbered rows
 * (`telemetry_id`, `id`). Readings are keyed by (well_id, timestamp) here, so the number is derived from that
 * key: the same reading always gets the same id (a re-sent reading keeps its id), and it fits in 53 bits so
 * JSON clients read it exactly. Two FNV-1a lanes over the key; a collision needs ~10^8 readings of one store.
 */
export function readingId(wellId: string, ts: number): number {
  const key = `${wellId}\u0000${ts}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  // 21 high bits from one lane, 32 from the other: < 2^53; +1 so no id is 0 (the original's ids start at 1).
  return ((a >>> 11) & 0x1fffff) * 0x1_0000_0000 + (b >>> 0) + 1;
}
