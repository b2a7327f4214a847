// What every device transport (embedded broker, external broker) does with one message: take the well from
// the topic, parse the JSON payload (one reading or an array), validate each reading, check the sender's
// scope, and split the result into readings to commit and rejections to record. Nothing is dropped silently.
import { AppError } from '../domain/errors.js';
import type { Reading } from '../domain/reading.js';
import { WELL_ID_PATTERN } from '../domain/reading.js';
import type { ReadingCheckOptions, ReadingValidator } from '../domain/validation.js';
import { assertWellsInScope, type Principal } from '../domain/identity.js';
import type { Logger } from 'pino';
import type { RejectedMessage, RejectedRepository } from '../storage/repository.js';

export interface TopicMatch {
  /** The well named by the topic, or null when the topic is malformed. */
  wellId: string | null;
}

/** `esp/W-1/telemetry` → W-1; null when the topic is not a telemetry topic at all. */
export function matchTelemetryTopic(topic: string, prefix: string): TopicMatch | null {
  if (!topic.startsWith(prefix + '/') || !topic.endsWith('/telemetry')) return null;
  const middle = topic.slice(prefix.length + 1, topic.length - '/telemetry'.length);
  return { wellId: WELL_ID_PATTERN.test(middle) ? middle : null };
}

export interface DeviceMessageResult {
  readings: Reading[];
  rejected: (RejectedMessage & { kind: string })[];
}

export interface DeviceMessageContext {
  validator: ReadingValidator;
  checkOptions: () => ReadingCheckOptions;
  fieldOf: (wellId: string) => string | null | undefined;
}

const MAX_ITEMS = 100_000;
/** A reading is a flat object; anything nested deeper is refused before parsing (V8's JSON.stringify overflows
 * its stack near 5 000 levels, so such a payload could not even be described). */
export const MAX_JSON_DEPTH = 32;

/** True when the JSON text opens more than `max` nested arrays or objects (strings are skipped). */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function inScope(principal: Principal | null, wellId: string, fieldOf: DeviceMessageContext['fieldOf']): boolean {
  try {
    assertWellsInScope(principal, [wellId], fieldOf);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns one telemetry message into readings and rejections. `principal` null: the sender was authenticated
 * by the external broker, no scope applies.
 */
export function processDeviceMessage(
  transport: string,
  topic: string,
  topicWellId: string | null,
  payload: Buffer,
  principal: Principal | null,
  dctx: DeviceMessageContext,
): DeviceMessageResult {
  const out: DeviceMessageResult = { readings: [], rejected: [] };
  const reject = (kind: string, reason: string, body: string | null) =>
    out.rejected.push({ kind, transport, source: topic, reason, payload: body });
  const text = payload.toString('utf8');
  if (topicWellId === null) {
    reject('topic', `topic "${topic}" does not name a valid well id (1–64 of letters, digits, "-", "_", ".")`, text);
    return out;
  }
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
    reject('payload', `payload nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`, text);
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    reject('payload', 'payload is not valid JSON', text);
    return out;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) {
    reject('payload', 'payload is an empty array', text);
    return out;
  }
  if (items.length > MAX_ITEMS) {
    reject('payload', `payload has more than ${MAX_ITEMS} readings`, text.slice(0, 4096));
    return out;
  }
  const candidates: unknown[] = [];
  const positions: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const label = Array.isArray(parsed) ? `[${i}] ` : '';
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      reject('payload', `${label}a reading must be a JSON object`, JSON.stringify(item) ?? null);
      continue;
    }
    const obj = item as Record<string, unknown>;
    if (obj.well_id === undefined) {
      candidates.push({ ...obj, well_id: topicWellId });
    } else if (obj.well_id !== topicWellId) {
      reject('topic', `${label}well_id "${String(obj.well_id)}" differs from the topic's well "${topicWellId}"`, JSON.stringify(item));
      continue;
    } else candidates.push(obj);
    positions.push(i);
  }
  if (!candidates.length) return out;
  if (!inScope(principal, topicWellId, dctx.fieldOf)) {
    for (const c of candidates) reject('scope', `this key may not write well ${topicWellId}`, JSON.stringify(c));
    return out;
  }
  const { readings, errors } = dctx.validator.check(candidates, dctx.checkOptions(), () => '');
  out.readings = readings;
  if (errors.length) {
    const byIndex = new Map<number, string[]>();
    for (const e of errors) {
      const list = byIndex.get(e.index ?? 0) ?? [];
      list.push(`${e.field.replace(/^\./, '')} ${e.reason}`);
      byIndex.set(e.index ?? 0, list);
    }
    for (const [i, reasons] of byIndex) {
      const label = Array.isArray(parsed) ? `[${positions[i]}] ` : '';
      reject('invalid', `${label}${reasons.join('; ')}`, JSON.stringify(candidates[i]));
    }
  }
  return out;
}

