import type { Channel } from './types';

export interface ChannelMeta {
  label: string;
  unit: string;
  color: string;
  digits: number;
}

export const CHANNEL_META: Record<Channel, ChannelMeta> = {
  flow_rate: { label: 'Flow rate', unit: 'bbl/d', color: '#1f6feb', digits: 0 },
  pip: { label: 'Pump intake pressure', unit: 'psi', color: '#8250df', digits: 0 },
  motor_current: { label: 'Motor current', unit: 'A', color: '#bf5700', digits: 1 },
  motor_temp: { label: 'Motor temperature', unit: '°C', color: '#cf222e', digits: 1 },
  vibration: { label: 'Vibration', unit: 'g', color: '#6e7781', digits: 2 },
  vsd_frequency: { label: 'VSD frequency', unit: 'Hz', color: '#0a7d6a', digits: 1 },
  flow_variance: { label: 'Flow variance', unit: '%', color: '#9a6700', digits: 1 },
  torque: { label: 'Torque', unit: 'N·m', color: '#57606a', digits: 0 },
  gor: { label: 'Gas–oil ratio', unit: 'scf/bbl', color: '#b35900', digits: 0 },
};

/** Frequency-normalised flow (affinity law): Q · fb / f; null when the pump is stopped or a value is missing. */
export function normalisedFlow(flow: number | null | undefined, freq: number | null | undefined, base: number): number | null {
  if (flow == null || freq == null || !(freq > 1)) return null;
  return (flow * base) / freq;
}
