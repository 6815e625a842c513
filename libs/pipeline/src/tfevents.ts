/**
 * TensorBoard event files written by hand: TFRecord framing (length, masked CRC32C of the length, data, masked
 * CRC32C of the data) around `tensorflow.Event` protobufs, the first carrying `file_version`, the rest a `Summary`
 * of scalar values (`simple_value`), which TensorBoard's scalar dashboard reads.
 *
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 */

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; // Castagnoli, reflected
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli) of the bytes. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, so CRCs of CRCs do not look like data. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: u64 length, u32 masked CRC of the length bytes, the data, u32 masked CRC of the data (little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

class ProtoWriter {
  private parts: number[] = [];

  varint(v: bigint | number): this {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.parts.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.parts.push(Number(n));
    return this;
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): this {
    return this.varint((field << 3) | wire);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.tag(field, 1).parts.push(...b);
    return this;
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5).parts.push(...b);
    return this;
  }

  int64(field: number, v: number): this {
    return this.tag(field, 0).varint(BigInt(Math.trunc(v)));
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2)
      .varint(b.length)
      .parts.push(...b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface ScalarEvent {
  step: number;
  /** Seconds since the Unix epoch. */
  wallTime: number;
  /** tag → value; written as one Summary with one Value per tag. */
  values: Record<string, number>;
}

/** The bytes of an Event carrying `file_version` (the first record of every event file). */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).int64(2, 0).string(3, 'brain.Event:2').finish();
}

/** The bytes of an Event with a Summary of scalar values at one step. */
export function scalarEvent(e: ScalarEvent): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(e.values))
    summary.bytes(1, new ProtoWriter().string(1, tag).float(2, value).finish());
  return new ProtoWriter().double(1, e.wallTime).int64(2, e.step).bytes(5, summary.finish()).finish();
}

/** A whole event file: the file_version record, then one record per event. */
export function eventFile(events: readonly ScalarEvent[], wallTime = events[0]?.wallTime ?? 0): Uint8Array {
  const records = [tfRecord(fileVersionEvent(wallTime)), ...events.map((e) => tfRecord(scalarEvent(e)))];
  const out = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
