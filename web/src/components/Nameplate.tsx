import type { JSX } from 'preact';
import { num } from '../format';
import type { Well } from '../types';

const ROWS: { key: keyof Well; label: string; unit: string; digits: number; dflt?: number }[] = [
  { key: 'rated_flow_bpd', label: 'Rated flow', unit: 'bbl/d', digits: 0 },
  { key: 'min_flow_bpd', label: 'Min recommended flow', unit: 'bbl/d', digits: 0 },
  { key: 'max_flow_bpd', label: 'Max recommended flow', unit: 'bbl/d', digits: 0 },
  { key: 'rated_current_a', label: 'Rated current', unit: 'A', digits: 1 },
  { key: 'base_frequency_hz', label: 'Base frequency', unit: 'Hz', digits: 0, dflt: 60 },
  { key: 'motor_temp_limit_c', label: 'Motor temperature limit', unit: '°C', digits: 0, dflt: 150 },
  { key: 'bubble_point_psi', label: 'Bubble point', unit: 'psi', digits: 0 },
  { key: 'vibration_limit_g', label: 'Vibration limit', unit: 'g', digits: 1, dflt: 2 },
];

export function Nameplate({ well }: { well: Well }): JSX.Element {
  return (
    <dl class="nameplate" data-testid="nameplate">
      {ROWS.map((r) => {
        const v = well[r.key] as number | null;
        return (
          <div key={r.key}>
            <dt>{r.label}</dt>
            <dd>
              {v != null ? (
                `${num(v, r.digits)} ${r.unit}`
              ) : r.dflt != null ? (
                <span class="muted">{`${num(r.dflt, r.digits)} ${r.unit} (default)`}</span>
              ) : (
                <span class="muted">not set</span>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
