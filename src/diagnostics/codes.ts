// Per-code metadata: category for old clients, severity, first actions (ESP-DIAGNOSTICS.md section 4).
import type { Category, DiagnosisCode, Severity } from '../domain/diagnosis.js';

export interface CodeInfo {
  category: Category;
  severity: Severity;
  actions: string[];
  resolution_time: string;
  title: string;
}

export const CODE_INFO: Record<DiagnosisCode, CodeInfo> = {
  NORMAL: { category: 'NORMAL', severity: 'info', actions: ['Continue operations'], resolution_time: '0 hours', title: 'Pump running normally' },
  // A stop is a state, not a fault: old clients see NORMAL, the code says SHUT_DOWN.
  SHUT_DOWN: { category: 'NORMAL', severity: 'info', actions: ['Confirm the stop was planned', 'Restart per procedure'], resolution_time: '0-2 hours', title: 'Pump stopped' },
  GAS_LOCK: { category: 'GAS_LOCK', severity: 'critical', actions: ['Stop the pump', 'Restart at a lower frequency after a delay', 'Check or install a gas separator / gas handler'], resolution_time: '2-6 hours', title: 'Gas lock' },
  GAS_INTERFERENCE: { category: 'GAS_LOCK', severity: 'medium', actions: ['Lower the frequency or raise backpressure', 'Consider gas handling equipment'], resolution_time: '2-8 hours', title: 'Gas interference' },
  // Pumped-off is an inflow limit (low fluid level), not pump damage: a low-flow condition.
  PUMP_OFF: { category: 'LOW_FLOW', severity: 'high', actions: ['Reduce frequency', 'Use PIP-target control', 'Review pump sizing against inflow'], resolution_time: '1-4 hours', title: 'Pump-off (low fluid level)' },
  BROKEN_SHAFT: { category: 'PUMP_WEAR', severity: 'critical', actions: ['Stop the pump', 'Plan a pull'], resolution_time: '3-10 days', title: 'Broken shaft' },
  CLOSED_VALVE: { category: 'PUMP_WEAR', severity: 'critical', actions: ['Stop the pump at once', 'Check surface valves and choke'], resolution_time: '0-2 hours', title: 'Closed valve (deadhead)' },
  TUBING_LEAK: { category: 'PUMP_WEAR', severity: 'high', actions: ['Pressure-test the tubing', 'Plan a workover'], resolution_time: '3-7 days', title: 'Tubing leak' },
  PUMP_WEAR: { category: 'PUMP_WEAR', severity: 'medium', actions: ['Trend the head loss', 'Plan pump replacement'], resolution_time: '2-6 weeks', title: 'Pump wear' },
  SCALE: { category: 'PUMP_WEAR', severity: 'medium', actions: ['Chemical treatment / acid job'], resolution_time: '1-3 days', title: 'Scale deposition' },
  SAND_PRODUCTION: { category: 'VIBRATION_ISSUE', severity: 'high', actions: ['Reduce drawdown', 'Check sand control'], resolution_time: '1-3 days', title: 'Sand production' },
  MOTOR_OVERHEAT: { category: 'MOTOR_ISSUE', severity: 'high', actions: ['Reduce load', 'Check cooling flow past the motor', 'Shut down if near the insulation limit'], resolution_time: '1-4 hours', title: 'Motor overheating' },
  MOTOR_OVERLOAD: { category: 'MOTOR_ISSUE', severity: 'high', actions: ['Check supply voltage and fluid gravity', 'Reduce frequency'], resolution_time: '2-8 hours', title: 'Motor overload' },
  HIGH_VIBRATION: { category: 'VIBRATION_ISSUE', severity: 'high', actions: ['Inspect alignment and bearings', 'Reduce speed'], resolution_time: '4-24 hours', title: 'High vibration' },
  FREQUENT_CYCLING: { category: 'VSD_ISSUE', severity: 'high', actions: ['Find the trip cause', 'Enforce a restart delay'], resolution_time: '4-24 hours', title: 'Frequent start/stop cycling' },
  SENSOR_FAULT: { category: 'UNKNOWN', severity: 'low', actions: ['Check the gauge', 'Do not act on that channel'], resolution_time: '1-3 days', title: 'Sensor fault' },
  VSD_ISSUE: { category: 'VSD_ISSUE', severity: 'medium', actions: ['Inspect the drive', 'Check input power', 'Check the setpoint'], resolution_time: '2-8 hours', title: 'Drive (VSD) issue' },
  LOW_FLOW: { category: 'LOW_FLOW', severity: 'medium', actions: ['Raise frequency', 'Or resize the pump (downthrust risk)'], resolution_time: '1-7 days', title: 'Flow below recommended range' },
  UNKNOWN: { category: 'UNKNOWN', severity: 'medium', actions: ['Engineer review'], resolution_time: '4-24 hours', title: 'Abnormal, no matching signature' },
};

export function categoryOf(code: DiagnosisCode): Category {
  return CODE_INFO[code].category;
}
