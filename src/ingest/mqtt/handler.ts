// One MQTT message in, readings committed (or the message recorded as refused) out. Both transports call it and
// acknowledge the message only once it resolves.
import { AppError } from '../../domain/errors.js';
import type { Reading } from '../../domain/reading.js';
import type { Principal } from '../../domain/identity.js';
import { matchTelemetryTopic, processDeviceMessage, type RejectedSink } from '../device.js';
import type { IngestMetrics } from '../metrics.js';
import type { SubmitCounts } from '../pipeline.js';
import type { MqttDeps } from './deps.js';

/** How long a message waits for room in a full ingest queue before it is left unacknowledged. */
const QUEUE_WAIT_MS = 30_000;

/** Ingests one MQTT message; resolves when it may be acknowledged, rejects when it must not be. */
export class MqttMessageHandler {
  constructor(
    private readonly ctx: MqttDeps,
    private readonly metrics: IngestMetrics,
    private readonly rejects: RejectedSink,
    readonly topicPrefix: string,
  ) {}

  isTelemetryTopic(topic: string): boolean {
    return matchTelemetryTopic(topic, this.topicPrefix) !== null;
  }

  /** Resolves once the message's readings are committed and its rejections recorded; says how many of each. */
  async handle(topic: string, payload: Buffer, principal: Principal | null): Promise<{ accepted: number; rejected: number }> {
    const match = matchTelemetryTopic(topic, this.topicPrefix);
    if (!match) return { accepted: 0, rejected: 0 };
    const { ctx } = this;
    let res: ReturnType<typeof processDeviceMessage>;
    try {
      res = processDeviceMessage('mqtt', topic, match.wellId, payload, principal, {
        validator: ctx.validator,
        fieldOf: ctx.fieldOf,
        checkOptions: () => ({
          now: Date.now(),
          maxFutureSkewMs: ctx.config.telemetry.maxFutureSkewMs,
          retentionMs: ctx.config.telemetry.retentionDays * 86_400_000,
        }),
      });
    } catch (err) {
      // Whatever the payload does to the parser, the sender gets an answer: recorded as refused, acknowledged.
      ctx.log.warn({ err, topic }, 'MQTT message could not be processed; recorded as rejected');
      await this.refuse(topic, payload, `payload could not be processed: ${(err as Error).message}`, 'payload');
      return { accepted: 0, rejected: 1 };
    }
    const work: Promise<unknown>[] = [];
    if (res.readings.length) work.push(this.submitWhenRoom(res.readings).then((counts) => this.metrics.committed('mqtt', counts)));
    if (res.rejected.length) work.push(this.rejects.add(res.rejected.map(({ kind: _k, ...r }) => r)));
    if (work.length === 1) await work[0];
    else await Promise.all(work);
    if (res.readings.length) this.metrics.accepted('mqtt', res.readings.length);
    for (const r of res.rejected) this.metrics.rejected('mqtt', 1, r.kind);
    return { accepted: res.readings.length, rejected: res.rejected.length };
  }

  /**
   * A full ingest queue is a pause, not a failure: the message waits here (its acknowledgement with it) until
   * the queue has room. What waits is bounded by the senders' in-flight windows (the receive maximum on an
   * external broker), whereas refusing would cut the connection and bring the whole window back redelivered.
   */
  private async submitWhenRoom(readings: Reading[]): Promise<SubmitCounts> {
    const deadline = Date.now() + QUEUE_WAIT_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        return await this.ctx.pipeline.submitCounted(readings);
      } catch (err) {
        const backpressure = err instanceof AppError && err.status === 503 && err.details?.reason === 'backpressure';
        if (!backpressure || Date.now() + delay > deadline) throw err;
        this.metrics.mqtt.queueWaits++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Records a whole message as refused (e.g. a topic this key may not publish to); resolves once stored. */
  async refuse(topic: string, payload: Buffer, reason: string, kind: string): Promise<void> {
    await this.rejects.add([{ transport: 'mqtt', source: topic, reason, payload: payload.toString('utf8') }]);
    this.metrics.rejected('mqtt', 1, kind);
  }
}
