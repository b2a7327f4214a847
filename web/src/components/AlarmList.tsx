// Alarm rows (virtualised), with an acknowledge button for roles that may acknowledge.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { canAck } from '../auth';
import { age, codeLabel, dateTime } from '../format';
import { wellHref } from '../router';
import type { Alarm } from '../types';
import { AckDialog } from './AckDialog';
import { SeverityBadge } from './SeverityBadge';
import { VirtualList } from './VirtualList';

const STATUS_TEXT = { active: 'Active', acknowledged: 'Acknowledged', cleared: 'Cleared' } as const;

export function AlarmList(p: {
  alarms: Alarm[];
  showWell?: boolean;
  onChanged: (a: Alarm) => void;
  maxHeight?: number;
  label: string;
  empty: string;
  now: number;
}): JSX.Element {
  const [acking, setAcking] = useState<Alarm | null>(null);
  const mayAck = canAck();
  const cls = `alarm-grid${p.showWell ? ' with-well' : ''}`;
  const header = (
    <div role="row" aria-rowindex={1} class={`vhead-row ${cls}`}>
      <div role="columnheader">Severity</div>
      {p.showWell ? <div role="columnheader">Well</div> : null}
      <div role="columnheader">Alarm</div>
      <div role="columnheader" class="c-msg">
        Message
      </div>
      <div role="columnheader">Raised</div>
      <div role="columnheader">Status</div>
      <div role="columnheader" class="c-ack">
        Acknowledgement
      </div>
      <div role="columnheader">
        <span class="sr-only">Actions</span>
      </div>
    </div>
  );
  return (
    <>
      <VirtualList
        items={p.alarms}
        rowHeight={48}
        headerHeight={40}
        label={p.label}
        idPrefix={`alarm-${p.showWell ? 'all' : 'well'}`}
        class={`alarm-list ${cls}`}
        header={header}
        maxHeight={p.maxHeight}
        getKey={(a) => String(a.id)}
        rowProps={(a) => ({ 'data-testid': 'alarm-row', 'data-alarm-id': a.id, 'data-status': a.status })}
        onActivate={(a) => {
          if (mayAck && a.status === 'active') setAcking(a);
        }}
        empty={p.empty}
        renderRow={(a) => (
          <>
            <div role="gridcell">
              <SeverityBadge level={a.severity} />
            </div>
            {p.showWell ? (
              <div role="gridcell">
                <a href={wellHref(a.well_id)}>{a.well_id}</a>
              </div>
            ) : null}
            <div role="gridcell" class="strong">
              {codeLabel(a.code)}
            </div>
            <div role="gridcell" class="c-msg clip" title={a.message}>
              {a.message}
            </div>
            <div role="gridcell" title={dateTime(a.raised_at)}>
              {age(a.raised_at, p.now)} ago
            </div>
            <div role="gridcell" data-testid="alarm-status" class={`status st-${a.status}`}>
              {STATUS_TEXT[a.status]}
              {a.status === 'cleared' && a.cleared_at ? <span class="sub">{age(a.cleared_at, p.now)} ago</span> : null}
            </div>
            <div role="gridcell" class="c-ack clip" title={a.ack_note ?? undefined}>
              {a.acknowledged_by ? (
                <>
                  <span>{a.acknowledged_by}</span>
                  {a.ack_note ? <span class="sub">“{a.ack_note}”</span> : null}
                </>
              ) : (
                <span class="muted">—</span>
              )}
            </div>
            <div role="gridcell">
              {a.status === 'active' && mayAck ? (
                <button type="button" class="small primary" data-testid="ack-button" onClick={() => setAcking(a)} aria-label={`Acknowledge ${codeLabel(a.code)} on ${a.well_id}`}>
                  Ack
                </button>
              ) : null}
            </div>
          </>
        )}
      />
      {acking ? (
        <AckDialog
          alarm={acking}
          onClose={() => setAcking(null)}
          onDone={(a) => {
            setAcking(null);
            p.onChanged(a);
          }}
        />
      ) : null}
    </>
  );
}
