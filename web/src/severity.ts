import type { Level, Severity, Well } from './types';

export const LEVELS: readonly Level[] = ['critical', 'high', 'medium', 'low', 'info', 'nodata'];

export const LEVEL_LABEL: Record<Level, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Normal',
  nodata: 'No data',
};

/** Higher = worse; `nodata` sorts below everything so sick wells come first. */
export const LEVEL_RANK: Record<Level, number> = { nodata: -1, info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Chart/line colours (also in styles.css as --sev-*). */
export const LEVEL_COLOR: Record<Level, string> = {
  critical: '#c62828',
  high: '#e8590c',
  medium: '#f0a202',
  low: '#1e63c4',
  info: '#2e7d32',
  nodata: '#8a8f98',
};

export function wellLevel(w: Well): Level {
  return w.status ? w.status.severity : 'nodata';
}

export function isSeverity(s: string): s is Severity {
  return s === 'critical' || s === 'high' || s === 'medium' || s === 'low' || s === 'info';
}

export const SEVERITY_ORDER: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
