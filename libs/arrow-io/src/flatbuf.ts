import { FormatProblem } from './errors.js';

/**
 * A minimal bounds-checked FlatBuffers reader. The `flatbuffers` package reads out-of-range bytes as 0 or
 * undefined, so a damaged footer would decode into silent garbage; here every read is checked and a
 * damaged buffer raises FormatProblem('ARROW_DAMAGED') naming what was being read.
 */
export class FlatBuf {
  private readonly view: DataView;
  private static readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  constructor(
    readonly bytes: Uint8Array,
    /** Names the buffer in error messages, e.g. "footer" or "message at offset 1024". */
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(reason: string): never {
    throw new FormatProblem('ARROW_DAMAGED', `${this.what}: ${reason}`);
  }

  private check(pos: number, n: number): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + n > this.bytes.byteLength) {
      this.fail(`read of ${n} bytes at ${pos} is outside the ${this.bytes.byteLength}-byte buffer`);
    }
  }
  u8(pos: number): number {
    this.check(pos, 1);
    return this.view.getUint8(pos);
  }
  i16(pos: number): number {
    this.check(pos, 2);
    return this.view.getInt16(pos, true);
  }
  u16(pos: number): number {
    this.check(pos, 2);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number): number {
    this.check(pos, 4);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number): number {
    this.check(pos, 4);
    return this.view.getUint32(pos, true);
  }
  /** int64 as a JS number; values beyond 2^53 cannot be real lengths/offsets and count as damage. */
  i64(pos: number): number {
    this.check(pos, 8);
    const v = this.view.getBigInt64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      this.fail(`int64 at ${pos} is out of range (${v})`);
    return Number(v);
  }

  /** The root table (a uoffset at position 0). */
  root(): FbTable {
    return this.tableAt(this.u32(0), 'root table');
  }

  tableAt(pos: number, name: string): FbTable {
    const vtable = pos - this.i32(pos);
    const vlen = this.u16(vtable);
    // The flatbuffers JS runtime (used by apache-arrow) reads voffsets as *signed* int16, so sizes >= 2^15
    // would decode differently there than here: reject them (real Arrow tables and vtables are tiny).
    if (vlen < 4 || vlen % 2 !== 0 || vlen >= 0x8000) this.fail(`${name}: bad vtable length ${vlen}`);
    const tlen = this.u16(vtable + 2);
    if (tlen < 4 || tlen >= 0x8000) this.fail(`${name}: bad table length ${tlen}`);
    this.check(pos, tlen);
    return new FbTable(this, pos, vtable, vlen, tlen, name);
  }

  string(pos: number, name: string): string {
    const len = this.u32(pos);
    this.check(pos + 4, len + 1);
    if (this.bytes[pos + 4 + len] !== 0) this.fail(`${name} is not NUL terminated`); // flatbuffers strings are
    try {
      return FlatBuf.utf8.decode(this.bytes.subarray(pos + 4, pos + 4 + len));
    } catch {
      return this.fail(`${name} is not valid UTF-8`);
    }
  }
}

export class FbTable {
  constructor(
    private readonly fb: FlatBuf,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vlen: number,
    private readonly tlen: number,
    readonly name: string,
  ) {}

  /** Byte position of field `slot` inside the table, or 0 when absent. */
  private field(slot: number, size: number): number {
    const vo = 4 + slot * 2;
    if (vo + 2 > this.vlen) return 0;
    const off = this.fb.u16(this.vtable + vo);
    if (off === 0) return 0;
    if (off + size > this.tlen) this.fb.fail(`${this.name}: field ${slot} lies outside its table`);
    return this.pos + off;
  }

  has(slot: number): boolean {
    return this.field(slot, 1) !== 0;
  }
  u8(slot: number, dflt = 0): number {
    const p = this.field(slot, 1);
    return p ? this.fb.u8(p) : dflt;
  }
  bool(slot: number, dflt = false): boolean {
    const p = this.field(slot, 1);
    if (!p) return dflt;
    const v = this.fb.u8(p);
    if (v > 1) this.fb.fail(`${this.name}: field ${slot} is not a boolean (${v})`);
    return v === 1;
  }
  i16(slot: number, dflt = 0): number {
    const p = this.field(slot, 2);
    return p ? this.fb.i16(p) : dflt;
  }
  i32(slot: number, dflt = 0): number {
    const p = this.field(slot, 4);
    return p ? this.fb.i32(p) : dflt;
  }
  i64(slot: number, dflt = 0): number {
    const p = this.field(slot, 8);
    return p ? this.fb.i64(p) : dflt;
  }
  private ref(slot: number): number {
    const p = this.field(slot, 4);
    return p ? p + this.fb.u32(p) : 0;
  }
  table(slot: number, name: string): FbTable | null {
    const p = this.ref(slot);
    return p ? this.fb.tableAt(p, `${this.name}.${name}`) : null;
  }
  string(slot: number, name: string): string | null {
    const p = this.ref(slot);
    return p ? this.fb.string(p, `${this.name}.${name}`) : null;
  }
  /** Vector of tables. */
  tables(slot: number, name: string): FbTable[] {
    const { start, length } = this.vector(slot, 4, name);
    const out: FbTable[] = [];
    for (let i = 0; i < length; i++) {
      const p = start + i * 4;
      out.push(this.fb.tableAt(p + this.fb.u32(p), `${this.name}.${name}[${i}]`));
    }
    return out;
  }
  /** Vector of fixed-size elements (structs or scalars): returns the first element's position. */
  vector(slot: number, elemSize: number, name: string): { start: number; length: number } {
    const p = this.ref(slot);
    if (!p) return { start: 0, length: 0 };
    const length = this.fb.u32(p);
    if (p + 4 + length * elemSize > this.fb.bytes.byteLength)
      this.fb.fail(`${this.name}.${name}: vector of ${length} runs past the buffer`);
    return { start: p + 4, length };
  }
  get buf(): FlatBuf {
    return this.fb;
  }
}