/** Longest payload kept with a rejection; the rest is cut (the reason says so). */
export const REJECTED_PAYLOAD_MAX_CHARS = 64 * 1024;
const REJECTED_TEXT_MAX_CHARS = 2_048;

/** NUL cannot be stored in a PostgreSQL text column: keep it visible as the JSON escape instead. */
function storableText(text: string, max: number): string {
  const escaped = text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text;
  if (escaped.length <= max) return escaped;
  // Never end on half a surrogate pair.
  let cut = max;
  const code = escaped.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return escaped.slice(0, cut);
}

/** A rejection as it can be stored whatever the sender sent: NUL escaped, every field bounded. */
export function storableRejection(item: RejectedMessage): RejectedMessage {
  let reason = storableText(item.reason, REJECTED_TEXT_MAX_CHARS);
  let payload = item.payload;
  if (payload !== null) {
    const full = storableText(payload, Number.MAX_SAFE_INTEGER);
    payload = storableText(payload, REJECTED_PAYLOAD_MAX_CHARS);
    if (full.length > payload.length) reason += ` (payload of ${full.length} characters cut to ${payload.length})`;
  }
  return {
    transport: storableText(item.transport, 32),
    source: item.source === null ? null : storableText(item.source, REJECTED_TEXT_MAX_CHARS),
    reason,
    payload,
  };
}

/** A storage outage (retry later) rather than a row the store refuses (store it some other way). */
function isOutage(err: unknown): boolean {
  return err instanceof AppError && err.status === 503;
}

/**
 * Records rejected messages in small batches (one INSERT per flush rather than per message). `add` resolves
 * once they are stored, so a transport can withhold its acknowledgement until the rejection is recorded too.
 * Rows are made storable first; should the store still refuse one, the batch is written row by row and a row
 * that fails alone is kept without its payload, so one sender's message never holds back another's.
 */
export class RejectedSink {
  private buffer: RejectedMessage[] = [];
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: RejectedRepository,
    private readonly log?: Logger,
    private readonly delayMs = 20,
    private readonly batchMax = 500,
  ) {}

  add(items: RejectedMessage[]): Promise<void> {
    if (!items.length) return Promise.resolve();
    for (const it of items) this.buffer.push(storableRejection(it));
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.buffer.length >= this.batchMax) this.flushSoon(0);
    else this.flushSoon(this.delayMs);
    return p;
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private async insertOneByOne(items: RejectedMessage[]): Promise<void> {
    for (const item of items) {
      try {
        await this.repo.insertRejected([item]);
      } catch (err) {
        if (isOutage(err)) throw err;
        this.log?.warn({ err, source: item.source }, 'rejected message not storable as sent; kept without its payload');
        await this.repo.insertRejected([
          {
            transport: item.transport,
            source: null,
            reason: `${item.reason.slice(0, 512)} (payload and source not storable: ${String((err as Error).message).slice(0, 200)})`,
            payload: null,
          },
        ]);
      }
    }
  }

  /** Writes what is buffered; resolves when it (and anything before it) is stored. */
  flush(): Promise<void> {
    const items = this.buffer;
    const waiters = this.waiters;
    this.buffer = [];
    this.waiters = [];
    if (!items.length) return this.writing;
    this.writing = this.writing.then(async () => {
      try {
        for (let i = 0; i < items.length; i += this.batchMax) {
          const chunk = items.slice(i, i + this.batchMax);
          try {
            await this.repo.insertRejected(chunk);
          } catch (err) {
            if (isOutage(err)) throw err;
            await this.insertOneByOne(chunk);
          }
        }
        for (const w of waiters) w.resolve();
      } catch (err) {
        this.log?.warn({ err, count: items.length }, 'could not record rejected messages');
        for (const w of waiters) w.reject(err as Error);
      }
    });
    return this.writing;
  }
}
