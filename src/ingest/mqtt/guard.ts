// Size bounds for the embedded broker, applied to the raw byte stream before aedes parses it. aedes (through
// mqtt-packet) buffers a packet until all the bytes its fixed header declares have arrived, with no upper
// limit: a client could declare a 200 MiB CONNECT and make the process hold it before authentication. The
// guard reads each packet's fixed header (type byte + remaining length) as the bytes pass and closes the
// connection as soon as a header declares more than allowed, so nothing oversized is ever buffered.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Largest packet a client may send before it has authenticated (a CONNECT with a key is a few hundred bytes). */
export const PRE_AUTH_MAX_PACKET_BYTES = 64 * 1024;

/** Follows MQTT packet boundaries in a byte stream without buffering anything. */
export class PacketHeaderScanner {
  /** Body bytes of the current packet still to pass. */
  private skip = 0;
  /** -1: the next byte is a packet's first byte; otherwise how many length bytes have been read. */
  private lengthBytes = -1;
  private length = 0;
  private multiplier = 1;
  /** Bytes seen in total. */
  bytes = 0;

  /** Returns why the stream must be cut, or null while every declared packet is within `limit` bytes. */
  scan(chunk: Buffer, limit: number): string | null {
    this.bytes += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (this.lengthBytes < 0) {
        this.lengthBytes = 0;
        this.length = 0;
        this.multiplier = 1;
        i++;
        continue;
      }
      const b = chunk[i++];
      this.length += (b & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (b & 0x80) {
        if (this.lengthBytes >= 4) return 'malformed remaining length';
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      if (total > limit) return `packet of ${total} bytes exceeds the limit of ${limit} bytes`;
      this.skip = this.length;
      this.lengthBytes = -1;
    }
    return null;
  }
}

/**
 * A socket as aedes sees it, with every incoming chunk checked by `inspect` first. `inspect` returns a reason
 * to cut the connection, or null. Writes go straight to the socket.
 */
export class GuardedConnection extends Duplex {
  constructor(
    readonly socket: Socket,
    inspect: (chunk: Buffer) => string | null,
    onCut: (reason: string) => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      const problem = inspect(chunk);
      if (problem) {
        onCut(problem);
        socket.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
