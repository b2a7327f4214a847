// The connection between mqtt.js and the broker, with one change: each outgoing PUBACK is held until its message
// is committed. mqtt.js writes a QoS 1 PUBACK as soon as its message handler returns and reads the next packet
// only after that write; its public hooks (customHandleAcks, handleMessage) can delay the PUBACK only by stopping
// the reader, so one connection would carry one message at a time. This stream takes the PUBACK from mqtt.js at
// once (the reader goes on, many messages in flight) and lets it reach the socket when the hold says so; nothing
// of mqtt.js is patched. It is handed to mqtt.js through its public stream-builder constructor.
import { Duplex } from 'node:stream';

/** MQTT control packet type of PUBACK (high nibble of the first byte). */
const PUBACK = 4;

/**
 * What to do with the PUBACK of a message received on this connection: resolves true once it may go out, false
 * when the connection must be dropped instead so that the broker redelivers.
 */
export type AckVerdict = Promise<boolean>;

export class AckHoldingStream extends Duplex {
  /** Verdicts of the QoS 1 messages received on this connection whose PUBACK has not been written yet. */
  private readonly holds = new Map<number, AckVerdict>();
  /** PUBACKs leave in the order mqtt.js wrote them (receipt order), each once its own verdict allows. */
  private releases: Promise<void> = Promise.resolve();
  /** The outgoing packet being reassembled (mqtt.js writes a packet in several chunks). */
  private packet: Buffer[] = [];
  private packetBytes = 0;
  /** Bytes of the current packet still expected; -1 while its fixed header is incomplete. */
  private remaining = -1;

  /** `onRefused`: called when a failed commit drops the connection instead of acknowledging. */
  constructor(
    private readonly connection: Duplex,
    private readonly onRefused: () => void = () => undefined,
  ) {
    super();
    connection.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) connection.pause();
    });
    connection.on('end', () => this.push(null));
    connection.on('error', (err) => this.destroy(err));
    connection.on('close', () => this.destroy());
    // net/tls sockets announce the connection; mqtt.js does not wait for it, but pass it on for any listener.
    connection.on('connect', () => this.emit('connect'));
  }

  /**
   * Holds the PUBACK of message `messageId`, received on this connection, until `verdict` settles. Registered
   * before mqtt.js writes the PUBACK (customHandleAcks runs first). A PUBACK without a hold on this connection
   * belongs to an earlier one (mqtt.js queues packets written while disconnected): it is never sent.
   */
  hold(messageId: number, verdict: AckVerdict): void {
    this.holds.set(messageId, verdict);
  }

  override _read(): void {
    this.connection.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    let offset = 0;
    let pending = 0;
    let settled = false;
    const done = (): void => {
      if (!settled && pending === 0) {
        settled = true;
        callback();
      }
    };
    while (offset < chunk.length) {
      offset = this.gather(chunk, offset);
      if (this.remaining !== 0) continue;
      const packet = this.packet.length === 1 ? this.packet[0] : Buffer.concat(this.packet, this.packetBytes);
      this.packet = [];
      this.packetBytes = 0;
      this.remaining = -1;
      if (packet[0] >> 4 === PUBACK) this.release(packet);
      else if (!this.connection.write(packet)) {
        // Back-pressure from the socket reaches mqtt.js as usual.
        pending++;
        this.connection.once('drain', () => {
          pending--;
          done();
        });
      }
    }
    done();
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.connection.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.holds.clear();
    this.connection.destroy();
    callback(err);
  }

  /** Appends bytes of the current outgoing packet; returns the offset after them. */
  private gather(chunk: Buffer, offset: number): number {
    if (this.remaining < 0) {
      // Fixed header: type byte and 1–4 bytes of remaining length, gathered byte by byte.
      const b = chunk[offset];
      this.packet.push(chunk.subarray(offset, offset + 1));
      this.packetBytes++;
      if (this.packetBytes >= 2 && (b & 0x80) === 0) {
        let length = 0;
        let multiplier = 1;
        const header = Buffer.concat(this.packet, this.packetBytes);
        for (let i = 1; i < header.length; i++) {
          length += (header[i] & 0x7f) * multiplier;
          multiplier *= 128;
        }
        this.packet = [header];
        this.remaining = length;
      }
      return offset + 1;
    }
    const n = Math.min(this.remaining, chunk.length - offset);
    if (n > 0) {
      this.packet.push(chunk.subarray(offset, offset + n));
      this.packetBytes += n;
      this.remaining -= n;
    }
    return offset + n;
  }

  /** A PUBACK leaves once its message's verdict allows it; on a failed commit the connection is dropped. */
  private release(packet: Buffer): void {
    // Fixed header (2 bytes: a PUBACK's remaining length is < 128), then the packet identifier.
    const messageId = packet.readUInt16BE(2);
    const verdict = this.holds.get(messageId);
    if (!verdict) return;
    this.holds.delete(messageId);
    // Copied: the chunk it came in belongs to mqtt.js's writer.
    const bytes = Buffer.from(packet);
    this.releases = this.releases.then(() => verdict).then(
      (ok) => {
        if (this.destroyed) return; // the connection is gone: the broker redelivers the message
        if (ok) {
          this.connection.write(bytes);
          return;
        }
        this.onRefused();
        this.destroy();
      },
      () => {
        if (this.destroyed) return;
        this.onRefused();
        this.destroy();
      },
    );
  }
}
