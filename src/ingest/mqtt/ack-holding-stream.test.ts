import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AckHoldingStream } from './ack-holding-stream.js';

/** The broker's end of the connection: records what reaches it, and can send bytes to the client. */
class FakeSocket extends Duplex {
  readonly received: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.received.push(chunk);
    cb();
  }
  bytes(): number[] {
    return [...Buffer.concat(this.received)];
  }
}

/** An MQTT 5 PUBACK with reason code 0, as mqtt-packet writes it: header, length, packet identifier. */
const puback = (id: number): Buffer => Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
const PINGREQ = Buffer.from([0xc0, 0x00]);
const tick = () => new Promise((r) => setImmediate(r));

function deferred(): { promise: Promise<boolean>; resolve: (ok: boolean) => void } {
  let resolve!: (ok: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve };
}

describe('AckHoldingStream', () => {
  it('holds each PUBACK until its verdict, sends them in receipt order, and lets other packets through', async () => {
    const socket = new FakeSocket();
    const s = new AckHoldingStream(socket);
    const first = deferred();
    const second = deferred();
    s.hold(1, first.promise);
    s.hold(300, second.promise);
    // mqtt-packet writes a packet in pieces: the stream reassembles it before deciding.
    const a = puback(1);
    s.write(a.subarray(0, 1));
    s.write(a.subarray(1, 3));
    s.write(a.subarray(3));
    s.write(Buffer.concat([puback(300), PINGREQ]));
    await tick();
    expect(socket.bytes()).toEqual([...PINGREQ]);
    second.resolve(true);
    await tick();
    // The second commit is done, but its PUBACK waits for the first one's.
    expect(socket.bytes()).toEqual([...PINGREQ]);
    first.resolve(true);
    await tick();
    expect(socket.bytes()).toEqual([...PINGREQ, ...puback(1), ...puback(300)]);
  });

  it('drops the connection instead of acknowledging a message whose commit failed', async () => {
    const socket = new FakeSocket();
    let refused = 0;
    const s = new AckHoldingStream(socket, () => refused++);
    s.hold(7, Promise.resolve(false));
    s.write(puback(7));
    await tick();
    expect(socket.bytes()).toEqual([]);
    expect(refused).toBe(1);
    expect(s.destroyed).toBe(true);
    expect(socket.destroyed).toBe(true);
  });

  it('never sends a PUBACK it holds nothing for (one queued by mqtt.js on an earlier connection)', async () => {
    const socket = new FakeSocket();
    const s = new AckHoldingStream(socket);
    s.write(puback(9));
    s.write(PINGREQ);
    await tick();
    expect(socket.bytes()).toEqual([...PINGREQ]);
  });

  it('passes what the broker sends to mqtt.js unchanged', async () => {
    const socket = new FakeSocket();
    const s = new AckHoldingStream(socket);
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    socket.push(Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]));
    await tick();
    expect([...Buffer.concat(got)]).toEqual([0x20, 0x03, 0x00, 0x00, 0x00]);
  });
});
