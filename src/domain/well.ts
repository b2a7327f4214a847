// A well's nameplate (ESP-DIAGNOSTICS.md section 2). Every field but the id is optional: the engine falls back
// to the well's learned baseline, then to generic defaults.

export interface WellNameplate {
  name: string | null;
  field: string | null;
  rated_flow_bpd: number | null;
  min_flow_bpd: number | null;
  max_flow_bpd: number | null;
  rated_current_a: number | null;
  base_frequency_hz: number | null;
  motor_temp_limit_c: number | null;
  bubble_point_psi: number | null;
  vibration_limit_g: number | null;
}

export interface Well extends WellNameplate {
  well_id: string;
  created_at: string;
  updated_at: string;
}

export const NAMEPLATE_FIELDS = [
  'name',
  'field',
  'rated_flow_bpd',
  'min_flow_bpd',
  'max_flow_bpd',
  'rated_current_a',
  'base_frequency_hz',
  'motor_temp_limit_c',
  'bubble_point_psi',
  'vibration_limit_g',
] as const satisfies readonly (keyof WellNameplate)[];

export const NUMERIC_NAMEPLATE_FIELDS = NAMEPLATE_FIELDS.filter((f) => f !== 'name' && f !== 'field') as Exclude<
  (typeof NAMEPLATE_FIELDS)[number],
  'name' | 'field'
>[];

export function emptyNameplate(): WellNameplate {
  return {
    name: null,
    field: null,
    rated_flow_bpd: null,
    min_flow_bpd: null,
    max_flow_bpd: null,
    rated_current_a: null,
    base_frequency_hz: null,
    motor_temp_limit_c: null,
    bubble_point_psi: null,
    vibration_limit_g: null,
  };
}

/** Generic defaults from ESP-DIAGNOSTICS.md section 2, used where the nameplate is silent. */
export const NAMEPLATE_DEFAULTS = {
  base_frequency_hz: 60,
  motor_temp_limit_c: 150,
  vibration_limit_g: 2.0,
  min_flow_fraction_of_rated: 0.7,
  max_flow_fraction_of_rated: 1.25,
} as const;
