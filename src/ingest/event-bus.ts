// The in-process event bus: typed `on`/`emit` over the events of src/domain/events.ts.
//
// Delivery is synchronous: `emit` calls every listener of the event, in the order they subscribed, before it
// returns, so a listener sees events in the order they were emitted (the engine sees commits in commit order).
// A listener that must do I/O starts it and returns; it must not block. A listener that throws is logged and
// the others still run: one failing subscriber never breaks the emitter (a commit is acknowledged regardless).
import type { Logger } from 'pino';
import type { DomainEvents } from '../domain/events.js';

export type Listener<E, K extends keyof E> = (event: E[K]) => void;

export class EventBus<E extends object = DomainEvents> {
  private readonly listeners = new Map<keyof E, Listener<E, keyof E>[]>();

  constructor(private readonly log?: Pick<Logger, 'error'>) {}

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof E>(type: K, listener: Listener<E, K>): () => void {
    // Lists are replaced, never changed in place: an emit in progress calls the listeners it started with.
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener as Listener<E, keyof E>]);
    return () => {
      const current = this.listeners.get(type);
      if (!current) return;
      const at = current.indexOf(listener as Listener<E, keyof E>);
      if (at >= 0) this.listeners.set(type, [...current.slice(0, at), ...current.slice(at + 1)]);
    };
  }

  emit<K extends keyof E>(type: K, event: E[K]): void {
    const list = this.listeners.get(type);
    if (!list) return;
    for (const listener of list) {
      try {
        listener(event);
      } catch (err) {
        this.log?.error({ err, event: String(type) }, 'event listener failed');
      }
    }
  }

  /** Listeners of an event (tests, diagnostics). */
  listenerCount(type: keyof E): number {
    return this.listeners.get(type)?.length ?? 0;
  }
}
