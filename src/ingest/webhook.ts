// Optional alarm webhook: each alarm change is POSTed as JSON, retried with backoff, never blocking ingest.
import type { Logger } from 'pino';
import type { Alarm } from '../domain/alarm.js';
import type { AlarmChanged } from '../domain/events.js';

export class HttpAlarmWebhook {
  private inFlight = 0;
  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly attempts = 5,
    private readonly maxInFlight = 100,
  ) {}

  send(event: AlarmChanged['change'], alarm: Alarm): void {
    if (this.inFlight >= this.maxInFlight) {
      this.log.warn({ alarm_id: alarm.id }, 'alarm webhook backlog full; notification skipped');
      return;
    }
    this.inFlight++;
    void this.deliver({ event, alarm, sent_at: new Date().toISOString() }).finally(() => this.inFlight--);
  }

  private async deliver(body: unknown): Promise<void> {
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'esp-iot-platform' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5_000),
        });
        if (res.ok) return;
        if (res.status < 500 && res.status !== 429) {
          this.log.warn({ status: res.status }, 'alarm webhook refused the notification');
          return;
        }
      } catch {
        // network error: retry below
      }
      if (attempt < this.attempts) await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
    }
    this.log.error({ attempts: this.attempts }, 'alarm webhook unreachable; notification dropped');
  }
}
