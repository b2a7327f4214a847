import { describe, expect, it } from 'vitest';
import { ReadingsCommitted } from '../domain/events.js';
import type { Reading } from '../domain/reading.js';
import { EventBus } from './event-bus.js';

const reading = (well_id: string, ts: number) => ({ well_id, ts }) as Reading;

interface TestEvents {
  a: { n: number };
  b: string;
}

describe('event bus', () => {
  it('calls the listeners of an event synchronously, in subscription order, and only those', () => {
    const bus = new EventBus<TestEvents>();
    const calls: string[] = [];
    bus.on('a', (e) => calls.push(`first ${e.n}`));
    bus.on('b', (e) => calls.push(`b ${e}`));
    bus.on('a', (e) => calls.push(`second ${e.n}`));
    bus.emit('a', { n: 1 });
    calls.push('after emit');
    bus.emit('a', { n: 2 });
    expect(calls).toEqual(['first 1', 'second 1', 'after emit', 'first 2', 'second 2']);
  });

  it('logs a listener that throws and still calls the others', () => {
    const logged: unknown[] = [];
    const bus = new EventBus<TestEvents>({ error: (obj: unknown) => void logged.push(obj) } as never);
    const calls: number[] = [];
    bus.on('a', () => {
      throw new Error('broken subscriber');
    });
    bus.on('a', (e) => calls.push(e.n));
    expect(() => bus.emit('a', { n: 7 })).not.toThrow();
    expect(calls).toEqual([7]);
    expect(logged).toHaveLength(1);
    expect((logged[0] as { err: Error; event: string }).err.message).toBe('broken subscriber');
    expect((logged[0] as { event: string }).event).toBe('a');
  });

  it('unsubscribes; a listener added or removed during an emit takes effect from the next one', () => {
    const bus = new EventBus<TestEvents>();
    const calls: string[] = [];
    let offSecond = () => {};
    bus.on('a', () => {
      calls.push('first');
      offSecond();
      bus.on('a', () => calls.push('late'));
    });
    offSecond = bus.on('a', () => calls.push('second'));
    bus.emit('a', { n: 1 });
    expect(calls).toEqual(['first', 'second']);
    expect(bus.listenerCount('a')).toBe(2);
  });
});

describe('readings committed', () => {
  it('groups the readings per well in time order, once for every subscriber', () => {
    const e = new ReadingsCommitted([reading('W2', 30), reading('W1', 20), reading('W2', 10), reading('W1', 5)], 4, 1);
    const byWell = e.byWell;
    expect([...byWell.keys()]).toEqual(['W2', 'W1']);
    expect(byWell.get('W2')!.map((r) => r.ts)).toEqual([10, 30]);
    expect(byWell.get('W1')!.map((r) => r.ts)).toEqual([5, 20]);
    expect(e.byWell).toBe(byWell);
    // The commit's own list keeps its order.
    expect(e.readings.map((r) => r.ts)).toEqual([30, 20, 10, 5]);
  });
});
